#include "analysis/inventory.h"

#include <gtest/gtest.h>

#include "analysis/testing.h"

namespace highport::analysis {
namespace {

using testing::TestCatalog;
using testing::ListenSocket;


const InventoryEntry& Entry(const HostInventory& inv, Proto proto, uint16_t port) {
  for (const InventoryEntry& e : inv.entries) {
    if (e.listener.local.proto == proto && e.listener.local.port == port) return e;
  }
  throw std::runtime_error("no entry for port " + std::to_string(port));
}

ingest::SocketInventory Tasklist() {
  ingest::SocketInventory t;
  t.processes = {{712, "lsass.exe", {"Kdc", "Netlogon", "SamSs"}, {}},
                 {960, "svchost.exe", {"RpcEptMapper", "RpcSs"}, {}},
                 {1420, "svchost.exe", {"Schedule"}, {}},
                 {1580, "svchost.exe", {"W32Time"}, {}},
                 {2604, "dfsrs.exe", {"DFSR"}, {}},
                 {3012, "icinga2.exe", {}, {}}};
  return t;
}

Host NamedHost(std::string name) {
  Host h;
  h.name = std::move(name);
  return h;
}

TEST(Inventory, JoinsPidsWithServicesAndJudges) {
  ingest::SocketInventory netstat;
  netstat.sockets = {ListenSocket(Proto::kTcp, "0.0.0.0", 135, 960),
                     ListenSocket(Proto::kTcp, "0.0.0.0", 49668, 712),
                     ListenSocket(Proto::kTcp, "0.0.0.0", 49667, 1420),
                     ListenSocket(Proto::kTcp, "0.0.0.0", 49678, 2604),
                     ListenSocket(Proto::kTcp, "0.0.0.0", 49700, 5555),
                     ListenSocket(Proto::kTcp, "127.0.0.1", 49800, 5555),
                     ListenSocket(Proto::kTcp, "0.0.0.0", 5665, 3012),
                     ListenSocket(Proto::kTcp, "0.0.0.0", 8080, 6000),
                     ListenSocket(Proto::kUdp, "0.0.0.0", 123, 1580),
                     ListenSocket(Proto::kUdp, "0.0.0.0", 52344, 2540)};
  Socket established = ListenSocket(Proto::kTcp, "10.0.0.10", 49668, 712);
  established.state = SocketState::kEstablished;
  established.remote = Endpoint{*IpAddress::Parse("10.0.0.21"), Proto::kTcp, 50512};
  netstat.sockets.push_back(established);

  HostInventory inv = BuildInventory({netstat, Tasklist()}, NamedHost("dc01"), TestCatalog());
  ASSERT_EQ(inv.entries.size(), 10u) << "the established connection is not a listener";

  const InventoryEntry& epmap = Entry(inv, Proto::kTcp, 135);
  EXPECT_EQ(epmap.listener.process, "svchost.exe");
  EXPECT_EQ(epmap.listener.services, (std::vector<std::string>{"RpcEptMapper", "RpcSs"}));
  EXPECT_EQ(epmap.verdict.id, "epmap");
  EXPECT_EQ(epmap.verdict.severity, Severity::kReview);
  EXPECT_FALSE(epmap.dynamic);

  const InventoryEntry& lsass = Entry(inv, Proto::kTcp, 49668);
  EXPECT_TRUE(lsass.dynamic);
  EXPECT_EQ(lsass.port_class, PortClass::kDynamic);
  EXPECT_EQ(lsass.verdict.id, "lsa-rpc-dynamic");
  EXPECT_EQ(lsass.verdict.severity, Severity::kAct);
  EXPECT_NE(lsass.verdict.action.find("Domain controller: pin NTDS"), std::string::npos)
      << "lsass hosting Kdc and Netlogon is a DC: " << lsass.verdict.action;
  EXPECT_NE(lsass.verdict.action.find("DCTcpipPort"), std::string::npos);

  const InventoryEntry& dfsr = Entry(inv, Proto::kTcp, 49678);
  EXPECT_EQ(dfsr.verdict.id, "rpc-dynamic-pinnable");
  EXPECT_EQ(dfsr.verdict.action,
            "pin it: dfsrdiag StaticRPC /Port:<port>, then restart DFSR; then allow that port "
            "only from the clients that use it.");

  EXPECT_EQ(Entry(inv, Proto::kTcp, 49667).verdict.id, "rpc-dynamic");
  EXPECT_EQ(Entry(inv, Proto::kTcp, 49700).verdict.id, "dynamic-unknown");
  EXPECT_EQ(Entry(inv, Proto::kTcp, 49800).verdict.id, "loopback");
  EXPECT_EQ(Entry(inv, Proto::kTcp, 5665).verdict.id, "icinga");
  EXPECT_EQ(Entry(inv, Proto::kTcp, 8080).verdict.id, "unknown-static");
  EXPECT_EQ(Entry(inv, Proto::kUdp, 52344).verdict.id, "udp-dynamic");

  const InventoryEntry& w32time = Entry(inv, Proto::kUdp, 123);
  EXPECT_EQ(w32time.verdict.id, "unknown-static");
  EXPECT_NE(w32time.verdict.action.find("sc config W32Time start= demand"), std::string::npos);
}

TEST(Inventory, LsassOnAMemberServerGetsTheRangeNotThePins) {
  ingest::SocketInventory netstat;
  netstat.sockets = {ListenSocket(Proto::kTcp, "0.0.0.0", 49156, 572)};
  ingest::SocketInventory tasklist;
  tasklist.processes = {{572, "lsass.exe", {"KeyIso", "SamSs"}, {}}};
  HostInventory inv = BuildInventory({netstat, tasklist}, Host{}, TestCatalog());
  const Verdict& v = inv.entries.at(0).verdict;
  EXPECT_EQ(v.id, "lsa-rpc-dynamic");
  EXPECT_EQ(v.action.find("NTDS"), std::string::npos) << v.action;
  EXPECT_NE(v.action.find("Rpc\\Internet Ports"), std::string::npos) << v.action;
}

TEST(Inventory, DuplicatesFromTwoInputsCountOnce) {
  ingest::SocketInventory a, b;
  a.sockets = {ListenSocket(Proto::kTcp, "0.0.0.0", 135, 960, 5)};
  b.sockets = {ListenSocket(Proto::kTcp, "0.0.0.0", 135, 960, 9)};
  HostInventory inv = BuildInventory({a, b}, Host{}, TestCatalog());
  ASSERT_EQ(inv.entries.size(), 1u);
  EXPECT_EQ(inv.duplicates, 1u);
  EXPECT_EQ(inv.entries[0].listener.source.line, 5u) << "the first input's evidence is kept";
}

TEST(Inventory, HostDynamicRangeDecidesAllocation) {
  ingest::SocketInventory netstat;
  netstat.sockets = {ListenSocket(Proto::kTcp, "0.0.0.0", 1026, 992),
                     ListenSocket(Proto::kTcp, "0.0.0.0", 49668, 712)};
  Host legacy = NamedHost("w2k3");
  legacy.tcp_dynamic_range = kLegacyWindowsDynamicRange;
  legacy.dynamic_range_known = true;
  HostInventory inv = BuildInventory({netstat}, legacy, TestCatalog());
  EXPECT_TRUE(Entry(inv, Proto::kTcp, 1026).dynamic);
  EXPECT_EQ(Entry(inv, Proto::kTcp, 1026).port_class, PortClass::kRegistered);
  EXPECT_FALSE(Entry(inv, Proto::kTcp, 49668).dynamic);
}

// Two moments of one host, a folder each: the agent's pid 2200 on day 1 is
// pid 2316 on day 2, and pid 2200 is another process by then. Its port
// moved from 5011 to 5013: both are dynamic, whatever the range says; the
// day's own process list names each pid. A port the catalog knows, and a
// service that only came, stay as they were.
TEST(Inventory, APortItsServiceMovedFromIsDynamicAndPidsJoinTheirOwnMoment) {
  auto moment = [](const std::string& day, uint16_t port, uint32_t pid, uint32_t other_pid) {
    ingest::SocketInventory netstat, tasklist;
    netstat.sockets = {ListenSocket(Proto::kTcp, "10.20.1.7", 5665, 3012),
                       ListenSocket(Proto::kTcp, "10.20.1.7", port, pid)};
    for (Socket& s : netstat.sockets) s.source.file = "app01/" + day + "/netstat.txt";
    tasklist.processes = {{pid, "agent.exe", {"AgentSvc"}, {"app01/" + day + "/tasklist.txt", 3}},
                          {other_pid, "dns.exe", {"DNS"}, {"app01/" + day + "/tasklist.txt", 4}},
                          {3012, "icinga2.exe", {}, {"app01/" + day + "/tasklist.txt", 5}}};
    return std::vector<ingest::SocketInventory>{netstat, tasklist};
  };
  std::vector<ingest::SocketInventory> inputs = moment("day1", 5011, 2200, 2316);
  for (ingest::SocketInventory& i : moment("day2", 5013, 2316, 2200)) inputs.push_back(i);
  inputs[2].sockets.push_back(ListenSocket(Proto::kTcp, "10.20.1.7", 8080, 4444));  // only came
  inputs[2].sockets.back().source.file = "app01/day2/netstat.txt";
  HostInventory inv = BuildInventory(inputs, Host{}, TestCatalog());
  for (uint16_t port : {5011, 5013}) {
    const InventoryEntry& e = Entry(inv, Proto::kTcp, port);
    EXPECT_TRUE(e.moved) << port;
    EXPECT_EQ(e.listener.process, "agent.exe") << port;
    EXPECT_EQ(e.listener.services, std::vector<std::string>{"AgentSvc"}) << port;
    EXPECT_EQ(e.verdict.id, "service-moved") << port;
    EXPECT_EQ(e.verdict.severity, Severity::kAct) << port;
  }
  EXPECT_FALSE(Entry(inv, Proto::kTcp, 5665).moved);  // icinga: the catalog's fixed port
  EXPECT_FALSE(Entry(inv, Proto::kTcp, 8080).moved);
  EXPECT_EQ(Entry(inv, Proto::kTcp, 8080).verdict.id, "unknown-static");
}

TEST(Inventory, NetbiosIsWorthAReviewWithTheNetbtCure) {
  ingest::SocketInventory netstat;
  netstat.sockets = {ListenSocket(Proto::kUdp, "10.0.0.10", 137, 4)};
  HostInventory inv = BuildInventory({netstat}, Host{}, TestCatalog());
  const Verdict& v = inv.entries.at(0).verdict;
  EXPECT_EQ(v.id, "netbios-ns");
  EXPECT_EQ(v.severity, Severity::kReview);
  EXPECT_EQ(v.action,
            "Disable NetBIOS over TCP/IP per adapter. If this host does not need NetBT: disable "
            "NetBIOS over TCP/IP per adapter (also set its dependents to demand: Browser, "
            "lmhosts).");
}

TEST(Inventory, KernelSocketsBelongToSystem) {
  ingest::SocketInventory netstat;
  netstat.sockets = {ListenSocket(Proto::kTcp, "0.0.0.0", 445, 4)};
  HostInventory inv = BuildInventory({netstat}, Host{}, TestCatalog());
  EXPECT_EQ(inv.entries[0].listener.process, "System");
  ASSERT_NE(inv.entries[0].service_entry, nullptr);
  EXPECT_EQ(inv.entries[0].verdict.id, "smb");
}

TEST(Inventory, EndpointMapperNamesTheInterfacesBehindAPort) {
  ingest::SocketInventory netstat;
  netstat.sockets = {ListenSocket(Proto::kTcp, "0.0.0.0", 49668, 5555),
                     ListenSocket(Proto::kTcp, "0.0.0.0", 49669, 5556),
                     ListenSocket(Proto::kUdp, "0.0.0.0", 49668, 5557)};
  ingest::SocketInventory rpcdump;
  RpcRegistration r;
  r.uuid = "12345678-1234-abcd-ef00-01234567cffb";
  r.version_major = 1;
  r.protocol = "ncacn_ip_tcp";
  r.endpoint = Endpoint{*IpAddress::Parse("10.0.0.10"), Proto::kTcp, 49668};
  rpcdump.rpc_registrations = {r, r};
  r.uuid = "00000000-1111-2222-3333-444444444444";
  r.annotation = "Vendor agent";
  rpcdump.rpc_registrations.push_back(r);
  HostInventory inv = BuildInventory({netstat, rpcdump}, NamedHost("dc01"), TestCatalog());
  const InventoryEntry& tcp = Entry(inv, Proto::kTcp, 49668);
  EXPECT_EQ(tcp.rpc_interfaces, (std::vector<std::string>{"netlogon", "Vendor agent"}));
  // An unknown owner on a dynamic port is RPC once the endpoint mapper says so.
  EXPECT_EQ(tcp.verdict.id, "rpc-dynamic");
  EXPECT_TRUE(Entry(inv, Proto::kTcp, 49669).rpc_interfaces.empty());
  EXPECT_EQ(Entry(inv, Proto::kTcp, 49669).verdict.id, "dynamic-unknown");
  EXPECT_TRUE(Entry(inv, Proto::kUdp, 49668).rpc_interfaces.empty());
}

}  // namespace
}  // namespace highport::analysis
