#include "report/report_model.h"

#include <algorithm>

#include "fmt/format.h"
#include "fmt/ranges.h"

namespace highport::report {
namespace {

using analysis::FlowClass;
using analysis::FlowEntry;

std::string Join(const std::set<std::string>& items) {
  return fmt::format("{}", fmt::join(items, ", "));
}

PortView& PortOf(ServerView& s, std::map<std::pair<Proto, uint16_t>, size_t>& index, Proto proto,
                 uint16_t port) {
  auto [it, added] = index.emplace(std::pair{proto, port}, s.ports.size());
  if (added) {
    s.ports.push_back({});
    s.ports.back().proto = proto;
    s.ports.back().port = port;
  }
  return s.ports[it->second];
}

ServerView FromFacts(const plan::HostFacts& h) {
  ServerView s;
  s.name = h.entry.name;
  s.addresses = h.entry.addresses;
  s.address_set = h.addresses;
  s.role = h.entry.role;
  s.platform = h.entry.platform;
  s.has_inventory = h.has_inventory;
  s.peak_rpc = h.peak_rpc;
  std::map<std::pair<Proto, uint16_t>, size_t> index;
  for (const FlowEntry* f : h.flows) {
    PortView& p = PortOf(s, index, f->key.proto, f->key.port);
    p.dynamic = p.dynamic || f->dynamic;
    p.problematic = p.problematic || f->flow_class == FlowClass::kProblematic;
    PortClientUse& use = p.clients[f->key.client];
    use.connections += f->connections;
    use.problematic = use.problematic || f->flow_class == FlowClass::kProblematic;
    p.flows += 1;
    p.connections += f->connections;
    if (p.what.empty()) {
      if (!f->interfaces.empty()) {
        p.what = "RPC: " + Join({f->interfaces.begin(), f->interfaces.end()});
      } else {
        p.what = f->service;
      }
    }
    s.interfaces.insert(f->interfaces.begin(), f->interfaces.end());
    s.clients.insert(f->key.client);
    s.flows += 1;
    s.problematic_flows += f->flow_class == FlowClass::kProblematic;
  }
  for (const auto& [port, names] : h.rpc_ports) {
    PortView& p = PortOf(s, index, Proto::kTcp, port);
    p.dynamic = true;  // the RPC runtime placed these interfaces here
    if (p.what.empty() || !p.what.starts_with("RPC:")) p.what = "RPC: " + Join(names);
    s.interfaces.insert(names.begin(), names.end());
  }
  for (const Socket& listener : h.listeners) {
    Socket joined = listener;
    joined.services = h.ServicesOf(listener);
    // netstat -ano names the pid only; tasklist names its image.
    if (joined.process.empty() && joined.pid) {
      if (auto it = h.processes.find(*joined.pid); it != h.processes.end()) {
        joined.process = it->second.image;
      }
    }
    PortView& p = PortOf(s, index, listener.local.proto, listener.local.port);
    p.listening = true;
    if (p.what.empty() && !joined.process.empty()) {
      p.what = joined.services.empty()
                   ? joined.process
                   : fmt::format("{} ({})", joined.process, fmt::join(joined.services, ", "));
    }
    s.listeners.push_back(std::move(joined));
  }
  std::sort(s.listeners.begin(), s.listeners.end(), [](const Socket& a, const Socket& b) {
    return std::tie(a.local.proto, a.local.port, a.local.address) <
           std::tie(b.local.proto, b.local.port, b.local.address);
  });
  std::stable_sort(s.ports.begin(), s.ports.end(), [](const PortView& a, const PortView& b) {
    return std::tuple(!a.problematic, !a.dynamic, -static_cast<int64_t>(a.connections), a.proto,
                      a.port) < std::tuple(!b.problematic, !b.dynamic,
                                           -static_cast<int64_t>(b.connections), b.proto, b.port);
  });
  return s;
}

void JoinPlan(ServerView& s, const plan::Plan& plan) {
  if (const plan::HostEntry* entry = plan.FindHost(s.name)) {
    s.role = entry->role;
    s.platform = entry->platform;
    for (const std::string& a : entry->addresses) {
      if (std::find(s.addresses.begin(), s.addresses.end(), a) == s.addresses.end()) {
        s.addresses.push_back(a);
        if (auto parsed = IpAddress::Parse(a)) s.address_set.insert(*parsed);
      }
    }
  }
  s.range = plan.RangeFor(s.name);
  for (const plan::PinProposal& p : plan.pins) {
    if (p.host == s.name) s.pins.push_back(&p);
  }
  for (const plan::MinimiseProposal& m : plan.minimise) {
    if (m.host == s.name) s.minimise.push_back(&m);
  }
  for (const plan::FirewallRule& r : plan.firewall.rules) {
    for (const std::string& server : r.servers) {
      if (std::find(s.addresses.begin(), s.addresses.end(), server) != s.addresses.end()) {
        s.rules.push_back(&r);
        break;
      }
    }
  }
}

// A host seen only as the destination of traffic to loopback (netstat's
// ESTABLISHED rows to 127.0.0.1), multicast (LLMNR's 224.0.0.252) or
// broadcast is no server of the network: no card, no count. Its flows stay
// in the tables.
bool IsServer(const plan::HostFacts& h) {
  if (h.has_inventory || !h.registrations.empty() || h.flows.empty()) return true;
  // A loopback "host" has no address of its own (host_facts.h): its flows say.
  return std::any_of(h.flows.begin(), h.flows.end(), [](const FlowEntry* f) {
    const IpAddress& a = f->key.server;
    return !a.is_loopback() && !a.is_unspecified() && !a.is_multicast() && !a.is_broadcast();
  });
}

// A server the plan leaves to egress (allow_list.h): every address of it is
// among the plan's outside servers, and nothing but traffic speaks of it (a
// host with an inventory or an endpoint mapper is one of the network's own,
// whatever its address).
bool IsOutside(const ServerView& s, const std::vector<std::string>& outside_servers) {
  if (s.has_inventory || !s.interfaces.empty() || s.addresses.empty()) return false;
  return std::all_of(s.addresses.begin(), s.addresses.end(), [&](const std::string& a) {
    // Sorted by address, not as text: a plain search (the list is short).
    return std::find(outside_servers.begin(), outside_servers.end(), a) != outside_servers.end();
  });
}

}  // namespace

std::string ClientBlock(const IpAddress& address) {
  std::array<uint8_t, 16> bytes = address.bytes();
  if (address.is_v4()) {
    return fmt::format("{}.{}.{}.0/24", bytes[0], bytes[1], bytes[2]);
  }
  for (size_t i = 8; i < 16; ++i) bytes[i] = 0;
  return IpAddress::V6(bytes).ToString() + "/64";
}

std::vector<ServerView> BuildServerViews(const ReportModelInput& in) {
  static const std::vector<ingest::SocketInventory> kNoInventories;
  static const std::vector<FlowEntry> kNoFlows;
  static const std::map<IpAddress, uint64_t> kNoPeaks;
  static const std::map<std::pair<IpAddress, uint16_t>, std::vector<std::string>> kNoRpcPorts;
  plan::HostFactsInput facts_input{in.inventories ? in.inventories : &kNoInventories,
                                   in.flows ? in.flows : &kNoFlows,
                                   in.peaks ? in.peaks : &kNoPeaks,
                                   in.rpc_ports ? in.rpc_ports : &kNoRpcPorts,
                                   in.catalog ? in.catalog : &catalog::Catalog::Get()};
  std::vector<ServerView> out;
  for (const plan::HostFacts& h : plan::GatherHostFacts(facts_input)) {
    if (!IsServer(h)) continue;
    out.push_back(FromFacts(h));
  }
  if (in.plan) {
    for (const plan::HostEntry& entry : in.plan->hosts) {
      bool known = std::any_of(out.begin(), out.end(),
                               [&](const ServerView& s) { return s.name == entry.name; });
      if (!known) {
        ServerView s;
        s.name = entry.name;
        out.push_back(std::move(s));
      }
    }
    for (ServerView& s : out) {
      JoinPlan(s, *in.plan);
      s.outside = IsOutside(s, in.plan->firewall.outside_servers);
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ServerView& a, const ServerView& b) {
    return std::tuple(a.outside, -static_cast<int64_t>(a.problematic_flows), a.name) <
           std::tuple(b.outside, -static_cast<int64_t>(b.problematic_flows), b.name);
  });
  return out;
}

}  // namespace highport::report
