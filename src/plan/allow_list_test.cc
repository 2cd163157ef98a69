#include "plan/allow_list.h"

#include <algorithm>
#include <random>

#include "analysis/testing.h"
#include "gtest/gtest.h"
#include "plan/cidr.h"

namespace highport::plan {
namespace {

using analysis::FlowEntry;
using analysis::testing::TestCatalog;

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kMonday = 1764892800;  // 2025-12-05T00:00:00Z

IpAddress Ip(std::string_view text) { return *IpAddress::Parse(text); }

FlowEntry Flow(std::string_view client, std::string_view server, uint16_t port,
               uint64_t connections = 1, Proto proto = Proto::kTcp) {
  FlowEntry f;
  f.key = {Ip(client), Ip(server), proto, port};
  f.connections = connections;
  f.allowed = connections;
  f.first_us = kMonday * kSecond;
  f.last_us = (kMonday + 3600) * kSecond;
  f.evidence = {{"pfirewall.log", 10u + port, 0, 0}};
  return f;
}

FlowEntry Dynamic(std::string_view client, std::string_view server, uint16_t port,
                  std::vector<std::string> interfaces = {}) {
  FlowEntry f = Flow(client, server, port);
  f.dynamic = true;
  f.flow_class = analysis::FlowClass::kProblematic;
  f.interfaces = std::move(interfaces);
  return f;
}

using Ranges = std::map<IpAddress, PortRange>;
using Programs = std::map<std::tuple<IpAddress, Proto, uint16_t>, std::string>;

FirewallPlan Build(const std::vector<FlowEntry>& flows, const Ranges& ranges = {},
                   const Programs& programs = {}, AllowListOptions options = {}) {
  return BuildAllowList(flows, ranges, programs, options, TestCatalog());
}

bool AnyRuleAllows(const FirewallPlan& plan, std::string_view client, std::string_view server,
                   uint16_t port, Proto proto = Proto::kTcp) {
  return std::any_of(plan.rules.begin(), plan.rules.end(), [&](const FirewallRule& rule) {
    return RuleAllows(rule, Ip(client), Ip(server), proto, port);
  });
}

using Strings = std::vector<std::string>;

AllowListOptions Prefixes(int v4, int v6) {
  AllowListOptions options;
  options.max_prefix_v4 = v4;
  options.max_prefix_v6 = v6;
  return options;
}

// "rule:3 highport: 10.0.0.10 tcp/3268-3269 from 10.0.1.5/32", in the plan's order.
Strings IdsAndNames(const FirewallPlan& plan) {
  Strings lines;
  for (const FirewallRule& rule : plan.rules) lines.push_back(rule.id + " " + rule.name);
  return lines;
}

TEST(AllowList, ClientsOfOneSubnetShareARuleWithItsEvidence) {
  std::vector<FlowEntry> flows;
  for (int i = 1; i <= 9; ++i) flows.push_back(Flow("10.0.1." + std::to_string(i), "10.0.0.10", 445, i));
  flows[8].last_us = (kMonday + 86400) * kSecond + 999'999;
  FirewallPlan plan = Build(flows);
  ASSERT_EQ(plan.rules.size(), 1u);
  const FirewallRule& rule = plan.rules[0];
  EXPECT_EQ(rule.id, "rule:1");
  EXPECT_EQ(rule.name, "highport: 10.0.0.10 tcp/445 (SMB) from 10.0.1.0/28");
  EXPECT_EQ(rule.servers, (Strings{"10.0.0.10"}));
  EXPECT_EQ(rule.clients, (Strings{"10.0.1.0/28"}));  // 9 of 16 addresses seen
  EXPECT_EQ(rule.ports, (std::vector<PortRange>{{445, 445}}));
  EXPECT_EQ(rule.keyword, RuleKeyword::kNone);
  EXPECT_EQ(rule.service, "SMB");
  EXPECT_EQ(rule.flows, 9u);
  EXPECT_EQ(rule.connections, 45u);
  EXPECT_EQ(rule.first_seen, kMonday);
  EXPECT_EQ(rule.last_seen, kMonday + 86400);
  ASSERT_EQ(rule.evidence.size(), 3u);  // the busiest flows first
  EXPECT_EQ(rule.evidence[0].kind, "flow");
  EXPECT_EQ(rule.evidence[0].summary, "10.0.1.9 -> 10.0.0.10 tcp/445: 9 connections");
  EXPECT_EQ(rule.evidence[0].source, "pfirewall.log:455");
  EXPECT_EQ(rule.evidence[2].summary, "10.0.1.7 -> 10.0.0.10 tcp/445: 7 connections");
  EXPECT_EQ(plan.allowed_flows, 9u);
  EXPECT_EQ(plan.covered_flows, 9u);
  EXPECT_EQ(plan.coverage, 1.0);
  EXPECT_TRUE(plan.uncovered.empty());
}

TEST(AllowList, TwoClientsFarApartInASlash24StayTwoHosts) {
  FirewallPlan plan = Build({Flow("10.0.1.1", "10.0.0.10", 445), Flow("10.0.1.200", "10.0.0.10", 445)});
  ASSERT_EQ(plan.rules.size(), 1u);
  EXPECT_EQ(plan.rules[0].clients, (Strings{"10.0.1.1/32", "10.0.1.200/32"}));
  EXPECT_FALSE(RuleAllows(plan.rules[0], Ip("10.0.1.100"), Ip("10.0.0.10"), Proto::kTcp, 445));
  EXPECT_EQ(plan.rules[0].name,
            "highport: 10.0.0.10 tcp/445 (SMB) from 10.0.1.1/32, 10.0.1.200/32");
}

TEST(AllowList, TheMaximumPrefixBoundsEveryBlock) {
  std::vector<FlowEntry> flows;
  for (int i = 0; i <= 255; ++i) flows.push_back(Flow("10.0.1." + std::to_string(i), "10.0.0.10", 445));
  for (int i = 0; i <= 255; ++i) flows.push_back(Flow("10.0.0." + std::to_string(i), "10.0.0.10", 445));
  EXPECT_EQ(Build(flows, {}, {}, Prefixes(16, 64)).rules[0].clients, (Strings{"10.0.0.0/23"}));
  EXPECT_EQ(Build(flows, {}, {}, Prefixes(24, 64)).rules[0].clients, (Strings{"10.0.0.0/24", "10.0.1.0/24"}));
  EXPECT_EQ(Build(flows, {}, {}, Prefixes(32, 64)).rules[0].clients.size(), 512u);
  FirewallPlan clamped = Build(flows, {}, {}, Prefixes(0, 0));
  EXPECT_EQ(clamped.max_prefix_v4, 1);  // never a /0
  EXPECT_EQ(clamped.max_prefix_v6, 1);
}

TEST(AllowList, DroppedOnlyFlowsAreAttemptsAndGetNoRule) {
  FlowEntry scan = Flow("10.0.9.9", "10.0.0.10", 5665, 0);
  scan.attempts = 3;
  scan.dropped = 6;
  FlowEntry observed = Flow("10.0.1.5", "10.0.0.10", 445, 4);
  observed.allowed = 0;  // a capture: observed, no firewall said anything
  FirewallPlan plan = Build({scan, observed});
  ASSERT_EQ(plan.rules.size(), 1u);
  EXPECT_EQ(plan.rules[0].ports[0].first, 445);
  EXPECT_EQ(plan.rules[0].connections, 4u);
  EXPECT_EQ(plan.allowed_flows, 1u);
  EXPECT_TRUE(plan.uncovered.empty());
  EXPECT_FALSE(AnyRuleAllows(plan, "10.0.9.9", "10.0.0.10", 5665));

  FirewallPlan none = Build({scan});
  EXPECT_TRUE(none.rules.empty());
  EXPECT_EQ(none.allowed_flows, 0u);
  EXPECT_EQ(none.coverage, 1.0);
}

// The first seed: RPC to a server only from the monitoring server.
TEST(AllowList, RpcRulesAreScopedToTheClientsThatUsedRpc) {
  std::vector<FlowEntry> flows = {
      Flow("10.0.5.5", "10.0.0.10", 135, 20),
      Dynamic("10.0.5.5", "10.0.0.10", 49667, {"netlogon"}),
      Flow("10.0.5.9", "10.0.0.10", 135, 2),          // asked the mapper, nothing more seen
      Dynamic("10.0.7.7", "10.0.0.10", 5010),          // already inside the planned range
      Flow("10.0.1.1", "10.0.0.10", 445), Flow("10.0.1.2", "10.0.0.10", 445),
  };
  FirewallPlan plan = Build(flows, {{Ip("10.0.0.10"), {5001, 5100}}});
  ASSERT_EQ(plan.rules.size(), 3u);
  const FirewallRule& epmap = plan.rules[0];
  EXPECT_EQ(epmap.keyword, RuleKeyword::kRpcEpmap);
  EXPECT_EQ(epmap.ports, (std::vector<PortRange>{{135, 135}}));
  EXPECT_EQ(epmap.clients, (Strings{"10.0.5.5/32", "10.0.5.9/32", "10.0.7.7/32"}));
  EXPECT_EQ(epmap.flows, 2u);
  EXPECT_EQ(epmap.service, "RPC endpoint mapper");
  const FirewallRule& smb = plan.rules[1];
  EXPECT_EQ(smb.clients, (Strings{"10.0.1.1/32", "10.0.1.2/32"}));
  const FirewallRule& rpc = plan.rules[2];
  EXPECT_EQ(rpc.id, "rule:3");
  EXPECT_EQ(rpc.keyword, RuleKeyword::kRpc);
  EXPECT_EQ(rpc.ports, (std::vector<PortRange>{{5001, 5100}}));
  EXPECT_EQ(rpc.clients, epmap.clients);
  EXPECT_EQ(rpc.flows, 2u);
  EXPECT_EQ(rpc.service, "RPC dynamic (planned range)");
  EXPECT_EQ(rpc.name, "highport: 10.0.0.10 RPC 5001-5100 from 10.0.5.5/32, 10.0.5.9/32 +1 more");
  EXPECT_EQ(rpc.evidence[0].summary, "10.0.5.5 -> 10.0.0.10 tcp/49667: 1 connection (netlogon)");

  // The SMB clients reach neither the mapper nor the range; nothing opens 49667.
  EXPECT_FALSE(AnyRuleAllows(plan, "10.0.1.1", "10.0.0.10", 135));
  EXPECT_FALSE(AnyRuleAllows(plan, "10.0.1.1", "10.0.0.10", 5001));
  EXPECT_FALSE(AnyRuleAllows(plan, "10.0.5.5", "10.0.0.10", 49667));
  EXPECT_TRUE(AnyRuleAllows(plan, "10.0.5.5", "10.0.0.10", 5100));
  EXPECT_EQ(plan.covered_flows, 6u);
  EXPECT_EQ(plan.coverage, 1.0);
}

TEST(AllowList, DynamicPortsWithoutAPlannedRangeAreListedNotAllowed) {
  FlowEntry by_mapper = Flow("10.0.1.5", "10.0.0.20", 49670);  // not marked, but the mapper placed it
  by_mapper.interfaces = {"spoolss"};
  std::vector<FlowEntry> flows = {Flow("10.0.1.5", "10.0.0.20", 135),
                                  Dynamic("10.0.1.5", "10.0.0.20", 49669), by_mapper,
                                  Dynamic("10.0.1.5", "10.0.0.10", 50001)};
  flows[3].key.proto = Proto::kUdp;
  FirewallPlan plan = Build(flows, {{Ip("10.0.0.10"), {5001, 5100}}});
  ASSERT_EQ(plan.rules.size(), 1u);  // the mapper alone
  EXPECT_EQ(plan.rules[0].keyword, RuleKeyword::kRpcEpmap);
  EXPECT_EQ(plan.allowed_flows, 4u);
  EXPECT_EQ(plan.covered_flows, 1u);
  EXPECT_DOUBLE_EQ(plan.coverage, 0.25);
  ASSERT_EQ(plan.uncovered.size(), 3u);
  EXPECT_EQ(plan.uncovered[0].server, "10.0.0.10");
  EXPECT_EQ(plan.uncovered[0].proto, Proto::kUdp);
  EXPECT_NE(plan.uncovered[0].reason.find("dynamic udp port"), std::string::npos);
  EXPECT_EQ(plan.uncovered[1].port, 49669);
  EXPECT_EQ(plan.uncovered[1].client, "10.0.1.5");
  EXPECT_EQ(plan.uncovered[1].reason,
            "dynamic port and no RPC range planned for 10.0.0.20: it changes at the next restart");
  EXPECT_EQ(plan.uncovered[1].source, "pfirewall.log:49679");
  EXPECT_EQ(plan.uncovered[2].port, 49670);
  EXPECT_FALSE(AnyRuleAllows(plan, "10.0.1.5", "10.0.0.20", 49669));
}

TEST(AllowList, NeverOpensTheWholeDynamicRange) {
  // A planned range as wide as the default one pins nothing.
  FirewallPlan wide = Build({Dynamic("10.0.1.5", "10.0.0.10", 50000)},
                            {{Ip("10.0.0.10"), kWindowsDynamicRange}});
  EXPECT_TRUE(wide.rules.empty());
  ASSERT_EQ(wide.uncovered.size(), 1u);
  EXPECT_NE(wide.uncovered[0].reason.find("opens the whole dynamic range"), std::string::npos);

  // An allowed port scan from one client: every port was "seen", and still no 1025-65535.
  std::vector<FlowEntry> scan;
  for (uint32_t port = 1025; port <= 65535; ++port) {
    scan.push_back(Flow("10.0.9.9", "10.0.0.10", static_cast<uint16_t>(port)));
  }
  scan.push_back(Flow("10.0.9.9", "10.0.0.10", 445));
  FirewallPlan plan = Build(scan);
  ASSERT_EQ(plan.rules.size(), 1u);
  EXPECT_EQ(plan.rules[0].ports, (std::vector<PortRange>{{445, 445}}));
  EXPECT_EQ(plan.uncovered.size(), 64511u);
  EXPECT_NE(plan.uncovered[0].reason.find("ports 1025-65535"), std::string::npos);
  EXPECT_TRUE(OpensWholeDynamicRange({1024, 65535}));
  EXPECT_TRUE(OpensWholeDynamicRange({49152, 65535}));
  EXPECT_TRUE(OpensWholeDynamicRange({1025, 5000}));
  EXPECT_FALSE(OpensWholeDynamicRange({49152, 65534}));
  EXPECT_FALSE(OpensWholeDynamicRange({5001, 5100}));
}

TEST(AllowList, AdjacentPortsOfTheSameClientsMerge) {
  FirewallPlan plan = Build({
      Flow("10.0.1.5", "10.0.0.10", 3268), Flow("10.0.1.5", "10.0.0.10", 3269),
      Flow("10.0.1.6", "10.0.0.10", 3270),                                        // other clients
      Flow("10.0.1.5", "10.0.0.10", 389), Flow("10.0.1.5", "10.0.0.10", 636),   // not adjacent
      Flow("10.0.1.5", "10.0.0.10", 10000, 1, Proto::kUdp),
      Flow("10.0.1.5", "10.0.0.10", 10001, 1, Proto::kUdp),
      Flow("10.0.1.5", "10.0.0.10", 10002, 1, Proto::kUdp),
  });
  EXPECT_EQ(IdsAndNames(plan), (Strings{
                       "rule:1 highport: 10.0.0.10 tcp/389 from 10.0.1.5/32",
                       "rule:2 highport: 10.0.0.10 tcp/636 from 10.0.1.5/32",
                       "rule:3 highport: 10.0.0.10 tcp/3268-3269 from 10.0.1.5/32",
                       "rule:4 highport: 10.0.0.10 tcp/3270 from 10.0.1.6/32",
                       "rule:5 highport: 10.0.0.10 udp/10000-10002 from 10.0.1.5/32",
                   }));
  EXPECT_EQ(plan.rules[2].flows, 2u);
}

TEST(AllowList, ServersThatNeedTheSameShareARule) {
  FirewallPlan plan = Build({
      Flow("10.0.1.5", "10.0.0.11", 445), Flow("10.0.1.5", "10.0.0.10", 445),
      Flow("10.0.1.5", "10.0.0.12", 445), Flow("10.0.1.6", "10.0.0.20", 445),
      Flow("10.0.1.5", "10.0.0.20", 445),
  });
  ASSERT_EQ(plan.rules.size(), 2u);
  EXPECT_EQ(plan.rules[0].servers, (Strings{"10.0.0.10", "10.0.0.11", "10.0.0.12"}));
  EXPECT_EQ(plan.rules[0].flows, 3u);
  EXPECT_EQ(plan.rules[0].name, "highport: 10.0.0.10, 10.0.0.11 +1 more tcp/445 (SMB) from 10.0.1.5/32");
  EXPECT_EQ(plan.rules[1].servers, (Strings{"10.0.0.20"}));
  EXPECT_EQ(plan.rules[1].clients, (Strings{"10.0.1.5/32", "10.0.1.6/32"}));
}

TEST(AllowList, RpcRulesOfServersWithTheSameRangeAndClientsMerge) {
  Ranges ranges = {{Ip("10.0.0.10"), {5001, 5100}}, {Ip("10.0.0.11"), {5001, 5100}}};
  Programs programs = {{{Ip("10.0.0.10"), Proto::kTcp, 49667}, "%SystemRoot%\\System32\\lsass.exe"},
                       {{Ip("10.0.0.11"), Proto::kTcp, 49668}, "%SystemRoot%\\System32\\lsass.exe"},
                       {{Ip("0.0.0.0"), Proto::kTcp, 135}, "%SystemRoot%\\System32\\svchost.exe"}};
  FirewallPlan plan = Build({Dynamic("10.0.5.5", "10.0.0.10", 49667), Dynamic("10.0.5.5", "10.0.0.11", 49668),
                             Flow("10.0.5.5", "10.0.0.10", 135), Flow("10.0.5.5", "10.0.0.11", 135)},
                            ranges, programs);
  ASSERT_EQ(plan.rules.size(), 2u);
  EXPECT_EQ(plan.rules[0].keyword, RuleKeyword::kRpcEpmap);
  EXPECT_EQ(plan.rules[0].program, "%SystemRoot%\\System32\\svchost.exe");  // from the 0.0.0.0 listener
  EXPECT_EQ(plan.rules[1].keyword, RuleKeyword::kRpc);
  EXPECT_EQ(plan.rules[1].servers, (Strings{"10.0.0.10", "10.0.0.11"}));
  EXPECT_EQ(plan.rules[1].program, "%SystemRoot%\\System32\\lsass.exe");

  // Two programs behind one server's dynamic ports: the rule names none.
  FirewallPlan mixed = Build({Dynamic("10.0.5.5", "10.0.0.10", 49667), Dynamic("10.0.5.5", "10.0.0.10", 49670)},
                             ranges, {{{Ip("10.0.0.10"), Proto::kTcp, 49667}, "lsass.exe"},
                                      {{Ip("10.0.0.10"), Proto::kTcp, 49670}, "dfsrs.exe"}});
  ASSERT_EQ(mixed.rules.size(), 1u);
  EXPECT_EQ(mixed.rules[0].program, "");
}

TEST(AllowList, ProgramsSplitRulesWherePortsWouldMerge) {
  Programs programs = {{{Ip("10.0.0.10"), Proto::kTcp, 8080}, "C:\\app\\a.exe"},
                       {{Ip("10.0.0.10"), Proto::kTcp, 8081}, "C:\\app\\b.exe"}};
  FirewallPlan plan = Build({Flow("10.0.1.5", "10.0.0.10", 8080), Flow("10.0.1.5", "10.0.0.10", 8081)},
                            {}, programs);
  ASSERT_EQ(plan.rules.size(), 2u);
  EXPECT_EQ(plan.rules[0].program, "C:\\app\\a.exe");
  EXPECT_EQ(plan.rules[1].program, "C:\\app\\b.exe");
}

TEST(AllowList, Ipv6AndIpv4ClientsNeverShareABlock) {
  FirewallPlan plan = Build({
      Flow("fd00:1::8a3f:11ff:fe22:1", "fd00::11", 53, 1, Proto::kUdp),
      Flow("fd00:1::c0de:9d1e:77:2", "fd00::11", 53, 1, Proto::kUdp),
      Flow("10.0.1.5", "10.0.0.11", 53, 1, Proto::kUdp),
  });
  ASSERT_EQ(plan.rules.size(), 2u);
  EXPECT_EQ(plan.rules[0].servers, (Strings{"10.0.0.11"}));
  EXPECT_EQ(plan.rules[0].clients, (Strings{"10.0.1.5/32"}));
  EXPECT_EQ(plan.rules[1].servers, (Strings{"fd00::11"}));
  EXPECT_EQ(plan.rules[1].clients, (Strings{"fd00:1::/64"}));
  EXPECT_EQ(Build({Flow("fd00:1::1", "fd00::11", 53, 1, Proto::kUdp),
                   Flow("fd00:1::2", "fd00::11", 53, 1, Proto::kUdp)},
                  {}, {}, Prefixes(24, 128))
                .rules[0]
                .clients,
            (Strings{"fd00:1::1/128", "fd00:1::2/128"}));
}

// A DC asking Quad9 and a public time server: the plan's hosts' egress. No
// rule, not fenced (nftables would drop everybody else's DNS to 9.9.9.9),
// counted apart; a public server that is a host of the evidence, or in
// --internal, is fenced like a private one.
TEST(AllowList, ServersOutsideTheNetworkAreEgressNotFenced) {
  std::vector<FlowEntry> flows = {
      Flow("10.0.0.10", "9.9.9.9", 53, 120, Proto::kUdp),
      Flow("10.0.0.10", "149.112.112.112", 53, 64, Proto::kUdp),
      Flow("10.0.0.10", "192.53.103.108", 123, 30, Proto::kUdp),
      Flow("10.0.1.5", "10.0.0.10", 389),
      Flow("10.0.1.5", "100.64.3.1", 443),     // carrier-grade NAT space: inside
      Flow("10.0.1.5", "fd00::11", 53, 1, Proto::kUdp),
      Flow("10.0.1.5", "2001:db8::53", 53, 1, Proto::kUdp),
  };
  FirewallPlan plan = Build(flows);
  EXPECT_EQ(plan.allowed_flows, 3u);
  EXPECT_EQ(plan.covered_flows, 3u);
  EXPECT_EQ(plan.outside_flows, 4u);
  EXPECT_EQ(plan.outside_servers,
            (Strings{"9.9.9.9", "149.112.112.112", "192.53.103.108", "2001:db8::53"}));
  for (const FirewallRule& r : plan.rules) {
    for (const std::string& s : r.servers) EXPECT_TRUE(s.rfind("10.", 0) == 0 || s == "100.64.3.1" || s == "fd00::11") << s;
  }
  EXPECT_EQ(OutsideSummary(plan),
            "egress: 4 flow(s) to 4 server(s) outside the network (9.9.9.9, 149.112.112.112 +2 more) "
            "get no rule and are not fenced; --internal CIDR if they are yours");

  AllowListOptions options;
  options.internal = {*ParseCidr("9.9.9.0/24")};
  options.own_servers = {Ip("192.53.103.108")};
  plan = Build(flows, {}, {}, options);
  EXPECT_EQ(plan.outside_flows, 2u);
  EXPECT_EQ(plan.outside_servers, (Strings{"149.112.112.112", "2001:db8::53"}));
  EXPECT_TRUE(AnyRuleAllows(plan, "10.0.0.10", "9.9.9.9", 53, Proto::kUdp));
  EXPECT_TRUE(AnyRuleAllows(plan, "10.0.0.10", "192.53.103.108", 123, Proto::kUdp));
  EXPECT_EQ(OutsideSummary(Build({Flow("10.0.1.5", "10.0.0.10", 389)})), "");
}

TEST(AllowList, LoopbackIsLeftOutAndOneToManyTrafficIsListed) {
  FirewallPlan plan = Build({
      Flow("127.0.0.1", "127.0.0.1", 389), Flow("::1", "::1", 5985),
      Flow("10.0.1.5", "224.0.0.251", 5353, 1, Proto::kUdp),
      Flow("10.0.1.5", "255.255.255.255", 67, 1, Proto::kUdp),
      Flow("fe80::1%12", "fe80::2%12", 445),
      Flow("10.0.1.5", "10.0.0.10", 445),
  });
  EXPECT_EQ(plan.allowed_flows, 4u);  // loopback never crosses a firewall
  EXPECT_EQ(plan.covered_flows, 1u);
  ASSERT_EQ(plan.rules.size(), 1u);
  ASSERT_EQ(plan.uncovered.size(), 3u);
  EXPECT_EQ(plan.uncovered[0].server, "224.0.0.251");
  EXPECT_NE(plan.uncovered[0].reason.find("multicast or broadcast destination"), std::string::npos);
  EXPECT_EQ(plan.uncovered[1].server, "255.255.255.255");
  EXPECT_EQ(plan.uncovered[2].server, "fe80::2%12");
  EXPECT_NE(plan.uncovered[2].reason.find("link-local"), std::string::npos);
}

TEST(AllowList, AHostsConnectionsToItsOwnAddressGetNoRule) {
  FlowEntry self = Dynamic("10.0.0.10", "10.0.0.10", 49670);
  self.flow_class = analysis::FlowClass::kLocal;  // as the flow table classes it
  FlowEntry smb = Flow("10.0.0.10", "10.0.0.10", 445);
  smb.flow_class = analysis::FlowClass::kLocal;
  FirewallPlan plan = Build({self, smb, Flow("10.0.1.5", "10.0.0.10", 445)});
  EXPECT_EQ(plan.allowed_flows, 1u);
  ASSERT_EQ(plan.rules.size(), 1u);
  EXPECT_TRUE(plan.uncovered.empty());
}

TEST(AllowList, RuleAllowsIsExact) {
  FirewallRule rule;
  rule.servers = {"10.0.0.10", "fd00::11"};
  rule.clients = {"10.0.1.0/28", "10.0.2.7/32", "fd00:1::/64"};
  rule.proto = Proto::kTcp;
  rule.ports = {{389, 389}, {3268, 3269}};
  EXPECT_TRUE(RuleAllows(rule, Ip("10.0.1.15"), Ip("10.0.0.10"), Proto::kTcp, 389));
  EXPECT_TRUE(RuleAllows(rule, Ip("10.0.2.7"), Ip("10.0.0.10"), Proto::kTcp, 3269));
  EXPECT_TRUE(RuleAllows(rule, Ip("fd00:1::99"), Ip("fd00::11%3"), Proto::kTcp, 3268));
  EXPECT_FALSE(RuleAllows(rule, Ip("10.0.1.16"), Ip("10.0.0.10"), Proto::kTcp, 389));
  EXPECT_FALSE(RuleAllows(rule, Ip("10.0.2.8"), Ip("10.0.0.10"), Proto::kTcp, 389));
  EXPECT_FALSE(RuleAllows(rule, Ip("10.0.1.1"), Ip("10.0.0.11"), Proto::kTcp, 389));
  EXPECT_FALSE(RuleAllows(rule, Ip("10.0.1.1"), Ip("10.0.0.10"), Proto::kUdp, 389));
  EXPECT_FALSE(RuleAllows(rule, Ip("10.0.1.1"), Ip("10.0.0.10"), Proto::kTcp, 390));
  EXPECT_FALSE(RuleAllows(rule, Ip("10.0.1.1"), Ip("10.0.0.10"), Proto::kTcp, 3270));
}

TEST(AllowList, TheOutputDoesNotDependOnTheInputOrder) {
  std::vector<FlowEntry> flows = {
      Flow("10.0.1.5", "10.0.0.20", 445), Flow("10.0.1.6", "10.0.0.10", 389),
      Flow("10.0.5.5", "10.0.0.10", 135), Dynamic("10.0.5.5", "10.0.0.10", 49667),
      Flow("fd00:1::5", "fd00::11", 53, 1, Proto::kUdp), Flow("10.0.1.7", "10.0.0.10", 53, 1, Proto::kUdp),
      Dynamic("10.0.1.5", "10.0.0.20", 49669), Flow("10.0.1.6", "10.0.0.10", 53),
  };
  Ranges ranges = {{Ip("10.0.0.10"), {5001, 5100}}};
  FirewallPlan first = Build(flows, ranges);
  Strings expected = IdsAndNames(first);
  // Sorted by server, proto, first port.
  EXPECT_EQ(expected, (Strings{
                          "rule:1 highport: 10.0.0.10 tcp/53 from 10.0.1.6/32",
                          "rule:2 highport: 10.0.0.10 tcp/135 (RPC endpoint mapper) from 10.0.5.5/32",
                          "rule:3 highport: 10.0.0.10 tcp/389 from 10.0.1.6/32",
                          "rule:4 highport: 10.0.0.10 RPC 5001-5100 from 10.0.5.5/32",
                          "rule:5 highport: 10.0.0.10 udp/53 from 10.0.1.7/32",
                          "rule:6 highport: 10.0.0.20 tcp/445 (SMB) from 10.0.1.5/32",
                          "rule:7 highport: fd00::11 udp/53 from fd00:1::5/128",
                      }));
  std::mt19937 random(7);
  for (int round = 0; round < 10; ++round) {
    std::shuffle(flows.begin(), flows.end(), random);
    FirewallPlan again = Build(flows, ranges);
    EXPECT_EQ(IdsAndNames(again), expected);
    ASSERT_EQ(again.uncovered.size(), 1u);
    EXPECT_EQ(again.uncovered[0].port, 49669);
  }
}

// What a reviewer of the plan checks, on a random network: the numbers add
// up, every covered flow really passes a rule (a dynamic one at its planned
// range), no uncovered flow passes any rule, and no block or port range is
// wider than the evidence allows.
TEST(AllowList, CoverageIsTrueOnARandomNetwork) {
  std::mt19937 random(11);
  const std::vector<std::string> servers = {"10.0.0.10", "10.0.0.11", "10.0.0.20", "fd00::11"};
  const std::vector<uint16_t> ports = {53, 88, 135, 389, 445, 636, 3268, 3269, 5665, 49667, 49668};
  Ranges ranges = {{Ip("10.0.0.10"), {5001, 5100}}, {Ip("fd00::11"), {6001, 6200}}};
  std::vector<FlowEntry> flows;
  for (int n = 0; n < 600; ++n) {
    const std::string& server = servers[random() % servers.size()];
    std::string client = server.find(':') != std::string::npos
                             ? "fd00:" + std::to_string(1 + random() % 3) + "::" + std::to_string(random() % 40)
                             : "10.0." + std::to_string(1 + random() % 3) + "." + std::to_string(random() % 40);
    uint16_t port = ports[random() % ports.size()];
    FlowEntry f = port >= 49152 ? Dynamic(client, server, port) : Flow(client, server, port, random() % 3);
    if (random() % 5 == 0) f.key.proto = Proto::kUdp;
    flows.push_back(f);
  }
  std::sort(flows.begin(), flows.end(), [](const FlowEntry& a, const FlowEntry& b) { return a.key < b.key; });
  flows.erase(std::unique(flows.begin(), flows.end(),
                          [](const FlowEntry& a, const FlowEntry& b) { return a.key == b.key; }),
              flows.end());
  FirewallPlan plan = Build(flows, ranges);

  uint64_t counted = 0, passing = 0;
  for (const FlowEntry& f : flows) {
    if (f.connections == 0) continue;
    ++counted;
    uint16_t port = f.key.port;
    auto range = ranges.find(f.key.server);
    if (f.dynamic && range != ranges.end()) port = range->second.first;
    bool passes = std::any_of(plan.rules.begin(), plan.rules.end(), [&](const FirewallRule& rule) {
      return RuleAllows(rule, f.key.client, f.key.server, f.key.proto, port);
    });
    passing += passes;
    bool listed = std::any_of(plan.uncovered.begin(), plan.uncovered.end(), [&](const UncoveredFlow& u) {
      return u.client == f.key.client.ToString() && u.server == f.key.server.ToString() &&
             u.proto == f.key.proto && u.port == f.key.port;
    });
    EXPECT_NE(passes, listed) << f.key.client.ToString() << " -> " << f.key.server.ToString() << " "
                              << f.key.port;
  }
  EXPECT_EQ(plan.allowed_flows, counted);
  EXPECT_EQ(plan.covered_flows, passing);
  EXPECT_EQ(plan.covered_flows + plan.uncovered.size(), plan.allowed_flows);
  EXPECT_GT(plan.covered_flows, plan.allowed_flows / 2);
  EXPECT_LT(plan.covered_flows, plan.allowed_flows);  // dynamic ports of 10.0.0.11 and 10.0.0.20
  EXPECT_DOUBLE_EQ(plan.coverage, double(plan.covered_flows) / double(plan.allowed_flows));

  for (const FirewallRule& rule : plan.rules) {
    for (const PortRange& range : rule.ports) {
      EXPECT_FALSE(OpensWholeDynamicRange(range)) << rule.name;
      EXPECT_FALSE(range.Contains(49667)) << rule.name;
    }
    for (const std::string& text : rule.clients) {
      CidrBlock block = *ParseCidr(text);
      EXPECT_GE(block.prefix, block.network.is_v4() ? 24 : 64) << rule.name;
      // Every block holds a client that used this rule's ports on one of its servers.
      bool seen = std::any_of(flows.begin(), flows.end(), [&](const FlowEntry& f) {
        return f.connections > 0 && block.Contains(f.key.client) && f.key.proto == rule.proto &&
               std::find(rule.servers.begin(), rule.servers.end(), f.key.server.ToString()) !=
                   rule.servers.end();
      });
      EXPECT_TRUE(seen) << rule.name << " " << text;
    }
  }
}

}  // namespace
}  // namespace highport::plan
