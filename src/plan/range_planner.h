// Proposal 1: the RPC port range of a group of hosts (KB 154596, the first
// seed). Sized first, then placed:
//   size   at least `min_ports` (Microsoft's 100 unless --min-ports says
//          less, down to 10 with a warning: each port carries one concurrent
//          connection) and at least twice the observed peak of concurrent
//          RPC dynamic endpoints on any host of the group;
//   place  from 5001 up (or where --range says), clear of every static
//          listener seen on the group's hosts, of every port the catalog
//          knows that was seen anywhere on the network (the first seed's
//          FileMaker on 5003), of Windows' own core ports, and of each host's
//          TCP ephemeral range (known from netsh, else Windows' default
//          49152-65535 assumed). Each port the range was moved past is named.
// A fixed --range is kept as given; its conflicts become warnings.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "plan/host_facts.h"
#include "plan/plan.h"

namespace highport::plan {

struct RangeOptions {
  std::optional<PortRange> fixed;  // --range START-END; absent: auto
  uint32_t min_ports = 100;        // --min-ports
  uint16_t floor = 5001;           // "above 5000 unless told otherwise"
};

// Ports in use somewhere on the network that the catalog knows: port -> what and where.
using NetworkPorts = std::map<uint16_t, PortConflict>;
NetworkPorts KnownPortsSeen(const std::vector<HostFacts>& hosts, const catalog::Catalog& catalog);

RpcRangeProposal PlanRange(const std::string& group, const std::vector<const HostFacts*>& hosts,
                           const NetworkPorts& network, const RangeOptions& options,
                           const catalog::Catalog& catalog);

// Hosts that need a range: an endpoint mapper answered, or dynamic RPC traffic was seen.
bool UsesRpc(const HostFacts& host);

}  // namespace highport::plan
