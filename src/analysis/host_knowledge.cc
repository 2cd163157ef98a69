#include "analysis/host_knowledge.h"

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "analysis/moved_ports.h"

namespace highport::analysis {

std::set<IpAddress> OwnAddresses(const ingest::SocketInventory& inventory) {
  std::set<IpAddress> own;
  for (const Socket& s : inventory.sockets) {
    // A dual-stack socket (Linux ss, Java) shows its IPv4 address mapped.
    const IpAddress a = s.local.address.Unmapped();
    if (!a.is_unspecified() && !a.is_loopback() && a.zone().empty()) own.insert(a);
  }
  return own;
}

namespace {

// The folder an inventory file sits in (FolderKeyOf); nothing for standard
// input or a live host.
std::optional<std::string> FolderOfFile(const ingest::SocketInventory& inv) {
  std::string folder = FolderKeyOf(inv.file);
  if (folder.empty()) return std::nullopt;
  return folder;
}

// The own addresses of the socket lists in `folder` or in folders below it:
// a range stated once for a host (evidence/app01/netsh.txt) holds for its
// moments (evidence/app01/day1/netstat.txt, .../day2/).
std::set<IpAddress> OwnAtOrBelow(const std::map<std::string, std::set<IpAddress>>& own_by_folder,
                                 const std::string& folder) {
  std::set<IpAddress> own;
  for (auto it = own_by_folder.lower_bound(folder); it != own_by_folder.end(); ++it) {
    const std::string& f = it->first;
    if (f.compare(0, folder.size(), folder) != 0) break;  // past every name it begins
    // The folder itself, or one below it; not app011 beside app01.
    if (f.size() == folder.size() || f[folder.size()] == '/') {
      own.insert(it->second.begin(), it->second.end());
    }
  }
  return own;
}

}  // namespace

HostKnowledge KnowledgeFromInventories(const std::vector<ingest::SocketInventory>& inventories) {
  HostKnowledge k;
  // A range stated in a file of its own (netsh output beside the netstat,
  // which shows no address) is the range of the host whose socket lists
  // share its folder: one folder, one host at one moment.
  std::map<std::string, std::set<IpAddress>> own_by_folder;
  for (const ingest::SocketInventory& inv : inventories) {
    if (std::optional<std::string> folder = FolderOfFile(inv)) own_by_folder[*folder].merge(OwnAddresses(inv));
  }
  for (const ingest::SocketInventory& inv : inventories) {
    std::set<IpAddress> own = OwnAddresses(inv);
    for (const Socket& s : inv.sockets) {
      if (!s.IsListener()) continue;
      const IpAddress a = s.local.address.Unmapped();
      if (a.is_loopback()) continue;  // not reachable from the network
      if (!a.is_unspecified() || own.empty()) {
        k.listeners.insert({a, s.local.proto, s.local.port});
        continue;
      }
      // An IPv6 wildcard (ss's `*`, `[::]`) is dual-stack unless the host
      // says otherwise (Linux's default; Windows lists 0.0.0.0 beside it):
      // it listens on the host's IPv4 addresses too.
      for (const IpAddress& mine : own) {
        if (mine.is_v4() == a.is_v4() || a.is_v6()) {
          k.listeners.insert({mine, s.local.proto, s.local.port});
        }
      }
    }
    if (inv.tcp_dynamic_range) {
      if (std::optional<std::string> folder = FolderOfFile(inv); own.empty() && folder) {
        own = OwnAtOrBelow(own_by_folder, *folder);
      }
      for (const IpAddress& mine : own) k.dynamic_ranges[mine] = *inv.tcp_dynamic_range;
    }
  }
  k.moved_ports = MovedPorts(inventories);
  return k;
}

}  // namespace highport::analysis
