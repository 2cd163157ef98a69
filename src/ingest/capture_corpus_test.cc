// Whole capture files: the fixtures made for these tests (recorded on the
// loopback of a network namespace, testdata/capture/README.md), capture
// files written by the test, and the public samples in ../shared/corpus,
// whose counts are tshark 4.0's (the command for each is beside it).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "fmt/format.h"
#include "ingest/capture.h"
#include "ingest/capture_test_util.h"
#include "ingest/collecting_sink.h"
#include "ingest/packet.h"

namespace highport::ingest {
namespace {

using namespace testing;  // NOLINT: the frame builders

struct Read {
  CollectingSink sink;
  Diagnostics diagnostics;
  CaptureStats stats;
  std::string error;
};

Read ReadFile(const std::string& path) {
  Read r;
  Result<CaptureStats> s = ReadCaptureFile(path, r.sink, r.diagnostics);
  if (s) r.stats = *s;
  else r.error = s.error().message;
  return r;
}

Bytes Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

const std::string kFixtures = HIGHPORT_SOURCE_DIR "/src/ingest/testdata/capture/";

// tshark -r F -q -z conv,tcp: 2 conversations; -z conv,udp: 0 (lo) or 1 (any).
TEST(CaptureFileTest, NamespaceLoopbackFixtures) {
  struct Case {
    const char* file;
    uint64_t packets, tcp, udp;
    int link;
  };
  for (const Case& c : {Case{"netns_lo_ethernet.pcap", 20, 2, 0, kLinkEthernet},
                        Case{"netns_any_sll2.pcap", 22, 2, 1, kLinkLinuxSll2},
                        Case{"netns_any_sll2.pcapng", 22, 2, 1, kLinkLinuxSll2},
                        Case{"netns_any_sll2_nanosecond.pcap", 22, 2, 1, kLinkLinuxSll2}}) {
    SCOPED_TRACE(c.file);
    Read r = ReadFile(kFixtures + c.file);
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(r.stats.packets, c.packets);
    EXPECT_EQ(r.stats.packets_by_link_type[c.link], c.packets);
    EXPECT_EQ(r.stats.tcp_connections, c.tcp);
    EXPECT_EQ(r.stats.tcp_handshakes, c.tcp);
    EXPECT_EQ(r.stats.udp_conversations, c.udp);
    EXPECT_TRUE(r.diagnostics.empty());
    ASSERT_GE(r.sink.flows.size(), 2u);
    // Each connection: SYN, SYN/ACK, ACK, 2 data segments, 2 ACKs, FIN, FIN, ACK.
    const FlowObservation& v4 = r.sink.flows[0];
    EXPECT_EQ(v4.src.address.ToString(), "127.0.0.1");
    EXPECT_EQ(v4.dst.ToString(), "127.0.0.1:49667");
    EXPECT_EQ(v4.initiator, Initiator::kSource);
    EXPECT_EQ(v4.packets, 10u);
    EXPECT_EQ(v4.tcp_flags, kTcpSyn | kTcpAck | kTcpFin | kTcpPsh);
    const FlowObservation& v6 = r.sink.flows[1];
    EXPECT_EQ(v6.dst.ToString(), "[::1]:49668");
    EXPECT_EQ(v6.packets, 10u);
    EXPECT_EQ(v6.source.packet, 11u);
  }
}

TEST(CaptureFileTest, WrittenByTheTestAndReadFromMemory) {
  Bytes syn = Ipv4({192, 0, 2, 1}, {192, 0, 2, 2}, 6, Tcp(50000, 445, 1, 0, kTcpSyn));
  Bytes file = PcapFile(kLinkEthernet, {{1'000'000, Ethernet(syn)}, {2'000'000, Bytes(5, 0)}});
  CollectingSink sink;
  Diagnostics diagnostics;
  Result<CaptureStats> s = ReadCaptureBytes(file, "mem.pcap", sink, diagnostics);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->packets, 2u);
  EXPECT_EQ(s->malformed, 1u);
  ASSERT_EQ(diagnostics.findings().size(), 1u);
  EXPECT_EQ(diagnostics.findings()[0].ToString(),
            "mem.pcap:packet 2+0: ethernet.addresses: needs 12 bytes, 5 left");
  ASSERT_EQ(sink.flows.size(), 1u);
  EXPECT_EQ(sink.flows[0].first_us, 1'000'000);
}

TEST(CaptureFileTest, UnsupportedLinkTypeIsAnErrorForTheFile) {
  Bytes file = PcapFile(105, {{0, Bytes(20, 0)}});  // LINKTYPE_IEEE802_11: Wi-Fi
  CollectingSink sink;
  Diagnostics diagnostics;
  Result<CaptureStats> s = ReadCaptureBytes(file, "wifi.pcap", sink, diagnostics);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "wifi.pcap: link type 105 (IEEE802_11) is not one highport reads (Ethernet, Linux "
            "SLL/SLL2, raw IP, BSD loopback)");
  EXPECT_FALSE(ReadCaptureBytes(Bytes{'h', 'i'}, "x", sink, diagnostics));
  EXPECT_FALSE(ReadCaptureFile(kFixtures + "missing.pcap", sink, diagnostics));
}

// A file cut anywhere: what came before the cut is read, the cut is a
// finding, and nothing crashes.
TEST(CaptureFileTest, CutAtEveryLength) {
  for (const char* name : {"netns_any_sll2.pcap", "netns_any_sll2.pcapng"}) {
    Bytes whole = Slurp(kFixtures + name);
    ASSERT_FALSE(whole.empty());
    for (size_t n = 1; n < whole.size(); ++n) {
      CollectingSink sink;
      Diagnostics diagnostics;
      Result<CaptureStats> s =
          ReadCaptureBytes(std::span(whole).first(n), name, sink, diagnostics);
      if (!s) continue;  // cut inside the file header
      EXPECT_LE(s->packets, 22u);
      EXPECT_LE(sink.flows.size(), 3u);
    }
  }
  Bytes whole = Slurp(kFixtures + "netns_any_sll2.pcap");
  CollectingSink sink;
  Diagnostics diagnostics;
  Result<CaptureStats> s = ReadCaptureBytes(std::span(whole).first(whole.size() - 3), "cut.pcap",
                                            sink, diagnostics);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->packets, 21u);
  ASSERT_EQ(diagnostics.findings().size(), 1u);
  EXPECT_EQ(diagnostics.findings()[0].id, "capture.truncated_file");
  EXPECT_EQ(diagnostics.findings()[0].where.packet, 22u);
  // Where in the file, for a hex editor: the end of the cut file.
  EXPECT_NE(diagnostics.findings()[0].reason.find(fmt::format("at byte {} of the file", whole.size() - 3)),
            std::string::npos) << diagnostics.findings()[0].reason;
  EXPECT_NE(diagnostics.findings()[0].reason.find("the 21 packet(s) before it are read"), std::string::npos);
}

// ---- ../shared/corpus ------------------------------------------------------------

std::string Corpus(const std::string& name) {
  return std::string(HIGHPORT_SHARED_DIR) + "/corpus/" + name;
}

std::multiset<uint16_t> TcpPorts(const std::vector<RpcRegistration>& registrations) {
  std::multiset<uint16_t> out;
  for (const RpcRegistration& r : registrations) {
    if (r.endpoint) out.insert(r.endpoint->port);
  }
  return out;
}

struct CorpusCase {
  const char* file;
  uint64_t packets;        // capinfos -c F
  uint64_t tcp;            // tshark -r F -q -z conv,tcp  (rows)
  uint64_t handshakes;     // tshark -r F -Y 'tcp.flags.syn==1 && tcp.flags.ack==0'  (rows)
  uint64_t udp;            // tshark -r F -q -z conv,udp  (rows), NetFlow export excluded
  uint64_t registrations;  // tshark -r F -Y 'dcerpc.pkt_type==2 && epm' -T fields
                           //   -e epm.proto.tcp_port -e epm.proto.http_port  (values)
  uint64_t netflow;        // tshark -r F -d udp.port==9992,cflow -Y cflow  (rows)
};

class CaptureCorpusTest : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(CaptureCorpusTest, CountsAgreeWithTshark) {
  const CorpusCase& c = GetParam();
  std::string path = Corpus(c.file);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "corpus sample not here: " << path;
  Read r = ReadFile(path);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.stats.packets, c.packets);
  EXPECT_EQ(r.stats.tcp_connections, c.tcp);
  EXPECT_EQ(r.stats.tcp_handshakes, c.handshakes);
  EXPECT_EQ(r.stats.udp_conversations, c.udp);
  EXPECT_EQ(r.stats.rpc_registrations, c.registrations);
  EXPECT_EQ(r.sink.registrations.size(), c.registrations);
  EXPECT_EQ(r.stats.netflow_packets, c.netflow);
  EXPECT_EQ(r.stats.malformed, 0u);
  EXPECT_EQ(r.stats.rpc_errors, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Samples, CaptureCorpusTest,
    ::testing::Values(
        CorpusCase{"pcap_epm/pcapattack_discovery_scan_dcerpc_endpoint_mapper.pcapng", 700, 1, 0,
                   0, 13, 0},
        CorpusCase{"pcap_epm/pcapattack_LM_psexec_smb_dcerpc_epm_svcctl.pcapng", 264, 3, 0, 0, 1,
                   0},
        CorpusCase{"pcap_epm/suricataverify_dcerpc_zerologon_input.pcap", 1012, 53, 53, 0, 21, 0},
        CorpusCase{"pcap_epm/zeek_dce-rpc_mapi.pcap", 800, 24, 7, 5, 3, 0},
        CorpusCase{"pcap_epm/suricataverify_dcerpc-bind-no-frag-flag_CRAFTED.pcap", 44, 4, 4, 0, 0,
                   0},
        CorpusCase{"pcap_netflow/akvorado_nfv5.pcap", 1, 0, 0, 0, 0, 1},
        CorpusCase{"pcap_netflow/akvorado_nfv9_data+templates.pcap", 1, 0, 0, 0, 0, 1},
        CorpusCase{"pcap_netflow/patrikkiseda_netflow_v5_TOOLGENERATED.pcap", 6, 0, 0, 0, 0, 6},
        CorpusCase{"pcap_netflow/pmacct_100-IPFIXv10-CISCO_traffic-00.pcap", 6, 0, 0, 0, 0, 6},
        CorpusCase{"pcap_netflow/pmacct_101-NFv9-CISCO-cust_primitives_traffic-00.pcap", 40, 0, 0,
                   0, 0, 40},
        CorpusCase{"pcap_netflow/pmacct_102-NFv9-CISCO-f2rd-pretag-sampling-reload_traffic-00.pcap",
                   25, 0, 0, 0, 0, 25},
        // Exported to UDP 9992, a port not in the list: found by netflow_auto.
        CorpusCase{
            "pcap_netflow/pmacct_104-IPFIXv10-IPv6-CISCO-sampling_option_traffic-00.pcap", 5, 0,
            0, 0, 0, 5}),
    [](const ::testing::TestParamInfo<CorpusCase>& info) {
      std::string name = std::filesystem::path(info.param.file).stem().string();
      std::replace_if(name.begin(), name.end(), [](char ch) { return !std::isalnum(ch); }, '_');
      return name;
    });

// tshark -r F -Y 'dcerpc.pkt_type==2 && epm' -T fields -e epm.proto.tcp_port -e epm.proto.ip:
// 349 ept_lookup answers of one entry each; 13 are ncacn_ip_tcp towers for 10.0.2.18,
// ports 49664 once, 49665 twice, 49666-49667 once, 49668 five times, 49669-49671 once;
// the others are ncalrpc (319) and ncacn_np (16), which have no port.
TEST(CaptureCorpusEpmTest, DiscoveryScanPorts) {
  std::string path = Corpus("pcap_epm/pcapattack_discovery_scan_dcerpc_endpoint_mapper.pcapng");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "corpus sample not here: " << path;
  Read r = ReadFile(path);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.stats.rpc_answers, 349u);
  EXPECT_EQ(r.stats.rpc_other_bindings, 335u);
  EXPECT_EQ(TcpPorts(r.sink.registrations),
            (std::multiset<uint16_t>{49664, 49665, 49665, 49666, 49667, 49668, 49668, 49668,
                                     49668, 49668, 49669, 49670, 49671}));
  for (const RpcRegistration& reg : r.sink.registrations) {
    EXPECT_EQ(reg.host, "10.0.2.18");
    EXPECT_EQ(reg.protocol, "ncacn_ip_tcp");
    EXPECT_EQ(reg.endpoint->address.ToString(), "10.0.2.18");
  }
  // The first: packet 4 (tshark frame.number), the TCP payload at byte 54.
  EXPECT_EQ(r.sink.registrations[0].uuid, "d95afe70-a6d5-4259-822e-2c84da1ddb0d");
  EXPECT_EQ(r.sink.registrations[0].source.packet, 4u);
  EXPECT_EQ(r.sink.registrations[0].source.offset, 54u);
}

// tshark -r F -Y 'dcerpc.pkt_type==2 && epm' -T fields -e frame.number -e epm.proto.tcp_port
//   -e epm.proto.http_port: ept_map answers in frames 400 (4997) and 705 (1032), and the
// ept_lookup answer in frame 505, an ncacn_http tower on port 5000.
TEST(CaptureCorpusEpmTest, MapiPorts) {
  std::string path = Corpus("pcap_epm/zeek_dce-rpc_mapi.pcap");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "corpus sample not here: " << path;
  Read r = ReadFile(path);
  ASSERT_EQ(r.sink.registrations.size(), 3u);
  EXPECT_EQ(r.sink.registrations[0].binding, "ncacn_ip_tcp:192.168.0.2[4997]");
  EXPECT_EQ(r.sink.registrations[0].source.packet, 400u);
  EXPECT_EQ(r.sink.registrations[1].protocol, "ncacn_http");
  EXPECT_EQ(r.sink.registrations[1].endpoint->ToString(), "192.168.0.2:5000");
  EXPECT_EQ(r.sink.registrations[2].endpoint->ToString(), "192.168.0.2:1032");
  EXPECT_EQ(r.sink.registrations[2].uuid, "a4f1db00-ca47-1067-b31f-00dd010662da");
}

}  // namespace
}  // namespace highport::ingest
