// What to say about a listener, in the order an administrator would think:
//
//  1. Bound to loopback only: nobody on the network reaches it. Fine.
//  2. A port the catalog knows (135, 445, 389, 5665, ...): the catalog's advice.
//     TCP 135 and 593 reached remotely are the front door of every dynamic RPC
//     port, so they are always worth a review.
//  3. A dynamic port (taken from the host's dynamic range, not a fixed
//     service port): this is the high-port problem. If the owning service can
//     be pinned to a static port, say how (registry value, command, restart);
//     if it is an RPC server that cannot, the machine-wide RPC port range is
//     the cure; if nobody knows the owner, it must be identified first.
//  4. Anything else on a fixed port the catalog does not know: identify it
//     and allow it only from the clients that need it.
//
// A service the catalog marks as stoppable adds how to stop it: the second
// seed's minimisation (sc config ... start= demand, NetBIOS per adapter).
#include "analysis/verdict.h"

#include "fmt/format.h"
#include "text/strings.h"

namespace highport::analysis {
namespace {

bool OwnedBy(const Listener& l, std::string_view image) {
  return text::EqualsIgnoreCase(l.process, image);
}

bool HasService(const Listener& l, std::string_view service) {
  for (const std::string& s : l.services) {
    if (text::EqualsIgnoreCase(s, service)) return true;
  }
  return false;
}

std::string PinAction(const catalog::ServiceEntry& s) {
  std::string how;
  if (s.pin_kind == "registry" || s.pin_kind == "dcom-appid") {
    how = fmt::format("pin it: set {} ({}) under {}", s.pin_value.empty() ? "the value" : s.pin_value,
                      s.pin_type.empty() ? "see docs" : s.pin_type, s.pin_target);
  } else {
    how = fmt::format("pin it: {}", s.pin_target);
  }
  if (!s.pin_restart.empty() && s.pin_restart != "none") {
    how += fmt::format(", then {}", s.pin_restart == "reboot" ? "reboot"
                                    : s.pin_restart.starts_with("service:")
                                        ? "restart " + s.pin_restart.substr(8)
                                        : s.pin_restart);
  }
  return how + "; then allow that port only from the clients that use it.";
}

std::string StopNote(const catalog::ServiceEntry* s, bool with_care = false) {
  if (s == nullptr || s->stop_how.empty()) return {};
  if (s->can_stop != "yes" && !(with_care && s->can_stop == "with-care")) return {};
  std::string note = fmt::format(" If this host does not need {}: {}", s->service, s->stop_how);
  if (!s->dependents.empty()) {
    std::string list;
    for (const std::string& d : s->dependents) list += (list.empty() ? "" : ", ") + d;
    note += fmt::format(" (also set its dependents to demand: {})", list);
  }
  return note + ".";
}

std::string Owner(const InventoryEntry& e) {
  const Listener& l = e.listener;
  if (e.service_entry && !e.service_entry->display_name.empty()) {
    return fmt::format("{} ({})", e.service_entry->display_name, e.service_entry->service);
  }
  if (!l.services.empty()) return l.services.front();
  if (!l.process.empty()) return l.process;
  return "unknown owner";
}

void JudgeDynamic(InventoryEntry& e, const Host& host) {
  const Listener& l = e.listener;
  Verdict& v = e.verdict;
  const catalog::ServiceEntry* s = e.service_entry;
  std::string range = host.tcp_dynamic_range.ToString();
  bool all_addresses = l.local.address.is_unspecified();

  if (l.local.proto == Proto::kUdp) {
    v = {"udp-dynamic", Severity::kReview,
         fmt::format("UDP socket of {} on a dynamic port", Owner(e)),
         "Usually a client socket (DNS client, SSDP, mDNS); nothing to pin. Block unsolicited "
         "inbound UDP to the dynamic range." + StopNote(s)};
    return;
  }
  bool lsass = OwnedBy(l, "lsass.exe");
  if (lsass) {
    // One lsass port carries every LSA interface (LSARPC, SAMR, Netlogon, DRSUAPI).
    bool dc = HasService(l, "NTDS") || HasService(l, "Kdc");
    std::string action =
        dc ? "Domain controller: pin NTDS replication (\"TCP/IP Port\" under "
             "HKLM\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters) and Netlogon "
             "(DCTcpipPort under ...\\Services\\Netlogon\\Parameters) to two different ports "
             "in 1024-49151, reboot; then allow them only from the domain's clients and DCs."
           : "Restrict the RPC port range (HKLM\\Software\\Microsoft\\Rpc\\Internet Ports, "
             "reboot) and allow it only from the clients that use RPC.";
    if (all_addresses && !dc) {
      action += " On an isolated host `netsh rpc add 127.0.0.0` (then reboot) binds RPC to "
                "loopback.";
    }
    v = {"lsa-rpc-dynamic", Severity::kAct, "LSA RPC on a dynamic port (pin or fence)",
         std::move(action)};
    return;
  }
  if (s && s->CanBePinned() && s->HasRpcDynamicPort()) {
    v = {"rpc-dynamic-pinnable", Severity::kAct,
         fmt::format("{} RPC on a dynamic port (pin or fence)", Owner(e)), PinAction(*s)};
    return;
  }
  // The endpoint mapper's word that an interface sits here beats any guess from the owner.
  bool rpc_host = !e.rpc_interfaces.empty() || (s && s->HasRpcDynamicPort()) ||
                  OwnedBy(l, "services.exe") ||
                  OwnedBy(l, "wininit.exe") || OwnedBy(l, "spoolsv.exe");
  if (rpc_host) {
    std::string summary = fmt::format("{} RPC on a dynamic port (fence)", Owner(e));
    std::string action =
        "Restrict the RPC port range (HKLM\\Software\\Microsoft\\Rpc\\Internet Ports, "
        "reboot) and allow it only from the clients that use RPC.";
    if (all_addresses) {
      action += " RPC is bound to all addresses: on an isolated host `netsh rpc add 127.0.0.0` "
                "(then reboot) binds it to loopback.";
    }
    v = {"rpc-dynamic", Severity::kAct, std::move(summary),
         std::move(action) + StopNote(s)};
    return;
  }
  if (s) {
    v = {"service-dynamic", Severity::kAct,
         fmt::format("{} on a dynamic port", Owner(e)),
         fmt::format("A dynamic port of {} can move at every restart: allow it only from the "
                     "clients that use it.",
                     s->service) +
             StopNote(s)};
    return;
  }
  v = {"dynamic-unknown", Severity::kAct,
       fmt::format("{} on a dynamic port ({})", Owner(e), range),
       "Identify the owner (netstat -anob, tasklist /svc) and allow the port only from the "
       "clients that need it; if it is RPC, the RPC port range confines it."};
}

}  // namespace

void JudgeListener(InventoryEntry& e, const Host& host, const catalog::Catalog& catalog) {
  const Listener& l = e.listener;
  Verdict& v = e.verdict;
  const catalog::ServiceEntry* s = e.service_entry;

  if (l.local.address.is_loopback()) {
    v = {"loopback", Severity::kOk, fmt::format("{} on loopback only", Owner(e)),
         "Not reachable from the network."};
    return;
  }
  if (e.port_entry) {
    const catalog::PortEntry& p = *e.port_entry;
    bool rpc_door = p.key == "epmap" || p.key == "msrpc-http";
    // Optional services (NetBIOS, LLMNR, SSDP, ...) are the second seed's
    // candidates for minimisation: worth a look even on a fixed port.
    bool optional = p.category == catalog::PortCategory::kWindowsOptional;
    // NetBIOS over TCP/IP (137-139) is kernel-owned; the cure is the NetBT
    // driver's, with the services that depend on it (second seed, 4.3-4.4).
    bool netbios = p.key.starts_with("netbios");
    if (netbios && (l.process == "System" || l.pid == 4u)) {
      if (const catalog::ServiceEntry* netbt = catalog.FindService("NetBT")) s = netbt;
    }
    Severity severity = rpc_door || optional || netbios || (s && s->can_stop == "yes")
                            ? Severity::kReview
                            : Severity::kOk;
    std::string action = p.advice;
    if (rpc_door && OwnedBy(l, "svchost.exe") && l.local.address.is_unspecified()) {
      action += " On an isolated host `netsh rpc add 127.0.0.0` binds RPC to loopback.";
    }
    v = {p.key, severity, p.name, action + StopNote(s, netbios)};
    return;
  }
  if (e.dynamic) {
    JudgeDynamic(e, host);
    return;
  }
  if (e.moved) {
    v = {"service-moved", Severity::kAct,
         fmt::format("{} on a port that moves (its service was seen on another)", Owner(e)),
         "No fixed rule fits a port that moves: pin it in the service's own settings if it has "
         "one; else allow its ports only from the clients that use it, and if it is RPC, the "
         "RPC port range confines it." +
             StopNote(s)};
    return;
  }
  v = {"unknown-static", Severity::kReview,
       fmt::format("{} on a fixed {} port", Owner(e), PortClassName(e.port_class)),
       "Not in the catalog: identify it and allow it only from the clients that need it." +
           StopNote(s)};
}

}  // namespace highport::analysis
