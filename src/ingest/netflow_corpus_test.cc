// The decoder against real export packets (../shared/corpus/pcap_netflow,
// see its PROVENANCE.md). The expected counts are tshark's (Wireshark 4.0,
// Debian 12) decoding of the same files; each test names its command. "-2"
// (two passes) lets tshark decode data that comes before its template in the
// file or packet, as this decoder does by holding it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "ingest/netflow_test_util.h"

namespace highport::ingest {
namespace {

using testing::DecodePcap;
using testing::DecodeResult;

std::string Sample(const std::string& name) {
  return std::string(HIGHPORT_SHARED_DIR) + "/corpus/pcap_netflow/" + name;
}

#define SKIP_IF_MISSING(path)                                                      \
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "corpus sample missing: " << (path)

size_t Count(const DecodeResult& r, const std::string& id) {
  std::vector<std::string> ids = r.ids();
  return static_cast<size_t>(std::count(ids.begin(), ids.end(), id));
}

TEST(NetflowCorpusTest, AkvoradoV5) {
  std::string path = Sample("akvorado_nfv5.pcap");
  SKIP_IF_MISSING(path);
  DecodeResult r = DecodePcap(path);
  // tshark -r akvorado_nfv5.pcap -d udp.port==9990,cflow -T fields -e cflow.srcaddr
  //   | tr ',' '\n' | grep -c .   -> 29
  EXPECT_EQ(r.datagrams, 1u);
  EXPECT_EQ(r.stats.records, 29u);
  EXPECT_EQ(r.stats.flows, 29u);
  ASSERT_EQ(r.sink.flows.size(), 29u);
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.findings()[0].ToString();
  // Records start after the 24-byte header, 48 bytes each.
  EXPECT_EQ(r.sink.flows[0].source.offset, 24u);
  EXPECT_EQ(r.sink.flows[28].source.offset, 24u + 28 * 48);
  EXPECT_EQ(r.sink.flows[0].source.packet, 1u);
  for (const FlowObservation& f : r.sink.flows) {
    EXPECT_TRUE(f.src.address.is_v4());
    EXPECT_LE(f.first_us, f.last_us);
    EXPECT_EQ(f.connections, 1u);
  }
}

TEST(NetflowCorpusTest, ToolGeneratedV5) {
  std::string path = Sample("patrikkiseda_netflow_v5_TOOLGENERATED.pcap");
  SKIP_IF_MISSING(path);
  DecodeResult r = DecodePcap(path);
  // tshark -r patrikkiseda_netflow_v5_TOOLGENERATED.pcap -d udp.port==2055,cflow
  //   -T fields -e cflow.srcaddr | tr ',' '\n' | grep -c .   -> 12 (6 packets of 2)
  EXPECT_EQ(r.datagrams, 6u);
  EXPECT_EQ(r.stats.flows, 12u);
  EXPECT_EQ(r.sink.flows.size(), 12u);
  EXPECT_EQ(r.stats.malformed, 0u);
}

TEST(NetflowCorpusTest, AkvoradoV9DataBeforeTemplateInOnePacket) {
  std::string path = Sample("akvorado_nfv9_data+templates.pcap");
  SKIP_IF_MISSING(path);
  DecodeResult r = DecodePcap(path);
  // The packet holds flowsets 257 (data, 11 records), 1 (options template
  // 256), 256 (1 options record: the sampling interval), 0 (template 257),
  // 257 (10 records).
  // tshark -2 -r akvorado_nfv9_data+templates.pcap -d udp.port==2055,cflow -T fields
  //   -e cflow.srcaddr | tr ',' '\n' | grep -c .   -> 21  (one pass, without -2: 10)
  // tshark -2 ... -V | grep 'FlowSet .*\[id=256\]'  -> "(1 flows)"
  EXPECT_EQ(r.stats.flows, 21u);
  EXPECT_EQ(r.sink.flows.size(), 21u);
  EXPECT_EQ(r.stats.options_templates, 1u);
  EXPECT_EQ(r.stats.options_records, 1u);
  EXPECT_EQ(r.stats.templates, 1u);
  EXPECT_EQ(r.stats.unknown_template, 1u);
  EXPECT_EQ(r.stats.pending, 1u);
  EXPECT_EQ(r.stats.pending_dropped, 0u);
  EXPECT_EQ(r.stats.records, 22u);
  EXPECT_EQ(r.stats.malformed, 0u);
}

TEST(NetflowCorpusTest, PmacctV9Cisco) {
  std::string path = Sample("pmacct_101-NFv9-CISCO-cust_primitives_traffic-00.pcap");
  SKIP_IF_MISSING(path);
  DecodeResult r = DecodePcap(path);
  // tshark -2 -r pmacct_101-NFv9-CISCO-cust_primitives_traffic-00.pcap
  //   -d udp.port==9991,cflow -T fields -e cflow.srcaddr | tr ',' '\n' | grep -c .  -> 51
  // (the same without -2: the template is in frame 1)
  EXPECT_EQ(r.datagrams, 40u);
  EXPECT_EQ(r.stats.templates, 1u);
  EXPECT_EQ(r.stats.flows, 51u);
  EXPECT_EQ(r.stats.malformed, 0u);
  // Template 313 has IPv4 and IPv6 addresses; these records are IPv4.
  for (const FlowObservation& f : r.sink.flows) EXPECT_TRUE(f.src.address.is_v4());
  // tshark ... -T fields -e cflow.sequence: 147688 first, then 147674-147678,
  // 147684-147687, 147689-...: the capture is a sample, with holes.
  EXPECT_GT(r.stats.sequence_gaps, 0u);
  // v9 counts packets: each lost one counts as one lost event (its records
  // are not knowable), the forward gaps' sizes added up.
  EXPECT_EQ(r.sink.lost, 24u);
}

TEST(NetflowCorpusTest, PmacctV9TwoExportersResentTemplates) {
  std::string path = Sample("pmacct_102-NFv9-CISCO-f2rd-pretag-sampling-reload_traffic-00.pcap");
  SKIP_IF_MISSING(path);
  DecodeResult r = DecodePcap(path);
  // Two exporter ports (24920 with source id 2193, 6512 with 2081), each
  // sending templates 260 and 313.
  // tshark -2 -r pmacct_102-...-traffic-00.pcap -d udp.port==9991,cflow -T fields
  //   -e cflow.srcaddr | tr ',' '\n' | grep -c .   -> 35
  // tshark -2 ... -V | grep -c 'FlowSet 1 \[id=0\]'  -> 4 template flowsets
  EXPECT_EQ(r.datagrams, 25u);
  EXPECT_EQ(r.stats.flows, 35u);
  EXPECT_EQ(r.stats.templates, 4u);
  EXPECT_EQ(r.stats.malformed, 0u);
  EXPECT_EQ(r.stats.pending_dropped, 0u);
}

TEST(NetflowCorpusTest, PmacctIpfixCisco) {
  std::string path = Sample("pmacct_100-IPFIXv10-CISCO_traffic-00.pcap");
  SKIP_IF_MISSING(path);
  DecodeResult r = DecodePcap(path);
  // tshark -r pmacct_100-IPFIXv10-CISCO_traffic-00.pcap -d udp.port==9991,cflow -T fields
  //   -e cflow.srcaddr -e cflow.srcaddrv6   -> 8 IPv4 (template 260) + 4 IPv6 (263) = 12
  EXPECT_EQ(r.stats.templates, 2u);
  EXPECT_EQ(r.stats.flows, 12u);
  size_t v6 = static_cast<size_t>(std::count_if(r.sink.flows.begin(), r.sink.flows.end(),
                                                [](const FlowObservation& f) {
                                                  return f.src.address.is_v6();
                                                }));
  EXPECT_EQ(v6, 4u);
  EXPECT_EQ(r.stats.malformed, 0u);
  for (const FlowObservation& f : r.sink.flows) {
    EXPECT_EQ(f.ip_protocol, 17);  // tshark -e cflow.protocol: all 17
    // flowStartMilliseconds: absolute times, some time in 2022-2024.
    EXPECT_GT(f.first_us, int64_t{1'600'000'000} * 1'000'000);
  }
}

TEST(NetflowCorpusTest, PmacctIpfixIpv6WithSamplingOptions) {
  std::string path = Sample("pmacct_104-IPFIXv10-IPv6-CISCO-sampling_option_traffic-00.pcap");
  SKIP_IF_MISSING(path);
  DecodeResult r = DecodePcap(path);
  // tshark -r pmacct_104-...-traffic-00.pcap -d udp.port==9992,cflow -T fields
  //   -e cflow.srcaddrv6 | tr ',' '\n' | grep -c .   -> 3
  // tshark ... -V: options template 257 (scope selectorId), 1 options record;
  // data templates 339-342.
  EXPECT_EQ(r.stats.options_templates, 1u);
  EXPECT_EQ(r.stats.options_records, 1u);
  EXPECT_EQ(r.stats.templates, 4u);
  EXPECT_EQ(r.stats.flows, 3u);
  ASSERT_EQ(r.sink.flows.size(), 3u);
  EXPECT_TRUE(r.sink.flows[0].src.address.is_v6());
  EXPECT_EQ(r.sink.flows[0].ip_protocol, 58);  // ICMPv6: no ports
  EXPECT_EQ(r.sink.flows[0].dst.port, 0);
  EXPECT_EQ(r.stats.malformed, 0u);
  // Its templates use flowStartSysUpTime (22) without systemInitTimeMilliseconds.
  EXPECT_EQ(Count(r, "netflow.uptime_without_init_time"), 1u);
}

TEST(NetflowCorpusTest, EveryPayloadLooksLikeNetflow) {
  std::string dir = std::string(HIGHPORT_SHARED_DIR) + "/corpus/pcap_netflow";
  SKIP_IF_MISSING(dir);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    for (const testing::UdpDatagram& d : testing::ReadUdpDatagrams(entry.path().string())) {
      EXPECT_TRUE(LooksLikeNetflow(d.payload)) << entry.path() << " packet " << d.number;
    }
  }
}

}  // namespace
}  // namespace highport::ingest
