// What socket inventories say about the hosts that traffic is seen from:
// which address:port pairs listen and each host's dynamic range. A wildcard
// listener (0.0.0.0:49664) belongs to the host whose inventory lists it, so
// it is expanded to that host's own addresses: the specific local addresses
// its sockets show (a listener bound to 10.0.0.10, a connection from
// 10.0.0.10). Without any, it stays a wildcard and applies to every server,
// which is right only when the evidence comes from that one host.
#pragma once

#include <set>
#include <vector>

#include "analysis/flow_table.h"
#include "ingest/socket_inventory.h"

namespace highport::analysis {

HostKnowledge KnowledgeFromInventories(const std::vector<ingest::SocketInventory>& inventories);

// The addresses an inventory shows as its host's own: the specific local
// addresses of its sockets (not loopback, not link-local with a zone). A
// listener on every address stands for each of them.
std::set<IpAddress> OwnAddresses(const ingest::SocketInventory& inventory);

}  // namespace highport::analysis
