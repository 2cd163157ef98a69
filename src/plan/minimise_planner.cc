#include "plan/minimise_planner.h"

#include <algorithm>
#include <map>
#include <set>

#include "fmt/format.h"

namespace highport::plan {
namespace {

bool Needed(const catalog::ServiceEntry& s, Role role) {
  for (const std::string& who : s.needed_by) {
    if (who == "all" || who == RoleName(role)) return true;
  }
  return false;
}

std::string Trim(std::string_view text) {
  size_t b = text.find_first_not_of(' ');
  size_t e = text.find_last_not_of(' ');
  return b == std::string_view::npos ? std::string() : std::string(text.substr(b, e - b + 1));
}

// "sc config x start= demand & net stop x (isolated hosts only)" ->
// commands {"sc config x start= demand", "net stop x"} and the note.
struct StopHow {
  std::vector<std::string> commands;
  std::string note;
};
StopHow ParseStopHow(std::string_view text) {
  StopHow out;
  size_t paren = text.find(" (");
  if (paren != std::string_view::npos && text.back() == ')') {
    out.note = std::string(text.substr(paren + 2, text.size() - paren - 3));
    text = text.substr(0, paren);
  }
  // Only commands: prose advice ("disable NetBIOS ... per adapter") is a note.
  while (!text.empty()) {
    size_t amp = text.find(" & ");
    std::string part = Trim(text.substr(0, amp));
    if (part.rfind("sc ", 0) == 0 || part.rfind("net ", 0) == 0 ||
        part.rfind("systemctl ", 0) == 0) {
      out.commands.push_back(part);
    } else if (!part.empty()) {
      out.note = out.note.empty() ? part : part + "; " + out.note;
    }
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 3);
  }
  return out;
}

// What undoes a stop: start type back, service started. The previous start
// type is not in the evidence, so the rollback says what it assumes.
std::vector<std::string> RollbackOf(const std::vector<std::string>& commands,
                                    const std::string& service) {
  std::vector<std::string> undo;
  for (const std::string& c : commands) {
    if (c.rfind("sc config ", 0) == 0) {
      undo.push_back(fmt::format("sc config {} start= auto", service));
    } else if (c.rfind("net stop", 0) == 0) {
      undo.push_back(fmt::format("net start {}", service));
    } else if (c.rfind("systemctl disable --now ", 0) == 0) {
      undo.push_back("systemctl enable --now " + c.substr(24));
    } else if (c.rfind("systemctl stop ", 0) == 0) {
      undo.push_back("systemctl start " + c.substr(15));
    }
  }
  return undo;
}

std::string ListenerText(const Socket& s) {
  return fmt::format("{}/{}", ProtoName(s.local.proto), s.local.port);
}

// A shared svchost hosts many services, and tasklist /svc names them all for
// the one PID that listens: which of them owns the port it cannot say.
// Stopping a bystander closes nothing (and may hurt: IKEEXT, lmhosts), so
// a listener of several services goes only to those the catalog ties to its
// port or whose RPC interfaces the endpoint mapper placed on it; when none
// is, to nobody (the allow-list fences it instead).
std::vector<std::string> SharedProcessOwners(const HostFacts& h, const Socket& s,
                                             std::vector<std::string> owners,
                                             const catalog::Catalog& catalog) {
  if (owners.size() < 2) return owners;
  std::set<std::string> tied;
  const std::string port = ListenerText(s);
  for (const std::string& o : owners) {
    const catalog::ServiceEntry* entry = catalog.FindService(o);
    if (entry && std::find(entry->ports.begin(), entry->ports.end(), port) != entry->ports.end()) {
      tied.insert(o);
    }
  }
  if (s.local.proto == Proto::kTcp) {
    if (auto it = h.rpc_ports.find(s.local.port); it != h.rpc_ports.end()) {
      for (const catalog::RpcInterfaceEntry& i : catalog.rpc_interfaces()) {
        if (!it->second.count(i.name)) continue;
        for (const std::string& service : i.services) tied.insert(service);
      }
    }
  }
  std::vector<std::string> kept;
  for (const std::string& o : owners) {
    if (tied.count(o)) kept.push_back(o);
  }
  return kept;
}

}  // namespace

std::vector<MinimiseProposal> PlanMinimise(const HostFacts& h, Role role,
                                           const catalog::Catalog& catalog) {
  std::vector<MinimiseProposal> out;
  if (!h.has_inventory || role == Role::kUnknown) return out;
  // Listeners per owning service, in port order.
  std::map<std::string, std::vector<const Socket*>> by_service;
  std::vector<std::string> order;
  std::vector<const Socket*> listeners;
  for (const Socket& s : h.listeners) listeners.push_back(&s);
  std::sort(listeners.begin(), listeners.end(), [](const Socket* a, const Socket* b) {
    return std::tie(a->local.proto, a->local.port) < std::tie(b->local.proto, b->local.port);
  });
  for (const Socket* s : listeners) {
    std::vector<std::string> owners = SharedProcessOwners(h, *s, h.ServicesOf(*s), catalog);
    if (owners.empty() && !s->process.empty()) owners.push_back(s->process);  // smbd, nmbd, ...
    // A kernel listener (System: SMB, NetBIOS) belongs to the driver the catalog names for its port.
    if (std::find(owners.begin(), owners.end(), "System") != owners.end() || owners.empty()) {
      owners.clear();
      for (const catalog::ServiceEntry& e : catalog.services()) {
        if (e.service == "System") continue;
        std::string port = ListenerText(*s);
        if (std::find(e.ports.begin(), e.ports.end(), port) != e.ports.end() &&
            (e.process == "System" || e.process == s->process)) {
          owners.push_back(e.service);
          break;
        }
      }
    }
    for (const std::string& o : owners) {
      if (!by_service.count(o)) order.push_back(o);
      auto& list = by_service[o];
      if (std::none_of(list.begin(), list.end(), [&](const Socket* x) {
            return ListenerText(*x) == ListenerText(*s);
          })) {
        list.push_back(s);
      }
    }
  }
  for (const std::string& name : order) {
    const catalog::ServiceEntry* entry = catalog.FindService(name);
    if (entry == nullptr || entry->can_stop == "no" || Needed(*entry, role)) continue;
    StopHow how = ParseStopHow(entry->stop_how);
    // No way to stop it that the catalog trusts (agents, databases): the
    // firewall allow-list fences it instead of a stop.
    if (how.commands.empty() && entry->service != "NetBT") continue;
    MinimiseProposal m;
    m.id = fmt::format("minimise:{}:{}", h.entry.name, entry->service);
    m.host = h.entry.name;
    m.service = entry->service;
    m.display_name = entry->display_name;
    m.process = entry->process;
    for (const Socket* s : by_service[name]) {
      // NetBIOS off per adapter closes 137-139; SMB on 445 (direct hosting) stays.
      if (entry->service == "NetBT" && s->local.port == 445) continue;
      m.listeners.push_back(ListenerText(*s));
      if (m.evidence.size() < 6) {
        m.evidence.push_back({"listener",
                              fmt::format("{} {} {}", ListenerText(*s), s->local.address.ToString(),
                                          s->process),
                              s->source.ToString()});
      }
    }
    m.dependents = entry->dependents;
    if (entry->service == "NetBT") {
      // Per adapter: TcpipNetbiosOptions 2 = disabled (0 = from DHCP, 1 = enabled).
      m.action = MinimiseAction::kNetbtOff;
      m.commands = {"wmic nicconfig where TcpipNetbiosOptions=0 call SetTcpipNetbios 2",
                    "wmic nicconfig where TcpipNetbiosOptions=1 call SetTcpipNetbios 2"};
      m.rollback = {"wmic nicconfig where TcpipNetbiosOptions=2 call SetTcpipNetbios 0"};
    } else {
      m.action = MinimiseAction::kDisable;
      m.commands = how.commands;
      m.rollback = RollbackOf(how.commands, entry->service);
    }
    std::string note = how.note;
    if (entry->can_stop == "with-care") {
      note = note.empty() ? "with care: " + entry->stop_how : "with care: " + note;
    }
    m.risk = fmt::format("The {} role does not need {}{}{}. Rollback assumes start type auto.",
                         RoleName(role), entry->display_name, note.empty() ? "" : "; ", note);
    if (!m.dependents.empty()) {
      m.risk += fmt::format(" Stops with it: {}.", fmt::join(m.dependents, ", "));
    }
    out.push_back(std::move(m));
  }
  // An isolated host answers RPC on loopback only (second seed, 4.7).
  if (role == Role::kIsolated && h.entry.platform == Platform::kWindows) {
    for (const Socket& s : h.listeners) {
      if (s.local.proto != Proto::kTcp || s.local.port != 135) continue;
      MinimiseProposal m;
      m.id = fmt::format("minimise:{}:RpcSs", h.entry.name);
      m.host = h.entry.name;
      m.service = "RpcSs";
      m.display_name = "Remote Procedure Call (RPC)";
      m.process = "svchost.exe";
      m.listeners = {"tcp/135"};
      m.action = MinimiseAction::kBindLoopback;
      m.commands = {"netsh rpc add 127.0.0.0"};
      m.rollback = {"netsh rpc reset"};
      m.risk = "RPC then answers on loopback only: no remote management, no domain membership. "
               "Needs a reboot.";
      m.evidence.push_back({"listener", "tcp/135 " + s.local.address.ToString(), s.source.ToString()});
      out.push_back(std::move(m));
      break;
    }
  }
  return out;
}

}  // namespace highport::plan
