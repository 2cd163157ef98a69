// The firewall allow-list of a plan (proposal 4 of issue 5): the least
// privilege that lets every observed flow through, and no more.
//
// Whose servers. The allow-list fences the network's own servers: the hosts
// the evidence comes from (AllowListOptions.own_servers), and any server in a
// private block (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) or in a
// block the user calls internal (--internal). A server elsewhere (9.9.9.9 for
// DNS, a public time server) is the plan's hosts' egress: no rule is made for
// it and it is not fenced (a ruleset that dropped everything else to Quad9
// would break every client that asks it directly); such flows are counted
// apart (outside_flows, outside_servers), not as allowed flows.
//
// Which flows count. A flow key counts when it had allowed or merely observed
// connections (FlowEntry.allowed > 0 or .connections > 0). Dropped-only keys
// are attempts: no rule is made for them and they are not counted here
// (`highport flows` lists them). Loopback and unspecified addresses never
// cross a firewall: those keys are left out too. Multicast, broadcast and
// link-local traffic counts but gets no rule: it is listed as uncovered with
// its reason, so that the admin decides (LLMNR and mDNS are better switched
// off, second seed).
//
// RPC. A dynamic flow (FlowEntry.dynamic, or an endpoint mapper placed an
// interface on its port) will be on another port after the next restart, so
// no rule names its observed port:
//   - over TCP to a server with a planned RPC range, it is allowed by that
//     server's RPC rule: keyword kRpc, ports = the planned range, program =
//     the one program of all its dynamic ports where the inventory knows it;
//   - TCP 135 to the server becomes a kRpcEpmap rule;
//   - both are scoped to the server's RPC clients: those that used a dynamic
//     port or TCP 135 on it (the first seed's "to the monitoring server");
//   - anything else dynamic is uncovered, with the reason.
// A planned range or a run of merged ports that holds the whole default
// dynamic range (49152-65535) or the whole legacy one (1025-5000) is no rule:
// its flows are uncovered ("no 1024-65535").
//
// Grouping, in this order:
//   1. per (server, proto, port, keyword, program) the clients are folded into
//      CIDR blocks (plan/cidr.h: a block needs more than half of its
//      addresses seen, an IPv6 /64 two clients; never wider than the options);
//   2. ports of one (server, proto, keyword, program, client blocks) that are
//      adjacent merge into one range: one rule per port or port range, so
//      that each rule names one service;
//   3. servers with the same (proto, ports, keyword, program, client blocks)
//      share a rule.
// Rules are sorted by first server, proto and first port and numbered
// "rule:1", "rule:2", ... in that order.
//
// Coverage is counted by matching, not by bookkeeping: a counted flow is
// covered when RuleAllows says some rule lets it through (a dynamic flow at
// its planned range, where its port will be). allowed_flows = covered_flows +
// uncovered.size(); coverage = covered / allowed, 1 when nothing counted.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "analysis/flow_table.h"
#include "catalog/catalog.h"
#include "plan/cidr.h"
#include "plan/plan.h"

namespace highport::plan {

struct AllowListOptions {
  int max_prefix_v4 = 24;  // --max-prefix: the widest client block a rule may use
  int max_prefix_v6 = 64;
  std::vector<CidrBlock> internal;  // --internal: blocks fenced besides the private ones
  std::set<IpAddress> own_servers;  // addresses of the hosts the evidence comes from
  // (server, proto, port) a service moved from or to outside its host's
  // dynamic range, with no endpoint-mapper interface on it: the service
  // picks such ports itself, so the planned RPC range will not move it and
  // no RPC rule covers its flows (they get a reason instead).
  std::set<std::tuple<IpAddress, Proto, uint16_t>> self_chosen_ports;
};

// The server is the network's own (see "Whose servers" above).
bool IsInsideServer(const IpAddress& server, const AllowListOptions& options);

// One sentence on the flows to servers outside the network, for the
// summaries: "egress: 4 flow(s) to 3 server(s) outside the network (9.9.9.9,
// 149.112.112.112 +1 more) get no rule and are not fenced; --internal CIDR if
// they are yours". Empty when there are none.
std::string OutsideSummary(const FirewallPlan& firewall);

// `rpc_ranges`: per server address, the planned RPC port range (absent: none planned).
// `programs`: per (server address, proto, port) the program path where an inventory knows
// it (may be empty); a listener on the unspecified address (0.0.0.0, ::) stands for every
// address of its family.
FirewallPlan BuildAllowList(
    const std::vector<analysis::FlowEntry>& flows, const std::map<IpAddress, PortRange>& rpc_ranges,
    const std::map<std::tuple<IpAddress, Proto, uint16_t>, std::string>& programs,
    const AllowListOptions& options, const catalog::Catalog& catalog);

// Does `rule` let a connection from `client` to `server` proto/port through?
// Exact: the server among the rule's servers, the client inside one of its
// blocks, the port inside one of its ranges. Zones are ignored.
bool RuleAllows(const FirewallRule& rule, const IpAddress& client, const IpAddress& server,
                Proto proto, uint16_t port);

// The range holds the whole default (49152-65535) or legacy (1025-5000)
// dynamic range: the "allow all high ports" rule a plan never makes.
bool OpensWholeDynamicRange(const PortRange& range);

}  // namespace highport::plan
