#include "plan/pin_planner.h"

#include <algorithm>
#include <set>

#include "fmt/format.h"

namespace highport::plan {
namespace {

constexpr uint16_t kWmiFixedPort = 24158;  // winmgmt /standalonehost
constexpr uint16_t kLastPinPort = 49151;

// The order pins are proposed in, and their preferred ports.
const std::vector<std::pair<std::string_view, uint16_t>>& PreferredPorts() {
  static const std::vector<std::pair<std::string_view, uint16_t>> ports = {
      {"NTDS", 38901},          {"Netlogon", 38902},     {"NtFrs", 38903},
      {"DFSR", 38904},          {"CertSvc", 38905},      {"MSExchangeRPC", 38906},
      {"MSExchangeAB", 38907},  {"Winmgmt", kWmiFixedPort},
      // Samba: per interface.
      {"drsuapi", 38901},       {"netlogon", 38902},
  };
  return ports;
}

uint16_t PreferredPort(std::string_view service) {
  for (const auto& [name, port] : PreferredPorts()) {
    if (name == service) return port;
  }
  return 38910;
}

size_t Order(std::string_view service) {
  const auto& ports = PreferredPorts();
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].first == service) return i;
  }
  return ports.size();
}

// Why we think the service runs on a dynamic port of this host.
struct Sighting {
  std::vector<EvidenceItem> evidence;
  std::set<IpAddress> clients;
  uint64_t connections = 0;
};

// Windows: services seen on dynamic ports, by interface and by listener owner.
std::map<std::string, Sighting> WindowsServicesSeen(const HostFacts& h,
                                                    const catalog::Catalog& catalog) {
  std::map<std::string, Sighting> seen;
  auto note_interface = [&](uint16_t port, const std::string& name, const std::string& source) {
    for (const catalog::RpcInterfaceEntry& e : catalog.rpc_interfaces()) {
      if (e.name != name) continue;
      for (const std::string& service : e.services) {
        auto& s = seen[service];
        if (s.evidence.size() < 4) {
          s.evidence.push_back({"rpc-registration",
                                fmt::format("{} tcp/{}: {}", h.entry.name, port, name), source});
        }
      }
      break;
    }
  };
  for (const RpcRegistration& r : h.registrations) {
    if (r.endpoint->port == 135 || r.endpoint->port == 593) continue;
    if (const auto* known = catalog.FindRpcInterface(r.uuid, r.version_major, r.version_minor)) {
      note_interface(r.endpoint->port, known->name, r.source.ToString());
    }
  }
  for (const auto& [port, names] : h.rpc_ports) {
    for (const std::string& name : names) note_interface(port, name, "");
  }
  // Listeners of the socket lists, then those a firewall log's pid named
  // (a dynamic port no snapshot caught open).
  auto note_listener = [&](const Socket& s, std::string_view kind) {
    if (s.local.proto != Proto::kTcp) return;
    const PortRange ephemeral = h.tcp_dynamic_range.value_or(kWindowsDynamicRange);
    if (!ephemeral.Contains(s.local.port) && h.rpc_ports.count(s.local.port) == 0) return;
    for (const std::string& service : h.ServicesOf(s)) {
      auto& sight = seen[service];
      if (sight.evidence.size() < 4) {
        sight.evidence.push_back({std::string(kind),
                                  fmt::format("{} tcp/{} {} ({})", h.entry.name, s.local.port,
                                              s.process, service),
                                  s.source.ToString()});
      }
    }
  };
  for (const Socket& s : h.listeners) note_listener(s, "listener");
  for (const Socket& s : h.log_listeners) note_listener(s, "firewall-log-pid");
  // Traffic to the ports those services sit on: who uses them.
  for (const analysis::FlowEntry* f : h.flows) {
    if (!f->dynamic || f->interfaces.empty()) continue;
    for (const std::string& name : f->interfaces) {
      const auto* known = [&]() -> const catalog::RpcInterfaceEntry* {
        for (const auto& e : catalog.rpc_interfaces()) {
          if (e.name == name) return &e;
        }
        return nullptr;
      }();
      if (!known) continue;
      for (const std::string& service : known->services) {
        auto& s = seen[service];
        s.clients.insert(f->key.client);
        s.connections += f->connections;
      }
    }
  }
  return seen;
}

// Samba: the interfaces to pin, where they are registered.
std::map<std::string, Sighting> SambaInterfacesSeen(const HostFacts& h) {
  std::map<std::string, Sighting> seen;
  for (const auto& [port, names] : h.rpc_ports) {
    for (const std::string& name : names) {
      if (name != "drsuapi" && name != "netlogon") continue;
      seen[name].evidence.push_back(
          {"rpc-registration", fmt::format("{} tcp/{}: {}", h.entry.name, port, name), ""});
    }
  }
  return seen;
}

bool TakenOn(const std::vector<const HostFacts*>& hosts, uint16_t port,
             const catalog::Catalog& catalog, const std::set<uint16_t>& used) {
  if (used.count(port) != 0) return true;
  if (catalog.FindPort(Proto::kTcp, port) != nullptr && port != kWmiFixedPort) return true;
  for (const HostFacts* h : hosts) {
    for (const Socket& s : h->listeners) {
      if (s.local.proto == Proto::kTcp && s.local.port == port) {
        // A service already on its pinned port is no conflict for itself.
        return true;
      }
    }
  }
  return false;
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string RestartOf(const catalog::ServiceEntry* entry, const HostFacts& h) {
  if (h.entry.platform == Platform::kSamba) {
    return h.entry.role == Role::kDc ? "service:samba-ad-dc" : "service:smbd";
  }
  if (entry == nullptr || entry->pin_restart.empty() || entry->pin_restart == "-") return "reboot";
  return entry->pin_restart;
}

PinProposal MakePin(const HostFacts& h, const std::string& service, uint16_t port,
                    const catalog::ServiceEntry* entry, Sighting sighting) {
  PinProposal p;
  p.id = fmt::format("pin:{}:{}", h.entry.name, service);
  p.host = h.entry.name;
  p.service = service;
  p.port = port;
  p.restart = RestartOf(entry, h);
  p.evidence = std::move(sighting.evidence);
  if (!sighting.clients.empty()) {
    p.evidence.push_back({"flow",
                          fmt::format("{} client(s), {} connection(s) to its dynamic port",
                                      sighting.clients.size(), sighting.connections),
                          ""});
  }
  if (h.entry.platform == Platform::kSamba) {
    p.kind = PinKind::kSamba;
    p.display_name = service + " (Samba)";
    p.interfaces = {service};
    p.risk = fmt::format(
        "smb.conf `rpc server port:{} = {}` moves this interface only; verify with highport epm "
        "after the restart.",
        service, port);
    return p;
  }
  p.display_name = entry ? entry->display_name : service;
  if (service == "Winmgmt") {
    p.kind = PinKind::kWmi;
    p.command = "winmgmt /standalonehost";
    p.rollback_command = "winmgmt /sharedhost";
    p.risk = "WMI then runs in its own process on TCP 24158; remote WMI clients keep working "
             "through the endpoint mapper.";
    return p;
  }
  if (entry->pin_kind == "command") {
    p.kind = PinKind::kCommand;
    p.command = Replace(Replace(entry->pin_target, "<port>", std::to_string(port)), "<host>",
                        h.entry.name);
    p.rollback_command = Replace(Replace(entry->pin_target, "<port>", "0"), "<host>", h.entry.name);
    p.risk = "dfsrdiag needs the DFS management tools (dism /Online /Enable-Feature "
             "/FeatureName:DfsMgmt on a DC); /Port:0 reverts.";
    return p;
  }
  p.kind = entry->pin_kind == "dcom-appid" ? PinKind::kDcomAppId : PinKind::kRegistry;
  p.key = entry->pin_target;
  p.value_name = entry->pin_value;
  p.value_type = entry->pin_type;
  p.value_data = p.kind == PinKind::kDcomAppId ? fmt::format("ncacn_ip_tcp,0,{}", port)
                                               : std::to_string(port);
  if (service == "NTDS") {
    p.risk = "Configure Netlogon's port too (KB 224196); the static port has no effect on "
             "member servers. Known issues after pinning: KB 2827870, 2912805, 2987849.";
  } else if (service == "Netlogon") {
    p.risk = "Never the same port as NTDS (Netlogon event 5809).";
  } else {
    p.risk = "The service then listens on this port; clients still find it through the "
             "endpoint mapper.";
  }
  return p;
}

}  // namespace

std::vector<PinProposal> PlanPins(const std::vector<const HostFacts*>& hosts,
                                  const RpcRangeProposal* range, const catalog::Catalog& catalog) {
  // Which services each host shows, then one port per service for the group.
  std::vector<std::pair<const HostFacts*, std::map<std::string, Sighting>>> per_host;
  std::set<std::string> services;
  for (const HostFacts* h : hosts) {
    std::map<std::string, Sighting> seen;
    if (h->entry.platform == Platform::kSamba) {
      seen = SambaInterfacesSeen(*h);
    } else if (h->entry.platform == Platform::kWindows) {
      for (auto& [service, sighting] : WindowsServicesSeen(*h, catalog)) {
        const catalog::ServiceEntry* entry = catalog.FindService(service);
        if (entry == nullptr || !entry->CanBePinned() || !entry->HasRpcDynamicPort()) continue;
        if (entry->pin_kind == "samba" || service == "RpcSs") continue;
        seen[entry->service] = std::move(sighting);
      }
      // KB 224196: on a domain controller NTDS and Netlogon are pinned together.
      if (h->entry.role == Role::kDc && (seen.count("NTDS") || seen.count("Netlogon"))) {
        seen["NTDS"];
        seen["Netlogon"];
      }
      // Elsewhere Netlogon is only a client of the DCs: DCTcpipPort is read by
      // domain controllers alone, and lsass's dynamic port on a member belongs
      // to LSA/SAMR, not to Netlogon, which merely shares the process.
      if (h->entry.role != Role::kDc) {
        seen.erase("Netlogon");
        seen.erase("NTDS");
      }
    }
    for (const auto& [service, _] : seen) services.insert(service);
    per_host.emplace_back(h, std::move(seen));
  }
  std::vector<std::string> ordered(services.begin(), services.end());
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const std::string& a, const std::string& b) { return Order(a) < Order(b); });
  std::map<std::string, uint16_t> port_of;
  std::set<uint16_t> used;
  for (const std::string& service : ordered) {
    uint16_t port = PreferredPort(service);
    if (port != kWmiFixedPort) {
      while (port < kLastPinPort &&
             (TakenOn(hosts, port, catalog, used) || (range && range->range.Contains(port)))) {
        ++port;
      }
    }
    used.insert(port);
    port_of[service] = port;
  }
  std::vector<PinProposal> pins;
  for (auto& [h, seen] : per_host) {
    std::vector<std::string> mine;
    for (const std::string& service : ordered) {
      if (seen.count(service)) mine.push_back(service);
    }
    for (const std::string& service : mine) {
      pins.push_back(MakePin(*h, service, port_of[service], catalog.FindService(service),
                             std::move(seen[service])));
    }
  }
  return pins;
}

}  // namespace highport::plan
