#include "plan/range_planner.h"

#include <algorithm>

#include "fmt/format.h"

namespace highport::plan {
namespace {

PortRange EphemeralOf(const HostFacts& h) {
  return h.tcp_dynamic_range.value_or(kWindowsDynamicRange);
}

// A listener is static unless the RPC runtime placed it (a registration on
// its port) or it sits in the host's dynamic range with no known service:
// those move into the new range, so they are no conflict.
bool IsStaticListener(const HostFacts& h, const Socket& s, const catalog::Catalog& catalog) {
  if (s.local.proto != Proto::kTcp) return false;
  if (h.rpc_ports.count(s.local.port) != 0) return false;
  if (EphemeralOf(h).Contains(s.local.port) && catalog.FindPort(Proto::kTcp, s.local.port) == nullptr) {
    return false;
  }
  return true;
}

struct Blocked {
  std::map<uint16_t, PortConflict> ports;
  std::vector<std::pair<PortRange, std::string>> ranges;  // ephemeral ranges

  void Add(uint16_t port, PortConflict conflict) { ports.emplace(port, std::move(conflict)); }
  // The first blocked port in r, with why; nothing when r is clear.
  std::optional<PortConflict> FirstIn(PortRange r) const {
    std::optional<PortConflict> best;
    auto it = ports.lower_bound(r.first);
    if (it != ports.end() && it->first <= r.last) best = it->second;
    for (const auto& [range, what] : ranges) {
      if (range.first <= r.last && range.last >= r.first) {
        uint16_t port = std::max(range.first, r.first);
        if (!best || port < best->port) best = PortConflict{port, what, ""};
      }
    }
    return best;
  }
  // Past a conflict: the next port after it (after the whole range for ranges).
  uint32_t After(const PortConflict& c) const {
    for (const auto& [range, what] : ranges) {
      if (range.Contains(c.port) && what == c.what) return uint32_t{range.last} + 1;
    }
    return uint32_t{c.port} + 1;
  }
};

Blocked BlockedFor(const std::vector<const HostFacts*>& hosts, const NetworkPorts& network,
                   const catalog::Catalog& catalog) {
  Blocked b;
  for (const HostFacts* h : hosts) {
    for (const Socket& s : h->listeners) {
      if (!IsStaticListener(*h, s, catalog)) continue;
      const auto* known = catalog.FindPort(Proto::kTcp, s.local.port);
      std::string what = fmt::format("listener tcp/{} on {}{}", s.local.port, h->entry.name,
                                     s.process.empty() ? "" : " (" + s.process + ")");
      if (known) what += " - " + known->name;
      b.Add(s.local.port, {s.local.port, what, s.source.ToString()});
    }
    std::string what = h->tcp_dynamic_range
                           ? fmt::format("TCP ephemeral range of {}", h->entry.name)
                           : fmt::format("TCP ephemeral range of {} (Windows default, assumed)",
                                         h->entry.name);
    b.ranges.push_back({EphemeralOf(*h), what});
  }
  for (const auto& [port, conflict] : network) b.Add(port, conflict);
  // Windows' own fixed ports, seen or not: a range over them breaks the role
  // the day it is installed.
  for (const catalog::PortEntry& p : catalog.ports()) {
    if (p.proto == Proto::kTcp && (p.category == catalog::PortCategory::kWindowsCore ||
                                   p.category == catalog::PortCategory::kWindowsRole)) {
      b.Add(p.port, {p.port, p.name + " (catalog)", ""});
    }
  }
  return b;
}

uint64_t GroupPeak(const std::vector<const HostFacts*>& hosts) {
  uint64_t peak = 0;
  for (const HostFacts* h : hosts) peak = std::max(peak, h->peak_rpc);
  return peak;
}

}  // namespace

bool UsesRpc(const HostFacts& h) {
  if (!h.registrations.empty() || !h.rpc_ports.empty() || h.peak_rpc > 0) return true;
  for (const analysis::FlowEntry* f : h.flows) {
    if (f->key.proto == Proto::kTcp && (f->key.port == 135 || !f->interfaces.empty())) return true;
  }
  return false;
}

NetworkPorts KnownPortsSeen(const std::vector<HostFacts>& hosts, const catalog::Catalog& catalog) {
  NetworkPorts seen;
  for (const HostFacts& h : hosts) {
    for (const Socket& s : h.listeners) {
      if (s.local.proto != Proto::kTcp || s.local.port <= 1024) continue;
      if (const auto* known = catalog.FindPort(Proto::kTcp, s.local.port)) {
        seen.emplace(s.local.port, PortConflict{s.local.port,
                                                fmt::format("{} (listening on {})", known->name,
                                                            h.entry.name),
                                                s.source.ToString()});
      }
    }
    for (const analysis::FlowEntry* f : h.flows) {
      if (f->key.proto != Proto::kTcp || f->key.port <= 1024 || f->dynamic) continue;
      if (const auto* known = catalog.FindPort(Proto::kTcp, f->key.port)) {
        seen.emplace(f->key.port,
                     PortConflict{f->key.port,
                                  fmt::format("{} (in use on {})", known->name, h.entry.name),
                                  f->evidence.empty() ? "" : f->evidence.front().ToString()});
      }
    }
  }
  return seen;
}

RpcRangeProposal PlanRange(const std::string& group, const std::vector<const HostFacts*>& hosts,
                           const NetworkPorts& network, const RangeOptions& options,
                           const catalog::Catalog& catalog) {
  RpcRangeProposal p;
  p.id = "range:" + group;
  p.group = group;
  bool samba = false;
  for (const HostFacts* h : hosts) {
    p.hosts.push_back(h->entry.name);
    samba = samba || h->entry.platform == Platform::kSamba;
  }
  p.observed_peak = GroupPeak(hosts);
  p.min_ports = std::max<uint32_t>(10, options.min_ports);
  if (p.min_ports < 100) {
    p.warnings.push_back(fmt::format(
        "--min-ports {} is below Microsoft's 100: each port carries one concurrent RPC connection, "
        "and a full pool makes RPC servers fail to register (error 87)",
        p.min_ports));
  }
  const uint64_t wanted = std::max<uint64_t>(p.min_ports, 2 * p.observed_peak);
  const Blocked blocked = BlockedFor(hosts, network, catalog);

  if (options.fixed) {
    p.range = *options.fixed;
    if (p.range.size() < wanted) {
      p.warnings.push_back(fmt::format("--range {} holds {} ports; the evidence asks for {}",
                                       p.range.ToString(), p.range.size(), wanted));
    }
    for (uint32_t port = p.range.first; port <= p.range.last;) {
      auto c = blocked.FirstIn({static_cast<uint16_t>(port), p.range.last});
      if (!c) break;
      if (c->what.find("ephemeral") != std::string::npos) {
        PortRange overlap{c->port, p.range.last};
        for (const auto& [range, what] : blocked.ranges) {
          if (what == c->what) overlap.last = std::min(range.last, p.range.last);
        }
        p.ephemeral_overlap = overlap;
        p.warnings.push_back(fmt::format(
            "{} overlaps the {}: outgoing connections may take those ports first; move it with "
            "netsh int ipv4 set dynamicport tcp start= num= (at least 255 ports, start 1025 or "
            "higher)",
            overlap.ToString(), c->what));
      } else {
        p.warnings.push_back(fmt::format("port {} inside --range {} is taken: {}", c->port,
                                         p.range.ToString(), c->what));
      }
      port = blocked.After(*c);
    }
  } else {
    uint32_t start = options.floor;
    bool placed = false;
    while (start + wanted - 1 <= 65535) {
      PortRange candidate{static_cast<uint16_t>(start), static_cast<uint16_t>(start + wanted - 1)};
      auto c = blocked.FirstIn(candidate);
      if (!c) {
        p.range = candidate;
        placed = true;
        break;
      }
      p.avoided.push_back(*c);
      start = blocked.After(*c);
    }
    if (!placed) {
      p.warnings.push_back(fmt::format("no free run of {} ports above {}; give --range", wanted,
                                       options.floor - 1));
      p.range = {options.floor, static_cast<uint16_t>(std::min<uint64_t>(65535, options.floor + wanted - 1))};
    }
  }

  p.restart = samba ? "service:samba" : "reboot";
  p.risk = fmt::format(
      "Every RPC server on {} takes its dynamic port from {} ({} ports) after the restart. "
      "Too few ports exhaust the pool: RPC servers then fail to register (error 87, Netlogon "
      "event 5820). Apply to one host first, then ask its endpoint mapper again (highport epm).",
      fmt::join(p.hosts, ", "), p.range.ToString(), p.range.size());
  for (const HostFacts* h : hosts) {
    if (h->peak_rpc > 0 || !h->flows.empty()) {
      p.evidence.push_back({"peak",
                            fmt::format("{}: at most {} concurrent RPC dynamic connection(s)",
                                        h->entry.name, h->peak_rpc),
                            ""});
    }
    for (const auto& [port, names] : h->rpc_ports) {
      auto where = h->rpc_port_sources.find(port);
      p.evidence.push_back({"rpc-registration",
                            fmt::format("{} tcp/{}: {}", h->entry.name, port, fmt::join(names, ", ")),
                            where == h->rpc_port_sources.end() ? "" : where->second.ToString()});
      if (p.evidence.size() > 12) break;
    }
  }
  return p;
}

}  // namespace highport::plan
