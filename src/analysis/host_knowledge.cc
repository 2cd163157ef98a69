#include "analysis/host_knowledge.h"

#include <set>

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

HostKnowledge KnowledgeFromInventories(const std::vector<ingest::SocketInventory>& inventories) {
  HostKnowledge k;
  for (const ingest::SocketInventory& inv : inventories) {
    const std::set<IpAddress> own = OwnAddresses(inv);
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
      for (const IpAddress& mine : own) k.dynamic_ranges[mine] = *inv.tcp_dynamic_range;
    }
  }
  k.moved_ports = MovedPorts(inventories);
  return k;
}

}  // namespace highport::analysis
