#include "ingest/netstat.h"

#include <gtest/gtest.h>

#include <cctype>

#include "ingest/ingest_test_util.h"
#include "text/document.h"

namespace highport::ingest {
namespace {

using testing::ReadBytes;
using testing::ReadResult;

const Socket* Find(const ReadResult& r, Proto proto, uint16_t port, std::string_view address) {
  for (const Socket& s : r.inventory.sockets) {
    if (s.local.proto == proto && s.local.port == port && s.local.address.ToString() == address) {
      return &s;
    }
  }
  return nullptr;
}

constexpr std::string_view kEnglishAno =
    "\r\n"
    "Active Connections\r\n"
    "\r\n"
    "  Proto  Local Address          Foreign Address        State           PID\r\n"
    "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1024\r\n"
    "  TCP    10.0.0.5:49668         10.0.0.9:52011         ESTABLISHED     640\r\n"
    "  TCP    10.0.0.5:52100         10.0.0.1:445           TIME_WAIT       0\r\n"
    "  TCP    [::]:135               [::]:0                 LISTENING       1024\r\n"
    "  TCP    [fe80::1%12]:8080      [::]:0                 LISTENING       777\r\n"
    "  UDP    0.0.0.0:123            *:*                                    1440\r\n"
    "  UDP    [fe80::8c2a:1b3f:77e0:4a1d%10]:1900 *:*                        4012\r\n";

TEST(NetstatReader, EnglishAnoWithIpv6ZonesAndOverflow) {
  ReadResult r = ReadBytes(ReadNetstat, kEnglishAno);
  EXPECT_TRUE(r.diagnostics.empty()) << ::testing::PrintToString(r.messages());
  ASSERT_EQ(r.inventory.sockets.size(), 7u);
  EXPECT_EQ(r.listeners(), 5u);

  const Socket* epmap = Find(r, Proto::kTcp, 135, "0.0.0.0");
  ASSERT_NE(epmap, nullptr);
  EXPECT_EQ(epmap->state, SocketState::kListen);
  EXPECT_EQ(epmap->pid, 1024u);
  EXPECT_FALSE(epmap->remote);
  EXPECT_EQ(epmap->source.line, 5u);

  const Socket* zoned = Find(r, Proto::kTcp, 8080, "fe80::1%12");
  ASSERT_NE(zoned, nullptr);
  EXPECT_EQ(zoned->local.address.zone(), "12");

  const Socket* ssdp = Find(r, Proto::kUdp, 1900, "fe80::8c2a:1b3f:77e0:4a1d%10");
  ASSERT_NE(ssdp, nullptr) << "an address that overflows its column is still read";
  EXPECT_EQ(ssdp->pid, 4012u);

  const Socket* client = Find(r, Proto::kTcp, 49668, "10.0.0.5");
  ASSERT_NE(client, nullptr);
  EXPECT_FALSE(client->IsListener());
  ASSERT_TRUE(client->remote);
  EXPECT_EQ(client->remote->ToString(), "10.0.0.9:52011");
}

// A row cut short at the end of a copy is reported where it is, not read
// as an owner line that made the row above "owner unavailable".
TEST(NetstatReader, ARowCutShortIsReportedNotAnOwnerLine) {
  ReadResult r = ReadBytes(ReadNetstat,
                           "Active Connections\r\n\r\n"
                           "  Proto  Local Address          Foreign Address        State           PID\r\n"
                           "  UDP    0.0.0.0:500            *:*                                    1150\r\n"
                           "  TCP    0.0.0.0:5000\r\n"
                           "  TCP    0.0.0.0:5001           0.0.0.0:0              LISTENING       970\r\n");
  ASSERT_EQ(r.inventory.sockets.size(), 2u);
  const Socket* ike = Find(r, Proto::kUdp, 500, "0.0.0.0");
  ASSERT_NE(ike, nullptr);
  EXPECT_FALSE(ike->owner_unavailable);
  ASSERT_EQ(r.messages().size(), 1u) << ::testing::PrintToString(r.messages());
  EXPECT_NE(r.messages()[0].find(":5: too few columns: 'TCP    0.0.0.0:5000'"), std::string::npos)
      << r.messages()[0];
}

// netstat without -a lists no listening socket: "0 listeners" must say why.
TEST(NetstatReader, AListWithoutListenersSaysToTakeItWithA) {
  ReadResult r = ReadBytes(ReadNetstat,
                           "Active Connections\r\n\r\n"
                           "  Proto  Local Address          Foreign Address        State\r\n"
                           "  TCP    10.0.0.5:49668         10.0.0.9:52011         ESTABLISHED\r\n");
  ASSERT_EQ(r.inventory.sockets.size(), 1u);
  ASSERT_EQ(r.messages().size(), 1u) << ::testing::PrintToString(r.messages());
  EXPECT_NE(r.messages()[0].find("no listening socket in it"), std::string::npos) << r.messages()[0];
  EXPECT_TRUE(ReadBytes(ReadNetstat, kEnglishAno).diagnostics.empty());
}

TEST(NetstatReader, AnobOwnerLines) {
  ReadResult r = ReadBytes(ReadNetstat,
                           "Active Connections\n\n"
                           "  Proto  Local Address          Foreign Address        State           PID\n"
                           "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       748\n"
                           "  RpcSs\n"
                           " [svchost.exe]\n"
                           "  TCP    0.0.0.0:445            0.0.0.0:0              LISTENING       4\n"
                           " Can not obtain ownership information\n"
                           "  TCP    0.0.0.0:49664          0.0.0.0:0              LISTENING       612\n"
                           "  EventLog\n"
                           "  Schedule\n"
                           " [svchost.exe]\n"
                           "  TCP    0.0.0.0:22             0.0.0.0:0              LISTENING       2116\n"
                           " [sshd.exe]\n"
                           "  TCP    10.0.0.5:50000         10.0.0.1:443           TIME_WAIT       0\n");
  EXPECT_TRUE(r.diagnostics.empty()) << ::testing::PrintToString(r.messages());
  ASSERT_EQ(r.inventory.sockets.size(), 5u);
  const Socket* epmap = Find(r, Proto::kTcp, 135, "0.0.0.0");
  EXPECT_EQ(epmap->process, "svchost.exe");
  EXPECT_EQ(epmap->services, std::vector<std::string>{"RpcSs"});
  const Socket* smb = Find(r, Proto::kTcp, 445, "0.0.0.0");
  EXPECT_TRUE(smb->owner_unavailable);
  EXPECT_TRUE(smb->process.empty());
  const Socket* shared = Find(r, Proto::kTcp, 49664, "0.0.0.0");
  EXPECT_EQ(shared->services, (std::vector<std::string>{"EventLog", "Schedule"}));
  EXPECT_EQ(Find(r, Proto::kTcp, 22, "0.0.0.0")->process, "sshd.exe");
}

// The German table, as cmd.exe writes it in the OEM code page 850 (Ö = 0x99).
TEST(NetstatReader, GermanCp850) {
  std::string bytes =
      "\r\nAktive Verbindungen\r\n\r\n"
      "  Proto  Lokale Adresse         Remoteadresse          Status           PID\r\n"
      "  TCP    0.0.0.0:135            0.0.0.0:0              ABH\x99REN         624\r\n"
      "  TCP    0.0.0.0:49152          0.0.0.0:0              ABH\x99REN         920\r\n"
      "  TCP    172.17.67.120:49354    192.168.121.25:49158   HERGESTELLT     3312\r\n"
      "  TCP    172.17.67.120:49360    192.168.121.25:445     WARTEND         0\r\n"
      "  TCP    172.17.67.120:49370    192.168.121.25:80      SCHLIESSEN_WARTEN 5120\r\n"
      "  TCP    172.17.67.120:49371    192.168.121.25:80      FIN_WARTEN_2    0\r\n"
      "  UDP    0.0.0.0:123            *:*                                    1100\r\n";
  ReadResult r = ReadBytes(ReadNetstat, bytes);
  EXPECT_EQ(r.doc.encoding, text::Encoding::kCp850);
  EXPECT_TRUE(r.diagnostics.empty()) << ::testing::PrintToString(r.messages());
  ASSERT_EQ(r.inventory.sockets.size(), 7u);
  EXPECT_EQ(r.listeners(), 3u);
  EXPECT_EQ(Find(r, Proto::kTcp, 135, "0.0.0.0")->state_text, "ABHÖREN");
  EXPECT_EQ(Find(r, Proto::kTcp, 49354, "172.17.67.120")->state, SocketState::kEstablished);
  EXPECT_EQ(Find(r, Proto::kTcp, 49360, "172.17.67.120")->state, SocketState::kTimeWait);
  EXPECT_EQ(Find(r, Proto::kTcp, 49370, "172.17.67.120")->state, SocketState::kCloseWait);
  EXPECT_EQ(Find(r, Proto::kTcp, 49371, "172.17.67.120")->state, SocketState::kFinWait2);
}

// The same text read through the wrong code page: ABH™REN must still listen.
TEST(NetstatReader, GermanMojibakeStillListens) {
  ReadResult r = ReadBytes(ReadNetstat,
                           "  TCP    0.0.0.0:135   0.0.0.0:0   ABH™REN   624\n"
                           "  TCP    0.0.0.0:445   0.0.0.0:0   ABH?REN   4\n"
                           "  TCP    0.0.0.0:139   0.0.0.0:0   ABHREN    4\n");
  EXPECT_EQ(r.listeners(), 3u);
  EXPECT_TRUE(r.diagnostics.empty());
}

TEST(NetstatReader, SpanishAndFrench) {
  ReadResult es = ReadBytes(
      ReadNetstat,
      "Conexiones activas\n\n"
      "  Proto  Dirección local        Dirección remota       Estado           PID\n"
      "  TCP    0.0.0.0:135            0.0.0.0:0              ESCUCHANDO      960\n"
      "  TCP    192.168.1.20:49723     20.42.65.92:443        ESTABLECIDO     5432\n"
      "  UDP    0.0.0.0:5353           *:*                                    2120\n");
  EXPECT_TRUE(es.diagnostics.empty()) << ::testing::PrintToString(es.messages());
  EXPECT_EQ(es.listeners(), 2u);
  EXPECT_EQ(Find(es, Proto::kTcp, 49723, "192.168.1.20")->state, SocketState::kEstablished);

  ReadResult fr = ReadBytes(
      ReadNetstat,
      "Connexions actives\n\n"
      "  Proto  Adresse locale         Adresse distante       État            PID\n"
      "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       960\n"
      "  RpcSs\n"
      " [svchost.exe]\n"
      "  TCP    0.0.0.0:445            0.0.0.0:0              LISTENING       4\n"
      " Impossible d’obtenir les informations de propriétaire\n");
  EXPECT_TRUE(fr.diagnostics.empty()) << ::testing::PrintToString(fr.messages());
  EXPECT_EQ(fr.listeners(), 2u);
  EXPECT_TRUE(Find(fr, Proto::kTcp, 445, "0.0.0.0")->owner_unavailable);
}

// A language we have no table for: listeners are known by their foreign address.
TEST(NetstatReader, UnknownLanguageFallsBackToForeignAddress) {
  ReadResult r = ReadBytes(ReadNetstat,
                           "Aktywne połączenia\n\n"
                           "  Protokół  Adres lokalny  Obcy adres  Stan  PID\n"
                           "  TCP    0.0.0.0:135     0.0.0.0:0      NASŁUCHIWANIE   940\n"
                           "  TCP    [::]:445        [::]:0         NASŁUCHIWANIE   4\n"
                           "  TCP    10.1.1.1:50000  10.1.1.2:445   USTANOWIONO     3000\n");
  EXPECT_EQ(r.listeners(), 2u);
  const Socket* connected = Find(r, Proto::kTcp, 50000, "10.1.1.1");
  ASSERT_NE(connected, nullptr);
  EXPECT_FALSE(connected->IsListener());
  std::vector<std::string> notes = r.messages();
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0],
            "test.txt:4: note: state 'NASŁUCHIWANIE' is not in the language table; rows with "
            "it were judged by their foreign address");
}

TEST(NetstatReader, ResolvedNamesReadWhatCanBeRead) {
  ReadResult r = ReadBytes(ReadNetstat,
                           "  Proto  Local Address          Foreign Address        State           PID\n"
                           "  TCP    0.0.0.0:135            Senne-PC:0             LISTENING       940\n"
                           "  TCP    10.46.88.66:50111      chi02legaldc01:msft-gc  ESTABLISHED   77\n"
                           "  TCP    Senne-PC:49670         Senne-PC:0             LISTENING       700\n");
  ASSERT_EQ(r.inventory.sockets.size(), 2u);
  EXPECT_EQ(r.listeners(), 1u);
  const Socket* gc = Find(r, Proto::kTcp, 50111, "10.46.88.66");
  EXPECT_EQ(gc->remote_text, "chi02legaldc01:msft-gc");
  EXPECT_FALSE(gc->remote);
  ASSERT_EQ(r.messages().size(), 1u);
  EXPECT_EQ(r.messages()[0],
            "test.txt:4: local address 'Senne-PC:49670' is not a numeric address:port (netstat "
            "without -n writes names; use netstat -ano)");
}

TEST(NetstatReader, OffloadColumnIsNotAPid) {
  ReadResult r = ReadBytes(ReadNetstat,
                           "  Proto. Lokale Adresse       Remoteadresse       Status       Abladungsstatus\n\n"
                           "  TCP    127.0.0.1:2869         127.0.0.1:49842        HERGESTELLT     InHost\n");
  ASSERT_EQ(r.inventory.sockets.size(), 1u);
  EXPECT_FALSE(r.inventory.sockets[0].pid);
  EXPECT_EQ(r.inventory.sockets[0].state, SocketState::kEstablished);
}

TEST(NetstatReader, BadLinesAreReportedAndTheRestIsRead) {
  ReadResult r = ReadBytes(ReadNetstat,
                           "Active Connections\n"
                           "  Proto  Local Address          Foreign Address        State           PID\n"
                           "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1024\n"
                           "  TCP    0.0.0.0:99999          0.0.0.0:0              LISTENING       5\n"
                           "  TCP    0.0.0.0:445\n"
                           "  TCP    0.0.0.0:3389           0.0.0.0:0\n"
                           "garbage here\n"
                           "  UDP    0.0.0.0:500            *:*                                    508\n",
                           "host1.txt");
  EXPECT_EQ(r.inventory.sockets.size(), 2u);
  EXPECT_EQ(r.messages(),
            (std::vector<std::string>{
                "host1.txt:4: local address '0.0.0.0:99999' is not a numeric address:port "
                "(netstat without -n writes names; use netstat -ano)",
                "host1.txt:5: too few columns: 'TCP    0.0.0.0:445'",
                "host1.txt:6: TCP row without a state: '0.0.0.0:3389'",
                "host1.txt:7: not a netstat row: 'garbage here'"}));
  EXPECT_EQ(r.diagnostics.skipped(), 4u);
}

TEST(NetstatReader, Utf16WithBomFromPowerShell) {
  std::string ascii =
      "\r\nActive Connections\r\n\r\n  Proto  Local Address  Foreign Address  State  PID\r\n"
      "  TCP    0.0.0.0:135    0.0.0.0:0        LISTENING  1024\r\n"
      "  UDP    [::1]:62261    *:*                         1036\r\n";
  std::string bytes = "\xFF\xFE";
  for (char c : ascii) {
    bytes += c;
    bytes += '\0';
  }
  ReadResult r = ReadBytes(ReadNetstat, bytes);
  EXPECT_EQ(r.doc.encoding, text::Encoding::kUtf16Le);
  EXPECT_EQ(r.listeners(), 2u);
}

TEST(NetstatProbe, RecognisesNetstatOnly) {
  auto probe = [](std::string_view bytes) {
    return ProbeNetstat(text::MakeDocument("p.txt", bytes));
  };
  EXPECT_GT(probe(kEnglishAno), 50);
  EXPECT_GT(probe("  TCP    0.0.0.0:135   0.0.0.0:0   LISTENING   1024\n"), 50);
  EXPECT_EQ(probe("tcp   LISTEN 0  128  0.0.0.0:22  0.0.0.0:*  users:((\"sshd\",pid=1,fd=3))\n"), 0);
  EXPECT_EQ(probe("Image Name                     PID Services\n"), 0);
  EXPECT_EQ(probe("\"LocalAddress\",\"LocalPort\"\n"), 0);
}

// Real public samples (../shared/corpus, see PROVENANCE.md). The expected
// numbers of listening rows were counted by hand with awk over the decoded
// text: TCP rows whose foreign port is 0 or state is listening, and UDP rows
// whose foreign address is *:* (UDP rows with a peer are QUIC clients).
struct CorpusCase {
  const char* path;
  size_t sockets;
  size_t listeners;
};

void PrintTo(const CorpusCase& c, std::ostream* os) { *os << c.path; }

class NetstatCorpus : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(NetstatCorpus, ReadsWithoutLossAndCountsListeners) {
  std::string path = testing::CorpusPath(GetParam().path);
  if (path.empty()) GTEST_SKIP() << "../shared/corpus is not here; corpus test skipped";
  Result<std::string> bytes = text::ReadFileBytes(path);
  ASSERT_TRUE(bytes);
  ReadResult r = ReadBytes(ReadNetstat, *bytes, path);
  EXPECT_EQ(r.inventory.sockets.size(), GetParam().sockets);
  EXPECT_EQ(r.listeners(), GetParam().listeners);
  EXPECT_EQ(r.diagnostics.skipped(), 0u) << ::testing::PrintToString(r.messages());
}

INSTANTIATE_TEST_SUITE_P(
    Real, NetstatCorpus,
    ::testing::Values(
        CorpusCase{"netstat_en/aiventra_netstat_ano_utf16le.txt", 55, 51},
        CorpusCase{"netstat_en/dspeidel_netstat_ano_win7.txt", 105, 80},
        CorpusCase{"netstat_en/fireflow_netstat_ano_findstr_noheader_utf16le.txt", 39, 39},
        CorpusCase{"netstat_en/ichoosr_netstat_ao_resolved_names.txt", 119, 30},
        CorpusCase{"netstat_en/laytoncoombs_netstat_b_resolved.txt", 66, 0},
        CorpusCase{"netstat_en/laytoncoombs_netstat_naob.txt", 178, 89},
        CorpusCase{"netstat_en/shafqatsarwar_netstat_ano.txt", 134, 89},
        CorpusCase{"netstat_en/sivaram455_netstat_ano.txt", 298, 110},
        CorpusCase{"netstat_de/crwinnetdiag_2015_netstat_ano_de_cp1252.txt", 224, 90},
        CorpusCase{"netstat_de/crwinnetdiag_2017_netstat_tn_offload_de_cp1252.txt", 163, 0}),
    [](const ::testing::TestParamInfo<CorpusCase>& info) {
      // "netstat_en/aiventra_netstat_ano_utf16le.txt" -> "aiventra_netstat_ano_utf16le"
      std::string name = info.param.path;
      name = name.substr(name.find('/') + 1);
      name = name.substr(0, name.find('.'));
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return name;
    });

}  // namespace
}  // namespace highport::ingest
