// The planner's parts on hand-made evidence: range sizing and placement,
// pins, minimisation, host grouping. The real catalog is used, since the
// pins' registry paths and the roles' needs are what is under test.
#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "plan/host_facts.h"
#include "plan/minimise_planner.h"
#include "plan/pin_planner.h"
#include "plan/range_planner.h"

namespace highport::plan {
namespace {

const catalog::Catalog& Cat() { return catalog::Catalog::Get(); }

Socket Listen(std::string_view address, uint16_t port, std::string process, uint32_t pid,
              Proto proto = Proto::kTcp, std::string file = "evidence/dc01/netstat.txt") {
  Socket s;
  s.local = {*IpAddress::Parse(address), proto, port};
  s.state = proto == Proto::kTcp ? SocketState::kListen : SocketState::kUnconnected;
  s.pid = pid;
  s.process = std::move(process);
  s.source = {std::move(file), port};
  return s;
}

RpcRegistration Registration(std::string_view address, uint16_t port, std::string uuid,
                             uint16_t major) {
  RpcRegistration r;
  r.host = std::string(address);
  r.uuid = std::move(uuid);
  r.version_major = major;
  r.protocol = "ncacn_ip_tcp";
  r.endpoint = Endpoint{*IpAddress::Parse(address), Proto::kTcp, port};
  r.source = {"evidence/dc01/rpcdump.txt", 3};
  return r;
}

constexpr const char* kDrsuapi = "e3514235-4b06-11d1-ab04-00c04fc2dcd2";
constexpr const char* kNetlogon = "12345678-1234-abcd-ef00-01234567cffb";

// A Windows DC: Kerberos, LDAP, 135, lsass on 49667 with drsuapi and netlogon.
ingest::SocketInventory DcInventory() {
  ingest::SocketInventory inv;
  for (uint16_t port : {88, 135, 389, 445, 3268}) {
    inv.sockets.push_back(Listen("0.0.0.0", port, port == 135 ? "svchost.exe" : "lsass.exe", 700));
  }
  inv.sockets.push_back(Listen("10.0.0.10", 49667, "lsass.exe", 700));
  inv.sockets.push_back(Listen("10.0.0.10", 5985, "System", 4));  // WinRM, a static listener
  inv.sockets.push_back(Listen("0.0.0.0", 1900, "svchost.exe", 900, Proto::kUdp));
  inv.processes.push_back({700, "lsass.exe", {"NTDS", "Netlogon", "SamSs"}, {"evidence/dc01/tasklist.txt", 4}});
  inv.processes.push_back({900, "svchost.exe", {"SSDPSRV"}, {"evidence/dc01/tasklist.txt", 9}});
  inv.rpc_registrations.push_back(Registration("10.0.0.10", 49667, kDrsuapi, 4));
  inv.rpc_registrations.push_back(Registration("10.0.0.10", 49667, kNetlogon, 1));
  return inv;
}

struct World {
  std::vector<ingest::SocketInventory> inventories;
  std::vector<analysis::FlowEntry> flows;
  std::map<IpAddress, uint64_t> peaks;
  std::map<std::pair<IpAddress, uint16_t>, std::vector<std::string>> rpc_ports;

  std::vector<HostFacts> Facts() const {
    return GatherHostFacts({&inventories, &flows, &peaks, &rpc_ports, &Cat()});
  }
};

analysis::FlowEntry Flow(std::string_view client, std::string_view server, uint16_t port,
                         bool dynamic = false) {
  analysis::FlowEntry f;
  f.key = {*IpAddress::Parse(client), *IpAddress::Parse(server), Proto::kTcp, port};
  f.connections = 3;
  f.allowed = 3;
  f.dynamic = dynamic;
  f.evidence.push_back({"pfirewall.log", 12});
  return f;
}

// One moment of a host in `folder`: the endpoint mapper on every address,
// and agent.exe (pid) on `port` of each of `addresses`.
ingest::SocketInventory Snapshot(const std::string& folder, uint16_t port, uint32_t pid,
                                 const std::vector<std::string>& addresses) {
  ingest::SocketInventory inv;
  inv.sockets.push_back(Listen("0.0.0.0", 135, "svchost.exe", 908, Proto::kTcp, folder + "/netstat.txt"));
  for (const std::string& a : addresses) {
    inv.sockets.push_back(Listen(a, port, "agent.exe", pid, Proto::kTcp, folder + "/netstat.txt"));
  }
  return inv;
}

TEST(HostFacts, InventoriesOfOneFolderAreOneHostNamedByIt) {
  World w;
  w.inventories.push_back(DcInventory());
  w.flows.push_back(Flow("10.0.1.5", "10.0.0.10", 389));
  w.flows.push_back(Flow("10.0.1.5", "10.0.0.99", 443));
  auto facts = w.Facts();
  ASSERT_EQ(facts.size(), 2u);
  EXPECT_EQ(facts[0].entry.name, "dc01");
  EXPECT_EQ(facts[0].entry.role, Role::kDc);
  EXPECT_EQ(facts[0].entry.platform, Platform::kWindows);
  EXPECT_EQ(facts[0].flows.size(), 1u);
  EXPECT_EQ(facts[0].rpc_ports.at(49667), (std::set<std::string>{"drsuapi", "netlogon"}));
  EXPECT_EQ(facts[1].entry.name, "10.0.0.99");  // seen in traffic only
  EXPECT_FALSE(facts[1].has_inventory);
}

// A host with a folder per moment (evidence/app01/day1, .../day2: its own
// addresses the same) is one host, named by the folder above; its process
// lists join it. Another host laid out the same way (app02/day1) is another
// host, although its folders have the same names. Two cluster nodes that
// both show the virtual address, each with an address of its own, stay two,
// also with a folder per moment each. Snapshots in folders whose names say
// which host, not when (dc01, dc01-after), keep the first one's name.
TEST(HostFacts, FoldersOfOneHostAtTwoMomentsAreOneHost) {
  World w;
  w.inventories.push_back(Snapshot("evidence/app01/day1", 5011, 2200, {"10.20.1.7"}));
  w.inventories.push_back(Snapshot("evidence/app01/day2", 5013, 2316, {"10.20.1.7"}));
  w.inventories.push_back(Snapshot("evidence/app02/day1", 5011, 2200, {"10.20.1.8"}));
  w.inventories.push_back(Snapshot("evidence/app02/day2", 5015, 2400, {"10.20.1.8"}));
  ingest::SocketInventory tasks;
  tasks.processes.push_back({2316, "agent.exe", {"AgentSvc"}, {"evidence/app01/day2/tasklist.txt", 4}});
  tasks.processes.push_back({2200, "agent.exe", {"AgentSvc"}, {"evidence/app01/day1/tasklist.txt", 4}});
  w.inventories.push_back(tasks);
  for (const char* node : {"node1", "node2"}) {
    const std::string own = node == std::string("node1") ? "10.30.0.5" : "10.30.0.6";
    for (const char* day : {"2026-12-01", "2026-12-02"}) {
      w.inventories.push_back(Snapshot(std::string("cluster/") + node + "/" + day, 8000, 500,
                                       {"10.30.0.1", own}));
    }
  }
  w.inventories.push_back(Snapshot("ev/dc01", 9000, 600, {"10.50.0.10"}));
  w.inventories.push_back(Snapshot("ev/dc01-after", 9001, 601, {"10.50.0.10"}));
  auto facts = w.Facts();
  std::map<std::string, std::set<IpAddress>> hosts;
  for (const HostFacts& h : facts) hosts[h.entry.name] = h.addresses;
  auto ip = [](const char* text) { return *IpAddress::Parse(text); };
  EXPECT_EQ(hosts, (std::map<std::string, std::set<IpAddress>>{
                       {"app01", {ip("10.20.1.7")}},
                       {"app02", {ip("10.20.1.8")}},
                       {"node1", {ip("10.30.0.1"), ip("10.30.0.5")}},
                       {"node2", {ip("10.30.0.6")}},  // the virtual address went to node1
                       {"dc01", {ip("10.50.0.10")}}}));
  for (const HostFacts& h : facts) {
    if (h.entry.name != "app01") continue;
    // The agent's ports moved (5011 on day 1, 5013 on day 2, one pid each):
    // neither is a static listener that verify may expect open.
    EXPECT_EQ(h.entry.listeners, (std::vector<std::string>{"tcp/135"}));
    EXPECT_EQ(h.moved_ports, (std::set<std::pair<Proto, uint16_t>>{{Proto::kTcp, 5011}, {Proto::kTcp, 5013}}));
    ASSERT_TRUE(h.processes.count(2316));
    EXPECT_EQ(h.processes.at(2316).services, std::vector<std::string>{"AgentSvc"});
  }
}

TEST(HostFacts, FoldersOfOneNameWithOtherAddressesAreOtherHosts) {
  World w;
  // dc01 of two domains, and of a third; each one's process list in its folder.
  w.inventories.push_back(Snapshot("evidence/site-a/dc01", 9000, 600, {"10.1.0.10"}));
  w.inventories.push_back(Snapshot("evidence/site-b/dc01", 9001, 601, {"10.2.0.10"}));
  w.inventories.push_back(Snapshot("evidence/site-c/dc01", 9002, 602, {"10.3.0.10"}));
  ingest::SocketInventory tasks;
  tasks.processes.push_back({601, "agent.exe", {"AgentB"}, {"evidence/site-b/dc01/tasklist.txt", 4}});
  w.inventories.push_back(tasks);
  // The same name and the same address is one host at another moment;
  // folders of one name without own addresses cannot be told apart.
  w.inventories.push_back(Snapshot("evidence/site-a/day2/dc01", 9000, 600, {"10.1.0.10"}));
  w.inventories.push_back(Snapshot("old/fs01", 445, 4, {}));
  w.inventories.push_back(Snapshot("new/fs01", 445, 4, {}));
  // Moments of two hosts of one name: app01 of each site.
  w.inventories.push_back(Snapshot("x/site-a/app01/day1", 5011, 700, {"10.1.0.20"}));
  w.inventories.push_back(Snapshot("x/site-b/app01/day1", 5011, 700, {"10.2.0.20"}));
  w.inventories.push_back(Snapshot("x/site-a/app01/day2", 5013, 701, {"10.1.0.20"}));
  // A lone moment is named by the folder above it too; an address is a name.
  w.inventories.push_back(Snapshot("x/web01/2026-12-01", 80, 4, {"10.4.0.5"}));
  w.inventories.push_back(Snapshot("x/10.4.0.6", 80, 4, {}));
  auto facts = w.Facts();
  std::map<std::string, std::set<IpAddress>> hosts;
  for (const HostFacts& h : facts) hosts[h.entry.name] = h.addresses;
  auto ip = [](const char* text) { return *IpAddress::Parse(text); };
  EXPECT_EQ(hosts, (std::map<std::string, std::set<IpAddress>>{
                       {"site-a/dc01", {ip("10.1.0.10")}},
                       {"site-b/dc01", {ip("10.2.0.10")}},
                       {"site-c/dc01", {ip("10.3.0.10")}},
                       {"fs01", {}},
                       {"site-a/app01", {ip("10.1.0.20")}},
                       {"site-b/app01", {ip("10.2.0.20")}},
                       {"web01", {ip("10.4.0.5")}},
                       {"10.4.0.6", {ip("10.4.0.6")}}}));
  for (const HostFacts& h : facts) {
    if (h.entry.name != "site-b/dc01") continue;
    ASSERT_TRUE(h.processes.count(601));
    EXPECT_EQ(h.processes.at(601).services, std::vector<std::string>{"AgentB"});
    EXPECT_EQ(h.listeners.size(), 2u);  // its own two, none of site-a's
  }
}

// The netsh output beside a host's netstat has no records, only the range:
// it joins the host of its folder.
TEST(HostFacts, ARangeInAFileOfItsOwnJoinsItsFoldersHost) {
  World w;
  w.inventories.push_back(Snapshot("evidence/dc01", 389, 712, {"10.0.0.10"}));
  ingest::SocketInventory netsh;
  netsh.file = "evidence/dc01/netsh-dynamicport-tcp.txt";
  netsh.tcp_dynamic_range = PortRange{5000, 14999};
  w.inventories.push_back(netsh);
  auto facts = w.Facts();
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_EQ(facts[0].entry.name, "dc01");
  EXPECT_EQ(facts[0].tcp_dynamic_range, (PortRange{5000, 14999}));
  EXPECT_EQ(facts[0].entry.tcp_ephemeral, (PortRange{5000, 14999}));
}

TEST(HostFacts, StaticListenersLeaveOutDynamicAndRpcPorts) {
  World w;
  ingest::SocketInventory inv = DcInventory();
  // An RPC server in an old pool (5001) is the range's business, not a static listener.
  inv.sockets.push_back(Listen("10.0.0.10", 5001, "lsass.exe", 700));
  inv.rpc_registrations.push_back(Registration("10.0.0.10", 5001, kDrsuapi, 4));
  inv.sockets.push_back(Listen("127.0.0.1", 9000, "agent.exe", 800));  // loopback: not reachable
  w.inventories.push_back(inv);
  auto facts = w.Facts();
  ASSERT_FALSE(facts.empty());
  EXPECT_EQ(facts[0].entry.listeners,
            (std::vector<std::string>{"tcp/88", "tcp/135", "tcp/389", "tcp/445", "tcp/3268", "tcp/5985",
                                      "udp/1900"}));
}

TEST(HostFacts, SambaIsRecognisedByItsProcesses) {
  World w;
  ingest::SocketInventory inv;
  inv.sockets.push_back(Listen("10.213.0.2", 135, "samba", 10, Proto::kTcp, "lab/sdc/ss.txt"));
  inv.sockets.push_back(Listen("10.213.0.2", 88, "samba", 10, Proto::kTcp, "lab/sdc/ss.txt"));
  inv.sockets.push_back(Listen("10.213.0.2", 389, "samba", 10, Proto::kTcp, "lab/sdc/ss.txt"));
  w.inventories.push_back(inv);
  auto facts = w.Facts();
  ASSERT_EQ(facts.size(), 1u);
  EXPECT_EQ(facts[0].entry.name, "sdc");
  EXPECT_EQ(facts[0].entry.platform, Platform::kSamba);
  EXPECT_EQ(facts[0].entry.role, Role::kDc);
}

TEST(RangePlanner, AtLeastMicrosoftsHundredAndTwiceThePeak) {
  World w;
  w.inventories.push_back(DcInventory());
  w.peaks[*IpAddress::Parse("10.0.0.10")] = 80;
  auto facts = w.Facts();
  auto range = PlanRange("dc01", {&facts[0]}, KnownPortsSeen(facts, Cat()), {}, Cat());
  EXPECT_EQ(range.range.size(), 160u);
  EXPECT_GT(range.range.first, 5000);
  EXPECT_EQ(range.observed_peak, 80u);
  w.peaks.clear();
  facts = w.Facts();
  range = PlanRange("dc01", {&facts[0]}, KnownPortsSeen(facts, Cat()), {}, Cat());
  EXPECT_EQ(range.range.size(), 100u);
  EXPECT_TRUE(range.warnings.empty());
}

TEST(RangePlanner, FewerThanHundredOnlyWithAWarning) {
  World w;
  w.inventories.push_back(DcInventory());
  auto facts = w.Facts();
  RangeOptions options;
  options.min_ports = 20;
  auto range = PlanRange("dc01", {&facts[0]}, {}, options, Cat());
  EXPECT_EQ(range.range.size(), 20u);
  ASSERT_FALSE(range.warnings.empty());
  EXPECT_NE(range.warnings[0].find("one concurrent RPC connection"), std::string::npos);
}

TEST(RangePlanner, PlacedClearOfStaticListenersAndKnownPortsSeenOnTheNetwork) {
  World w;
  auto dc = DcInventory();
  dc.sockets.push_back(Listen("10.0.0.10", 5050, "app.exe", 1234));  // a static listener
  w.inventories.push_back(dc);
  // FileMaker (5003) is in use on another host: the first seed's example.
  w.flows.push_back(Flow("10.0.1.5", "10.0.0.7", 5003));
  auto facts = w.Facts();
  auto range = PlanRange("dc01", {&facts[0]}, KnownPortsSeen(facts, Cat()), {}, Cat());
  EXPECT_FALSE(range.range.Contains(5003));
  EXPECT_FALSE(range.range.Contains(5050));
  EXPECT_FALSE(range.range.Contains(5985));
  EXPECT_GE(range.range.size(), 100u);
  std::string avoided;
  for (const auto& c : range.avoided) avoided += std::to_string(c.port) + " " + c.what + "; ";
  EXPECT_NE(avoided.find("5003"), std::string::npos) << avoided;
  EXPECT_NE(avoided.find("5050 listener tcp/5050 on dc01 (app.exe)"), std::string::npos) << avoided;
}

TEST(RangePlanner, DynamicListenersMoveAndAreNoConflict) {
  World w;
  w.inventories.push_back(DcInventory());
  auto facts = w.Facts();
  RangeOptions options;
  options.fixed = PortRange{49600, 49700};  // contains lsass's dynamic 49667
  auto range = PlanRange("dc01", {&facts[0]}, {}, options, Cat());
  EXPECT_EQ(range.range, (PortRange{49600, 49700}));
  // Only the ephemeral overlap is reported, not lsass's own dynamic port.
  ASSERT_TRUE(range.ephemeral_overlap.has_value());
  EXPECT_EQ(*range.ephemeral_overlap, (PortRange{49600, 49700}));
  for (const std::string& w : range.warnings) EXPECT_EQ(w.find("49667"), std::string::npos) << w;
}

TEST(RangePlanner, KnownEphemeralRangeIsAvoided) {
  World w;
  auto dc = DcInventory();
  dc.tcp_dynamic_range = PortRange{5000, 15000};
  w.inventories.push_back(dc);
  auto facts = w.Facts();
  auto range = PlanRange("dc01", {&facts[0]}, {}, {}, Cat());
  EXPECT_GT(range.range.first, 15000);
}

TEST(PinPlanner, DomainControllerPinsNtdsAndNetlogonOnDifferentPorts) {
  World w;
  w.inventories.push_back(DcInventory());
  auto facts = w.Facts();
  auto range = PlanRange("dc01", {&facts[0]}, {}, {}, Cat());
  auto pins = PlanPins({&facts[0]}, &range, Cat());
  ASSERT_EQ(pins.size(), 2u);
  EXPECT_EQ(pins[0].service, "NTDS");
  EXPECT_EQ(pins[0].key, "HKLM\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters");
  EXPECT_EQ(pins[0].value_name, "TCP/IP Port");
  EXPECT_EQ(pins[0].value_type, "REG_DWORD");
  EXPECT_EQ(pins[0].restart, "reboot");
  EXPECT_EQ(pins[1].service, "Netlogon");
  EXPECT_EQ(pins[1].value_name, "DCTcpipPort");
  EXPECT_EQ(pins[1].restart, "service:Netlogon");
  EXPECT_NE(pins[0].port, pins[1].port);
  for (const auto& p : pins) {
    EXPECT_GE(p.port, 1024);
    EXPECT_LE(p.port, 49151);
    EXPECT_FALSE(range.range.Contains(p.port));
    EXPECT_FALSE(p.evidence.empty());
  }
}

// A member server's lsass hosts Netlogon too, but DCTcpipPort means nothing there.
TEST(PinPlanner, NetlogonIsPinnedOnDomainControllersOnly) {
  World w;
  ingest::SocketInventory member;
  for (uint16_t port : {135, 445}) member.sockets.push_back(Listen("0.0.0.0", port, "System", 4));
  member.sockets.push_back(Listen("10.0.0.20", 49667, "lsass.exe", 700));
  member.processes.push_back({700, "lsass.exe", {"Netlogon", "SamSs"}, {"evidence/fs01/tasklist.txt", 4}});
  w.inventories.push_back(member);
  auto facts = w.Facts();
  ASSERT_EQ(facts.size(), 1u);
  ASSERT_EQ(facts[0].entry.role, Role::kMember);
  auto range = PlanRange("fs01", {&facts[0]}, {}, {}, Cat());
  for (const PinProposal& p : PlanPins({&facts[0]}, &range, Cat())) {
    EXPECT_NE(p.service, "Netlogon") << p.id;
  }
}

// WMI answered on a dynamic port that the netstat did not catch open; the
// firewall log's pid column named it (svchost.exe 1720, Winmgmt, by the
// tasklist of the log's folder): it is pinned like a listener, with the
// log row as its evidence. A pid no list names, or of a host without an
// inventory, proposes nothing.
TEST(PinPlanner, AServiceAFirewallLogsPidNamedOnADynamicPortIsPinned) {
  World w;
  w.inventories.push_back(DcInventory());
  w.inventories[0].processes.push_back({1720, "svchost.exe", {"Winmgmt"}, {"evidence/dc01/tasklist.txt", 12}});
  std::vector<analysis::ServerPid> pids = {
      {*IpAddress::Parse("10.0.0.10"), Proto::kTcp, 49712, 1720, "evidence/dc01/pfirewall.log", 64, 12},
      {*IpAddress::Parse("10.0.0.10"), Proto::kTcp, 49713, 4242, "evidence/dc01/pfirewall.log", 70, 1},
      {*IpAddress::Parse("10.0.0.77"), Proto::kTcp, 49714, 1720, "evidence/ws77/pfirewall.log", 3, 1},
  };
  auto facts = GatherHostFacts({&w.inventories, &w.flows, &w.peaks, &w.rpc_ports, &Cat(), &pids});
  ASSERT_FALSE(facts.empty());
  ASSERT_EQ(facts[0].log_listeners.size(), 1u);
  auto without = w.Facts();
  EXPECT_EQ(facts[0].entry.listeners, without[0].entry.listeners);  // for the pins only
  auto range = PlanRange("dc01", {&facts[0]}, {}, {}, Cat());
  const std::vector<PinProposal> pins = PlanPins({&facts[0]}, &range, Cat());
  const PinProposal* wmi = nullptr;
  for (const PinProposal& p : pins) {
    if (p.service == "Winmgmt") wmi = &p;
  }
  ASSERT_NE(wmi, nullptr);
  ASSERT_FALSE(wmi->evidence.empty());
  EXPECT_EQ(wmi->evidence[0].kind, "firewall-log-pid");
  EXPECT_EQ(wmi->evidence[0].source, "evidence/dc01/pfirewall.log:64");
  // Without the log's pids, no WMI pin.
  for (const PinProposal& p : PlanPins({&without[0]}, &range, Cat())) EXPECT_NE(p.service, "Winmgmt");
}

TEST(PinPlanner, ATakenPreferredPortMovesUp) {
  World w;
  auto dc = DcInventory();
  dc.sockets.push_back(Listen("10.0.0.10", 38901, "other.exe", 42));
  w.inventories.push_back(dc);
  auto facts = w.Facts();
  auto pins = PlanPins({&facts[0]}, nullptr, Cat());
  ASSERT_EQ(pins.size(), 2u);
  EXPECT_NE(pins[0].port, 38901);
  EXPECT_NE(pins[0].port, pins[1].port);
}

TEST(PinPlanner, SambaPinsInterfacesOneByOne) {
  World w;
  ingest::SocketInventory inv;
  for (uint16_t port : {88, 135, 389}) {
    inv.sockets.push_back(Listen("10.213.0.2", port, "samba", 10, Proto::kTcp, "lab/sdc/ss.txt"));
  }
  inv.rpc_registrations.push_back(Registration("10.213.0.2", 49152, kNetlogon, 1));
  inv.rpc_registrations.push_back(Registration("10.213.0.2", 49153, kDrsuapi, 4));
  w.inventories.push_back(inv);
  auto facts = w.Facts();
  auto pins = PlanPins({&facts[0]}, nullptr, Cat());
  ASSERT_EQ(pins.size(), 2u);
  EXPECT_EQ(pins[0].kind, PinKind::kSamba);
  EXPECT_EQ(pins[0].service, "drsuapi");
  EXPECT_EQ(pins[1].service, "netlogon");
  EXPECT_EQ(pins[1].restart, "service:samba-ad-dc");
}

TEST(MinimisePlanner, ServicesTheRoleDoesNotNeed) {
  World w;
  w.inventories.push_back(DcInventory());
  auto facts = w.Facts();
  auto proposals = PlanMinimise(facts[0], Role::kDc, Cat());
  std::vector<std::string> services;
  for (const auto& m : proposals) services.push_back(m.service);
  // SSDP discovery on udp/1900 is needed by no role; NTDS, Kdc, LanmanServer are needed on a DC.
  EXPECT_NE(std::find(services.begin(), services.end(), "SSDPSRV"), services.end());
  for (const char* needed : {"NTDS", "Netlogon", "Kdc", "LanmanServer", "RpcSs", "RpcEptMapper"}) {
    EXPECT_EQ(std::find(services.begin(), services.end(), needed), services.end()) << needed;
  }
  const auto& ssdp = *std::find_if(proposals.begin(), proposals.end(),
                                   [](const auto& m) { return m.service == "SSDPSRV"; });
  EXPECT_EQ(ssdp.action, MinimiseAction::kDisable);
  EXPECT_EQ(ssdp.listeners, std::vector<std::string>{"udp/1900"});
  ASSERT_FALSE(ssdp.commands.empty());
  EXPECT_EQ(ssdp.commands[0], "sc config SSDPSRV start= disabled");
  EXPECT_EQ(ssdp.rollback[0], "sc config SSDPSRV start= auto");
  EXPECT_EQ(ssdp.dependents, std::vector<std::string>{"upnphost"});
}

// One svchost (PID 800) hosts EventLog and lmhosts and listens on 49153:
// tasklist cannot say whose port that is, so stopping lmhosts is not proposed
// for it. Where the endpoint mapper places eventlog's interface there, the
// port is EventLog's, which cannot be stopped.
TEST(MinimisePlanner, ASharedProcessPortIsNotBlamedOnEveryServiceInIt) {
  for (bool registered : {false, true}) {
    World w;
    ingest::SocketInventory inv;
    inv.sockets.push_back(Listen("0.0.0.0", 135, "svchost.exe", 900));
    inv.sockets.push_back(Listen("0.0.0.0", 49153, "svchost.exe", 800));
    inv.processes.push_back({800, "svchost.exe", {"EventLog", "lmhosts"}, {"evidence/fs01/tasklist.txt", 7}});
    inv.processes.push_back({900, "svchost.exe", {"RpcEptMapper", "RpcSs"}, {"evidence/fs01/tasklist.txt", 8}});
    if (registered) {
      inv.rpc_registrations.push_back(
          Registration("10.0.0.20", 49153, "f6beaff7-1e19-4fbb-9f8f-b89e2018337c", 1));  // eventlog (MS-EVEN6)
    }
    w.inventories.push_back(inv);
    auto facts = w.Facts();
    for (const MinimiseProposal& m : PlanMinimise(facts[0], Role::kMember, Cat())) {
      EXPECT_NE(m.service, "lmhosts") << (registered ? "registered" : "unregistered");
      EXPECT_NE(m.service, "EventLog");
    }
  }
}

TEST(MinimisePlanner, IsolatedHostBindsRpcToLoopback) {
  World w;
  w.inventories.push_back(DcInventory());
  auto facts = w.Facts();
  auto proposals = PlanMinimise(facts[0], Role::kIsolated, Cat());
  auto rpc = std::find_if(proposals.begin(), proposals.end(),
                          [](const auto& m) { return m.action == MinimiseAction::kBindLoopback; });
  ASSERT_NE(rpc, proposals.end());
  EXPECT_EQ(rpc->commands, std::vector<std::string>{"netsh rpc add 127.0.0.0"});
}

TEST(MinimisePlanner, NothingWithoutAnInventory) {
  World w;
  w.flows.push_back(Flow("10.0.1.5", "10.0.0.99", 445));
  auto facts = w.Facts();
  EXPECT_TRUE(PlanMinimise(facts[0], Role::kMember, Cat()).empty());
}

}  // namespace
}  // namespace highport::plan

#include "plan/planner.h"

namespace highport::plan {
namespace {

// A server known only from traffic that answers the endpoint mapper: it is
// planned as Windows, gets a range, and its dynamic RPC flows are allowed by
// the RPC rule, scoped to the clients that used RPC.
TEST(Planner, TrafficOnlyRpcServerGetsARangeAndAnRpcRule) {
  World w;
  w.flows.push_back(Flow("10.0.1.5", "10.0.0.10", 135));
  w.flows.push_back(Flow("10.0.1.5", "10.0.0.10", 49667, /*dynamic=*/true));
  w.flows.push_back(Flow("10.0.1.6", "10.0.0.10", 445));
  w.peaks[*IpAddress::Parse("10.0.0.10")] = 70;
  PlannerOptions options;
  auto plan = BuildPlan({&w.inventories, &w.flows, &w.peaks, &w.rpc_ports, &Cat()}, options);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->ranges.size(), 1u);
  EXPECT_EQ(plan->hosts[0].platform, Platform::kWindows);
  EXPECT_EQ(plan->ranges[0].range.size(), 140u);
  EXPECT_EQ(plan->firewall.coverage, 1.0);
  bool rpc_rule = false;
  for (const FirewallRule& r : plan->firewall.rules) {
    if (r.keyword != RuleKeyword::kRpc) continue;
    rpc_rule = true;
    EXPECT_EQ(r.ports, std::vector<PortRange>{plan->ranges[0].range});
    EXPECT_EQ(r.clients, std::vector<std::string>{"10.0.1.5/32"});
  }
  EXPECT_TRUE(rpc_rule);
}

// A service that moved between two ports outside its host's dynamic range
// picks its ports itself: no RPC rule covers it, a warning says what to do.
// One that moved inside the range (WMI at each start) is the RPC range's,
// and so is one an endpoint mapper placed an interface on.
TEST(Planner, APortAServiceChoseItselfGetsNoRpcRuleButAWarning) {
  World w;
  auto moment = [](const std::string& day, std::vector<std::pair<uint16_t, uint32_t>> listeners) {
    ingest::SocketInventory inv;
    const std::string file = "evidence/app01/" + day + "/netstat.txt";
    inv.sockets.push_back(Listen("0.0.0.0", 135, "svchost.exe", 908, Proto::kTcp, file));
    for (const auto& [port, pid] : listeners) {
      const char* image = pid < 3000 ? "agent.exe" : pid < 4000 ? "svchost.exe" : pid < 4300 ? "rpcsrv.exe" : "web.exe";
      inv.sockets.push_back(Listen("10.20.1.7", port, image, pid, Proto::kTcp, file));
    }
    return inv;
  };
  // A web agent (pid 4300/4400) moved from 8443, a port the catalog knows
  // (static: the flow table keeps it so, and a rule allows it), to 5020.
  w.inventories.push_back(moment("day1", {{5011, 2200}, {49712, 3100}, {6001, 4100}, {8443, 4300}}));
  w.inventories.push_back(moment("day2", {{5013, 2316}, {49800, 3200}, {6002, 4200}, {5020, 4400}}));
  ingest::SocketInventory tasks;
  tasks.processes.push_back({2200, "agent.exe", {"AgentSvc"}, {"evidence/app01/day1/tasklist.txt", 4}});
  tasks.processes.push_back({3100, "svchost.exe", {"Winmgmt"}, {"evidence/app01/day1/tasklist.txt", 5}});
  tasks.processes.push_back({4100, "rpcsrv.exe", {"RpcSrv"}, {"evidence/app01/day1/tasklist.txt", 6}});
  // Day 2 after an update: the same agent, its names in other case.
  tasks.processes.push_back({2316, "Agent.EXE", {"agentsvc"}, {"evidence/app01/day2/tasklist.txt", 4}});
  tasks.processes.push_back({3200, "svchost.exe", {"Winmgmt"}, {"evidence/app01/day2/tasklist.txt", 5}});
  tasks.processes.push_back({4200, "rpcsrv.exe", {"RpcSrv"}, {"evidence/app01/day2/tasklist.txt", 6}});
  w.inventories.push_back(tasks);
  w.rpc_ports[{*IpAddress::Parse("10.20.1.7"), 6002}] = {"rpcsrv"};
  for (uint16_t port : {5020, 5011, 5013, 49712, 49800, 6001, 6002}) {
    w.flows.push_back(Flow("10.20.30.40", "10.20.1.7", port, /*dynamic=*/true));
  }
  w.flows.back().interfaces = {"rpcsrv"};
  w.flows.push_back(Flow("10.20.30.40", "10.20.1.7", 8443));  // static: the catalog knows it
  w.peaks[*IpAddress::Parse("10.20.1.7")] = 2;
  auto plan = BuildPlan({&w.inventories, &w.flows, &w.peaks, &w.rpc_ports, &Cat()}, PlannerOptions{});
  ASSERT_TRUE(plan) << plan.error().message;
  std::map<uint16_t, std::string> uncovered;
  for (const UncoveredFlow& u : plan->firewall.uncovered) uncovered[u.port] = u.reason;
  // 5011 and 5013; not 6001 nor 6002: an endpoint mapper saw RpcSrv on 6002,
  // so it is an RPC server, whose ports the RPC range governs.
  EXPECT_EQ(uncovered.size(), 3u);  // and 5020, not 8443
  for (uint16_t port : {5011, 5013, 5020}) {
    EXPECT_NE(uncovered[port].find("picks it itself"), std::string::npos) << port << ": " << uncovered[port];
  }
  std::vector<std::string> moved;
  for (const std::string& warning : plan->warnings) {
    if (warning.find("picks its port itself") != std::string::npos) moved.push_back(warning);
  }
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_NE(moved[0].find("app01: agent.exe (AgentSvc) moved between tcp/5011 and tcp/5013"), std::string::npos)
      << moved[0];
  EXPECT_NE(moved[1].find("app01: web.exe moved from or to tcp/5020 over time"), std::string::npos) << moved[1];
}

TEST(Planner, UnknownHostIsAUsageError) {
  World w;
  w.inventories.push_back(DcInventory());
  PlannerOptions options;
  options.hosts = {"dc9"};
  auto plan = BuildPlan({&w.inventories, &w.flows, &w.peaks, &w.rpc_ports, &Cat()}, options);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("no evidence of host(s) dc9; the evidence knows: dc01"),
            std::string::npos)
      << plan.error().message;
}

TEST(Planner, GroupSharesOneRangeAndThePinnedPorts) {
  World w;
  w.inventories.push_back(DcInventory());
  auto dc2 = DcInventory();
  for (auto& s : dc2.sockets) {
    s.source.file = "evidence/dc02/netstat.txt";
    if (!s.local.address.is_unspecified()) s.local.address = *IpAddress::Parse("10.0.0.11");
  }
  for (auto& p : dc2.processes) p.source.file = "evidence/dc02/tasklist.txt";
  for (auto& r : dc2.rpc_registrations) {
    r.host = "10.0.0.11";
    r.endpoint->address = *IpAddress::Parse("10.0.0.11");
  }
  w.inventories.push_back(dc2);
  PlannerOptions options;
  options.groups = {*ParseGroup("dcs=dc01,dc02")};
  auto plan = BuildPlan({&w.inventories, &w.flows, &w.peaks, &w.rpc_ports, &Cat()}, options);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->ranges.size(), 1u);
  EXPECT_EQ(plan->ranges[0].hosts, (std::vector<std::string>{"dc01", "dc02"}));
  ASSERT_EQ(plan->pins.size(), 4u);
  EXPECT_EQ(plan->pins[0].port, plan->pins[2].port);  // NTDS on both
  EXPECT_EQ(plan->pins[1].port, plan->pins[3].port);  // Netlogon on both
  EXPECT_FALSE(ParseGroup("dcs="));
  EXPECT_FALSE(ParseGroup("=dc01"));
  EXPECT_FALSE(ParseGroup("dcs=dc01,,dc02"));
}

}  // namespace
}  // namespace highport::plan
