#include "plan/verify.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "fmt/format.h"
#include "model/ip_address.h"
#include "plan/cidr.h"

namespace highport::plan {
namespace {

constexpr uint16_t kEpmPort = 135;
constexpr uint16_t kRpcOverHttpPort = 593;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string InterfaceName(const RpcRegistration& r, const catalog::Catalog& catalog) {
  if (const auto* known = catalog.FindRpcInterface(r.uuid, r.version_major, r.version_minor)) {
    return known->name;
  }
  return r.annotation.empty() ? r.uuid : r.annotation;
}

bool IsTcpRegistration(const RpcRegistration& r) {
  return r.protocol == "ncacn_ip_tcp" && r.endpoint && r.endpoint->proto == Proto::kTcp;
}

// port -> interface names registered there (ncacn_ip_tcp only).
std::map<uint16_t, std::set<std::string>> RegisteredPorts(const EpmFindings& epm,
                                                         const catalog::Catalog& catalog) {
  std::map<uint16_t, std::set<std::string>> out;
  for (const RpcRegistration& r : epm.registrations) {
    if (IsTcpRegistration(r)) out[r.endpoint->port].insert(InterfaceName(r, catalog));
  }
  return out;
}

std::string Join(const std::set<std::string>& names) { return fmt::format("{}", fmt::join(names, ", ")); }

// What is known of a port: the endpoint mapper's interfaces, else the catalog's name.
std::string WhatListens(uint16_t port, const std::map<uint16_t, std::set<std::string>>& registered,
                        const catalog::Catalog& catalog) {
  if (auto it = registered.find(port); it != registered.end()) {
    return fmt::format("the endpoint mapper lists {} there", Join(it->second));
  }
  if (const catalog::PortEntry* known = catalog.FindPort(Proto::kTcp, port)) {
    return fmt::format("{} by the catalog", known->name);
  }
  return "no service known for it";
}

// Does a pin stand for this interface? By the interfaces that move with it,
// by its service's name (Samba pins name the interface), or by the catalog's
// hosting services (Windows pins name the service).
bool PinCovers(const PinProposal& pin, const RpcRegistration& r, const std::string& name,
               const catalog::Catalog& catalog) {
  auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
  };
  for (const std::string& i : pin.interfaces) {
    if (same(i, name)) return true;
  }
  if (same(pin.service, name)) return true;
  if (!pin.interfaces.empty()) return false;
  if (const auto* known = catalog.FindRpcInterface(r.uuid, r.version_major, r.version_minor)) {
    for (const std::string& s : known->services) {
      if (same(s, pin.service)) return true;
    }
  }
  return false;
}

std::vector<const PinProposal*> PinsOf(const Plan& plan, const HostEntry& host) {
  std::vector<const PinProposal*> out;
  for (const PinProposal& p : plan.pins) {
    if (p.host == host.name) out.push_back(&p);
  }
  return out;
}

class Verifier {
 public:
  Verifier(const Plan& plan, const HostEntry& host, const ScanFindings& scan, const EpmFindings& epm,
           const catalog::Catalog& catalog, HostVerification& out)
      : plan_(plan), host_(host), scan_(scan), epm_(epm), catalog_(catalog), out_(out),
        range_(plan.RangeFor(host.name)), pins_(PinsOf(plan, host)),
        registered_(RegisteredPorts(epm, catalog)) {
    for (const std::string& l : host.listeners) {
      if (auto parsed = ParseListener(l); parsed && parsed->proto == Proto::kTcp) {
        listeners_.insert(parsed->port);
      }
    }
  }

  void Add(VerifyCheck check, DifferenceKind kind, uint16_t port, std::string text) {
    out_.differences.push_back({check, kind, port, std::move(text)});
  }

  std::string RangeText() const {
    return range_ ? fmt::format("the planned range {}", range_->range.ToString())
                  : std::string("no planned range (the plan has none for this host)");
  }

  bool Pinned(uint16_t port) const {
    return std::any_of(pins_.begin(), pins_.end(), [&](const PinProposal* p) { return p->port == port; });
  }

  bool InRange(uint16_t port) const { return range_ && range_->range.Contains(port); }

  void Ports() {
    for (uint16_t port : scan_.open) {
      if (port == kEpmPort || port == kRpcOverHttpPort || listeners_.count(port) || Pinned(port) ||
          InRange(port)) {
        continue;
      }
      Add(VerifyCheck::kPorts, DifferenceKind::kUnexpectedPort, port,
          fmt::format("tcp/{} is open but not expected: not one of the host's static listeners, "
                      "not 135/593, not pinned, outside {}; {}",
                      port, RangeText(), WhatListens(port, registered_, catalog_)));
    }
    // The other way round: what listened when the evidence was taken still
    // answers. A port the plan stops is the minimise check's business.
    for (uint16_t port : listeners_) {
      if (!Probed(port) || Open(port) || Minimised(port)) continue;
      Add(VerifyCheck::kPorts, DifferenceKind::kListenerClosed, port,
          fmt::format("tcp/{} listened when the evidence was taken and is not open to the scanner "
                      "now ({}): is the service running, or does a firewall block it?",
                      port, WhatListens(port, registered_, catalog_)));
    }
  }

  bool EpmAnswered() {
    if (epm_.asked && epm_.status == "ok") return true;
    std::string why = !epm_.asked ? std::string("the endpoint mapper was not asked")
                                  : fmt::format("the endpoint mapper did not answer ({}{}{})",
                                                epm_.status, epm_.detail.empty() ? "" : ": ",
                                                epm_.detail);
    if (range_ || !pins_.empty()) {
      // The plan puts RPC servers on this host: not seeing them is not a match.
      Add(VerifyCheck::kRpc, DifferenceKind::kEpmUnavailable, kEpmPort,
          fmt::format("{}, so the RPC registrations cannot be compared with {} and the pins", why,
                      RangeText()));
    } else {
      out_.notes.push_back(fmt::format("rpc: {}; the plan has no RPC range or pin for this host", why));
    }
    // Registrations read before a timeout are still compared.
    return !epm_.registrations.empty();
  }

  void Rpc() {
    if (!EpmAnswered()) return;
    for (const auto& [port, names] : registered_) {
      if (port == kEpmPort || port == kRpcOverHttpPort || InRange(port) || Pinned(port)) continue;
      Add(VerifyCheck::kRpc, DifferenceKind::kRpcOutsideRange, port,
          fmt::format("tcp/{}: {} registered with the endpoint mapper outside {}{}", port,
                      Join(names), RangeText(), OpenNote(port)));
    }
    for (const PinProposal* pin : pins_) {
      std::set<uint16_t> ports;
      std::set<std::string> names;
      for (const RpcRegistration& r : epm_.registrations) {
        if (!IsTcpRegistration(r)) continue;
        std::string name = InterfaceName(r, catalog_);
        if (!PinCovers(*pin, r, name, catalog_)) continue;
        names.insert(name);
        ports.insert(r.endpoint->port);
      }
      std::vector<std::string> elsewhere;
      for (uint16_t p : ports) {
        if (p != pin->port) elsewhere.push_back(fmt::format("tcp/{}", p));
      }
      if (!elsewhere.empty()) {
        Add(VerifyCheck::kRpc, DifferenceKind::kPinElsewhere, pin->port,
            fmt::format("{} ({}) is registered on {}, not only on its pinned port tcp/{}",
                        Join(names), pin->id, fmt::join(elsewhere, ", "), pin->port));
      } else if (ports.empty() && !Probed(pin->port)) {
        out_.notes.push_back(fmt::format("rpc: {} ({}): nothing registered for it, and tcp/{} was "
                                         "not scanned", pin->service, pin->id, pin->port));
      } else if (ports.empty() && !Open(pin->port)) {
        out_.notes.push_back(fmt::format("rpc: {} ({}): nothing registered for it and tcp/{} is not "
                                         "open; is the service running?",
                                         pin->service, pin->id, pin->port));
      }
    }
  }

  void Minimise() {
    for (const MinimiseProposal& m : plan_.minimise) {
      if (m.host != host_.name) continue;
      for (const std::string& text : m.listeners) {
        std::optional<ListenerPort> l = ParseListener(text);
        if (!l) {
          out_.notes.push_back(fmt::format("minimise: {}: '{}' is not PROTO/PORT; not checked", m.id, text));
        } else if (l->proto != Proto::kTcp) {
          out_.notes.push_back(fmt::format("minimise: {} ({}): {} not checked (a TCP scan does not see UDP)",
                                           m.service, m.id, text));
        } else if (!Probed(l->port)) {
          out_.notes.push_back(fmt::format("minimise: {} ({}): {} was not scanned", m.service, m.id, text));
        } else if (Open(l->port)) {
          Add(VerifyCheck::kMinimise, DifferenceKind::kMinimisedListens, l->port,
              fmt::format("{} ({}) still listens on tcp/{}; the plan says: {}", m.service, m.id, l->port,
                          MinimiseActionName(m.action)));
        }
      }
    }
  }

  void Firewall() {
    std::optional<IpAddress> source = IpAddress::Parse(scan_.source_address);
    if (!source) {
      out_.notes.push_back("firewall: the scanner's own address is not known; not checked");
      return;
    }
    std::set<IpAddress> own;
    for (const std::string& a : host_.addresses) {
      if (auto parsed = IpAddress::Parse(a)) own.insert(*parsed);
    }
    std::optional<IpAddress> scanned = IpAddress::Parse(scan_.address);
    if (scanned) own.insert(*scanned);
    if (source->is_loopback() || own.count(*source)) {
      out_.notes.push_back(fmt::format("firewall: scanned from the host itself ({}); a host firewall "
                                       "does not filter that, so the allow-list is not checked",
                                       scan_.source_address));
      return;
    }
    for (uint16_t port : scan_.open) {
      if (Allowed(own, *source, port)) continue;
      Add(VerifyCheck::kFirewall, DifferenceKind::kFirewallReachable, port,
          fmt::format("tcp/{} is reachable from {}; the allow-list does not allow it from there", port,
                      scan_.source_address));
    }
  }

 private:
  bool Minimised(uint16_t port) const {
    for (const MinimiseProposal& m : plan_.minimise) {
      if (m.host != host_.name) continue;
      for (const std::string& text : m.listeners) {
        std::optional<ListenerPort> l = ParseListener(text);
        if (l && l->proto == Proto::kTcp && l->port == port) return true;
      }
    }
    return false;
  }
  bool Probed(uint16_t port) const {
    return std::binary_search(scan_.probed.begin(), scan_.probed.end(), port);
  }
  bool Open(uint16_t port) const { return std::binary_search(scan_.open.begin(), scan_.open.end(), port); }
  std::string OpenNote(uint16_t port) const {
    if (!Probed(port)) return "";
    return Open(port) ? " (and open)" : " (not open to the scanner)";
  }

  bool Allowed(const std::set<IpAddress>& servers, const IpAddress& client, uint16_t port) const {
    for (const FirewallRule& rule : plan_.firewall.rules) {
      if (rule.proto != Proto::kTcp) continue;
      bool server = std::any_of(rule.servers.begin(), rule.servers.end(), [&](const std::string& s) {
        auto a = IpAddress::Parse(s);
        return a && servers.count(*a);
      });
      if (!server) continue;
      bool ported = std::any_of(rule.ports.begin(), rule.ports.end(),
                                [&](const PortRange& r) { return r.Contains(port); });
      if (!ported) continue;
      for (const std::string& c : rule.clients) {
        if (auto block = ParseCidr(c); block && block->Contains(client)) return true;
      }
    }
    return false;
  }

  const Plan& plan_;
  const HostEntry& host_;
  const ScanFindings& scan_;
  const EpmFindings& epm_;
  const catalog::Catalog& catalog_;
  HostVerification& out_;
  const RpcRangeProposal* range_;
  std::vector<const PinProposal*> pins_;
  std::map<uint16_t, std::set<std::string>> registered_;
  std::set<uint16_t> listeners_;
};

}  // namespace

std::string_view VerifyCheckName(VerifyCheck check) {
  switch (check) {
    case VerifyCheck::kPorts: return "ports";
    case VerifyCheck::kRpc: return "rpc";
    case VerifyCheck::kMinimise: return "minimise";
    case VerifyCheck::kFirewall: return "firewall";
  }
  return "?";
}

bool VerifyChecks::Has(VerifyCheck check) const {
  switch (check) {
    case VerifyCheck::kPorts: return ports;
    case VerifyCheck::kRpc: return rpc;
    case VerifyCheck::kMinimise: return minimise;
    case VerifyCheck::kFirewall: return firewall;
  }
  return false;
}

std::vector<VerifyCheck> VerifyChecks::List() const {
  std::vector<VerifyCheck> out;
  for (VerifyCheck c : {VerifyCheck::kPorts, VerifyCheck::kRpc, VerifyCheck::kMinimise, VerifyCheck::kFirewall}) {
    if (Has(c)) out.push_back(c);
  }
  return out;
}

Result<VerifyChecks> ParseVerifyChecks(std::string_view text) {
  if (Trim(text) == "all") return VerifyChecks{};
  VerifyChecks checks{false, false, false, false};
  size_t item = 0;
  while (true) {
    ++item;
    size_t comma = text.find(',');
    std::string_view one = Trim(text.substr(0, comma));
    bool* flag = one == "ports"      ? &checks.ports
                 : one == "rpc"      ? &checks.rpc
                 : one == "minimise" || one == "minimize" ? &checks.minimise
                 : one == "firewall" ? &checks.firewall
                                     : nullptr;
    if (flag == nullptr) {
      return Error{fmt::format("item {} '{}' is not a check (ports, rpc, minimise, firewall, or all)",
                               item, one)};
    }
    if (*flag) return Error{fmt::format("item {} '{}' is named twice", item, one)};
    *flag = true;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return checks;
}

std::string_view DifferenceKindName(DifferenceKind kind) {
  switch (kind) {
    case DifferenceKind::kUnexpectedPort: return "unexpected-port";
    case DifferenceKind::kListenerClosed: return "listener-closed";
    case DifferenceKind::kRpcOutsideRange: return "rpc-outside-range";
    case DifferenceKind::kPinElsewhere: return "pin-elsewhere";
    case DifferenceKind::kEpmUnavailable: return "epm-unavailable";
    case DifferenceKind::kMinimisedListens: return "minimised-listens";
    case DifferenceKind::kFirewallReachable: return "firewall-reachable";
  }
  return "?";
}

const HostEntry* FindPlanHost(const Plan& plan, std::string_view name_or_address) {
  if (const HostEntry* h = plan.FindHost(name_or_address)) return h;
  std::optional<IpAddress> wanted = IpAddress::Parse(name_or_address);
  if (!wanted) return nullptr;
  for (const HostEntry& h : plan.hosts) {
    for (const std::string& a : h.addresses) {
      if (IpAddress::Parse(a) == wanted) return &h;
    }
  }
  return nullptr;
}

std::vector<PortRange> PortsToVerify(const Plan& plan, const HostEntry& host) {
  std::vector<PortRange> out{{kEpmPort, kEpmPort}, {kRpcOverHttpPort, kRpcOverHttpPort}};
  for (const std::string& l : host.listeners) {
    if (auto parsed = ParseListener(l); parsed && parsed->proto == Proto::kTcp) {
      out.push_back({parsed->port, parsed->port});
    }
  }
  for (const PinProposal& p : plan.pins) {
    if (p.host == host.name) out.push_back({p.port, p.port});
  }
  for (const MinimiseProposal& m : plan.minimise) {
    if (m.host != host.name) continue;
    for (const std::string& l : m.listeners) {
      if (auto parsed = ParseListener(l); parsed && parsed->proto == Proto::kTcp) {
        out.push_back({parsed->port, parsed->port});
      }
    }
  }
  if (const RpcRangeProposal* range = plan.RangeFor(host.name)) out.push_back(range->range);
  out.push_back(host.tcp_ephemeral.value_or(kWindowsDynamicRange));
  return out;
}

HostVerification VerifyHost(const Plan& plan, const HostEntry& host, const ScanFindings& scan,
                            const EpmFindings& epm, const VerifyChecks& checks,
                            const catalog::Catalog& catalog) {
  HostVerification out;
  out.host = host.name;
  out.address = scan.address;
  out.source_address = scan.source_address;
  out.checks = checks.List();
  ScanFindings sorted = scan;  // the checks look ports up by binary search
  for (auto* ports : {&sorted.probed, &sorted.open}) {
    std::sort(ports->begin(), ports->end());
    ports->erase(std::unique(ports->begin(), ports->end()), ports->end());
  }
  Verifier v(plan, host, sorted, epm, catalog, out);
  if (checks.ports) v.Ports();
  if (checks.rpc) v.Rpc();
  if (checks.minimise) v.Minimise();
  if (checks.firewall) v.Firewall();
  return out;
}

}  // namespace highport::plan
