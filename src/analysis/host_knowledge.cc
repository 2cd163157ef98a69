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
    const IpAddress& a = s.local.address;
    if (!a.is_unspecified() && !a.is_loopback() && a.zone().empty()) own.insert(a);
  }
  return own;
}

namespace {

// The folder an inventory file sits in, whole ("evidence/dc01"); nothing for
// standard input or a live host.
std::optional<std::string> FolderOfFile(const ingest::SocketInventory& inv) {
  if (inv.file.empty() || inv.file == "<stdin>") return std::nullopt;
  return std::filesystem::path(inv.file).parent_path().string();
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
      const IpAddress& a = s.local.address;
      if (a.is_loopback()) continue;  // not reachable from the network
      if (!a.is_unspecified() || own.empty()) {
        k.listeners.insert({a, s.local.proto, s.local.port});
        continue;
      }
      for (const IpAddress& mine : own) {
        if (mine.is_v4() == a.is_v4()) k.listeners.insert({mine, s.local.proto, s.local.port});
      }
    }
    if (inv.tcp_dynamic_range) {
      if (std::optional<std::string> folder = FolderOfFile(inv); own.empty() && folder) {
        own = own_by_folder[*folder];
      }
      for (const IpAddress& mine : own) k.dynamic_ranges[mine] = *inv.tcp_dynamic_range;
    }
  }
  k.moved_ports = MovedPorts(inventories);
  return k;
}

}  // namespace highport::analysis
