// The planner: evidence in, plan out. It gathers what is known of each host
// (plan/host_facts.h), then proposes per group of hosts the RPC port range
// (plan/range_planner.h) and the pinned ports (plan/pin_planner.h), per host
// the services its role does not need (plan/minimise_planner.h), and for the
// whole network the firewall allow-list (plan/allow_list.h). Nothing here
// reads files or prints: the `plan` command gathers the evidence.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/flow_table.h"
#include "catalog/catalog.h"
#include "ingest/socket_inventory.h"
#include "model/result.h"
#include "plan/allow_list.h"
#include "plan/plan.h"

namespace highport::plan {

struct PlannerOptions {
  std::vector<std::string> hosts;  // --host: names or addresses; empty: every host
  std::vector<std::pair<std::string, std::vector<std::string>>> groups;  // --group NAME=H1,H2
  std::optional<Role> role;                 // --role, for every host; else detected per host
  std::optional<PortRange> range;           // --range START-END; absent: auto
  uint32_t min_ports = 100;                 // --min-ports
  AllowListOptions allow;                   // --max-prefix
  std::string generator;                    // "highport 0.1.0"
  std::string created;                      // ISO 8601 UTC
  std::vector<std::string> inputs;
};

struct PlanEvidence {
  const std::vector<ingest::SocketInventory>* inventories = nullptr;
  const std::vector<analysis::FlowEntry>* flows = nullptr;
  const std::map<IpAddress, uint64_t>* peaks = nullptr;
  const std::map<std::pair<IpAddress, uint16_t>, std::vector<std::string>>* rpc_ports = nullptr;
  const catalog::Catalog* catalog = nullptr;
  // Which process a firewall log's pid column named on each server port
  // (FlowTable::server_pids()); may be null.
  const std::vector<analysis::ServerPid>* server_pids = nullptr;
};

// Fails when --host or --group names a host the evidence does not know.
Result<Plan> BuildPlan(const PlanEvidence& evidence, const PlannerOptions& options);

// "NAME=H1,H2" -> {NAME, {H1, H2}}; nothing on a malformed value.
std::optional<std::pair<std::string, std::vector<std::string>>> ParseGroup(std::string_view text);

}  // namespace highport::plan
