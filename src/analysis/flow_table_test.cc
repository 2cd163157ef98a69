#include "analysis/flow_table.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "analysis/testing.h"
#include "fmt/format.h"
#include "gtest/gtest.h"

namespace highport::analysis {
namespace {

using testing::TestCatalog;

constexpr int64_t kSecond = 1'000'000;

FlowObservation Obs(std::string_view src, uint16_t sport, std::string_view dst, uint16_t dport,
                    int64_t first_s = 0, int64_t last_s = 0, Proto proto = Proto::kTcp) {
  FlowObservation f;
  f.src = {*IpAddress::Parse(src), proto, sport};
  f.dst = {*IpAddress::Parse(dst), proto, dport};
  f.ip_protocol = proto == Proto::kTcp ? 6 : 17;
  f.first_us = first_s * kSecond;
  f.last_us = last_s * kSecond;
  f.packets = 10;
  f.bytes = 1000;
  f.connections = 1;
  f.source = {"cap.pcap", 0, 7, 0};
  return f;
}

FlowObservation Handshake(FlowObservation f, Initiator initiator) {
  f.initiator = initiator;
  f.initiator_evidence = InitiatorEvidence::kHandshake;
  return f;
}

RpcRegistration Registration(std::string_view server, uint16_t port, std::string uuid) {
  RpcRegistration r;
  r.uuid = std::move(uuid);
  r.version_major = 1;
  r.protocol = "ncacn_ip_tcp";
  r.endpoint = Endpoint{*IpAddress::Parse(server), Proto::kTcp, port};
  return r;
}

const FlowEntry& Find(const std::vector<FlowEntry>& flows, uint16_t port) {
  for (const FlowEntry& e : flows) {
    if (e.key.port == port) return e;
  }
  throw std::runtime_error("no flow to port " + std::to_string(port));
}

TEST(FlowTable, TheHandshakeDecidesEvenAgainstThePortNumbers) {
  FlowTable table(TestCatalog(), {});
  // A client that happens to use source port 445 toward a server's 50000:
  // the SYN came from 10.0.0.21, so 10.0.0.5:50000 is the server.
  table.OnFlow(Handshake(Obs("10.0.0.21", 445, "10.0.0.5", 50000), Initiator::kSource));
  // The same kind of record written from the answering side.
  table.OnFlow(Handshake(Obs("10.0.0.5", 50001, "10.0.0.22", 60000), Initiator::kDestination));
  std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 2u);
  const FlowEntry& a = Find(flows, 50000);
  EXPECT_EQ(a.key.client.ToString(), "10.0.0.21");
  EXPECT_EQ(a.key.server.ToString(), "10.0.0.5");
  EXPECT_EQ(a.rule, ServerRule::kHandshake);
  EXPECT_EQ(a.flow_class, FlowClass::kProblematic);  // dynamic port wins over the odd source
  const FlowEntry& b = Find(flows, 50001);
  EXPECT_EQ(b.key.client.ToString(), "10.0.0.22");
  EXPECT_EQ(b.rule, ServerRule::kHandshake);
}

TEST(FlowTable, ListenersComeFirstThenPortClassesThenAGuess) {
  HostKnowledge k;
  k.listeners.insert({IpAddress::AnyV4(), Proto::kTcp, 52000});  // netstat says 52000 listens
  FlowTable table(TestCatalog(), k);
  table.OnFlow(Obs("10.0.0.5", 52000, "10.0.0.30", 50123));  // a reply seen first: still the listener
  table.OnFlow(Obs("10.0.0.30", 61000, "10.0.0.5", 445));     // the catalog knows 445
  table.OnFlow(Obs("10.0.0.30", 50500, "10.0.0.5", 8443));    // only 8443 is outside the dynamic range
  table.OnFlow(Obs("10.0.0.30", 9000, "10.0.0.5", 8000));     // neither: the lower port, a guess
  std::vector<FlowEntry> flows = table.Finish();
  EXPECT_EQ(Find(flows, 52000).rule, ServerRule::kListener);
  EXPECT_EQ(Find(flows, 52000).key.server.ToString(), "10.0.0.5");
  EXPECT_EQ(Find(flows, 445).rule, ServerRule::kPortClass);
  EXPECT_EQ(Find(flows, 445).flow_class, FlowClass::kFine);
  EXPECT_EQ(Find(flows, 445).service, "SMB");
  EXPECT_EQ(Find(flows, 8443).rule, ServerRule::kPortClass);
  EXPECT_EQ(Find(flows, 8443).flow_class, FlowClass::kRestricted);
  EXPECT_EQ(Find(flows, 8000).rule, ServerRule::kGuess);
  EXPECT_EQ(Find(flows, 8000).key.server.ToString(), "10.0.0.5");
}

// The port-class rule reads the dynamic range each host has: the default
// range a HostKnowledge gives, or a host's own. 7000-7100 is 10.0.0.30's
// only in the second table; 5000-5100 is everyone's default in both.
TEST(FlowTable, PortClassesFollowTheDefaultAndEachHostsRange) {
  HostKnowledge k;
  k.default_dynamic_range = PortRange{5000, 5100};
  FlowTable by_default(TestCatalog(), k);
  by_default.OnFlow(Obs("10.0.0.30", 5050, "10.0.0.5", 7000));  // only 5050 is dynamic
  by_default.OnFlow(Obs("10.0.0.30", 7001, "10.0.0.5", 5060));  // only 5060: 7001 serves
  by_default.OnFlow(Obs("10.0.0.30", 50000, "10.0.0.5", 7002));  // neither: a guess
  std::vector<FlowEntry> flows = by_default.Finish();
  EXPECT_EQ(Find(flows, 7000).rule, ServerRule::kPortClass);
  EXPECT_EQ(Find(flows, 7000).key.server.ToString(), "10.0.0.5");
  EXPECT_EQ(Find(flows, 7001).rule, ServerRule::kPortClass);
  EXPECT_EQ(Find(flows, 7001).key.server.ToString(), "10.0.0.30");
  EXPECT_EQ(Find(flows, 7002).rule, ServerRule::kGuess);

  k.dynamic_ranges[*IpAddress::Parse("10.0.0.30")] = PortRange{7000, 7100};
  FlowTable per_host(TestCatalog(), k);
  per_host.OnFlow(Obs("10.0.0.30", 7001, "10.0.0.5", 5060));  // both dynamic now: the lower port
  per_host.OnFlow(Obs("10.0.0.30", 5050, "10.0.0.5", 5070));  // 5050 is not in 10.0.0.30's range
  flows = per_host.Finish();
  EXPECT_EQ(Find(flows, 5060).rule, ServerRule::kGuess);
  EXPECT_EQ(Find(flows, 5060).key.server.ToString(), "10.0.0.5");
  EXPECT_EQ(Find(flows, 5050).rule, ServerRule::kPortClass);
  EXPECT_EQ(Find(flows, 5050).key.server.ToString(), "10.0.0.30");
}

// A service seen on different ports over time (MovedPorts) makes them
// dynamic, even outside the host's range, on the host it moved on (or on
// every server, for a wildcard entry); a port the catalog knows stays static.
TEST(FlowTable, APortAServiceMovedFromIsDynamic) {
  HostKnowledge k;
  k.moved_ports = {{*IpAddress::Parse("10.0.0.5"), Proto::kTcp, 7001},
                   {*IpAddress::Parse("10.0.0.5"), Proto::kTcp, 5665},  // icinga: known
                   {IpAddress::AnyV6(), Proto::kTcp, 7002}};
  FlowTable table(TestCatalog(), k);
  auto to = [](std::string_view server, uint16_t port) {
    FlowObservation f = Obs(server == "fd00::5" ? "fd00::30" : "10.0.0.30", 50123, server, port);
    return Handshake(f, Initiator::kSource);
  };
  table.OnFlow(to("10.0.0.5", 7001));
  table.OnFlow(to("10.0.0.6", 7001));  // another host: it did not move there
  table.OnFlow(to("10.0.0.5", 5665));
  table.OnFlow(to("fd00::5", 7002));
  const std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 4u);
  auto find = [&](std::string_view server, uint16_t port) -> const FlowEntry& {
    for (const FlowEntry& e : flows) {
      if (e.key.server.ToString() == server && e.key.port == port) return e;
    }
    throw std::runtime_error("no flow");
  };
  EXPECT_TRUE(find("10.0.0.5", 7001).dynamic);
  EXPECT_EQ(find("10.0.0.5", 7001).flow_class, FlowClass::kProblematic);
  EXPECT_FALSE(find("10.0.0.6", 7001).dynamic);
  EXPECT_EQ(find("10.0.0.6", 7001).flow_class, FlowClass::kRestricted);
  EXPECT_FALSE(find("10.0.0.5", 5665).dynamic) << "a known static service";
  EXPECT_TRUE(find("fd00::5", 7002).dynamic);
}

// dc01 listens on udp/123 and asks its time source on 123 too: the firewall
// log's SEND path says dc01 started it, so the time source is the server.
TEST(FlowTable, AListenerDoesNotDecideASymmetricPortPair) {
  HostKnowledge k;
  k.listeners.insert({IpAddress::AnyV4(), Proto::kUdp, 123});
  FlowTable table(TestCatalog(), k);
  FlowObservation ntp = Obs("10.0.0.10", 123, "9.9.9.9", 123, 0, 0, Proto::kUdp);
  ntp.initiator = Initiator::kSource;
  ntp.initiator_evidence = InitiatorEvidence::kFirewallPath;
  table.OnFlow(ntp);
  std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_EQ(flows[0].key.server.ToString(), "9.9.9.9");
  EXPECT_EQ(flows[0].rule, ServerRule::kFirewall);
}

TEST(FlowTable, TheEndpointMapperMakesAPortDynamicAndNamesIt) {
  HostKnowledge k;
  k.dynamic_ranges[*IpAddress::Parse("10.0.0.5")] = PortRange{5000, 5100};
  FlowTable table(TestCatalog(), k);
  table.OnRpcRegistration(Registration("10.0.0.5", 5001, "12345678-1234-abcd-ef00-01234567cffb"));
  table.OnFlow(Obs("10.0.0.30", 61000, "10.0.0.5", 5001, 10, 20));
  table.OnFlow(Obs("10.0.0.30", 61001, "10.0.0.5", 135, 9, 9));
  table.OnFlow(Obs("10.0.0.30", 61002, "10.0.0.5", 3000, 10, 20));  // in no range, not registered
  std::vector<FlowEntry> flows = table.Finish();
  const FlowEntry& rpc = Find(flows, 5001);
  EXPECT_EQ(rpc.rule, ServerRule::kEndpointMapper);
  EXPECT_TRUE(rpc.dynamic);
  EXPECT_EQ(rpc.flow_class, FlowClass::kProblematic);
  EXPECT_EQ(rpc.interfaces, std::vector<std::string>{"netlogon"});
  EXPECT_EQ(flows.front().key.port, 5001) << "problematic flows come first";
  EXPECT_FALSE(Find(flows, 135).dynamic);
  EXPECT_EQ(Find(flows, 135).flow_class, FlowClass::kFine);
  EXPECT_FALSE(Find(flows, 3000).dynamic);
}

// An endpoint-mapper answer read after the flows it explains (a later
// file, the database after the files) gives the same flows as one read
// before them: each flow decided in the right direction by its own
// evidence (handshake, firewall row, port class) says endpoint-mapper,
// as rule 1 would have said. Flows to other ports keep their rule.
TEST(FlowTable, AnEndpointMapperAnswerReadLateDecidesAsOneReadFirst) {
  std::vector<FlowObservation> traffic = {
      Handshake(Obs("10.0.0.30", 61000, "10.0.0.5", 49701, 10, 20), Initiator::kSource),
      Obs("10.0.0.31", 61001, "10.0.0.5", 49701, 10, 20),  // no direction: port classes
      Obs("10.0.0.30", 61002, "10.0.0.5", 445, 9, 9),
      Handshake(Obs("10.0.0.30", 61003, "10.0.0.5", 49702, 10, 20), Initiator::kSource),
  };
  FlowObservation row = Obs("10.0.0.32", 61004, "10.0.0.5", 49701, 30, 30);
  row.action = TrafficAction::kAllowed;
  row.initiator = Initiator::kSource;
  row.initiator_evidence = InitiatorEvidence::kFirewallPath;
  traffic.push_back(row);
  const RpcRegistration netlogon =
      Registration("10.0.0.5", 49701, "12345678-1234-abcd-ef00-01234567cffb");

  FlowTable first(TestCatalog(), {});
  first.OnRpcRegistration(netlogon);
  for (const FlowObservation& f : traffic) first.OnFlow(f);
  FlowTable late(TestCatalog(), {});
  for (const FlowObservation& f : traffic) late.OnFlow(f);
  late.OnRpcRegistration(netlogon);
  const std::vector<FlowEntry> want = first.Finish();
  const std::vector<FlowEntry> got = late.Finish();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].key, want[i].key) << i;
    EXPECT_EQ(ServerRuleName(got[i].rule), ServerRuleName(want[i].rule)) << i;
    EXPECT_EQ(got[i].interfaces, want[i].interfaces) << i;
    EXPECT_EQ(got[i].flow_class, want[i].flow_class) << i;
  }
  size_t by_epm = 0;
  for (const FlowEntry& e : got) {
    by_epm += e.rule == ServerRule::kEndpointMapper;
    if (e.key.port != 49701) {
      EXPECT_NE(e.rule, ServerRule::kEndpointMapper) << e.key.port;
    }
  }
  EXPECT_EQ(by_epm, 3u);
  EXPECT_EQ(Find(got, 49702).rule, ServerRule::kHandshake);
}

TEST(FlowTable, FirewallRowsAllowedConnectionsAndDroppedAttempts) {
  FlowTable table(TestCatalog(), {});
  FlowObservation allow = Obs("10.0.0.30", 61000, "10.0.0.5", 5665, 100, 100);
  allow.action = TrafficAction::kAllowed;
  allow.initiator = Initiator::kSource;
  allow.initiator_evidence = InitiatorEvidence::kFirewallPath;
  allow.packets = 1;
  table.OnFlow(allow);
  allow.src.port = 61001;
  table.OnFlow(allow);
  // A SYN retransmitted three times is one attempt; a new client port is another.
  FlowObservation drop = Obs("10.0.0.66", 50000, "10.0.0.5", 5665, 200, 200);
  drop.action = TrafficAction::kDropped;
  drop.connections = 0;
  drop.packets = 1;
  for (int64_t t : {200, 201, 203}) {
    drop.first_us = drop.last_us = t * kSecond;
    table.OnFlow(drop);
  }
  drop.src.port = 50001;
  table.OnFlow(drop);
  std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 2u);
  const FlowEntry& allowed = flows[0].key.client.ToString() == "10.0.0.30" ? flows[0] : flows[1];
  const FlowEntry& dropped = flows[0].key.client.ToString() == "10.0.0.66" ? flows[0] : flows[1];
  EXPECT_EQ(allowed.connections, 2u);
  EXPECT_EQ(allowed.allowed, 2u);
  EXPECT_EQ(allowed.rule, ServerRule::kFirewall);
  EXPECT_EQ(allowed.flow_class, FlowClass::kFine);  // a high port, but a known static service
  EXPECT_EQ(allowed.service, "Icinga 2 API");
  EXPECT_EQ(dropped.dropped, 4u);
  EXPECT_EQ(dropped.attempts, 2u);
  EXPECT_EQ(dropped.connections, 0u);
  EXPECT_EQ(dropped.first_us, 200 * kSecond);
  EXPECT_EQ(dropped.last_us, 203 * kSecond);
}

// A datagram to a broadcast or multicast address goes to a port every
// receiver knows: never a dynamic server port (Spotify's LAN discovery to
// 192.168.178.255:57621 made two false problematic flows in a real log).
// TCP to an address ending in 255 is a host's; UDP to a host's high port
// stays dynamic. The same with and without the port-alone fast path.
// A firewall log row's pid is the logging host's process: the server's
// only where that host is the server (RECEIVE, its own port).
FlowObservation LogRow(std::string_view src, uint16_t sport, std::string_view dst, uint16_t dport,
                       LocalSide local, std::optional<uint32_t> pid, std::string file) {
  FlowObservation f = Obs(src, sport, dst, dport);
  f.action = TrafficAction::kAllowed;
  f.initiator = Initiator::kSource;
  f.initiator_evidence = InitiatorEvidence::kFirewallPath;
  f.local_side = local;
  f.pid = pid;
  f.source = {std::move(file), 1, 0, 0};
  return f;
}

TEST(FlowTable, AHostsConnectionToItselfLoggedTwiceCountsOnce) {
  // Windows logs a connection of a host to itself twice, a SEND row and a
  // RECEIVE row (the corpus's logs: 117 pairs of ::1 -> ::1 tcp/47001).
  const auto in = LocalSide::kDestination, out = LocalSide::kSource;
  for (const char* self : {"::1", "127.0.0.1", "10.0.0.11"}) {
    SCOPED_TRACE(self);
    FlowTable table(TestCatalog(), {});
    for (uint16_t port = 58359; port < 58362; ++port) {
      table.OnFlow(LogRow(self, port, self, 47001, out, std::nullopt, "dc02/pfirewall.log"));
      table.OnFlow(LogRow(self, port, self, 47001, in, std::nullopt, "dc02/pfirewall.log"));
    }
    // Another host's connection, logged by both ends into one folder's
    // logs, is not one the host made to itself: both rows count as before.
    table.OnFlow(LogRow("10.0.0.30", 50001, self, 47001, out, std::nullopt, "dc02/pfirewall.log"));
    const std::vector<FlowEntry> flows = table.Finish();
    uint64_t to_itself = 0, from_other = 0;
    for (const FlowEntry& e : flows) {
      (e.key.client == e.key.server ? to_itself : from_other) += e.connections;
    }
    EXPECT_EQ(to_itself, 3u);
    EXPECT_EQ(from_other, 1u);
  }
}

TEST(FlowTable, AHostsConnectionsToItselfAreLocalWhateverThePort) {
  // No firewall on the network sees them, and Windows Firewall lets them
  // pass: a dynamic port they use is no finding. It still counts in the
  // host's peak (a narrowed range must hold local callers too).
  const auto in = LocalSide::kDestination;
  FlowTable table(TestCatalog(), {});
  table.OnFlow(LogRow("127.0.0.1", 50001, "127.0.0.1", 49670, in, std::nullopt, "dc02/pfirewall.log"));
  table.OnFlow(LogRow("127.0.0.1", 50002, "127.0.0.2", 49671, in, std::nullopt, "dc02/pfirewall.log"));
  table.OnFlow(LogRow("::1", 50003, "::1", 49672, in, std::nullopt, "dc02/pfirewall.log"));
  table.OnFlow(LogRow("10.0.0.11", 50004, "10.0.0.11", 49673, in, std::nullopt, "dc02/pfirewall.log"));
  table.OnFlow(LogRow("10.0.0.11", 50005, "10.0.0.11", 88, in, std::nullopt, "dc02/pfirewall.log"));
  // Another host's call to the same port is the finding.
  table.OnFlow(LogRow("10.0.0.30", 50006, "10.0.0.11", 49673, in, std::nullopt, "dc02/pfirewall.log"));
  const std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 6u);
  EXPECT_EQ(flows[0].flow_class, FlowClass::kProblematic) << "another host's call sorts first";
  EXPECT_EQ(flows[0].key.client, *IpAddress::Parse("10.0.0.30"));
  for (size_t i = 1; i < flows.size(); ++i) {
    SCOPED_TRACE(flows[i].key.port);
    EXPECT_EQ(flows[i].flow_class, FlowClass::kLocal);
    EXPECT_EQ(flows[i].dynamic, flows[i].key.port != 88);
  }
  EXPECT_EQ(table.peak_rpc_concurrency().count(*IpAddress::Parse("::1")), 1u);
  EXPECT_EQ(FlowClassName(FlowClass::kLocal), "local");
}

TEST(FlowTable, ServerPidsAreThoseOfRowsWhoseLoggingHostIsTheServer) {
  FlowTable table(TestCatalog(), {});
  const auto in = LocalSide::kDestination, out = LocalSide::kSource;
  // dc02 accepts on 49712 (pid 1720, three rows, between others), then pid
  // 2444 took the port once; 49670's pid comes from two logs.
  table.OnFlow(LogRow("10.0.0.30", 50001, "10.0.0.11", 49712, in, 1720, "dc02/pfirewall.log"));
  table.OnFlow(LogRow("10.0.0.31", 50002, "10.0.0.11", 49670, in, 712, "dc02/pfirewall.log"));
  table.OnFlow(LogRow("10.0.0.30", 50003, "10.0.0.11", 49712, in, 1720, "dc02/pfirewall.log"));
  table.OnFlow(LogRow("10.0.0.30", 50004, "10.0.0.11", 49712, in, 1720, "dc02/pfirewall.log"));
  table.OnFlow(LogRow("10.0.0.30", 50005, "10.0.0.11", 49712, in, 2444, "dc02/pfirewall.log"));
  table.OnFlow(LogRow("10.0.0.31", 50006, "10.0.0.11", 49670, in, 712, "old/pfirewall.log"));
  // Not the server's: dc02 as the client (its own program's pid), no pid,
  // pid 0, and a row whose server the listener rule turns around.
  table.OnFlow(LogRow("10.0.0.11", 50007, "10.0.0.10", 49668, out, 1234, "dc02/pfirewall.log"));
  table.OnFlow(LogRow("10.0.0.30", 50008, "10.0.0.11", 49713, in, std::nullopt, "dc02/pfirewall.log"));
  table.OnFlow(LogRow("10.0.0.30", 50009, "10.0.0.11", 49714, in, 0, "dc02/pfirewall.log"));
  table.Finish();
  std::vector<std::tuple<std::string, uint16_t, uint32_t, std::string, uint64_t>> got;
  for (const ServerPid& p : table.server_pids()) {
    EXPECT_EQ(p.proto, Proto::kTcp);
    got.emplace_back(p.server.ToString(), p.port, p.pid, p.file, p.observations);
  }
  const decltype(got) want = {
      {"10.0.0.11", 49670, 712, "dc02/pfirewall.log", 1},
      {"10.0.0.11", 49670, 712, "old/pfirewall.log", 1},
      {"10.0.0.11", 49712, 1720, "dc02/pfirewall.log", 3},  // the most rows first
      {"10.0.0.11", 49712, 2444, "dc02/pfirewall.log", 1},
  };
  EXPECT_EQ(got, want);

  // A listener an inventory knows on the row's source port does not turn
  // the row around: the inventory is of another moment, the row says who
  // opened the connection. The RECEIVE row's pid is still the server's.
  HostKnowledge k;
  k.listeners.insert({*IpAddress::Parse("10.0.0.30"), Proto::kTcp, 50010});
  FlowTable kept(TestCatalog(), k);
  kept.OnFlow(LogRow("10.0.0.30", 50010, "10.0.0.11", 49715, in, 99, "dc02/pfirewall.log"));
  const std::vector<FlowEntry> flows = kept.Finish();
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_EQ(flows[0].key.port, 49715);
  EXPECT_EQ(flows[0].rule, ServerRule::kFirewall);
  ASSERT_EQ(kept.server_pids().size(), 1u);
  EXPECT_EQ(kept.server_pids()[0].pid, 99u);
}

TEST(FlowTable, TheTrafficsOwnDirectionWinsOverAnInventoryOfAnotherMoment) {
  const auto out = LocalSide::kSource;
  HostKnowledge k;
  // app01's netstat showed 49670 listening; later its own log has it open a
  // connection from that port to a file server.
  k.listeners.insert({*IpAddress::Parse("10.0.0.40"), Proto::kTcp, 49670});
  // A DNS server's own queries go out from bound UDP sockets in its
  // dynamic range, which its netstat lists.
  k.listeners.insert({*IpAddress::Parse("10.0.0.10"), Proto::kUdp, 52344});
  k.listeners.insert({*IpAddress::Parse("10.0.0.10"), Proto::kTcp, 445});
  FlowTable table(TestCatalog(), k);
  table.OnFlow(LogRow("10.0.0.40", 49670, "10.0.0.50", 445, out, std::nullopt, "app01/pfirewall.log"));
  FlowObservation query = Obs("10.0.0.10", 52344, "9.9.9.9", 53, 0, 1);
  query.src.proto = query.dst.proto = Proto::kUdp;
  query.ip_protocol = 17;
  table.OnFlow(query);  // NetFlow v5: no direction of its own
  // Without a direction of its own, the listener decides.
  table.OnFlow(Obs("10.0.0.10", 445, "10.0.0.30", 50001, 0, 1));
  // A port the catalog knows inside the dynamic range names no server: two
  // ports in the range are a coin toss, and the flow says it guessed (it
  // said "port-class, AD FS" before).
  table.OnFlow(Obs("10.0.1.21", 49443, "10.0.0.99", 49668, 0, 1));
  const std::vector<FlowEntry> flows = table.Finish();
  std::set<std::string> got;
  for (const FlowEntry& e : flows) {
    got.insert(fmt::format("{} -> {}:{} {}", e.key.client.ToString(), e.key.server.ToString(),
                           e.key.port, ServerRuleName(e.rule)));
  }
  const std::set<std::string> want = {
      "10.0.0.40 -> 10.0.0.50:445 firewall",
      "10.0.0.10 -> 9.9.9.9:53 port-class",
      "10.0.0.30 -> 10.0.0.10:445 listener",
      "10.0.0.99 -> 10.0.1.21:49443 guess",
  };
  EXPECT_EQ(got, want);
}

TEST(FlowTable, BroadcastAndMulticastDestinationsAreNoDynamicPorts) {
  for (bool fast_path : {true, false}) {
    HostKnowledge k;
    if (!fast_path) k.dynamic_ranges[*IpAddress::Parse("10.9.9.9")] = PortRange{49152, 65535};
    FlowTable table(TestCatalog(), k);
    auto send = [&](std::string_view dst, uint16_t port, Proto proto) {
      FlowObservation f = Obs("192.168.178.51", 57621, dst, port, 10, 10, proto);
      f.action = TrafficAction::kAllowed;
      f.initiator = Initiator::kSource;
      f.initiator_evidence = InitiatorEvidence::kFirewallPath;
      table.OnFlow(f);
    };
    send("192.168.178.255", 57621, Proto::kUdp);
    send("239.255.255.250", 50000, Proto::kUdp);
    send("255.255.255.255", 50001, Proto::kUdp);
    send("ff02::c", 50002, Proto::kUdp);
    send("10.0.0.255", 50003, Proto::kTcp);
    send("10.0.0.5", 50004, Proto::kUdp);
    const std::vector<FlowEntry> flows = table.Finish();
    ASSERT_EQ(flows.size(), 6u);
    for (uint16_t port : {57621, 50000, 50001, 50002}) {
      EXPECT_FALSE(Find(flows, port).dynamic) << port << (fast_path ? " fast" : "");
      EXPECT_EQ(Find(flows, port).flow_class, FlowClass::kRestricted) << port;
    }
    for (uint16_t port : {50003, 50004}) {
      EXPECT_TRUE(Find(flows, port).dynamic) << port << (fast_path ? " fast" : "");
      EXPECT_EQ(Find(flows, port).flow_class, FlowClass::kProblematic) << port;
    }
  }
}

// Parallel connection attempts to one dropped port (a browser opens several)
// retransmit in turn: each client port is one attempt per minute, however
// they interleave, over many keys at once; a port seen again after the
// minute is a new attempt, and a scan's every port is one.
TEST(FlowTable, InterleavedRetransmissionsAreOneAttemptPerClientPort) {
  FlowTable table(TestCatalog(), {});
  auto drop = [&](std::string_view client, uint16_t port, uint16_t server_port, int64_t t) {
    FlowObservation f = Obs(client, port, "10.0.0.5", server_port, t, t);
    f.action = TrafficAction::kDropped;
    f.connections = 0;
    f.packets = 1;
    f.tcp_flags = 0x02;  // SYN
    table.OnFlow(f);
  };
  // 200 clients, each with three ports retransmitting in turn at 0, 3 and 9 s.
  for (int64_t t : {0, 3, 9}) {
    for (int c = 0; c < 200; ++c) {
      const std::string client = "10.1.0." + std::to_string(c);
      for (uint16_t port : {50001, 50002, 50003}) drop(client, port, 8443, t);
    }
  }
  drop("10.1.0.7", 50001, 8443, 100);  // the same port after the minute: a new attempt
  for (uint16_t port = 40000; port < 40100; ++port) drop("10.9.9.9", port, 8443, 5);  // a scan
  // Today's log before yesterday's (pfirewall.log, then .old): two hours
  // back is no retransmission either, on the key's last port or another.
  for (int64_t t : {36000, 28800}) {
    for (uint16_t port : {50001, 50002}) drop("10.2.0.1", port, 8443, t);
  }
  const std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 202u);
  for (const FlowEntry& e : flows) {
    const std::string client = e.key.client.ToString();
    const uint64_t want = client == "10.9.9.9" ? 100 : client == "10.1.0.7" || client == "10.2.0.1" ? 4 : 3;
    EXPECT_EQ(e.attempts, want) << client;
    EXPECT_EQ(e.dropped, client == "10.9.9.9" ? 100u : client == "10.1.0.7" ? 10u : client == "10.2.0.1" ? 4u : 9u) << client;
    EXPECT_EQ(e.connections, 0u) << client;
  }
}

// A dropped packet is an attempt on its destination unless the packet says
// it answers: a SYN-ACK comes from the server, and a datagram or a segment
// without SYN from a port the port classes name (a known one, or one outside
// the dynamic range) is that port's reply, as SSDP and NetBIOS answers to a
// broadcast are (the firewall's state never matched them).
TEST(FlowTable, ADroppedReplyGoesToItsSource) {
  constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10, kUrg = 0x20;
  FlowTable table(TestCatalog(), {});
  auto drop = [&](std::string_view src, uint16_t sport, std::string_view dst, uint16_t dport,
                  Proto proto, uint8_t flags) {
    FlowObservation f = Obs(src, sport, dst, dport, 0, 0, proto);
    f.action = TrafficAction::kDropped;
    f.connections = 0;
    f.packets = 1;
    f.tcp_flags = flags;
    table.OnFlow(f);
  };
  drop("10.0.0.40", 137, "10.0.0.51", 61069, Proto::kUdp, 0);        // a NetBIOS answer
  drop("10.0.0.5", 446, "10.0.0.66", 50000, Proto::kTcp, kSyn | kAck);  // a SYN-ACK
  drop("10.0.0.1", 40000, "10.0.0.2", 22,  // a scan's probe with every flag
       Proto::kTcp, kFin | kSyn | kRst | kPsh | kAck | kUrg);
  drop("10.0.0.66", 50001, "10.0.0.5", 445, Proto::kTcp, kAck);  // a late ACK to SMB
  drop("10.0.0.5", 445, "10.0.0.67", 50002, Proto::kTcp, kAck);  // SMB's late answer
  drop("10.0.0.66", 50003, "10.0.0.5", 50004, Proto::kUdp, 0);   // nothing stands out
  drop("10.0.0.66", 50005, "10.0.0.5", 50006, Proto::kTcp, 0);   // flags not logged
  drop("10.0.0.66", 7000, "10.0.0.5", 50007, Proto::kUdp, 0);    // from outside the range
  const std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 8u);
  auto server_of = [&](uint16_t port) {
    const FlowEntry& e = Find(flows, port);
    return e.key.server.ToString() + ":" + std::to_string(e.key.port) + " " +
           std::string(ServerRuleName(e.rule));
  };
  EXPECT_EQ(server_of(137), "10.0.0.40:137 port-class");
  EXPECT_EQ(Find(flows, 137).flow_class, FlowClass::kFine) << "not a problematic 61069";
  EXPECT_EQ(Find(flows, 137).attempts, 1u);
  EXPECT_EQ(server_of(446), "10.0.0.5:446 firewall");
  EXPECT_EQ(server_of(22), "10.0.0.2:22 firewall");
  EXPECT_EQ(Find(flows, 445).key.client.ToString(), "10.0.0.66");  // the first of two to 445
  // The port classes agree that the destination serves: the firewall's rule, as for an attempt.
  EXPECT_EQ(Find(flows, 445).rule, ServerRule::kFirewall);
  EXPECT_EQ(std::count_if(flows.begin(), flows.end(),
                          [](const FlowEntry& e) { return e.key.port == 445; }),
            2);
  for (const FlowEntry& e : flows) {
    if (e.key.port == 445) {
      EXPECT_EQ(e.key.server.ToString(), "10.0.0.5") << e.key.client.ToString();
    }
  }
  EXPECT_EQ(server_of(50004), "10.0.0.5:50004 firewall");
  EXPECT_EQ(server_of(50006), "10.0.0.5:50006 firewall");
  EXPECT_EQ(server_of(7000), "10.0.0.66:7000 port-class");
}

TEST(FlowTable, LowSourcePortsAreFlagged) {
  FlowTable table(TestCatalog(), {});
  table.OnFlow(Handshake(Obs("10.0.0.30", 123, "10.0.0.5", 445), Initiator::kSource));
  // UDP from a port to the same port (W32Time's NTP, 123 -> 123) is a peer
  // protocol at work; the same from 53 to NTP is not.
  FlowObservation ntp = Obs("10.0.0.30", 123, "10.0.0.1", 123, 0, 0, Proto::kUdp);
  ntp.initiator = Initiator::kSource;
  ntp.initiator_evidence = InitiatorEvidence::kFirewallPath;
  table.OnFlow(ntp);
  FlowObservation odd = ntp;
  odd.src.port = 53;
  odd.dst.address = *IpAddress::Parse("10.0.0.2");
  table.OnFlow(odd);
  std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 3u);
  std::map<std::string, std::pair<FlowClass, uint64_t>> got;
  for (const FlowEntry& e : flows) got[e.key.server.ToString()] = {e.flow_class, e.low_source};
  EXPECT_EQ(got["10.0.0.5"], std::make_pair(FlowClass::kLowSource, uint64_t{1}));
  EXPECT_EQ(got["10.0.0.1"], std::make_pair(FlowClass::kFine, uint64_t{0}));
  EXPECT_EQ(got["10.0.0.2"], std::make_pair(FlowClass::kLowSource, uint64_t{1}));
}

// Counts are kept in 32 bits until they would overflow: past 2^32 (and up
// to 2^64 - 1) they stay exact, each kind on its own, narrow keys beside.
TEST(FlowTable, CountsPast32BitsStayExact) {
  FlowTable table(TestCatalog(), {});
  constexpr uint64_t k4G = uint64_t{1} << 32;
  FlowObservation f = Handshake(Obs("10.0.0.30", 61000, "10.0.0.5", 445), Initiator::kSource);
  f.action = TrafficAction::kAllowed;
  f.packets = k4G - 1;  // fits; the next adds do not
  f.bytes = 3;
  f.connections = 2;
  table.OnFlow(f);
  f.packets = 2;
  f.bytes = k4G + 5;
  table.OnFlow(f);
  f.packets = 1;
  f.bytes = UINT64_MAX - (k4G + 8) - 1;  // the sum: 2^64 - 2
  f.connections = k4G;
  table.OnFlow(f);
  // Another key, whose counts stay narrow, and one with a low-source connection.
  table.OnFlow(Handshake(Obs("10.0.0.31", 61000, "10.0.0.5", 445), Initiator::kSource));
  table.OnFlow(Handshake(Obs("10.0.0.32", 1000, "10.0.0.5", 445), Initiator::kSource));
  FlowObservation drop = Obs("10.0.0.33", 50000, "10.0.0.5", 445, 10, 10);
  drop.action = TrafficAction::kDropped;
  drop.connections = 0;
  drop.packets = k4G - 1;
  table.OnFlow(drop);
  drop.src.port = 50001;
  drop.packets = 7;
  table.OnFlow(drop);  // a second attempt, after its key went wide
  drop.first_us = drop.last_us = 20 * kSecond;
  table.OnFlow(drop);  // a retransmission: the same attempt
  std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 4u);
  auto client = [&](std::string_view address) -> const FlowEntry& {
    for (const FlowEntry& e : flows) {
      if (e.key.client.ToString() == address) return e;
    }
    throw std::runtime_error("no flow from " + std::string(address));
  };
  const FlowEntry& big = client("10.0.0.30");
  EXPECT_EQ(big.packets, k4G + 2);
  EXPECT_EQ(big.bytes, UINT64_MAX - 1);
  EXPECT_EQ(big.connections, k4G + 4);
  EXPECT_EQ(big.allowed, k4G + 4);
  EXPECT_EQ(big.low_source, 0u);
  EXPECT_EQ(big.evidence.size(), 3u);
  const FlowEntry& small = client("10.0.0.31");
  EXPECT_EQ(small.packets, 10u);
  EXPECT_EQ(small.bytes, 1000u);
  EXPECT_EQ(small.connections, 1u);
  const FlowEntry& low = client("10.0.0.32");
  EXPECT_EQ(low.low_source, 1u);
  EXPECT_EQ(low.connections, 1u);
  EXPECT_EQ(low.packets, 10u);
  EXPECT_EQ(low.flow_class, FlowClass::kLowSource);
  const FlowEntry& dropped = client("10.0.0.33");
  EXPECT_EQ(dropped.dropped, k4G + 13);
  EXPECT_EQ(dropped.packets, k4G + 13);
  EXPECT_EQ(dropped.attempts, 2u);
  EXPECT_EQ(dropped.bytes, 3000u);
  EXPECT_EQ(dropped.first_us, 10 * kSecond);
  EXPECT_EQ(dropped.last_us, 20 * kSecond);
}

// The index compares only 32 bits of a key's hash until the key's counters
// are at hand: two clients whose keys share those bits, interleaved (and
// several of them located before the first is applied), stay two flows.
TEST(FlowTable, KeysThatShareAnIndexTagStayApart) {
  const uint32_t server = 0x0a000005;  // 10.0.0.5
  auto tag = [&](uint32_t client) {
    return FlowIndex::Hash({client, server, 445, Proto::kTcp}) >> 32;
  };
  std::unordered_map<uint64_t, uint32_t> seen;
  uint32_t a = 0, b = 0;
  for (uint32_t client = 0x0b000000; b == 0 && client < 0x0b000000 + 4'000'000; ++client) {
    auto [it, fresh] = seen.try_emplace(tag(client), client);
    if (!fresh) a = it->second, b = client;
  }
  ASSERT_NE(b, 0u);
  FlowTable table(TestCatalog(), {});
  auto obs = [&](uint32_t client, uint64_t packets) {
    FlowObservation f = Handshake(
        Obs(IpAddress::V4(client).ToString(), 61000, "10.0.0.5", 445), Initiator::kSource);
    f.packets = packets;
    return f;
  };
  for (int round = 0; round < 3; ++round) {
    table.OnFlow(obs(a, 1));
    table.OnFlow(obs(b, 100));
    table.OnFlow(obs(b, 100));
  }
  std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 2u);
  for (const FlowEntry& e : flows) {
    const bool is_a = e.key.client == IpAddress::V4(a);
    EXPECT_EQ(e.packets, is_a ? 3u : 600u);
    EXPECT_EQ(e.connections, is_a ? 3u : 6u);
  }
}

TEST(FlowTable, PeakConcurrencyOfDynamicConnectionsPerServer) {
  FlowTable table(TestCatalog(), {});
  // Three connections to dynamic ports of .5: [0,10], [5,15], [10,20] -> at
  // second 10 all three are open. One to .6 and one to a static port don't count.
  table.OnFlow(Handshake(Obs("10.0.0.30", 61000, "10.0.0.5", 49664, 0, 10), Initiator::kSource));
  table.OnFlow(Handshake(Obs("10.0.0.31", 61000, "10.0.0.5", 49665, 5, 15), Initiator::kSource));
  table.OnFlow(Handshake(Obs("10.0.0.32", 61000, "10.0.0.5", 49664, 10, 20), Initiator::kSource));
  table.OnFlow(Handshake(Obs("10.0.0.30", 61001, "10.0.0.5", 445, 0, 20), Initiator::kSource));
  table.OnFlow(Handshake(Obs("10.0.0.30", 61002, "10.0.0.6", 49664, 0, 20), Initiator::kSource));
  table.Finish();
  EXPECT_EQ(table.peak_rpc_concurrency().at(*IpAddress::Parse("10.0.0.5")), 3u);
  EXPECT_EQ(table.peak_rpc_concurrency().at(*IpAddress::Parse("10.0.0.6")), 1u);
}

// Without peaks (flows as CSV) no lifetime is kept and no peak found; every
// flow and count stays as it is with them.
TEST(FlowTable, PeaksOffChangeNothingButThePeaks) {
  auto fill = [](FlowTable& table) {
    table.OnFlow(Handshake(Obs("10.0.0.30", 61000, "10.0.0.5", 49664, 0, 10), Initiator::kSource));
    table.OnFlow(Handshake(Obs("10.0.0.31", 61000, "10.0.0.5", 49665, 5, 15), Initiator::kSource));
    table.OnFlow(Handshake(Obs("10.0.0.30", 61001, "10.0.0.5", 445, 0, 20), Initiator::kSource));
    FlowObservation dropped = Obs("10.0.0.32", 61003, "10.0.0.5", 49664, 30, 30);
    dropped.action = TrafficAction::kDropped;
    dropped.connections = 0;
    table.OnFlow(dropped);
  };
  FlowTable with(TestCatalog(), {});
  FlowTable without(TestCatalog(), {});
  without.set_peaks(false);
  fill(with);
  fill(without);
  const std::vector<FlowEntry> a = with.Finish();
  const std::vector<FlowEntry> b = without.Finish();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].key, b[i].key);
    EXPECT_EQ(std::tie(a[i].first_us, a[i].last_us, a[i].connections, a[i].attempts,
                       a[i].packets, a[i].dropped, a[i].rule, a[i].flow_class),
              std::tie(b[i].first_us, b[i].last_us, b[i].connections, b[i].attempts,
                       b[i].packets, b[i].dropped, b[i].rule, b[i].flow_class));
  }
  EXPECT_EQ(with.peak_rpc_concurrency().at(*IpAddress::Parse("10.0.0.5")), 2u);
  EXPECT_TRUE(without.peak_rpc_concurrency().empty());
}

// NetFlow v9 / IPFIX uniflows: a TCP conversation is two records, one per
// direction. It is one connection, and one at a time for the peak.
TEST(FlowTable, TheTwoHalvesOfAOneDirectionPairAreOneConnection) {
  FlowTable table(TestCatalog(), {});
  auto half = [](std::string_view src, uint16_t sport, std::string_view dst, uint16_t dport,
                 int64_t first, int64_t last) {
    FlowObservation f = Obs(src, sport, dst, dport, first, last);
    f.one_direction = true;
    return f;
  };
  table.OnFlow(half("10.0.0.30", 61000, "10.0.0.5", 49664, 0, 10));  // client's half
  table.OnFlow(half("10.0.0.5", 49664, "10.0.0.30", 61000, 1, 10));  // server's answers
  table.OnFlow(half("10.0.0.31", 61001, "10.0.0.5", 49664, 20, 30));  // a later conversation
  table.OnFlow(half("10.0.0.5", 49664, "10.0.0.31", 61001, 20, 31));
  std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 2u);
  for (const FlowEntry& e : flows) {
    EXPECT_EQ(e.connections, 1u) << e.key.client.ToString();
    EXPECT_EQ(e.packets, 20u);  // both halves' packets count
  }
  EXPECT_EQ(table.peak_rpc_concurrency().at(*IpAddress::Parse("10.0.0.5")), 1u);
}

// A router's record of a client's SYNs that nobody answered (a scan, or a
// firewall that dropped them) is an attempt, not a connection: the plan's
// allow-list must not admit the scanner.
TEST(FlowTable, AnUnansweredSynIsAnAttemptNotAConnection) {
  FlowTable table(TestCatalog(), {});
  FlowObservation syn = Handshake(Obs("172.16.50.23", 40000, "10.0.0.5", 1433, 0, 1),
                                  Initiator::kSource);
  syn.one_direction = true;
  syn.tcp_flags = 0x02;
  table.OnFlow(syn);
  syn.first_us = syn.last_us = 3 * kSecond;  // its retransmission: the same attempt
  table.OnFlow(syn);
  FlowObservation answered = Handshake(Obs("10.0.0.30", 61000, "10.0.0.5", 445, 0, 5),
                                       Initiator::kSource);
  answered.one_direction = true;
  answered.tcp_flags = 0x1b;  // SYN, ACK, PSH, FIN: a whole conversation
  table.OnFlow(answered);
  std::vector<FlowEntry> flows = table.Finish();
  const FlowEntry& scan = Find(flows, 1433);
  EXPECT_EQ(scan.connections, 0u);
  EXPECT_EQ(scan.attempts, 1u);
  EXPECT_EQ(scan.dropped, 0u);  // nothing says a firewall dropped it
  EXPECT_EQ(Find(flows, 445).connections, 1u);
  EXPECT_EQ(Find(flows, 445).attempts, 0u);
}

TEST(FlowTable, OtherProtocolsAndLostEventsAreCountedNotKeyed) {
  FlowTable table(TestCatalog(), {});
  FlowObservation icmp = Obs("10.0.0.30", 0, "10.0.0.5", 0);
  icmp.ip_protocol = 1;
  table.OnFlow(icmp);
  table.OnLostEvents(59, {"pfirewall.log", 12});
  EXPECT_TRUE(table.Finish().empty());
  EXPECT_EQ(table.unported(), 1u);
  EXPECT_EQ(table.lost_events(), 59u);
  EXPECT_EQ(table.observations(), 1u);
}

TEST(FlowTable, MemoryGrowsWithKeysNotObservations) {
  FlowTable table(TestCatalog(), {});
  FlowObservation f = Handshake(Obs("10.0.0.30", 61000, "10.0.0.5", 445), Initiator::kSource);
  for (int i = 0; i < 10000; ++i) {
    f.src.port = static_cast<uint16_t>(20000 + i % 30000);
    table.OnFlow(f);
  }
  std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_EQ(flows[0].connections, 10000u);
  EXPECT_EQ(flows[0].evidence.size(), 3u);
}

// The first three observations of a key, with their files, in the order they came.
TEST(FlowTable, EvidenceKeepsFilesLinesAndOrder) {
  FlowTable table(TestCatalog(), {});
  FlowObservation f = Handshake(Obs("10.0.0.30", 61000, "10.0.0.5", 445), Initiator::kSource);
  FlowObservation other = Handshake(Obs("10.0.0.31", 61000, "10.0.0.5", 445), Initiator::kSource);
  f.source = {"first.pcap", 0, 3, 40};
  table.OnFlow(f);
  other.source = {"a capture with a name longer than fifteen.pcapng", 0, 9, 0};
  table.OnFlow(other);
  f.source = {"pfirewall.log", 12, 0, 0};
  table.OnFlow(f);
  f.source = {"first.pcap", 0, 5, 0};
  table.OnFlow(f);
  f.source = {"first.pcap", 0, 6, 0};
  table.OnFlow(f);  // the fourth: not kept
  std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 2u);
  ASSERT_EQ(flows[0].key.client.ToString(), "10.0.0.30");
  ASSERT_EQ(flows[0].evidence.size(), 3u);
  EXPECT_EQ(flows[0].evidence[0].ToString(), SourceRef({"first.pcap", 0, 3, 40}).ToString());
  EXPECT_EQ(flows[0].evidence[1].file, "pfirewall.log");
  EXPECT_EQ(flows[0].evidence[1].line, 12u);
  EXPECT_EQ(flows[0].evidence[2].packet, 5u);
  ASSERT_EQ(flows[1].evidence.size(), 1u);
  EXPECT_EQ(flows[1].evidence[0].file, "a capture with a name longer than fifteen.pcapng");
  EXPECT_EQ(flows[1].evidence[0].packet, 9u);
}

// Problematic first, then by server, port and client in address order (IPv4
// before IPv6, zones apart), then the protocol.
TEST(FlowTable, FinishOrdersByClassServerPortClient) {
  FlowTable table(TestCatalog(), {});
  auto add = [&](std::string_view client, std::string_view server, uint16_t port,
                 Proto proto = Proto::kTcp) {
    table.OnFlow(Handshake(Obs(client, 61000, server, port, 0, 0, proto), Initiator::kSource));
  };
  add("10.0.0.30", "fe80::5%2", 445);
  add("10.0.0.30", "fe80::5%1", 445);
  add("10.0.0.31", "10.0.0.9", 445);
  add("10.0.0.30", "10.0.0.9", 445);
  add("10.0.0.30", "10.0.0.9", 445, Proto::kUdp);
  add("10.0.0.30", "10.0.0.10", 53);
  add("10.0.0.30", "10.0.0.10", 50000);  // dynamic: first
  std::vector<std::string> got;
  for (const FlowEntry& e : table.Finish()) {
    got.push_back(e.key.client.ToString() + ">" + e.key.server.ToString() + ":" +
                  std::to_string(e.key.port) + "/" + std::string(ProtoName(e.key.proto)));
  }
  EXPECT_EQ(got, (std::vector<std::string>{
                     "10.0.0.30>10.0.0.10:50000/tcp", "10.0.0.30>10.0.0.9:445/tcp",
                     "10.0.0.30>10.0.0.9:445/udp", "10.0.0.31>10.0.0.9:445/tcp",
                     "10.0.0.30>10.0.0.10:53/tcp", "10.0.0.30>fe80::5%1:445/tcp",
                     "10.0.0.30>fe80::5%2:445/tcp"}));
}

// Evidence rows are packed into 12 bytes where they fit and kept whole
// where not: every kind, at and past each limit, and file ids past 2^14
// (past which a packet's row is wide), come back as they went in.
TEST(FlowTable, EvidenceComesBackAsItWentInAtEveryLimit) {
  const uint64_t k32 = uint64_t{1} << 32;
  const std::vector<SourceRef> refs = {
      {"a.log", 1, 0, 0},           {"a.log", k32 - 1, 0, 0},   {"a.log", k32, 0, 0},
      {"b.pcap", 0, 7, 40},         {"b.pcap", 0, k32 - 1, 0xffff}, {"b.pcap", 0, k32, 1},
      {"b.pcap", 0, 5, 0x10000},    {"c.pcap", 3, 7, 9},         {"d.txt", 0, 0, 0},
      {"e.log", 0, 0, k32 + 3}};
  const int kFiles = (1 << 14) + 3;
  FlowTable table(TestCatalog(), {});
  std::vector<std::pair<uint16_t, SourceRef>> sent;
  for (int i = 0; i < kFiles; ++i) {
    // Each file once (ids 0, 1, ...), on a flow of its own; the last files
    // also carry every kind of row.
    FlowObservation f = Obs("10.0.0.30", 61000, "10.0.0.5", 0);
    const bool last = i >= kFiles - 3;
    for (size_t k = 0; k < (last ? refs.size() : 1); ++k) {
      SourceRef ref = last ? refs[k] : refs[3];
      ref.file = "f" + std::to_string(i) + "-" + ref.file;
      // A port per flow, three rows each (as many as a flow keeps).
      f.dst.port = static_cast<uint16_t>(last ? 30000 + (i - (kFiles - 3)) * 4 + k / 3 : 1024 + i);
      f.source = ref;
      table.OnFlow(f);
      sent.emplace_back(f.dst.port, ref);
    }
  }
  std::vector<FlowEntry> flows = table.Finish();
  std::map<std::pair<uint16_t, std::string>, std::vector<SourceRef>> got;
  for (const FlowEntry& e : flows) {
    for (const SourceRef& r : e.evidence) got[{e.key.port, r.file}].push_back(r);
  }
  for (const auto& sent_row : sent) {
    // Not a structured binding: clang 14 (the sanitizer build) cannot capture one.
    const uint16_t port = sent_row.first;
    const SourceRef& ref = sent_row.second;
    auto& rows = got[{port, ref.file}];
    auto it = std::find_if(rows.begin(), rows.end(), [&](const SourceRef& r) {
      return r.line == ref.line && r.packet == ref.packet && r.offset == ref.offset;
    });
    ASSERT_NE(it, rows.end()) << ref.file << " line " << ref.line << " packet " << ref.packet
                              << " offset " << ref.offset;
    rows.erase(it);
  }
}

// A table of many kinds of flows, fed to two tables alike: one finished into
// records, one into the compact form.
void FeedMixedTraffic(FlowTable& table) {
  FlowObservation f = Handshake(Obs("10.0.0.30", 61000, "10.0.0.5", 49700, 10, 12), Initiator::kSource);
  for (int i = 0; i < 500; ++i) {
    f.src.address = IpAddress::V4(0x0a000100u + static_cast<uint32_t>(i % 37));
    f.src.port = static_cast<uint16_t>(50000 + i);
    f.dst.port = static_cast<uint16_t>(i % 3 == 0 ? 445 : 49700 + i % 5);
    f.first_us = i * kSecond;
    f.last_us = (i + 3) * kSecond;
    // Evidence of every kind: a text line (also one past 2^32), a packet and
    // offset, and a packet with a line and an offset past 2^32.
    switch (i % 4) {
      case 0: f.source = {"pfirewall.log", static_cast<uint64_t>(i) + 1, 0, 0}; break;
      case 1: f.source = {"a, \"quoted\" cap.pcap", 0, static_cast<uint64_t>(i), 40}; break;
      case 2: f.source = {"big.log", (uint64_t{1} << 33) + static_cast<uint64_t>(i), 0, 0}; break;
      default: f.source = {"odd.pcap", 3, 7, (uint64_t{1} << 40) + static_cast<uint64_t>(i)}; break;
    }
    table.OnFlow(f);
  }
  table.OnFlow(Obs("fd00::10", 50001, "fd00::2", 49668, 5, 6));
  table.OnFlow(Obs("10.0.0.40", 123, "10.0.0.5", 123, 5, 6, Proto::kUdp));
  table.OnRpcRegistration(Registration("10.0.0.5", 49701, "12345678-1234-abcd-ef00-01234567cffb"));
}

TEST(FlowTable, TheCompactFormBuildsWhatFinishReturns) {
  FlowTable records_table(TestCatalog(), {});
  FlowTable compact_table(TestCatalog(), {});
  FeedMixedTraffic(records_table);
  FeedMixedTraffic(compact_table);
  const std::vector<FlowEntry> records = records_table.Finish();
  FinishedFlows compact = compact_table.FinishCompact();
  ASSERT_EQ(compact.size(), records.size());
  ASSERT_GT(records.size(), 100u);
  FlowEntry e;
  FlowView v;
  EvidenceView ev;
  // The view is filled over the last flow's: before each flow, one with a
  // service and one with interfaces, so that a field View() leaves unset shows.
  const auto with = [&](auto has) {
    return static_cast<size_t>(std::find_if(records.begin(), records.end(), has) - records.begin());
  };
  const size_t with_service = with([](const FlowEntry& r) { return !r.service.empty(); });
  const size_t with_interfaces = with([](const FlowEntry& r) { return !r.interfaces.empty(); });
  ASSERT_LT(std::max(with_service, with_interfaces), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    compact.Get(i, e);  // into the same record each time: nothing stale may remain
    const FlowEntry& r = records[i];
    ASSERT_EQ(e.key, r.key) << i;
    EXPECT_EQ(compact.server(i), r.key.server);
    EXPECT_EQ(compact.flow_class(i), r.flow_class);
    EXPECT_EQ(std::tie(e.first_us, e.last_us, e.connections, e.attempts, e.packets, e.bytes,
                       e.allowed, e.dropped, e.low_source, e.rule, e.flow_class, e.dynamic),
              std::tie(r.first_us, r.last_us, r.connections, r.attempts, r.packets, r.bytes,
                       r.allowed, r.dropped, r.low_source, r.rule, r.flow_class, r.dynamic));
    EXPECT_EQ(e.interfaces, r.interfaces);
    EXPECT_EQ(e.service, r.service);
    ASSERT_EQ(e.evidence.size(), r.evidence.size());
    for (size_t k = 0; k < e.evidence.size(); ++k) {
      EXPECT_EQ(std::tie(e.evidence[k].file, e.evidence[k].line, e.evidence[k].packet, e.evidence[k].offset),
                std::tie(r.evidence[k].file, r.evidence[k].line, r.evidence[k].packet, r.evidence[k].offset));
    }
    // The view without copies says the same (also into one view each time).
    compact.View(with_service, v);
    compact.View(with_interfaces, v);
    compact.View(i, v);
    ASSERT_EQ((FlowKey{*v.client, *v.server, v.proto, v.port}), r.key) << i;
    EXPECT_EQ(std::tie(v.first_us, v.last_us, v.connections, v.attempts, v.packets, v.bytes,
                       v.allowed, v.dropped, v.low_source, v.rule, v.flow_class, v.dynamic),
              std::tie(r.first_us, r.last_us, r.connections, r.attempts, r.packets, r.bytes,
                       r.allowed, r.dropped, r.low_source, r.rule, r.flow_class, r.dynamic));
    EXPECT_EQ(v.interfaces ? *v.interfaces : std::vector<std::string>{}, r.interfaces);
    EXPECT_EQ(v.service, r.service);
    ASSERT_EQ(v.evidence, r.evidence.size());
    for (size_t k = 0; k < v.evidence; ++k) {
      compact.Evidence(i, k, ev);
      EXPECT_EQ(std::tie(ev.file, ev.line, ev.packet, ev.offset),
                std::tie(r.evidence[k].file, r.evidence[k].line, r.evidence[k].packet, r.evidence[k].offset));
    }
  }
  EXPECT_EQ(compact.View(0).evidence, records[0].evidence.size());
  bool interfaces = false;
  for (const FlowEntry& r : records) interfaces |= !r.interfaces.empty();
  EXPECT_TRUE(interfaces) << "the view's interfaces went untested";
  EXPECT_EQ(compact_table.peak_rpc_concurrency(), records_table.peak_rpc_concurrency());
  // The wide evidence came back whole.
  bool wide = false;
  for (const FlowEntry& r : records) {
    for (const SourceRef& s : r.evidence) wide |= s.offset > (uint64_t{1} << 40) && s.line == 3;
  }
  EXPECT_TRUE(wide);

  // The servers counted in storage order are those of the flows in order.
  auto servers_of = [&] {
    std::set<IpAddress> servers;
    for (size_t i = 0; i < compact.size(); ++i) servers.insert(compact.server(i));
    return servers.size();
  };
  EXPECT_GT(servers_of(), 1u);
  EXPECT_EQ(compact.CountServers(), servers_of());

  // Filtering keeps the order of what remains.
  compact.EraseIf([](FlowClass c, const IpAddress&) { return c != FlowClass::kProblematic; });
  std::vector<FlowKey> problematic;
  for (const FlowEntry& r : records) {
    if (r.flow_class == FlowClass::kProblematic) problematic.push_back(r.key);
  }
  ASSERT_EQ(compact.size(), problematic.size());
  for (size_t i = 0; i < compact.size(); ++i) EXPECT_EQ(compact.Get(i).key, problematic[i]);
  // ... and counts only the servers of what remains.
  EXPECT_EQ(compact.CountServers(), servers_of());
  ASSERT_FALSE(compact.empty());
  const IpAddress first = compact.server(0);
  compact.EraseIf([&](FlowClass, const IpAddress& server) { return server != first; });
  EXPECT_EQ(compact.CountServers(), 1u);
}

// The port bits in front of the listener sets: a listener known for one port
// still decides, and an unknown port falls through to the other rules.
TEST(FlowTable, ListenerBitsDecideOnlyForListenedPorts) {
  HostKnowledge knowledge;
  knowledge.listeners.insert({*IpAddress::Parse("10.0.0.5"), Proto::kTcp, 50500});
  FlowTable table(TestCatalog(), knowledge);
  table.OnFlow(Obs("10.0.0.5", 50500, "10.0.0.30", 50400));  // the source listens
  table.OnFlow(Obs("10.0.0.6", 50500, "10.0.0.30", 50400));  // another host, same port
  table.OnFlow(Obs("10.0.0.7", 50501, "10.0.0.5", 50500, 0, 0, Proto::kUdp));  // UDP, not listened
  std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 3u);
  for (const FlowEntry& e : flows) {
    if (e.key.server == *IpAddress::Parse("10.0.0.5") && e.key.proto == Proto::kTcp) {
      EXPECT_EQ(e.rule, ServerRule::kListener);
      EXPECT_EQ(e.key.port, 50500);
    } else {
      EXPECT_NE(e.rule, ServerRule::kListener) << e.key.server.ToString();
    }
  }
}

// A firewall ALLOW row of the connection `client:port -> server:389`, as
// the log in `file` wrote it (one packet).
FlowObservation LogRow(std::string file, uint16_t port, int64_t second, std::string_view client = "10.0.0.20") {
  FlowObservation f = Obs(client, port, "10.0.0.10", 389, second, second);
  f.initiator = Initiator::kSource;
  f.initiator_evidence = InitiatorEvidence::kFirewallPath;
  f.action = TrafficAction::kAllowed;
  f.packets = 1;
  f.bytes = 52;
  f.source = {std::move(file), 3, 0, 0};
  return f;
}

TEST(FlowTable, AConnectionBothEndsLoggedCountsOnce) {
  auto run = [](bool shared) {
    FlowTable table(TestCatalog(), {});
    table.set_shared_connections(shared);
    // The client's log (SEND) and the server's (RECEIVE), its clock a second
    // behind, read one after the other: 3 connections each.
    for (uint16_t port : {50001, 50002, 50003}) table.OnFlow(LogRow("ws07/pfirewall.log", port, 1000 + port));
    for (uint16_t port : {50001, 50002, 50003}) table.OnFlow(LogRow("dc01/pfirewall.log", port, 999 + port));
    // A connection only the server logged, and one from a privileged port.
    table.OnFlow(LogRow("dc01/pfirewall.log", 50004, 2000));
    table.OnFlow(LogRow("ws07/pfirewall.log", 800, 3000));
    table.OnFlow(LogRow("dc01/pfirewall.log", 800, 3000));
    // The router's NetFlow of the first one: all of its packets.
    FlowObservation netflow = Obs("10.0.0.20", 50001, "10.0.0.10", 389, 51001, 51003);
    netflow.packets = 40;
    netflow.bytes = 9000;
    netflow.source = {"core.pcap", 0, 12, 0};
    table.OnFlow(netflow);
    std::vector<FlowEntry> flows = table.Finish();
    EXPECT_EQ(flows.size(), 1u);
    return std::make_pair(flows.at(0), table.shared_connections());
  };
  const auto [once, taken_off] = run(true);
  EXPECT_EQ(once.connections, 5u);
  EXPECT_EQ(once.allowed, 5u);
  EXPECT_EQ(once.low_source, 1u);
  EXPECT_EQ(once.packets, 40u + 2 + 1 + 1);  // NetFlow's 40 for the first
  EXPECT_EQ(once.bytes, 9000u + 4 * 52);
  EXPECT_EQ(taken_off, 4u);  // connections more than one input reported (one of them by three)
  const auto [twice, none] = run(false);  // the inputs added up, as before
  EXPECT_EQ(twice.connections, 10u);
  EXPECT_EQ(twice.low_source, 2u);
  EXPECT_EQ(none, 0u);
}

TEST(FlowTable, AConnectionExportedInPiecesCountsOnce) {
  FlowTable table(TestCatalog(), {});
  // One 5-minute connection, cut by the exporter's one-minute active
  // timeout: only the first piece has the SYN, only the last the FIN.
  constexpr uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;
  auto piece = [&](uint16_t client_port, int64_t minute, uint8_t flags) {
    FlowObservation f = Obs("10.12.0.1", client_port, "10.12.0.10", 49650, 60 * minute, 60 * minute + 59);
    f.one_direction = true;
    f.tcp_flags = flags;
    table.OnFlow(f);
  };
  piece(50001, 0, kSyn | kAck | kPsh);
  for (int minute = 1; minute < 4; ++minute) piece(50001, minute, kAck | kPsh);
  piece(50001, 4, kAck | kFin);
  // A connection whose beginning no record holds (the export began later):
  // still one connection.
  piece(50002, 1, kAck | kPsh);
  piece(50002, 2, kAck);
  // The same port again, with a SYN: a new connection.
  piece(50001, 90, kSyn | kAck | kFin);
  // Flags unknown (a v9 template without them): each piece counts, as before.
  piece(50003, 0, 0);
  piece(50003, 1, 0);
  const FlowEntry flow = table.Finish().at(0);
  EXPECT_EQ(flow.connections, 1u + 1 + 1 + 2);
  EXPECT_EQ(flow.packets, 10u * 10);  // every piece's packets count
}

TEST(FlowTable, PiecesCountTheSameInWhateverOrderTheyAreRead) {
  constexpr uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;
  struct Piece {
    uint16_t port;
    int64_t minute;
    uint8_t flags;
  };
  // Hour 1's capture: a connection's first piece; hour 2's: its next one,
  // and a connection that reused the port later; two days on, a connection
  // seen midway on the same port again (a recycled port: another one).
  const std::vector<Piece> pieces = {{50001, 0, kSyn | kAck}, {50001, 40, kAck | kPsh},
                                     {50001, 50, kSyn | kAck | kFin}, {50001, 70, kAck | kFin},
                                     {50001, 3000, kAck | kPsh}};
  auto count = [&](const std::vector<size_t>& order) {
    FlowTable table(TestCatalog(), {});
    for (size_t i : order) {
      const Piece& p = pieces[i];
      FlowObservation f = Obs("10.12.0.1", p.port, "10.12.0.10", 49650, 60 * p.minute, 60 * p.minute + 30);
      f.one_direction = true;
      f.tcp_flags = p.flags;
      table.OnFlow(f);
    }
    return table.Finish().at(0).connections;
  };
  EXPECT_EQ(count({0, 1, 2, 3, 4}), 3u);
  EXPECT_EQ(count({4, 3, 2, 1, 0}), 3u);
  EXPECT_EQ(count({1, 0, 3, 2, 4}), 3u);  // each file's later piece read first
}

TEST(FlowTable, AnIdleConnectionACaptureCutAtEachKeepaliveCountsOnce) {
  // An SMB session idle for hours: a capture sees its keepalive every two
  // hours, and its idle timeout (an hour) ends a piece before each one.
  // Pieces two hours apart: one connection, in whatever order the files
  // are read. A day and more of silence, then a piece without SYN: another
  // (the port recycled, its SYN not captured).
  constexpr uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;
  struct Piece {
    int64_t first, last;
    uint8_t flags;
  };
  const std::vector<Piece> pieces = {{0, 600, kSyn | kAck | kPsh},
                                     {7800, 7800, kAck},
                                     {15000, 15000, kAck},
                                     {22200, 22300, kAck | kPsh | kFin},
                                     {22300 + 25 * 3600, 22300 + 25 * 3600 + 10, kAck | kPsh}};
  auto count = [&](const std::vector<size_t>& order) {
    FlowTable table(TestCatalog(), {});
    for (size_t i : order) {
      FlowObservation f = Handshake(Obs("10.12.0.1", 50001, "10.12.0.10", 445, pieces[i].first,
                                        pieces[i].last), Initiator::kSource);
      if (!(pieces[i].flags & kSyn)) {
        f.initiator = Initiator::kUnknown;
        f.initiator_evidence = InitiatorEvidence::kNone;
      }
      f.tcp_flags = pieces[i].flags;
      table.OnFlow(f);
    }
    return table.Finish().at(0).connections;
  };
  EXPECT_EQ(count({0, 1, 2, 3, 4}), 2u);
  EXPECT_EQ(count({4, 3, 2, 1, 0}), 2u);
  EXPECT_EQ(count({3, 1, 0, 2, 4}), 2u);
  EXPECT_EQ(count({2, 3, 0, 1}), 1u);  // the second file read first
  // (A piece of the next connection read between them would take the
  // entry: one per key and client port.)
}

TEST(FlowTable, APieceWhoseSideWasGuessedWrongContinuesItsConnection) {
  // The SYN in one capture file, the rest in the next: that piece has no
  // direction of its own, and the lower port (the client's 49300) was
  // guessed the server. Turned round at the finish, it is the same
  // connection, not a second one, in either order.
  constexpr uint8_t kSyn = 0x02, kPsh = 0x08, kAck = 0x10;
  FlowObservation opening = Handshake(Obs("10.0.0.5", 49300, "10.0.0.10", 49668, 0, 30), Initiator::kSource);
  opening.tcp_flags = kSyn | kAck;
  // (Its span overlaps the first one's, as a NetFlow piece of the same
  // connection beside the capture's does.)
  FlowObservation rest = Obs("10.0.0.10", 49668, "10.0.0.5", 49300, 2, 60);
  rest.tcp_flags = kAck | kPsh;
  for (bool syn_first : {true, false}) {
    SCOPED_TRACE(syn_first);
    FlowTable table(TestCatalog(), {});
    table.OnFlow(syn_first ? opening : rest);
    table.OnFlow(syn_first ? rest : opening);
    const std::vector<FlowEntry> flows = table.Finish();
    ASSERT_EQ(flows.size(), 1u);
    EXPECT_EQ(flows[0].key.port, 49668);
    EXPECT_EQ(flows[0].connections, 1u);
    EXPECT_EQ(flows[0].packets, 20u);
    EXPECT_EQ(table.peak_rpc_concurrency().at(*IpAddress::Parse("10.0.0.10")), 1u) << "one connection at a time";
  }
  // A piece without SYN two hours before another connection's SYN on the
  // same client port is an earlier connection's, guessed or not.
  FlowObservation earlier = Obs("10.0.0.10", 49668, "10.0.0.5", 49300, 0, 60);
  earlier.tcp_flags = kAck | kPsh;
  FlowObservation later = opening;
  later.first_us += 7200 * kSecond;
  later.last_us += 7200 * kSecond;
  for (bool earlier_first : {true, false}) {
    FlowTable table(TestCatalog(), {});
    table.OnFlow(earlier_first ? earlier : later);
    table.OnFlow(earlier_first ? later : earlier);
    const std::vector<FlowEntry> flows = table.Finish();
    ASSERT_EQ(flows.size(), 1u);
    EXPECT_EQ(flows[0].connections, 2u) << earlier_first;
  }
}

TEST(FlowTable, ARangeGivenForOldHostsLeavesTheCatalogsPortsTheirMeaning) {
  // --dynamic-range 1025-5000 (Windows XP, 2003): RDP, SQL and the global
  // catalog lie inside it, and still name the server (only ports inside
  // Windows' own range, such as AD FS's 49443, do not).
  HostKnowledge k;
  k.default_dynamic_range = PortRange{100, 5000};  // (the test catalog's ports are 135, 445)
  FlowTable table(TestCatalog(), k);
  table.OnFlow(Obs("10.0.0.10", 445, "10.0.0.5", 1100, 0, 1));
  table.OnFlow(Obs("10.0.0.5", 1101, "10.0.0.10", 135, 0, 1));
  for (const FlowEntry& e : table.Finish()) {
    EXPECT_EQ(e.key.server, *IpAddress::Parse("10.0.0.10"));
    EXPECT_EQ(e.rule, ServerRule::kPortClass);
  }
}

TEST(FlowTable, AConnectionOneCaptureReportsTwiceCountsOnce) {
  // A router exporting both ingress and egress (or two routers on the path
  // exporting into one capture) sends two records of each connection, both
  // with its SYN. A client's port waits in TIME_WAIT for minutes before it
  // may open the same connection again, so two SYN records of one client
  // port within a minute are one connection; ten minutes on, a new one.
  constexpr uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;
  struct Piece {
    int64_t second;
    uint8_t flags;
  };
  const std::vector<Piece> pieces = {{0, kSyn | kAck | kPsh},    // ingress
                                     {0, kSyn | kAck | kPsh},    // egress
                                     {2, kSyn | kAck},           // the next router, its clock 2 s on
                                     {1800, kAck | kPsh},        // the active timeout's next piece
                                     {1800, kAck | kPsh},        // and its copy
                                     {2400, kSyn | kAck | kFin}, // the port opened again
                                     {2400, kSyn | kAck | kFin}};
  auto count = [&](const std::vector<size_t>& order, bool shared) {
    FlowTable table(TestCatalog(), {});
    table.set_shared_connections(shared);
    for (size_t i : order) {
      FlowObservation f = Obs("10.12.0.1", 50001, "10.12.0.10", 49650, pieces[i].second,
                              pieces[i].second + 30);
      f.one_direction = true;
      f.tcp_flags = pieces[i].flags;
      f.packets = 10;
      f.source = {"core/netflow.pcap", 0, 1 + i, 42};  // one capture: one vantage point
      table.OnFlow(f);
    }
    const FlowEntry flow = table.Finish().at(0);
    EXPECT_EQ(flow.packets, 70u);  // every record's packets still count
    EXPECT_EQ(table.shared_connections(), 0u);
    return flow.connections;
  };
  for (bool shared : {false, true}) {
    SCOPED_TRACE(shared ? "matched across inputs" : "one vantage point");
    // In time order, or nearly (a record of the same moment exported later),
    // and as two files, the later one read first.
    EXPECT_EQ(count({0, 1, 2, 3, 4, 5, 6}, shared), 2u);
    EXPECT_EQ(count({1, 2, 0, 4, 3, 6, 5}, shared), 2u);
    EXPECT_EQ(count({5, 6, 0, 1, 2, 3, 4}, shared), 2u);
    EXPECT_EQ(count({6, 5, 2, 1, 0, 4, 3}, shared), 2u);
  }
}

TEST(FlowTable, ReportsOfOneConnectionCountOnceInWhateverOrderTheirFilesAreRead) {
  // The core router's ingress and egress records (two hourly files of one
  // capture point) and a branch router's record of the same connection.
  constexpr uint8_t kSyn = 0x02, kAck = 0x10, kFin = 0x01;
  auto count = [&](const std::vector<const char*>& files) {
    FlowTable table(TestCatalog(), {});
    table.set_shared_connections(true);
    for (const char* file : files) {
      FlowObservation f = Obs("10.12.0.1", 50001, "10.12.0.10", 49650, 100, 130);
      f.one_direction = true;
      f.tcp_flags = kSyn | kAck;
      f.source = {file, 0, 1, 42};
      table.OnFlow(f);
    }
    return table.Finish().at(0).connections;
  };
  EXPECT_EQ(count({"core/h1.pcap", "core/h2.pcap", "branch/b.pcap"}), 1u);
  EXPECT_EQ(count({"core/h1.pcap", "branch/b.pcap", "core/h2.pcap"}), 1u);
  EXPECT_EQ(count({"branch/b.pcap", "core/h1.pcap", "core/h2.pcap"}), 1u);
  // A client whose server closed first may open the same connection again
  // half a minute later: two connections, not one reported twice.
  FlowTable table(TestCatalog(), {});
  for (int64_t second : {0, 30}) {
    FlowObservation f = Obs("10.12.0.1", 50001, "10.12.0.10", 49650, second, second + 5);
    f.one_direction = true;
    f.tcp_flags = kSyn | kAck | kFin;
    table.OnFlow(f);
  }
  EXPECT_EQ(table.Finish().at(0).connections, 2u);
}

TEST(FlowTable, TwoSynRecordsFromTwoVantagePointsAreMatchedAsTwoReports) {
  // Where connections are matched across inputs, a SYN record from another
  // vantage point is left to that matching, which keeps the larger counts.
  FlowTable table(TestCatalog(), {});
  table.set_shared_connections(true);
  constexpr uint8_t kSyn = 0x02, kAck = 0x10;
  uint64_t packets = 10;
  for (const char* file : {"core/netflow.pcap", "branch/netflow.pcap"}) {
    FlowObservation f = Obs("10.12.0.1", 50001, "10.12.0.10", 49650, 100, 130);
    f.one_direction = true;
    f.tcp_flags = kSyn | kAck;
    f.packets = packets;
    packets += 5;
    f.source = {file, 0, 1, 42};
    table.OnFlow(f);
  }
  const FlowEntry flow = table.Finish().at(0);
  EXPECT_EQ(flow.connections, 1u);
  EXPECT_EQ(table.shared_connections(), 1u);
  EXPECT_EQ(flow.packets, 15u);
}

TEST(FlowTable, UntrustedCountsStopAtTheTopAndTimesKeepTheirOrder) {
  FlowTable table(TestCatalog(), {});
  for (int i = 0; i < 2; ++i) {
    FlowObservation f = Obs("10.6.0.1", 50001 + i, "10.6.0.10", 445, 100, 101);
    f.bytes = UINT64_MAX;  // an exporter's counter, as it came
    table.OnFlow(f);
  }
  FlowObservation backwards = Obs("10.6.0.2", 50001, "10.6.0.10", 445, 200, 150);  // ends before it began
  table.OnFlow(backwards);
  const std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 2u);
  const FlowEntry& huge = flows[0].key.client.ToString() == "10.6.0.1" ? flows[0] : flows[1];
  const FlowEntry& odd = flows[0].key.client.ToString() == "10.6.0.1" ? flows[1] : flows[0];
  EXPECT_EQ(huge.bytes, UINT64_MAX);  // not wrapped round to UINT64_MAX - 1
  EXPECT_EQ(huge.connections, 2u);
  EXPECT_EQ(odd.first_us, 200 * kSecond);
  EXPECT_EQ(odd.last_us, 200 * kSecond);
}

TEST(FlowTable, FilesOfOneVantagePointAreNotTwoReports) {
  FlowTable table(TestCatalog(), {});
  table.set_shared_connections(true);
  // The hourly captures of one capture point: a client reused its port for
  // a new connection a few seconds after the first, across the files' boundary.
  FlowObservation a = Handshake(Obs("10.0.0.21", 50001, "10.0.0.5", 445, 3599, 3599), Initiator::kSource);
  a.source = {"core/hour-00.pcap", 0, 9, 0};
  FlowObservation b = Handshake(Obs("10.0.0.21", 50001, "10.0.0.5", 445, 3605, 3606), Initiator::kSource);
  b.source = {"core/hour-01.pcap", 0, 1, 0};
  table.OnFlow(a);
  table.OnFlow(b);
  // So are one host's log and its rotation.
  table.OnFlow(LogRow("dc01/pfirewall.log.old", 50010, 5000));
  table.OnFlow(LogRow("dc01/pfirewall.log", 50010, 5030));
  const std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[0].connections + flows[1].connections, 4u);
  EXPECT_EQ(table.shared_connections(), 0u);
}

TEST(FlowTable, BytesThatStoppedAtTheTopStayThereWhenTwoInputsSawThem) {
  FlowTable table(TestCatalog(), {});
  table.set_shared_connections(true);
  for (const char* file : {"r1/a.pcap", "r2/b.pcap"}) {
    FlowObservation f = Obs("10.6.0.1", 50001, "10.6.0.10", 445, 100, 101);
    f.bytes = UINT64_MAX;
    f.source = {file, 0, 1, 0};
    table.OnFlow(f);
  }
  const FlowEntry flow = table.Finish().at(0);
  EXPECT_EQ(flow.connections, 1u);
  EXPECT_EQ(flow.bytes, UINT64_MAX);
}

// A NetFlow record's half without direction: both ports in the dynamic
// range, no initiator field, so the lower port is guessed the server's.
FlowObservation Undirected(std::string_view src, uint16_t sport, std::string_view dst, uint16_t dport,
                           int64_t second = 100) {
  FlowObservation f = Obs(src, sport, dst, dport, second, second + 1);
  f.one_direction = true;
  f.source = {"core.pcap", 0, 3, 24};
  return f;
}

TEST(FlowTable, AGuessTheRestOfTheEvidenceContradictsIsTurnedRound) {
  // Clients whose ephemeral ports lie below the RPC server's dynamic port
  // 49700: each record's lower port is the client's.
  FlowTable table(TestCatalog(), {});
  table.OnFlow(Undirected("10.8.0.1", 49300, "10.8.0.10", 49700));
  table.OnFlow(Undirected("10.8.0.10", 49700, "10.8.0.1", 49300));  // its answer half
  table.OnFlow(Undirected("10.8.0.1", 49302, "10.8.0.10", 49700, 200));  // the same client again
  table.OnFlow(Undirected("10.8.0.2", 49400, "10.8.0.10", 49700));
  // A lone record says nothing either way: it stays a guess.
  table.OnFlow(Undirected("10.9.0.1", 49500, "10.9.0.10", 49800));
  const std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 3u);
  std::map<std::string, const FlowEntry*> by_client;
  for (const FlowEntry& e : flows) by_client[e.key.client.ToString()] = &e;
  ASSERT_TRUE(by_client.count("10.8.0.1") && by_client.count("10.8.0.2") && by_client.count("10.9.0.10"));
  const FlowEntry& one = *by_client["10.8.0.1"];
  EXPECT_EQ(one.key.server.ToString(), "10.8.0.10");
  EXPECT_EQ(one.key.port, 49700);
  EXPECT_EQ(one.rule, ServerRule::kFanIn);
  EXPECT_EQ(one.connections, 2u);  // its two connections, merged under one key
  EXPECT_EQ(one.packets, 3u * 10);
  EXPECT_EQ(one.first_us, 100 * kSecond);
  EXPECT_EQ(one.last_us, 201 * kSecond);
  EXPECT_EQ(by_client["10.8.0.2"]->key.port, 49700);
  EXPECT_EQ(by_client["10.8.0.2"]->connections, 1u);
  EXPECT_EQ(by_client["10.9.0.10"]->rule, ServerRule::kGuess);  // the lower port, as guessed
  EXPECT_EQ(by_client["10.9.0.10"]->key.port, 49500);
}

TEST(FlowTable, AGuessIsTurnedByAnEndpointMapperAnswerReadAfterIt) {
  FlowTable table(TestCatalog(), {});
  table.OnFlow(Undirected("10.8.0.1", 49300, "10.8.0.10", 49700));
  table.OnRpcRegistration(Registration("10.8.0.10", 49700, "12345678-1234-abcd-ef00-01234567cffb"));
  const std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_EQ(flows[0].key.server.ToString(), "10.8.0.10");
  EXPECT_EQ(flows[0].key.port, 49700);
  EXPECT_EQ(flows[0].rule, ServerRule::kEndpointMapper);
  EXPECT_EQ(flows[0].interfaces, std::vector<std::string>{"netlogon"});
}

TEST(FlowTable, AGuessIsTurnedByAServerAStrongerRuleFound) {
  FlowTable table(TestCatalog(), {});
  table.set_shared_connections(true);
  // A capture saw one client's handshake to 49700; NetFlow of another
  // place reports that connection and another client's, undirected.
  table.OnFlow(Handshake(Obs("10.8.0.4", 49300, "10.8.0.10", 49700, 100, 101), Initiator::kSource));
  table.OnFlow(Undirected("10.8.0.4", 49300, "10.8.0.10", 49700));
  FlowObservation other = Undirected("10.8.0.5", 49200, "10.8.0.10", 49700);
  other.source = {"dmz/core.pcap", 0, 4, 24};
  table.OnFlow(other);
  const std::vector<FlowEntry> flows = table.Finish();
  ASSERT_EQ(flows.size(), 2u);
  for (const FlowEntry& e : flows) {
    EXPECT_EQ(e.key.server.ToString(), "10.8.0.10") << e.key.client.ToString();
    EXPECT_EQ(e.key.port, 49700);
    EXPECT_EQ(e.connections, 1u) << e.key.client.ToString();  // the capture's and NetFlow's report, once
  }
}

}  // namespace
}  // namespace highport::analysis
