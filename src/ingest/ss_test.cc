#include "ingest/ss.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "ingest/format.h"

namespace highport::ingest {
namespace {

const std::string kFixtures = HIGHPORT_SOURCE_DIR "/src/ingest/testdata/ss/";
const std::string kCorpus = HIGHPORT_SHARED_DIR "/corpus/ss/";

text::TextDocument Fixture(const std::string& name) {
  Result<std::string> bytes = text::ReadFileBytes(kFixtures + name);
  EXPECT_TRUE(bytes) << bytes.error().message;
  return text::MakeDocument(name, bytes ? *bytes : "");
}

struct Read {
  SocketInventory inventory;
  Diagnostics diagnostics;
};

Read ReadDocument(const text::TextDocument& doc) {
  Read r;
  ReadSs(doc, r.inventory, r.diagnostics);
  return r;
}

Read ReadText(std::string_view text) { return ReadDocument(text::MakeDocument("ss.txt", text)); }

size_t CountListeners(const SocketInventory& inv) {
  return static_cast<size_t>(std::count_if(inv.sockets.begin(), inv.sockets.end(),
                                           [](const Socket& s) { return s.IsListener(); }));
}

std::vector<std::string> FindingIds(const Diagnostics& d) {
  std::vector<std::string> ids;
  for (const Finding& f : d.findings()) ids.push_back(f.id);
  return ids;
}

bool HasProcess(const SocketInventory& inv, uint32_t pid, const std::string& image) {
  return std::any_of(inv.processes.begin(), inv.processes.end(), [&](const ProcessInfo& p) {
    return p.pid == pid && p.image == image;
  });
}

TEST(SsProbe, ClaimsSsAndNothingElse) {
  for (const char* name : {"tulpn_root.txt", "tlnp_noheader_not_root.txt", "ulpn.txt",
                           "old_iproute2_tlnp.txt", "tanp_wrapped_details.txt"}) {
    text::TextDocument doc = Fixture(name);
    EXPECT_GE(ProbeSs(doc), 85) << name;
    EXPECT_EQ(DetectFormat(doc), InputFormat::kSs) << name;
  }
  // -H output with no Netid column and no header: the rows alone.
  EXPECT_EQ(ProbeSs(text::MakeDocument(
                "h", "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\nLISTEN 0 128 [::]:22 [::]:*\n")),
            85);

  const char* netstat =
      "\nActive Connections\n\n  Proto  Local Address          Foreign Address        State"
      "           PID\n  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       "
      "1024\n  UDP    0.0.0.0:123            *:*                                    1440\n";
  const char* netstat_noheader = "  TCP    0.0.0.0:135    0.0.0.0:0    LISTENING    1024\n";
  const char* tasklist =
      "\nImage Name                     PID Services\n========================= ======== "
      "============\nsvchost.exe                    840 RpcEptMapper, RpcSs\n";
  const char* csv =
      "\"LocalAddress\",\"LocalPort\",\"RemoteAddress\",\"RemotePort\",\"State\","
      "\"OwningProcess\"\n\"0.0.0.0\",\"135\",\"0.0.0.0\",\"0\",\"Listen\",\"1024\"\n";
  for (const char* other : {netstat, netstat_noheader, tasklist, csv, "", "\n\n"}) {
    EXPECT_EQ(ProbeSs(text::MakeDocument("other.txt", other)), 0) << other;
  }
}

TEST(SsReader, ReadsTulpnAsRoot) {
  Read r = ReadDocument(Fixture("tulpn_root.txt"));
  const std::vector<Socket>& s = r.inventory.sockets;
  ASSERT_EQ(s.size(), 11u);
  EXPECT_EQ(r.inventory.lines_read, 11u);
  EXPECT_EQ(CountListeners(r.inventory), 10u);

  EXPECT_EQ(s[0].local.proto, Proto::kUdp);
  EXPECT_EQ(s[0].local.ToString(), "127.0.0.53%lo:53");
  EXPECT_EQ(s[0].local.address.zone(), "lo");
  EXPECT_EQ(s[0].state, SocketState::kUnconnected);
  EXPECT_EQ(s[0].state_text, "UNCONN");
  EXPECT_FALSE(s[0].remote);
  EXPECT_EQ(s[0].pid, 608u);
  EXPECT_EQ(s[0].process, "systemd-resolve");
  EXPECT_EQ(s[0].source.ToString(), "tulpn_root.txt:2");

  // The device after the brackets is the zone.
  EXPECT_EQ(s[2].local.ToString(), "[fe80::5054:ff:fe12:3456%eth0]:546");
  EXPECT_TRUE(s[2].IsListener());

  // Several owners: the first is the socket's; systemd is only a ProcessInfo.
  EXPECT_EQ(s[3].local.ToString(), "[::]:111");
  EXPECT_EQ(s[3].pid, 609u);
  EXPECT_EQ(s[3].process, "rpcbind");

  EXPECT_EQ(s[4].local.ToString(), "0.0.0.0:22");
  EXPECT_EQ(s[4].state, SocketState::kListen);
  EXPECT_EQ(s[4].local.proto, Proto::kTcp);

  // "*" is a dual-stack socket on ::, as /proc/net/tcp6 shows it.
  EXPECT_EQ(s[7].local.ToString(), "[::]:80");
  EXPECT_EQ(s[7].pid, 891u);

  EXPECT_EQ(s[8].process, "node /opt/app, v2");
  EXPECT_EQ(s[8].pid, 929814u);
  EXPECT_EQ(s[9].local.ToString(), "[::1]:631");

  EXPECT_EQ(s[10].state, SocketState::kEstablished);
  ASSERT_TRUE(s[10].remote);
  EXPECT_EQ(s[10].remote->ToString(), "10.0.0.9:51234");
  EXPECT_FALSE(s[10].IsListener());
  EXPECT_FALSE(s[10].owner_unavailable);

  ASSERT_EQ(r.diagnostics.findings().size(), 2u);
  EXPECT_EQ(r.diagnostics.findings()[0].ToString(),
            "tulpn_root.txt:10: not an ss row: 'this line is not from ss'");
  EXPECT_EQ(r.diagnostics.findings()[0].id, "ss.not_a_row");
  EXPECT_EQ(r.diagnostics.findings()[1].id, "ss.not_numeric");
  EXPECT_EQ(r.diagnostics.findings()[1].where.line, 14u);
  EXPECT_EQ(r.diagnostics.skipped(), 2u);
}

TEST(SsReader, RecordsEveryOwnerOnce) {
  Read r = ReadDocument(Fixture("tulpn_root.txt"));
  const SocketInventory& inv = r.inventory;
  EXPECT_TRUE(HasProcess(inv, 1, "systemd"));
  EXPECT_TRUE(HasProcess(inv, 609, "rpcbind"));
  EXPECT_TRUE(HasProcess(inv, 890, "nginx"));
  EXPECT_TRUE(HasProcess(inv, 891, "nginx"));
  EXPECT_TRUE(HasProcess(inv, 929814, "node /opt/app, v2"));
  // systemd-resolve owns two sockets and sshd two rows; each pair is listed once.
  EXPECT_EQ(std::count_if(inv.processes.begin(), inv.processes.end(),
                          [](const ProcessInfo& p) { return p.pid == 608; }),
            1);
  EXPECT_EQ(inv.processes.size(), 11u);
}

TEST(SsReader, MarksHiddenOwnersWhenNotRoot) {
  Read r = ReadDocument(Fixture("tlnp_noheader_not_root.txt"));
  const std::vector<Socket>& s = r.inventory.sockets;
  ASSERT_EQ(s.size(), 4u);
  for (const Socket& socket : s) {
    EXPECT_EQ(socket.local.proto, Proto::kTcp);
    EXPECT_EQ(socket.state, SocketState::kListen);
  }
  EXPECT_TRUE(s[0].owner_unavailable);
  EXPECT_FALSE(s[0].pid);
  EXPECT_FALSE(s[1].owner_unavailable);
  EXPECT_EQ(s[1].process, "postgres");
  EXPECT_EQ(s[2].local.ToString(), "[::]:8080");
  EXPECT_TRUE(s[3].owner_unavailable);
  EXPECT_EQ(FindingIds(r.diagnostics), std::vector<std::string>{"ss.no_owner"});
  EXPECT_EQ(r.diagnostics.findings()[0].ToString(),
            "tlnp_noheader_not_root.txt:1: note: 2 listener(s) without an owner: ss shows the "
            "owners of other users' sockets only to root (sudo ss -tulpn)");
  EXPECT_EQ(r.diagnostics.skipped(), 0u);
}

TEST(SsReader, TakesUnconnOnlyOutputAsUdp) {
  Read r = ReadDocument(Fixture("ulpn.txt"));
  const std::vector<Socket>& s = r.inventory.sockets;
  ASSERT_EQ(s.size(), 3u);
  for (const Socket& socket : s) {
    EXPECT_EQ(socket.local.proto, Proto::kUdp);
    EXPECT_TRUE(socket.IsListener());
  }
  EXPECT_EQ(s[2].local.ToString(), "[::%lo]:5353");
  EXPECT_TRUE(r.diagnostics.empty());
}

TEST(SsReader, ReadsOlderIproute2) {
  Read r = ReadDocument(Fixture("old_iproute2_tlnp.txt"));
  const std::vector<Socket>& s = r.inventory.sockets;
  ASSERT_EQ(s.size(), 4u);
  // Old ss wrote "*" for 0.0.0.0 and IPv6 without brackets.
  EXPECT_EQ(s[0].local.ToString(), "0.0.0.0:22");
  EXPECT_EQ(s[0].pid, 1123u);
  EXPECT_EQ(s[0].process, "sshd");
  EXPECT_EQ(s[2].local.ToString(), "[::]:22");
  EXPECT_EQ(s[3].local.ToString(), "[::1]:25");
  EXPECT_EQ(s[3].pid, 1450u);
  EXPECT_TRUE(r.diagnostics.empty());
}

TEST(SsReader, FollowsWrappedOwnersAndSkipsOtherFamilies) {
  Read r = ReadDocument(Fixture("tanp_wrapped_details.txt"));
  const std::vector<Socket>& s = r.inventory.sockets;
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].pid, 4321u);  // from the wrapped line 4, past the -i details on line 3
  EXPECT_EQ(s[0].process, "sshd");
  EXPECT_EQ(s[1].state, SocketState::kTimeWait);
  EXPECT_EQ(s[1].remote->ToString(), "93.184.216.34:443");
  EXPECT_EQ(CountListeners(r.inventory), 0u);
  EXPECT_EQ(FindingIds(r.diagnostics),
            (std::vector<std::string>{"ss.bad_row", "ss.other_netid", "ss.other_netid"}));
  EXPECT_EQ(r.diagnostics.findings()[0].where.line, 9u);
  EXPECT_EQ(r.diagnostics.findings()[1].ToString(),
            "tanp_wrapped_details.txt:8: note: 1 row(s) of netid 'nl' ignored: highport reads "
            "tcp and udp");
  EXPECT_EQ(r.diagnostics.findings()[2].ToString(),
            "tanp_wrapped_details.txt:6: note: 2 row(s) of netid 'u_str' ignored: highport "
            "reads tcp and udp");
}

TEST(SsReader, AssumesTcpForEstablishedRowsWithoutNetid) {
  Read r = ReadText("ESTAB 0 0 10.0.0.5:22 10.0.0.9:5000\nESTAB 0 0 10.0.0.5:22 10.0.0.7:6000\n");
  ASSERT_EQ(r.inventory.sockets.size(), 2u);
  EXPECT_EQ(r.inventory.sockets[0].local.proto, Proto::kTcp);
  EXPECT_EQ(FindingIds(r.diagnostics), std::vector<std::string>{"ss.no_netid"});

  // Each header starts a section with its own guess: ss -tln; ss -uln.
  Read two = ReadText(
      "State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
      "LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n"
      "State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
      "UNCONN 0 0 0.0.0.0:123 0.0.0.0:*\n");
  ASSERT_EQ(two.inventory.sockets.size(), 2u);
  EXPECT_EQ(two.inventory.sockets[0].local.proto, Proto::kTcp);
  EXPECT_EQ(two.inventory.sockets[1].local.proto, Proto::kUdp);
  EXPECT_TRUE(two.diagnostics.empty());
}

TEST(SsReader, ReadsAwkwardProcessColumns) {
  Read r = ReadText(
      "udp UNCONN 0 0 0.0.0.0:500 0.0.0.0:* users:((\"we\",ird\",pid=7,fd=3))\n"
      "udp UNCONN 0 0 [fe80::1%eth0]:546 [::]:* users:((\"a\",pid=8,fd=3)) ino:1234 sk:1 <->\n"
      "tcp LISTEN 0 5 127.0.0.1:7000 0.0.0.0:* users:((\"half\",pid=9,fd=3),(\"cut\",pi\n"
      "tcp LISTEN 0 5 127.0.0.1:7001 0.0.0.0:* users:((\"x\",pid=99999999999,fd=3))\n"
      "tcp LISTEN 0 5 127.0.0.1:7002 0.0.0.0:* users:((\"ctx\",pid=11,proc_ctx=s0:c0,c5,fd=3))\n");
  const std::vector<Socket>& s = r.inventory.sockets;
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].process, "we\",ird");
  EXPECT_EQ(s[0].pid, 7u);
  EXPECT_EQ(s[1].local.ToString(), "[fe80::1%eth0]:546");
  EXPECT_EQ(s[1].pid, 8u);
  EXPECT_EQ(s[2].pid, 9u);  // the owners read before the cut are kept
  EXPECT_FALSE(s[3].pid);
  EXPECT_EQ(s[4].pid, 11u);
  EXPECT_EQ(FindingIds(r.diagnostics),
            (std::vector<std::string>{"ss.bad_process", "ss.bad_process", "ss.no_owner"}));
  EXPECT_EQ(r.diagnostics.findings()[0].where.line, 3u);
  EXPECT_EQ(r.diagnostics.findings()[1].where.line, 4u);
}

TEST(SsReader, SkipsBadAddressesAndReadsOn) {
  Read r = ReadText(
      "tcp LISTEN 0 5 localhost:7000 0.0.0.0:*\n"
      "tcp LISTEN 0 5 1.2.3:7000 0.0.0.0:*\n"
      "tcp LISTEN 0 5 [::1:7000 0.0.0.0:*\n"
      "tcp LISTEN 0 5 nocolon 0.0.0.0:*\n"
      "tcp LISTEN 0 5 *x:1 0.0.0.0:*\n"
      "tcp LISTEN 0 5 127.0.0.1:70000 0.0.0.0:*\n"
      "tcp ESTAB 0 0 127.0.0.1:7000 somehost:https\n"
      "tcp LISTEN 0 5 127.0.0.1:7001 0.0.0.0:*\n");
  ASSERT_EQ(r.inventory.sockets.size(), 2u);
  EXPECT_EQ(r.inventory.sockets[0].remote_text, "somehost:https");
  EXPECT_EQ(r.inventory.sockets[1].local.port, 7001);
  EXPECT_EQ(FindingIds(r.diagnostics),
            (std::vector<std::string>{"ss.bad_address", "ss.bad_address", "ss.bad_address",
                                      "ss.bad_address", "ss.bad_address", "ss.bad_address"}));
  EXPECT_EQ(r.diagnostics.findings()[0].ToString(),
            "ss.txt:1: local address 'localhost:7000' is not a numeric address (ss -r writes "
            "host names; use ss -tulpn)");
}

// Real captures from public repositories (../shared/corpus/PROVENANCE.md);
// the counts were taken by hand from the files.
TEST(SsCorpus, CountsListenersOfRealSamples) {
  const std::string nexus = kCorpus + "nexuscos_ss_tlnp_listen_noheader.txt";
  const std::string slonit = kCorpus + "slonit_ss_tlnp.txt";
  if (!std::filesystem::exists(nexus) || !std::filesystem::exists(slonit)) {
    GTEST_SKIP() << "the ss corpus is not in " << kCorpus;
  }
  Result<std::string> bytes = text::ReadFileBytes(nexus);
  ASSERT_TRUE(bytes);
  text::TextDocument doc = text::MakeDocument("nexus.txt", *bytes);
  EXPECT_EQ(DetectFormat(doc), InputFormat::kSs);
  Read r = ReadDocument(doc);
  // 34 rows, all LISTEN: 19 IPv4, 13 bracketed IPv6 and 2 "*".
  EXPECT_EQ(CountListeners(r.inventory), 34u);
  EXPECT_TRUE(r.diagnostics.empty());
  const std::vector<Socket>& s = r.inventory.sockets;
  ASSERT_EQ(s.size(), 34u);
  EXPECT_EQ(
      std::count_if(s.begin(), s.end(), [](const Socket& x) { return x.local.address.is_v4(); }),
      19);
  EXPECT_EQ(s[4].local.ToString(), "0.0.0.0:80");
  EXPECT_EQ(s[4].pid, 1841578u);  // the first of five nginx owners
  EXPECT_EQ(s[7].local.ToString(), "127.0.0.53%lo:53");
  EXPECT_EQ(s[14].process, "node /opt/nexus");
  EXPECT_EQ(s[19].local.ToString(), "[::]:5174");
  EXPECT_TRUE(HasProcess(r.inventory, 1272735, "nginx"));

  bytes = text::ReadFileBytes(slonit);
  ASSERT_TRUE(bytes);
  doc = text::MakeDocument("slonit.txt", *bytes);
  EXPECT_EQ(DetectFormat(doc), InputFormat::kSs);
  Read one = ReadDocument(doc);
  ASSERT_EQ(CountListeners(one.inventory), 1u);
  EXPECT_EQ(one.inventory.sockets[0].local.ToString(), "0.0.0.0:22");
  EXPECT_EQ(one.inventory.sockets[0].pid, 1124u);
  EXPECT_EQ(one.inventory.sockets[0].process, "sshd");
  EXPECT_TRUE(one.diagnostics.empty());
}

}  // namespace
}  // namespace highport::ingest
