#include "ingest/proc_net_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "fmt/format.h"

#ifdef __linux__
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace highport::ingest {
namespace {

namespace fs = std::filesystem;

const std::string kFixtureRoot = HIGHPORT_SOURCE_DIR "/src/ingest/testdata/proc";

ProcNetRow Row(std::string_view line, Proto proto, IpAddress::Family family) {
  Result<ProcNetRow> row = ParseProcNetRow(line, proto, family);
  EXPECT_TRUE(row) << row.error().message;
  return row ? *row : ProcNetRow{};
}

std::string RowError(std::string_view line) {
  Result<ProcNetRow> row = ParseProcNetRow(line, Proto::kTcp, IpAddress::Family::kV4);
  return row ? "parsed" : row.error().message;
}

constexpr IpAddress::Family kV4 = IpAddress::Family::kV4;
constexpr IpAddress::Family kV6 = IpAddress::Family::kV6;

TEST(ProcNetRow, DecodesTheKernelsHex) {
  ProcNetRow listen = Row(
      "   0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
      "17455 1 0000000000000000 100 0 0 10 0",
      Proto::kTcp, kV4);
  EXPECT_EQ(listen.socket.local.ToString(), "127.0.0.1:631");
  EXPECT_EQ(listen.socket.state, SocketState::kListen);
  EXPECT_EQ(listen.socket.state_text, "0A");
  EXPECT_FALSE(listen.socket.remote);
  EXPECT_EQ(listen.inode, 17455u);
  EXPECT_TRUE(listen.socket.IsListener());

  ProcNetRow mapped = Row(
      "2: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A "
      "00000000:00000000 00:00000000 00000000 0 0 9 1",
      Proto::kTcp, kV6);
  EXPECT_EQ(mapped.socket.local.ToString(), "[::ffff:127.0.0.1]:8080");

  ProcNetRow link_local = Row(
      "40: 000080FE00000000FF005450563412FE:0222 00000000000000000000000000000000:0000 07 "
      "00000000:00000000 00:00000000 00000000 0 0 2004 2 0000000000000000 0",
      Proto::kUdp, kV6);
  EXPECT_EQ(link_local.socket.local.ToString(), "[fe80::5054:ff:fe12:3456]:546");
  EXPECT_EQ(link_local.socket.state, SocketState::kUnconnected);
  EXPECT_TRUE(link_local.socket.IsListener());

  ProcNetRow connected_udp = Row(
      "400: 0500000A:9C41 08080808:0035 01 00000000:00000000 00:00000000 00000000 0 0 2003 2 0 0",
      Proto::kUdp, kV4);
  EXPECT_EQ(connected_udp.socket.state, SocketState::kEstablished);
  ASSERT_TRUE(connected_udp.socket.remote);
  EXPECT_EQ(connected_udp.socket.remote->ToString(), "8.8.8.8:53");
  EXPECT_FALSE(connected_udp.socket.IsListener());

  ProcNetRow time_wait = Row(
      "3: 0500000A:9C40 22D8B85D:01BB 06 00000000:00000000 03:00001770 00000000 0 0 0 3 0",
      Proto::kTcp, kV4);
  EXPECT_EQ(time_wait.socket.state, SocketState::kTimeWait);
  EXPECT_EQ(time_wait.socket.remote->ToString(), "93.184.216.34:443");
  EXPECT_EQ(time_wait.inode, 0u);
}

TEST(ProcNetRow, NamesTheBadField) {
  const std::string tail = " 00000000:00000000 00:00000000 00000000 0 0 1 1";
  EXPECT_EQ(RowError("0: 0100007F:0277"), "2 field(s), expected at least 10");
  EXPECT_EQ(RowError("x: 0100007F:0277 00000000:0000 0A" + tail),
            "slot 'x:' is not a number and a colon");
  EXPECT_EQ(RowError("0: 0100007G:0277 00000000:0000 0A" + tail),
            "local address '0100007G:0277' is not HEX:PORT");
  EXPECT_EQ(RowError("0: 0100007F:277 00000000:0000 0A" + tail),
            "local address '0100007F:277' is not HEX:PORT");
  EXPECT_EQ(RowError("0: 0100007F:0277 -0000000:0000 0A" + tail),
            "remote address '-0000000:0000' is not HEX:PORT");
  // An IPv6 address in an IPv4 table.
  EXPECT_EQ(RowError("0: 00000000000000000000000000000000:0016 00000000:0000 0A" + tail),
            "local address '00000000000000000000000000000000:0016' is not HEX:PORT");
  EXPECT_EQ(RowError("0: 0100007F:0277 00000000:0000 A" + tail), "state 'A' is not a hex byte");
  EXPECT_EQ(RowError("0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000 "
                     "0 0 -5 1"),
            "inode '-5' is not a number");
}

TEST(ProcNetTable, SkipsTheTitleAndReportsBadRows) {
  std::ifstream in(kFixtureRoot + "/net/tcp");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Diagnostics diagnostics;
  std::vector<ProcNetRow> rows =
      ReadProcNetTable("/proc/net/tcp", text, Proto::kTcp, kV4, diagnostics);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].socket.source.ToString(), "/proc/net/tcp:2");
  EXPECT_EQ(rows[1].socket.local.ToString(), "127.0.0.53:53");
  ASSERT_EQ(diagnostics.findings().size(), 2u);
  EXPECT_EQ(diagnostics.findings()[0].ToString(),
            "/proc/net/tcp:6: 3 field(s), expected at least 10");
  EXPECT_EQ(diagnostics.findings()[1].ToString(),
            "/proc/net/tcp:7: local address '0500000G:0016' is not HEX:PORT");
  EXPECT_EQ(diagnostics.findings()[1].id, "proc_net.bad_row");
}

// A copy of testdata/proc with the fd symlinks git cannot hold.
class ProcNetSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            fmt::format("highport_proc_{}_{}", ::testing::UnitTest::GetInstance()->random_seed(),
                        reinterpret_cast<uintptr_t>(this));
    fs::remove_all(root_);
    fs::copy(kFixtureRoot, root_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(root_); }

  void Link(const std::string& pid, int fd, const std::string& target) {
    fs::create_directories(root_ / pid / "fd");
    fs::create_symlink(target, root_ / pid / "fd" / std::to_string(fd));
  }

  fs::path root_;
};

const Socket* Find(const SocketInventory& inv, Proto proto, const std::string& endpoint) {
  for (const Socket& s : inv.sockets) {
    if (s.local.proto == proto && s.local.ToString() == endpoint) return &s;
  }
  return nullptr;
}

TEST_F(ProcNetSourceTest, ReadsAFixtureTree) {
  Link("851", 0, "/dev/null");
  Link("851", 3, "socket:[1001]");
  Link("851", 4, "socket:[1004]");
  Link("851", 9, "socket:[999999]");  // in no table
  Link("851", 10, "pipe:[1002]");
  Link("1", 43, "socket:[1001]");  // socket activation: pid 1 holds sshd's socket too
  Link("1", 44, "socket:[2005]");
  Link("608", 12, "socket:[2002]");
  Link("608", 13, "socket:[1002]");
  Link("700", 5, "socket:[2001]");
  Link("890", 6, "socket:[1006]");
  Link("891", 6, "socket:[1006]");
  // 4242 has a comm but no fd directory: it ended during the scan.

  ProcNetSource source(root_.string());
  EXPECT_EQ(source.name(), "/proc");
  Diagnostics diagnostics;
  Result<SocketInventory> read = source.Read(diagnostics);
  ASSERT_TRUE(read) << read.error().message;
  const SocketInventory& inv = *read;

  EXPECT_EQ(inv.host, "fixturehost");
  ASSERT_TRUE(inv.tcp_dynamic_range);
  EXPECT_EQ(inv.tcp_dynamic_range->ToString(), "32768-60999");
  EXPECT_EQ(inv.sockets.size(), 12u);
  EXPECT_EQ(std::count_if(inv.sockets.begin(), inv.sockets.end(),
                          [](const Socket& s) { return s.IsListener(); }),
            9);

  const Socket* ssh = Find(inv, Proto::kTcp, "0.0.0.0:22");
  ASSERT_TRUE(ssh);
  EXPECT_EQ(ssh->pid, 851u);  // the highest pid, as ss lists it first
  EXPECT_EQ(ssh->process, "sshd");
  EXPECT_EQ(ssh->source.ToString(), root_.string() + "/net/tcp:2");
  EXPECT_EQ(Find(inv, Proto::kTcp, "[::]:22")->pid, 851u);
  EXPECT_EQ(Find(inv, Proto::kTcp, "127.0.0.53:53")->process, "systemd-resolve");
  EXPECT_EQ(Find(inv, Proto::kUdp, "127.0.0.53:53")->pid, 608u);
  EXPECT_EQ(Find(inv, Proto::kUdp, "0.0.0.0:123")->process, "chronyd");
  EXPECT_EQ(Find(inv, Proto::kUdp, "[::]:111")->process, "systemd");
  EXPECT_EQ(Find(inv, Proto::kTcp, "[::ffff:127.0.0.1]:8080")->pid, 891u);
  const Socket* cups = Find(inv, Proto::kTcp, "[::1]:631");
  ASSERT_TRUE(cups);
  EXPECT_FALSE(cups->pid);
  EXPECT_FALSE(cups->owner_unavailable);  // nothing was denied: it has no owner we could see
  EXPECT_EQ(Find(inv, Proto::kUdp, "[fe80::5054:ff:fe12:3456]:546")->state,
            SocketState::kUnconnected);

  std::vector<uint32_t> pids;
  for (const ProcessInfo& p : inv.processes) pids.push_back(p.pid);
  EXPECT_EQ(pids, (std::vector<uint32_t>{1, 608, 700, 851, 890, 891}));
  EXPECT_EQ(inv.processes[0].image, "systemd");

  std::vector<std::string> ids;
  for (const Finding& f : diagnostics.findings()) ids.push_back(f.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"proc_net.bad_row", "proc_net.bad_row",
                                           "proc_net.unreadable_processes"}));
  EXPECT_EQ(diagnostics.findings()[2].ToString(),
            root_.string() +
                ": note: could not read the open files of 1 process(es) (1 ended during the "
                "scan, 0 denied access; run as root to see every owner): their sockets are "
                "listed without an owner");
  EXPECT_EQ(diagnostics.skipped(), 2u);
}

TEST_F(ProcNetSourceTest, NotesMissingTablesAndFailsWithoutAny) {
  fs::remove(root_ / "net" / "tcp6");
  fs::remove(root_ / "net" / "udp6");
  Diagnostics diagnostics;
  Result<SocketInventory> read = ProcNetSource(root_.string()).Read(diagnostics);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->sockets.size(), 7u);
  bool noted = false;
  for (const Finding& f : diagnostics.findings()) {
    if (f.id == "proc_net.missing_table") {
      noted = true;
      EXPECT_EQ(f.reason, "cannot read tcp6, udp6: their sockets are not listed (IPv6 disabled?)");
    }
  }
  EXPECT_TRUE(noted);

  Diagnostics none;
  Result<SocketInventory> failed = ProcNetSource((root_ / "nowhere").string()).Read(none);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("cannot read the kernel's socket tables"),
            std::string::npos);
}

#ifdef __linux__
// The machine's own /proc: a socket this test opens is found, with this
// process as its owner.
TEST(ProcNetLive, FindsItsOwnSockets) {
  if (!fs::exists("/proc/net/tcp") || !fs::exists("/proc/self/fd")) {
    GTEST_SKIP() << "no /proc/net/tcp here";
  }
  int tcp = socket(AF_INET, SOCK_STREAM, 0);
  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(tcp, 0);
  ASSERT_GE(udp, 0);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(tcp, reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
  ASSERT_EQ(listen(tcp, 1), 0);
  ASSERT_EQ(bind(udp, reinterpret_cast<sockaddr*>(&any), sizeof any), 0);
  auto port_of = [](int fd) {
    sockaddr_in bound{};
    socklen_t length = sizeof bound;
    getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    return ntohs(bound.sin_port);
  };
  std::string tcp_endpoint = fmt::format("127.0.0.1:{}", port_of(tcp));
  std::string udp_endpoint = fmt::format("127.0.0.1:{}", port_of(udp));

  Result<std::unique_ptr<LiveSource>> source = MakeLiveSource();
  ASSERT_TRUE(source) << source.error().message;
  Diagnostics diagnostics;
  Result<SocketInventory> read = (*source)->Read(diagnostics);
  close(tcp);
  close(udp);
  ASSERT_TRUE(read) << read.error().message;

  std::ifstream comm("/proc/self/comm");
  std::string name;
  std::getline(comm, name);
  for (const auto& [proto, endpoint] :
       {std::pair{Proto::kTcp, tcp_endpoint}, std::pair{Proto::kUdp, udp_endpoint}}) {
    const Socket* s = Find(*read, proto, endpoint);
    ASSERT_TRUE(s) << endpoint;
    EXPECT_TRUE(s->IsListener()) << endpoint;
    EXPECT_EQ(s->pid, static_cast<uint32_t>(getpid())) << endpoint;
    EXPECT_EQ(s->process, name) << endpoint;
  }
}
#endif

}  // namespace
}  // namespace highport::ingest
