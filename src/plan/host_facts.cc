#include "plan/host_facts.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <set>
#include <string_view>

#include "analysis/host_knowledge.h"
#include "analysis/moved_ports.h"
#include "text/strings.h"

namespace highport::plan {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The folder an input came from: "evidence/dc01/netstat.txt" -> "dc01".
std::string FolderOf(const std::string& file) {
  if (file.empty() || file == "-" || file == "<stdin>") return {};
  // Whole: `plan netstat-ano.txt tasklist-svc.txt` run inside evidence/mon01
  // is about mon01, and ../dc01/netstat.txt about dc01.
  std::error_code ec;
  std::filesystem::path whole = std::filesystem::absolute(file, ec);
  if (ec) whole = file;
  std::string name = whole.lexically_normal().parent_path().filename().string();
  return name == "." || name == ".." || name == "/" ? std::string() : name;
}

// The folder above that: "evidence/app01/day2/netstat.txt" -> "app01".
std::string GrandFolderOf(const std::string& file) {
  if (file.empty() || file == "-" || file == "<stdin>") return {};
  std::error_code ec;
  std::filesystem::path whole = std::filesystem::absolute(file, ec);
  if (ec) whole = file;
  return FolderOf(whole.lexically_normal().parent_path().string());
}

std::string FileOf(const ingest::SocketInventory& inv) {
  if (!inv.sockets.empty()) return inv.sockets.front().source.file;
  if (!inv.processes.empty()) return inv.processes.front().source.file;
  if (!inv.rpc_registrations.empty()) return inv.rpc_registrations.front().source.file;
  return inv.file == "<stdin>" ? std::string() : inv.file;  // a netsh range: no records
}

bool IsSambaProcess(std::string_view image) {
  std::string p = Lower(image);
  return p == "samba" || p == "smbd" || p == "nmbd" || p == "winbindd" || p == "samba-dcerpcd" ||
         p.rfind("rpcd_", 0) == 0;
}

bool IsWindowsProcess(std::string_view image) {
  std::string p = Lower(image);
  return p == "system" || (p.size() > 4 && p.substr(p.size() - 4) == ".exe");
}

Platform DetectPlatform(const HostFacts& h) {
  bool windows = false, linux = false;
  auto look = [&](std::string_view image) {
    if (IsSambaProcess(image)) return true;
    if (IsWindowsProcess(image)) windows = true;
    else if (!image.empty()) linux = true;
    return false;
  };
  for (const Socket& s : h.listeners) {
    if (look(s.process)) return Platform::kSamba;
  }
  for (const auto& [pid, p] : h.processes) {
    if (look(p.image)) return Platform::kSamba;
  }
  if (windows) return Platform::kWindows;
  if (linux) return Platform::kLinux;
  // No owners known: an endpoint mapper answering says Windows or Samba;
  // Windows is the common case, and the plan says how it decided.
  if (!h.registrations.empty() || !h.rpc_ports.empty()) return Platform::kWindows;
  // Seen only in traffic: a server that answers on TCP 135 runs an endpoint mapper.
  for (const analysis::FlowEntry* f : h.flows) {
    if (f->key.proto == Proto::kTcp && f->key.port == 135 && (f->connections > 0 || f->allowed > 0)) {
      return Platform::kWindows;
    }
  }
  return Platform::kUnknown;
}

bool Listens(const HostFacts& h, Proto proto, uint16_t port) {
  for (const Socket& s : h.listeners) {
    if (s.local.proto == proto && s.local.port == port) return true;
  }
  for (const analysis::FlowEntry* f : h.flows) {
    if (f->key.proto == proto && f->key.port == port) return true;
  }
  return false;
}

Role DetectRole(const HostFacts& h) {
  // Kerberos and LDAP together: a domain controller (Windows or Samba AD).
  if (Listens(h, Proto::kTcp, 88) && Listens(h, Proto::kTcp, 389)) return Role::kDc;
  if (h.has_inventory) return Role::kMember;
  return Role::kUnknown;
}

// Which local addresses are the host's own: not a subnet broadcast that a
// NetBIOS socket binds (Samba's nmbd and its 137/138 on 10.0.0.255), not multicast.
bool IsHostAddress(const Socket& s) {
  const IpAddress& a = s.local.address;
  if (a.is_v4()) {
    const auto& b = a.bytes();
    if (b[0] >= 224) return false;  // multicast, reserved, 255.255.255.255
    if (s.local.proto == Proto::kUdp && b[3] == 255) return false;
  } else if (a.bytes()[0] == 0xff) {
    return false;
  }
  return true;
}

struct Builder {
  std::vector<HostFacts> hosts;
  std::map<IpAddress, size_t> by_address;
  std::map<std::string, size_t> by_name;
  // Hosts a folder named: one of its files, and the own addresses it showed.
  struct NamedByFolder {
    std::string file;
    std::set<IpAddress> own;
  };
  std::map<size_t, NamedByFolder> named_by_folder;
  std::map<std::string, size_t> by_directory;  // a folder's path -> the host its files describe
  // Folder names that two hosts had (site-a/dc01, site-b/dc01): every host
  // of such a name is named with the folder above it.
  std::set<std::string> shared_names;

  size_t Named(const std::string& name) {
    if (auto it = by_name.find(name); it != by_name.end()) return it->second;
    hosts.emplace_back();
    hosts.back().entry.name = name;
    by_name[name] = hosts.size() - 1;
    return hosts.size() - 1;
  }
  void AddAddress(size_t host, const IpAddress& address) {
    if (address.is_unspecified() || address.is_loopback() || !address.zone().empty()) return;
    if (by_address.emplace(address, host).second) hosts[host].addresses.insert(address);
  }
  // The host that has this address, or a new one named by it.
  size_t ForAddress(const IpAddress& address) {
    if (auto it = by_address.find(address); it != by_address.end()) return it->second;
    size_t host = Named(address.ToString());
    AddAddress(host, address);
    return host;
  }
};

// The host's static listeners, "tcp/389": not in its dynamic range (where
// the RPC runtime and outgoing connections take ports), not a port the
// endpoint mapper placed an interface on (the same test the pin planner uses
// for "dynamic"), and not a port its service moved from or to (it will not
// be there after the next start). What is left is what `verify` may expect
// open after the change.
std::vector<std::string> StaticListeners(const HostFacts& h) {
  const PortRange dynamic = h.tcp_dynamic_range.value_or(kWindowsDynamicRange);
  std::set<ListenerPort> found;
  for (const Socket& s : h.listeners) {
    if (s.local.port == 0 || dynamic.Contains(s.local.port)) continue;
    if (s.local.proto == Proto::kTcp && h.rpc_ports.count(s.local.port)) continue;
    if (h.moved_ports.count({s.local.proto, s.local.port})) continue;
    found.insert({s.local.proto, s.local.port});
  }
  std::vector<std::string> out;
  for (const ListenerPort& l : found) out.push_back(ListenerName(l));
  return out;
}

}  // namespace

std::vector<std::string> HostFacts::ServicesOf(const Socket& listener) const {
  if (!listener.services.empty()) return listener.services;
  if (listener.pid) {
    if (auto it = processes.find(*listener.pid); it != processes.end() && !it->second.services.empty()) {
      return it->second.services;
    }
  }
  return {};
}

// A folder name that says when, not which host: "2026-12-01", "20261201T0800",
// "day2", "snapshot-3", "before", "after".
bool LooksLikeAMoment(std::string_view folder) {
  std::string word;
  for (char c : folder) {
    if (std::isalpha(static_cast<unsigned char>(c))) word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  static const std::set<std::string, std::less<>> kWords = {
      "", "t", "d", "day", "days", "week", "month", "run", "snap", "snapshot", "moment", "time",
      "before", "after", "old", "new"};
  return kWords.count(word) > 0;
}

// The host a folder of inventories names: its own name, or where that says
// when (evidence/app01/2026-12-01/netstat.txt: a moment of app01) the
// folder above it. An address (evidence/10.0.0.5/) is a host's name.
std::string HostNameOfFolder(const std::string& file) {
  const std::string folder = FolderOf(file);
  if (folder.empty() || IpAddress::Parse(folder) || !LooksLikeAMoment(folder)) return folder;
  const std::string above = GrandFolderOf(file);
  return above.empty() ? folder : above;
}

// A folder of socket lists whose own addresses are exactly those that
// another folder's showed when it named its host is that host at another
// moment (evidence/app01/day1 and evidence/app01/day2: a snapshot a day;
// dc01 and dc01-after): it joins the host rather than making a second one
// of the same machine, which keeps the first folder's name (a folder that
// says when was named by the one above it: HostNameOfFolder). Exactly the
// same addresses: two nodes of a cluster that both held its virtual address
// differ in their own, and stay apart.
std::optional<size_t> SameHostAtAnotherMoment(const Builder& b, const ingest::SocketInventory& inv) {
  const std::set<IpAddress> own = analysis::OwnAddresses(inv);
  for (const IpAddress& a : own) {
    auto it = b.by_address.find(a);
    if (it == b.by_address.end()) continue;
    const size_t host = it->second;
    auto first = b.named_by_folder.find(host);
    if (first == b.named_by_folder.end() || first->second.own != own) continue;
    return host;
  }
  return std::nullopt;
}

// The folder above the one named `name` on the way up from `file`:
// "site-b" for ("x/site-b/dc01/netstat.txt", "dc01") and for
// ("x/site-b/app01/day1/netstat.txt", "app01"); empty where there is none.
std::string FolderAboveName(const std::string& file, const std::string& name) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(file, ec);
  if (ec) p = file;
  p = p.lexically_normal().parent_path();
  for (int depth = 0; depth < 64 && !p.empty() && p.filename() != name; ++depth) {
    if (p.parent_path() == p) return {};
    p = p.parent_path();
  }
  if (p.empty() || p.filename() != name) return {};
  const std::string above = p.parent_path().filename().string();
  return above == "." || above == ".." || above == "/" ? std::string() : above;
}

// A folder named like a host that came before is another host where both
// folders' socket lists show own addresses and none in common (dc01 of two
// domains, in evidence/site-a/dc01 and evidence/site-b/dc01): then both are
// named with the folder above them, "site-a/dc01" and "site-b/dc01", and so
// is every later host of that name. Without own addresses on either side
// nothing tells them apart, and the folders stay one host. The host of that
// name to join, or nullopt and `name` qualified for a new host.
std::optional<size_t> HostOfFolderName(Builder& b, std::string& name, const ingest::SocketInventory& inv) {
  const std::string file = FileOf(inv);
  const std::set<IpAddress> own = analysis::OwnAddresses(inv);
  auto qualified = [&](const std::string& from) {
    const std::string above = FolderAboveName(from, name);
    return above.empty() ? std::string() : above + "/" + name;
  };
  if (b.shared_names.count(name)) {
    const std::string mine = qualified(file);
    if (!mine.empty()) name = mine;
    return std::nullopt;
  }
  auto it = b.by_name.find(name);
  if (it == b.by_name.end() || own.empty()) return std::nullopt;
  const size_t first = it->second;
  auto named = b.named_by_folder.find(first);
  const std::set<IpAddress>& theirs = b.hosts[first].addresses;
  if (named == b.named_by_folder.end() || theirs.empty()) return first;
  for (const IpAddress& a : own) {
    if (theirs.count(a)) return first;
  }
  const std::string first_name = qualified(named->second.file), mine = qualified(file);
  if (first_name.empty() || mine.empty() || first_name == mine || b.by_name.count(first_name) ||
      b.by_name.count(mine)) {
    return first;
  }
  b.shared_names.insert(name);
  b.by_name.erase(name);
  b.hosts[first].entry.name = first_name;
  b.by_name[first_name] = first;
  name = mine;
  return std::nullopt;
}

std::vector<HostFacts> GatherHostFacts(const HostFactsInput& in) {
  Builder b;
  // Inventories: by the host they name, else by the folder they came from.
  // Socket lists first, so that their addresses are known before a process
  // list or a dynamic range of the same folder joins them.
  std::vector<const ingest::SocketInventory*> ordered;
  for (const auto& inv : *in.inventories) {
    if (!inv.sockets.empty()) ordered.push_back(&inv);
  }
  for (const auto& inv : *in.inventories) {
    if (inv.sockets.empty() && (!inv.processes.empty() || inv.tcp_dynamic_range)) {
      ordered.push_back(&inv);
    }
  }
  for (const ingest::SocketInventory* listed : ordered) {
    const ingest::SocketInventory& inv = *listed;
    std::string name = !inv.host.empty() ? inv.host : HostNameOfFolder(FileOf(inv));
    size_t host;
    if (name.empty() && inv.sockets.empty()) continue;  // a process list of no known host
    if (name.empty()) {
      // Neither: the first specific local address decides, else one host per file.
      IpAddress first;
      bool found = false;
      for (const Socket& s : inv.sockets) {
        const IpAddress& a = s.local.address;
        if (!a.is_unspecified() && !a.is_loopback() && a.zone().empty()) {
          first = a;
          found = true;
          break;
        }
      }
      host = found ? b.ForAddress(first) : b.Named(FileOf(inv).empty() ? "host" : FileOf(inv));
    } else if (auto address = IpAddress::Parse(name)) {
      // An address-named host (an rpcdump of 10.0.0.10) joins the host that has that address.
      host = b.ForAddress(*address);
    } else if (!inv.host.empty()) {
      host = b.Named(name);
    } else {
      // Named by its folder: that folder's host (its socket list came first),
      // or the same host at another moment, or the host of that name.
      const std::string directory = analysis::FolderKeyOf(FileOf(inv));
      if (auto known = b.by_directory.find(directory); known != b.by_directory.end()) {
        host = known->second;
      } else if (std::optional<size_t> same = SameHostAtAnotherMoment(b, inv)) {
        host = *same;
      } else if (std::optional<size_t> named = HostOfFolderName(b, name, inv)) {
        host = *named;
      } else {
        host = b.Named(name);
        if (!inv.sockets.empty()) b.named_by_folder.try_emplace(host, Builder::NamedByFolder{FileOf(inv), analysis::OwnAddresses(inv)});
      }
      b.by_directory.emplace(directory, host);
    }
    HostFacts& h = b.hosts[host];
    h.has_inventory = h.has_inventory || !inv.sockets.empty() || !inv.processes.empty();
    if (inv.tcp_dynamic_range) h.tcp_dynamic_range = inv.tcp_dynamic_range;
    for (const Socket& s : inv.sockets) {
      if (IsHostAddress(s)) b.AddAddress(host, s.local.address);
      if (s.IsListener() && !s.local.address.is_loopback()) b.hosts[host].listeners.push_back(s);
    }
    for (const ProcessInfo& p : inv.processes) b.hosts[host].processes[p.pid] = p;
  }
  // Registrations join the host they were asked of, by name, else by the
  // tower's address: one rpcdump or epm listing may cover many hosts.
  for (const ingest::SocketInventory& inv : *in.inventories) {
    for (const RpcRegistration& r : inv.rpc_registrations) {
      if (!r.endpoint || r.protocol != "ncacn_ip_tcp") continue;
      size_t host;
      if (auto named = b.by_name.find(r.host); named != b.by_name.end()) {
        host = named->second;
      } else if (b.by_address.count(r.endpoint->address) || IpAddress::Parse(r.host) ||
                 r.host.empty()) {
        host = b.ForAddress(r.endpoint->address);
      } else {
        host = b.Named(r.host);
      }
      b.AddAddress(host, r.endpoint->address);
      b.hosts[host].registrations.push_back(r);
    }
  }
  // Registrations name the interfaces on each port.
  const catalog::Catalog& catalog = *in.catalog;
  for (HostFacts& h : b.hosts) {
    for (const RpcRegistration& r : h.registrations) {
      if (r.endpoint->port == 135 || r.endpoint->port == 593) continue;
      const auto* known = catalog.FindRpcInterface(r.uuid, r.version_major, r.version_minor);
      h.rpc_ports[r.endpoint->port].insert(known ? known->name
                                                 : (r.annotation.empty() ? r.uuid : r.annotation));
      h.rpc_port_sources.emplace(r.endpoint->port, r.source);
    }
  }
  // Traffic: every server of a flow is a host; captured endpoint-mapper
  // answers add their ports.
  for (const analysis::FlowEntry& f : *in.flows) {
    b.hosts[b.ForAddress(f.key.server)].flows.push_back(&f);
  }
  for (const auto& [where, names] : *in.rpc_ports) {
    if (where.second == 135 || where.second == 593) continue;
    HostFacts& h = b.hosts[b.ForAddress(where.first)];
    h.rpc_ports[where.second].insert(names.begin(), names.end());
  }
  for (const auto& [address, peak] : *in.peaks) {
    HostFacts& h = b.hosts[b.ForAddress(address)];
    h.peak_rpc = std::max(h.peak_rpc, peak);
  }
  // Ports a service moved between two moments: each on the host that has the
  // address (a moved port of a host that showed no address of its own is on
  // no host: the folder of such an inventory named none by address).
  for (const auto& [address, proto, port] : analysis::MovedPorts(*in.inventories)) {
    if (auto it = b.by_address.find(address); it != b.by_address.end()) {
      b.hosts[it->second].moved_ports.emplace(proto, port);
    }
  }
  // What firewall logs' pids say listened, on hosts an inventory made
  // (only those have process lists to name the pid with).
  if (in.server_pids != nullptr && !in.server_pids->empty()) {
    const analysis::FolderProcesses folder_processes(*in.inventories);
    for (const analysis::ServerPid& p : *in.server_pids) {
      auto host = b.by_address.find(p.server);
      if (host == b.by_address.end()) continue;
      const ProcessInfo* process = folder_processes.FindForLog(p.pid, p.file);
      if (process == nullptr) continue;
      Socket s;
      s.local = {p.server, p.proto, p.port};
      s.state = p.proto == Proto::kTcp ? SocketState::kListen : SocketState::kUnconnected;
      s.pid = p.pid;
      s.process = process->image;
      s.services = process->services;
      s.source = {p.file, p.first_line, 0, 0};
      b.hosts[host->second].log_listeners.push_back(std::move(s));
    }
  }
  for (HostFacts& h : b.hosts) {
    for (const IpAddress& a : h.addresses) h.entry.addresses.push_back(a.ToString());
    h.entry.group = h.entry.name;
    h.entry.platform = DetectPlatform(h);
    h.entry.role = DetectRole(h);
    h.entry.tcp_ephemeral = h.tcp_dynamic_range;
    h.entry.listeners = StaticListeners(h);
  }
  return std::move(b.hosts);
}

}  // namespace highport::plan
