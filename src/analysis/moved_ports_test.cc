#include "analysis/moved_ports.h"

#include "analysis/testing.h"
#include "gtest/gtest.h"

namespace highport::analysis {
namespace {

using testing::ListenSocket;

// A socket list of `folder` (a moment of a host): listeners by pid, and an
// established socket that shows the host's own address.
ingest::SocketInventory Netstat(const std::string& folder, std::string_view own,
                                std::vector<Socket> listeners) {
  ingest::SocketInventory inv;
  for (Socket& s : listeners) {
    s.source.file = folder + "/netstat-ano.txt";
    inv.sockets.push_back(std::move(s));
  }
  Socket established;
  established.local = {*IpAddress::Parse(own), Proto::kTcp, 445};
  established.remote = Endpoint{*IpAddress::Parse("10.0.0.99"), Proto::kTcp, 61002};
  established.state = SocketState::kEstablished;
  established.source.file = folder + "/netstat-ano.txt";
  inv.sockets.push_back(established);
  return inv;
}

ingest::SocketInventory Tasklist(const std::string& folder, std::vector<ProcessInfo> processes) {
  ingest::SocketInventory inv;
  for (ProcessInfo& p : processes) {
    p.source.file = folder + "/tasklist-svc.txt";
    inv.processes.push_back(std::move(p));
  }
  return inv;
}

// A listener that names its owner itself (netstat -b, ss -p), without a pid.
Socket Owned(Proto proto, std::string_view address, uint16_t port, std::string process) {
  Socket s = ListenSocket(proto, address, port, 0);
  s.pid.reset();
  s.process = std::move(process);
  return s;
}

bool Has(const MovedPortSet& moved, std::string_view address, uint16_t port,
         Proto proto = Proto::kTcp) {
  return moved.count({*IpAddress::Parse(address), proto, port}) > 0;
}

// dc01 on two days: the Task Scheduler (pid 1200, then 1320 after a
// restart) moved from 49702 to 49695; lsass kept 49667; System only gained
// 5985 (WinRM enabled); the spooler only lost 49670 (stopped).
TEST(MovedPorts, AServiceOnAnotherPortAfterARestartMoved) {
  const std::vector<ingest::SocketInventory> inputs = {
      Netstat("ev/dc01/day1", "10.0.0.10",
              {ListenSocket(Proto::kTcp, "0.0.0.0", 49702, 1200),
               ListenSocket(Proto::kTcp, "0.0.0.0", 49667, 700),
               ListenSocket(Proto::kTcp, "0.0.0.0", 49670, 2100),
               ListenSocket(Proto::kTcp, "0.0.0.0", 47001, 4)}),
      Tasklist("ev/dc01/day1", {{1200, "svchost.exe", {"Schedule"}, {}},
                                {700, "lsass.exe", {"Netlogon", "SamSs"}, {}},
                                {2100, "spoolsv.exe", {"Spooler"}, {}},
                                {4, "System", {}, {}}}),
      Netstat("ev/dc01/day2", "10.0.0.10",
              {ListenSocket(Proto::kTcp, "0.0.0.0", 49695, 1320),
               ListenSocket(Proto::kTcp, "0.0.0.0", 49667, 704),
               ListenSocket(Proto::kTcp, "0.0.0.0", 47001, 4),
               ListenSocket(Proto::kTcp, "0.0.0.0", 5985, 4)}),
      // The same services, named in another case and order.
      Tasklist("ev/dc01/day2", {{1320, "SVCHOST.EXE", {"schedule"}, {}},
                                {704, "lsass.exe", {"SamSs", "Netlogon"}, {}},
                                {4, "System", {}, {}}}),
  };
  const MovedPortSet moved = MovedPorts(inputs);
  EXPECT_TRUE(Has(moved, "10.0.0.10", 49702));
  EXPECT_TRUE(Has(moved, "10.0.0.10", 49695));
  EXPECT_FALSE(Has(moved, "10.0.0.10", 49667)) << "lsass kept its port";
  EXPECT_FALSE(Has(moved, "10.0.0.10", 5985)) << "a port that only came is no move";
  EXPECT_FALSE(Has(moved, "10.0.0.10", 49670)) << "a port that only went is no move";
  EXPECT_EQ(moved.size(), 2u);
}

// pid 1200 is the Task Scheduler on day 1 and the DNS server on day 2: pids
// are joined only with the process list of their own folder.
TEST(MovedPorts, PidsAreJoinedWithinTheirFolderOnly) {
  const std::vector<ingest::SocketInventory> inputs = {
      Netstat("ev/dc01/day1", "10.0.0.10", {ListenSocket(Proto::kTcp, "0.0.0.0", 49702, 1200)}),
      Tasklist("ev/dc01/day1", {{1200, "svchost.exe", {"Schedule"}, {}}}),
      Netstat("ev/dc01/day2", "10.0.0.10", {ListenSocket(Proto::kTcp, "0.0.0.0", 49695, 1200)}),
      Tasklist("ev/dc01/day2", {{1200, "dns.exe", {"DNS"}, {}}}),
  };
  EXPECT_TRUE(MovedPorts(inputs).empty());
}

// What is no move of one service on one host.
// A firewall log's pid joins the process list of its folder, else of the
// nearest folder above with one (two levels at most); never a folder beside
// or below it, nor past the first list found on the way up.
TEST(FolderProcesses, TwoListsInOneFolderThatDisagreeAreTold) {
  auto named = [](ingest::SocketInventory inv, const std::string& file) {
    for (ProcessInfo& p : inv.processes) p.source.file = file;
    return inv;
  };
  std::vector<ingest::SocketInventory> inventories = {
      named(Tasklist("x", {{4, "System", {}, {}}, {612, "lsass.exe", {}, {}}}), "flat/dc01-tasklist.txt"),
      // fs01's list beside it: pid 4 agrees, 612 does not.
      named(Tasklist("x", {{4, "System", {}, {}}, {612, "svchost.exe", {"Dhcp"}, {}}, {700, "x.exe", {}, {}}}),
            "flat/fs01-tasklist.txt"),
      // The same image hosting other services: another host's svchost.
      named(Tasklist("x", {{960, "svchost.exe", {"RpcSs"}, {}}}), "flat2/a.txt"),
      named(Tasklist("x", {{960, "svchost.exe", {"Schedule"}, {}}}), "flat2/b.txt"),
      // One host's two lists that agree (tasklist /svc and tasklist /v): nothing to tell.
      named(Tasklist("x", {{612, "lsass.exe", {}, {}}}), "dc02/tasklist-svc.txt"),
      named(Tasklist("x", {{612, "LSASS.EXE", {}, {}}}), "dc02/tasklist-v.txt"),
  };
  const FolderProcesses processes(inventories);
  ASSERT_EQ(processes.conflicts().size(), 2u);
  EXPECT_EQ(processes.conflicts()[1].first_image, "svchost.exe (RpcSs)");
  EXPECT_EQ(processes.conflicts()[1].other_image, "svchost.exe (Schedule)");
  const FolderProcesses::Conflict& c = processes.conflicts()[0];
  EXPECT_EQ(c.first_file, "flat/dc01-tasklist.txt");
  EXPECT_EQ(c.other_file, "flat/fs01-tasklist.txt");
  EXPECT_EQ(c.pid, 612u);
  EXPECT_EQ(c.first_image, "lsass.exe");
  EXPECT_EQ(c.other_image, "svchost.exe (Dhcp)");
}

TEST(FolderProcesses, ALogsPidsJoinTheNearestProcessListAboveIt) {
  std::vector<ingest::SocketInventory> inventories = {
      Tasklist("ev/dc01", {{1720, "svchost.exe", {"Winmgmt"}, {}}}),
      Tasklist("ev/dc02/LogFiles", {{1720, "svchost.exe", {"Schedule"}, {}}}),
      Tasklist("ev/dc02", {{1720, "dns.exe", {"DNS"}, {}}}),
      Tasklist("ev/app01/day1", {{1720, "agent.exe", {}, {}}}),
  };
  const FolderProcesses processes(inventories);
  auto image = [&](const std::string& file) {
    const ProcessInfo* p = processes.FindForLog(1720, file);
    return p == nullptr ? std::string("none") : p->image + (p->services.empty() ? "" : "/" + p->services[0]);
  };
  EXPECT_EQ(image("ev/dc01/pfirewall.log"), "svchost.exe/Winmgmt");
  EXPECT_EQ(image("ev/dc01/Firewall/pfirewall.log"), "svchost.exe/Winmgmt");
  EXPECT_EQ(image("ev/dc01/LogFiles/Firewall/pfirewall.log"), "svchost.exe/Winmgmt");
  EXPECT_EQ(image("ev/dc01/a/b/c/pfirewall.log"), "none");  // three levels: too far
  EXPECT_EQ(image("ev/dc02/LogFiles/Firewall/pfirewall.log"), "svchost.exe/Schedule");  // the nearest
  EXPECT_EQ(image("ev/app01/pfirewall.log"), "none");  // the moments are below it
  EXPECT_EQ(image("ev/pfirewall.log"), "none");
  EXPECT_EQ(processes.FindForLog(999, "ev/dc01/pfirewall.log"), nullptr);
  // The nearest list decides, even where it does not name the pid.
  EXPECT_EQ(processes.FindForLog(999, "ev/dc02/LogFiles/pfirewall.log"), nullptr);
  // A path through .. names the folder it reaches; a list read from standard
  // input lies in no folder and names no log's pids.
  EXPECT_EQ(image("ev/dc02/../dc01/pfirewall.log"), "svchost.exe/Winmgmt");
  std::vector<ingest::SocketInventory> from_stdin = {Tasklist("x", {{1720, "chrome.exe", {}, {}}})};
  from_stdin[0].processes[0].source.file = "<stdin>";
  const FolderProcesses stdin_list(from_stdin);
  EXPECT_EQ(stdin_list.FindForLog(1720, "pfirewall.log"), nullptr);
  EXPECT_EQ(stdin_list.FindForLog(1720, "<stdin>"), nullptr);
}

TEST(MovedPorts, OtherHostsOwnersProtocolsAndLowPortsAreNoMove) {
  const std::vector<ingest::SocketInventory> inputs = {
      Netstat("ev/a", "10.0.0.10",
              {Owned(Proto::kTcp, "0.0.0.0", 50001, "agent.exe"),
               Owned(Proto::kTcp, "0.0.0.0", 700, "legacy.exe"),
               Owned(Proto::kUdp, "0.0.0.0", 50010, "voip.exe"),
               ListenSocket(Proto::kTcp, "0.0.0.0", 50020, 9999)}),  // no owner known
      Netstat("ev/b", "10.0.0.20",  // another host
              {Owned(Proto::kTcp, "0.0.0.0", 50002, "agent.exe")}),
      Netstat("ev/c", "10.0.0.10",
              {Owned(Proto::kTcp, "0.0.0.0", 50003, "other.exe"),
               Owned(Proto::kTcp, "0.0.0.0", 701, "legacy.exe"),
               Owned(Proto::kTcp, "0.0.0.0", 50010, "voip.exe"),  // TCP, not UDP
               ListenSocket(Proto::kTcp, "0.0.0.0", 50021, 9999)}),
  };
  EXPECT_TRUE(MovedPorts(inputs).empty());
}

// A listener on a specific address moves on that address; one on every
// address moves on each of the host's own of its family; an inventory that
// shows none of its own addresses keeps the wildcard (any server).
TEST(MovedPorts, AddressesAreTheHostsOwn) {
  auto agent = [](std::string_view address, uint16_t port) {
    return Owned(Proto::kTcp, address, port, "agent.exe");
  };
  ingest::SocketInventory two_addresses =
      Netstat("ev/dc01/day1", "10.0.0.10", {agent("0.0.0.0", 50001), agent("10.0.0.12", 50100)});
  two_addresses.sockets.push_back(ListenSocket(Proto::kTcp, "10.0.0.11", 53, 0));
  ingest::SocketInventory later =
      Netstat("ev/dc01/day2", "10.0.0.10", {agent("0.0.0.0", 50002), agent("10.0.0.12", 50101)});
  later.sockets.push_back(ListenSocket(Proto::kTcp, "10.0.0.11", 53, 0));
  ingest::SocketInventory nowhere1, nowhere2;  // no address of their own
  Socket a = agent("0.0.0.0", 51000), b = agent("0.0.0.0", 51001);
  a.process = b.process = "lonely.exe";
  nowhere1.sockets = {a};
  nowhere2.sockets = {b};
  const MovedPortSet moved = MovedPorts({two_addresses, later, nowhere1, nowhere2});
  for (std::string_view own : {"10.0.0.10", "10.0.0.11", "10.0.0.12"}) {
    EXPECT_TRUE(Has(moved, own, 50001)) << own;
    EXPECT_TRUE(Has(moved, own, 50002)) << own;
  }
  EXPECT_TRUE(Has(moved, "10.0.0.12", 50100));
  EXPECT_FALSE(Has(moved, "10.0.0.10", 50100)) << "bound to 10.0.0.12 only";
  // Lists without an address of their own may be two hosts (two Tomcats on
  // 8080 and 8443): no move, on no address.
  EXPECT_FALSE(Has(moved, "0.0.0.0", 51000));
  EXPECT_FALSE(Has(moved, "0.0.0.0", 51001));
}

}  // namespace
}  // namespace highport::analysis
