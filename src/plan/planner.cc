#include "plan/planner.h"

#include <map>
#include <set>
#include <tuple>

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "plan/host_facts.h"
#include "plan/minimise_planner.h"
#include "plan/pin_planner.h"
#include "plan/range_planner.h"
#include "text/strings.h"

namespace highport::plan {
namespace {

bool Matches(const HostFacts& h, std::string_view wanted) {
  if (h.entry.name == wanted) return true;
  auto address = IpAddress::Parse(wanted);
  return address && h.addresses.count(*address) != 0;
}

bool Interesting(const HostFacts& h) {
  return h.has_inventory || !h.registrations.empty() || UsesRpc(h);
}

// The process and services listening on a host's TCP port, as the warning
// names them: "agent.exe (AgentSvc)"; empty when no inventory says.
std::string TcpOwnerOf(const HostFacts& h, uint16_t port) {
  for (const Socket& s : h.listeners) {
    if (s.local.proto != Proto::kTcp || s.local.port != port) continue;
    std::string image = s.process;
    if (image.empty() && s.pid) {
      if (auto p = h.processes.find(*s.pid); p != h.processes.end()) image = p->second.image;
    }
    const std::vector<std::string> services = h.ServicesOf(s);
    std::string owner = services.empty() ? image : fmt::format("{} ({})", image, fmt::join(services, ", "));
    if (!owner.empty()) return owner;
  }
  return {};
}

// A host's TCP ports that a service moved from or to outside its dynamic
// range, by that service: it chose them itself (an agent's own port
// setting, a counter from a base port), not the RPC runtime, so the planned
// RPC range will not move it. A service that an endpoint mapper saw on any
// of its ports is an RPC server: its endpoints are the runtime's, and the
// range's. A port the catalog knows is a static service's wherever it moved
// from (the flow table keeps it static, and a rule allows it).
std::map<std::string, std::set<uint16_t>> SelfChosenPortsOf(const HostFacts& h,
                                                            const catalog::Catalog& catalog) {
  const PortRange dynamic = h.tcp_dynamic_range.value_or(kWindowsDynamicRange);
  // By owner whatever the case (Agent.EXE after an update, agent.exe before),
  // named as first seen; a port whose owner no inventory names is on its own.
  std::map<std::string, std::string> named;
  std::map<std::string, std::set<uint16_t>> by_owner;
  std::set<std::string> rpc_servers;
  for (const auto& [proto, port] : h.moved_ports) {
    if (proto != Proto::kTcp || catalog.FindPort(Proto::kTcp, port) != nullptr) continue;
    std::string owner = TcpOwnerOf(h, port);
    const std::string key = owner.empty() ? fmt::format("?{}", port) : text::ToLowerAscii(owner);
    if (owner.empty()) owner = "a service";
    named.try_emplace(key, owner);
    if (h.rpc_ports.count(port)) rpc_servers.insert(key);
    if (!dynamic.Contains(port)) by_owner[key].insert(port);
  }
  std::map<std::string, std::set<uint16_t>> out;  // "a service" may hold several lone ports
  for (auto& [key, ports] : by_owner) {
    if (!rpc_servers.count(key)) out[named[key]].merge(ports);
  }
  return out;
}

std::set<std::tuple<IpAddress, Proto, uint16_t>> SelfChosenPorts(const std::vector<HostFacts*>& hosts,
                                                                 const catalog::Catalog& catalog) {
  std::set<std::tuple<IpAddress, Proto, uint16_t>> out;
  for (const HostFacts* h : hosts) {
    for (const auto& [owner, ports] : SelfChosenPortsOf(*h, catalog)) {
      for (uint16_t port : ports) {
        for (const IpAddress& a : h->addresses) out.emplace(a, Proto::kTcp, port);
      }
    }
  }
  return out;
}

// One warning per service whose ports SelfChosenPortsOf found: neither the
// range nor a pin fixes them, and the allow-list leaves their flows out.
std::vector<std::string> SelfChosenPortWarnings(const HostFacts& h, const catalog::Catalog& catalog) {
  std::vector<std::string> out;
  for (const auto& [owner, ports] : SelfChosenPortsOf(h, catalog)) {
    std::vector<std::string> names;
    for (uint16_t port : ports) names.push_back(fmt::format("tcp/{}", port));
    out.push_back(fmt::format(
        "{}: {} moved {} {} over time, outside the dynamic range: it picks its port itself, "
        "so neither the RPC range nor a pin fixes it; give it a fixed port in its own "
        "configuration, then allow that port (its flows get no rule)",
        h.entry.name, owner, names.size() == 1 ? "from or to" : "between", fmt::join(names, " and ")));
  }
  return out;
}

}  // namespace

std::optional<std::pair<std::string, std::vector<std::string>>> ParseGroup(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == 0 || eq == std::string_view::npos || eq + 1 == text.size()) return std::nullopt;
  std::pair<std::string, std::vector<std::string>> out{std::string(text.substr(0, eq)), {}};
  std::string_view rest = text.substr(eq + 1);
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view one = rest.substr(0, comma);
    if (one.empty()) return std::nullopt;
    out.second.emplace_back(one);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
    if (rest.empty()) return std::nullopt;
  }
  return out;
}

Result<Plan> BuildPlan(const PlanEvidence& e, const PlannerOptions& o) {
  const catalog::Catalog& catalog = *e.catalog;
  std::vector<HostFacts> facts =
      GatherHostFacts({e.inventories, e.flows, e.peaks, e.rpc_ports, e.catalog, e.server_pids});

  // Which hosts: those named (--host, --group), else every host with an
  // inventory or RPC evidence.
  std::vector<HostFacts*> chosen;
  std::set<const HostFacts*> taken;
  auto choose = [&](std::string_view wanted) -> HostFacts* {
    for (HostFacts& h : facts) {
      if (Matches(h, wanted)) {
        if (taken.insert(&h).second) chosen.push_back(&h);
        return &h;
      }
    }
    return nullptr;
  };
  std::vector<std::string> unknown;
  for (const std::string& name : o.hosts) {
    if (!choose(name)) unknown.push_back(name);
  }
  for (const auto& [group, members] : o.groups) {
    for (const std::string& name : members) {
      if (HostFacts* h = choose(name)) {
        h->entry.group = group;
      } else {
        unknown.push_back(name);
      }
    }
  }
  if (!unknown.empty()) {
    std::vector<std::string> known;
    for (const HostFacts& h : facts) known.push_back(h.entry.name);
    return Error{fmt::format("no evidence of host(s) {}; the evidence knows: {}",
                             fmt::join(unknown, ", "),
                             known.empty() ? "no host" : fmt::format("{}", fmt::join(known, ", ")))};
  }
  const bool restricted = !o.hosts.empty() || !o.groups.empty();
  if (!restricted) {
    for (HostFacts& h : facts) {
      if (Interesting(h)) chosen.push_back(&h);
    }
  }

  Plan plan;
  plan.generator = o.generator;
  plan.created = o.created;
  plan.inputs = o.inputs;
  for (HostFacts* h : chosen) {
    if (o.role) h->entry.role = *o.role;
    plan.hosts.push_back(h->entry);
    if (!h->has_inventory) {
      plan.warnings.push_back(fmt::format(
          "{}: no socket inventory; its listeners are known from traffic only, so nothing is "
          "proposed to stop there{}",
          h->entry.name,
          h->entry.platform == Platform::kWindows
              ? ", and it is taken for Windows because it answers RPC (a Samba host needs its ss "
                "output to be planned as Samba)"
              : ""));
    } else if (!o.role) {
      plan.warnings.push_back(fmt::format("{}: role '{}' detected from its listeners; --role "
                                          "overrides it",
                                          h->entry.name, RoleName(h->entry.role)));
    }
    if (h->entry.platform == Platform::kUnknown || h->entry.platform == Platform::kLinux) {
      if (UsesRpc(*h)) {
        plan.warnings.push_back(fmt::format(
            "{}: platform {}; no RPC range or pins proposed for it", h->entry.name,
            PlatformName(h->entry.platform)));
      }
    }
  }

  // Ranges and pins per group, in the order groups first appear.
  const NetworkPorts network = KnownPortsSeen(facts, catalog);
  std::vector<std::string> groups;
  std::map<std::string, std::vector<const HostFacts*>> members;
  for (const HostFacts* h : chosen) {
    if (h->entry.platform != Platform::kWindows && h->entry.platform != Platform::kSamba) continue;
    if (!UsesRpc(*h)) continue;
    if (!members.count(h->entry.group)) groups.push_back(h->entry.group);
    members[h->entry.group].push_back(h);
  }
  RangeOptions range_options{o.range, o.min_ports, 5001};
  std::map<IpAddress, PortRange> rpc_ranges;
  for (const std::string& group : groups) {
    RpcRangeProposal range = PlanRange(group, members[group], network, range_options, catalog);
    for (const std::string& w : range.warnings) plan.warnings.push_back(range.id + ": " + w);
    for (const HostFacts* h : members[group]) {
      for (const IpAddress& a : h->addresses) rpc_ranges[a] = range.range;
    }
    for (PinProposal& pin : PlanPins(members[group], &range, catalog)) {
      plan.pins.push_back(std::move(pin));
    }
    plan.ranges.push_back(std::move(range));
  }

  for (const HostFacts* h : chosen) {
    for (std::string& w : SelfChosenPortWarnings(*h, catalog)) plan.warnings.push_back(std::move(w));
  }

  for (const HostFacts* h : chosen) {
    Role role = h->entry.role;
    for (MinimiseProposal& m : PlanMinimise(*h, role, catalog)) {
      plan.minimise.push_back(std::move(m));
    }
  }

  // The allow-list: flows to the chosen hosts (every flow when none was named).
  std::vector<analysis::FlowEntry> flows;
  std::set<IpAddress> servers;
  for (const HostFacts* h : chosen) servers.insert(h->addresses.begin(), h->addresses.end());
  for (const analysis::FlowEntry& f : *e.flows) {
    if (!restricted || servers.count(f.key.server)) flows.push_back(f);
  }
  std::map<std::tuple<IpAddress, Proto, uint16_t>, std::string> programs;
  AllowListOptions allow = o.allow;
  allow.self_chosen_ports = SelfChosenPorts(chosen, catalog);
  // Hosts the evidence comes from (an inventory, an endpoint-mapper listing)
  // are fenced whatever their address; servers seen in traffic only are
  // fenced when their address is internal (allow_list.h).
  for (const HostFacts& h : facts) {
    if (h.has_inventory || !h.registrations.empty()) {
      allow.own_servers.insert(h.addresses.begin(), h.addresses.end());
    }
  }
  plan.firewall = BuildAllowList(flows, rpc_ranges, programs, allow, catalog);
  return plan;
}

}  // namespace highport::plan
