// What the HTML report shows of each server, gathered once from the evidence
// and the plan so that the map, the cards and the tables agree. Servers are
// the planner's hosts (plan/host_facts.h: inventories grouped by host, then
// servers seen only in traffic), joined with the plan's proposals by host
// name; a host only the plan names (a plan.json read back) gets a view too.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "analysis/flow_table.h"
#include "catalog/catalog.h"
#include "ingest/socket_inventory.h"
#include "plan/host_facts.h"
#include "plan/plan.h"

namespace highport::report {

// One client's use of a server port.
struct PortClientUse {
  uint64_t connections = 0;
  bool problematic = false;
};

// One server port: what traffic and the endpoint mapper say of it.
struct PortView {
  Proto proto = Proto::kTcp;
  uint16_t port = 0;
  bool dynamic = false;
  bool problematic = false;  // some flow to it is client high -> server dynamic
  bool listening = false;    // an inventory lists it as a listener
  std::string what;          // "LDAP", "RPC: drsuapi, lsarpc", "svchost.exe (RpcSs)"
  std::map<IpAddress, PortClientUse> clients;
  uint64_t flows = 0;
  uint64_t connections = 0;
};

struct ServerView {
  std::string name;
  std::vector<std::string> addresses;
  std::set<IpAddress> address_set;
  plan::Role role = plan::Role::kUnknown;
  plan::Platform platform = plan::Platform::kUnknown;
  bool has_inventory = false;
  std::vector<Socket> listeners;          // with services joined in from tasklist
  std::vector<PortView> ports;            // problematic, then dynamic, then by connections
  std::set<std::string> interfaces;       // RPC interfaces seen on its ports
  std::set<IpAddress> clients;
  uint64_t flows = 0;
  uint64_t problematic_flows = 0;
  uint64_t peak_rpc = 0;
  // Every address is one the plan counts as outside the network (its egress:
  // public DNS, time servers): no rule, not fenced, so no card of its own.
  bool outside = false;
  // The plan's proposals for it (pointers into the plan).
  const plan::RpcRangeProposal* range = nullptr;
  std::vector<const plan::PinProposal*> pins;
  std::vector<const plan::MinimiseProposal*> minimise;
  std::vector<const plan::FirewallRule*> rules;  // rules whose servers include its addresses
};

struct ReportModelInput {
  const std::vector<ingest::SocketInventory>* inventories = nullptr;
  const std::vector<analysis::FlowEntry>* flows = nullptr;
  const std::map<IpAddress, uint64_t>* peaks = nullptr;
  const std::map<std::pair<IpAddress, uint16_t>, std::vector<std::string>>* rpc_ports = nullptr;
  const plan::Plan* plan = nullptr;
  const catalog::Catalog* catalog = nullptr;
};

// Most problematic flows first, then by name; servers outside the network
// last. Null inputs count as empty.
std::vector<ServerView> BuildServerViews(const ReportModelInput& input);

// "10.0.1.0/24" for an IPv4 client, "2001:db8:1:2::/64" for IPv6: the block
// the map folds clients into.
std::string ClientBlock(const IpAddress& address);

}  // namespace highport::report
