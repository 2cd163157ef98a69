// NetFlow v5, v9 and IPFIX from annotated hand-written packets: every field
// that becomes part of a FlowObservation, templates across packets, data
// before its template, options, withdrawal, limits, and every packet cut at
// every length.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ingest/netflow.h"
#include "ingest/collecting_sink.h"
#include "ingest/netflow_test_util.h"
#include "model/byte_cursor.h"

namespace highport::ingest {
namespace {

using testing::Hex;

constexpr int64_t kExportUs = int64_t{1'600'000'000} * 1'000'000;  // unix_secs 5f5e1000

const std::vector<uint8_t> kV5 = Hex(R"(
  0005 0002            # version 5, count 2
  0000 2710            # sys_uptime 10000 ms
  5f5e 1000            # unix_secs 1600000000
  0000 0000            # unix_nsecs
  0000 0064            # flow_sequence 100
  00 00 0000           # engine type, engine id, sampling
  # record 1 (offset 24): TCP 10.0.0.1:50000 -> 10.0.0.2:135
  0a00 0001 0a00 0002  # srcaddr, dstaddr
  0000 0000            # nexthop
  0001 0002            # input, output
  0000 000a 0000 0578  # dPkts 10, dOctets 1400
  0000 2328 0000 270f  # First 9000, Last 9999 (sys_uptime ms)
  c350 0087            # srcport 50000, dstport 135
  00 1b 06 00          # pad1, tcp_flags FIN|SYN|PSH|ACK, prot 6, tos
  0000 0000 18 18 0000 # src_as, dst_as, src_mask, dst_mask, pad2
  # record 2 (offset 72): UDP 10.0.0.3:53 -> 10.0.0.4:49152
  0a00 0003 0a00 0004
  0000 0000 0001 0002
  0000 0001 0000 0040  # 1 packet, 64 bytes
  0000 2710 0000 2710  # First = Last = sys_uptime
  0035 c000
  00 00 11 00          # UDP
  0000 0000 18 18 0000
)");

const std::vector<uint8_t> kV9TemplateAndData = Hex(R"(
  0009 0002            # version 9, count 2 (a template and a data record)
  0000 2710            # sys_uptime 10000 ms
  5f5e 1000            # unix_secs 1600000000
  0000 0001            # package sequence 1
  0000 0007            # source id 7
  # template flowset (offset 20)
  0000 0030            # flowset id 0, length 48
  0100 000a            # template 256, 10 fields
  0008 0004 000c 0004  # IPV4_SRC_ADDR, IPV4_DST_ADDR
  0007 0002 000b 0002  # L4_SRC_PORT, L4_DST_PORT
  0004 0001 0006 0001  # PROTOCOL, TCP_FLAGS
  0002 0004 0001 0004  # IN_PKTS, IN_BYTES
  0016 0004 0015 0004  # FIRST_SWITCHED, LAST_SWITCHED
  # data flowset (offset 68)
  0100 0024            # template 256, length 36 (4 + one 30-byte record + 2 padding)
  c0a8 0105 c0a8 010a  # 192.168.1.5 -> 192.168.1.10 (record at offset 72)
  d431 c001            # 54321 -> 49153
  06 02                # TCP, SYN
  0000 0003 0000 00b4  # 3 packets, 180 bytes
  0000 1f40 0000 2328  # first 8000, last 9000 (sys_uptime ms)
  0000                 # padding
)");

// The same template and data in two packets (sequence 1 and 2).
const std::vector<uint8_t> kV9Template = Hex(R"(
  0009 0001 0000 2710 5f5e 1000 0000 0001 0000 0007   # header, sequence 1
  0000 0030 0100 000a                                  # template 256, 10 fields
  0008 0004 000c 0004 0007 0002 000b 0002
  0004 0001 0006 0001 0002 0004 0001 0004
  0016 0004 0015 0004
)");
const std::vector<uint8_t> kV9Data = Hex(R"(
  0009 0001 0000 2710 5f5e 1000 0000 0002 0000 0007   # header, sequence 2
  0100 0024                                            # data for 256 (offset 20)
  c0a8 0105 c0a8 010a d431 c001 06 02                  # record at offset 24
  0000 0003 0000 00b4 0000 1f40 0000 2328 0000
)");

const std::vector<uint8_t> kV9Options = Hex(R"(
  0009 0002 0000 2710 5f5e 1000 0000 0003 0000 0007   # header
  # options template flowset (offset 20)
  0001 0018            # flowset 1, length 24
  0102 0004 0008       # template 258, scope length 4, option length 8
  0001 0004            # scope: System, 4 bytes
  0022 0004 0023 0001  # SAMPLING_INTERVAL (4), SAMPLING_ALGORITHM (1)
  0000                 # padding
  # options data flowset (offset 44)
  0102 0010            # template 258, length 16
  0a00 00fe            # scope: the system
  0000 0064 02         # interval 100, algorithm 2 (random)
  0000 00              # padding
)");

const std::vector<uint8_t> kIpfix = Hex(R"(
  000a 00cf            # version 10, length 207
  5f5e 1000            # export time 1600000000
  0000 0000            # sequence 0 (data records before this message)
  0000 0001            # observation domain 1
  # template set (offset 16)
  0002 0044            # set 2, length 68
  0101 000d            # template 257, 13 fields
  0008 0004 000c 0004  # sourceIPv4Address, destinationIPv4Address
  0007 0002 000b 0002  # sourceTransportPort, destinationTransportPort
  0004 0001            # protocolIdentifier
  00ef 0001            # biflowDirection
  0001 0008            # octetDeltaCount
  0002 0004            # packetDeltaCount, reduced to 4 bytes
  0098 0008 0099 0008  # flowStartMilliseconds, flowEndMilliseconds
  0052 ffff            # interfaceName, variable length
  8001 0008 0000 7279  # enterprise bit + 1, PEN 29305: reverseOctetDeltaCount
  8123 0004 0000 0009  # enterprise bit + 0x123, PEN 9 (Cisco): skipped
  # data set (offset 84)
  0101 007b            # template 257, length 123
  # record 1 (offset 88): 10.1.1.1:50001 -> 10.1.1.2:135, initiator = source
  0a01 0101 0a01 0102
  c351 0087
  06 01                # TCP, biflowDirection 1 (initiator)
  0000 0000 0000 1000  # 4096 octets
  0000 0014            # 20 packets
  0000 0174 876e 8000  # start 1600000000000 ms
  0000 0174 876e 83e8  # end 1600000001000 ms
  04 6574 6830         # interfaceName "eth0": one length byte
  0000 0000 0000 0800  # reverse octets 2048
  dead beef            # the Cisco field
  # record 2 (offset 147): 10.1.1.3:49999 -> 10.1.1.4:445, initiator = destination
  0a01 0103 0a01 0104
  c34f 01bd
  06 02                # TCP, biflowDirection 2 (reverseInitiator)
  0000 0000 0000 0100
  0000 0002
  0000 0174 876e 8000
  0000 0174 876e 8000
  ff 0003 616263       # interfaceName "abc": 255, then a two-byte length
  0000 0000 0000 0000
  0000 0000
)");

const std::vector<uint8_t> kIpfixWithdraw = Hex(R"(
  000a 0018 5f5e 1001 0000 0002 0000 0001   # header, sequence 2
  0002 0008 0101 0000                        # template set: 257 with 0 fields = withdrawn
)");

// kIpfix's data set again, with sequence 2, after the withdrawal.
std::vector<uint8_t> IpfixDataOnly() {
  std::vector<uint8_t> out = Hex("000a 008b 5f5e 1002 0000 0002 0000 0001");
  out.insert(out.end(), kIpfix.begin() + 84, kIpfix.end());
  return out;
}

const std::vector<uint8_t> kIpfixV6 = Hex(R"(
  000a 0061 5f5e 1000 0000 0000 0000 0002   # length 97, domain 2
  # template set (offset 16)
  0002 0020            # set 2, length 32
  0102 0006            # template 258, 6 fields
  001b 0010 001c 0010  # sourceIPv6Address, destinationIPv6Address
  0007 0002 000b 0002  # ports
  0004 0001            # protocolIdentifier
  009a 0008            # flowStartMicroseconds (NTP format)
  # data set (offset 48)
  0102 0031            # template 258, length 49
  2001 0db8 0000 0000 0000 0000 0000 0001   # 2001:db8::1
  2001 0db8 0000 0000 0000 0000 0000 0002   # 2001:db8::2
  c350 0087 06
  e308 8e80 8000 0000  # 1600000000.5 s as NTP (seconds since 1900, fraction)
)");

struct Exporting {
  explicit Exporting(NetflowLimits limits = {}) : decoder(limits) {}

  NetflowDecoder decoder;
  CollectingSink sink;
  Diagnostics diagnostics;
  Endpoint exporter{IpAddress::V4(0x0a0000fe), Proto::kUdp, 2055};
  uint64_t packet = 0;

  void Feed(const std::vector<uint8_t>& bytes, int64_t arrival_us = kExportUs) {
    SourceRef where;
    where.file = "test.pcap";
    where.packet = ++packet;
    decoder.Decode(exporter, bytes, arrival_us, where, sink, diagnostics);
  }
  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const Finding& f : diagnostics.findings()) out.push_back(f.id);
    return out;
  }
};

TEST(NetflowV5Test, TwoRecords) {
  ASSERT_EQ(kV5.size(), 120u);
  EXPECT_TRUE(LooksLikeNetflow(kV5));
  Exporting r;
  r.Feed(kV5);
  ASSERT_EQ(r.sink.flows.size(), 2u);
  EXPECT_TRUE(r.diagnostics.empty());
  const FlowObservation& a = r.sink.flows[0];
  EXPECT_EQ(a.src.ToString(), "10.0.0.1:50000");
  EXPECT_EQ(a.dst.ToString(), "10.0.0.2:135");
  EXPECT_EQ(a.src.proto, Proto::kTcp);
  EXPECT_EQ(a.ip_protocol, 6);
  EXPECT_EQ(a.packets, 10u);
  EXPECT_EQ(a.bytes, 1400u);
  EXPECT_EQ(a.tcp_flags, 0x1b);
  EXPECT_EQ(a.first_us, kExportUs - 1'000'000);  // 1000 ms before the header's uptime
  EXPECT_EQ(a.last_us, kExportUs - 1'000);
  EXPECT_EQ(a.connections, 1u);
  EXPECT_TRUE(a.one_direction);  // v5 counts one direction per record
  EXPECT_EQ(a.action, TrafficAction::kObserved);
  EXPECT_EQ(a.initiator, Initiator::kUnknown);
  EXPECT_EQ(a.source.ToString(), "test.pcap:packet 1+24");
  const FlowObservation& b = r.sink.flows[1];
  EXPECT_EQ(b.src.proto, Proto::kUdp);
  EXPECT_EQ(b.dst.ToString(), "10.0.0.4:49152");
  EXPECT_EQ(b.first_us, kExportUs);
  EXPECT_EQ(b.source.offset, 72u);
  EXPECT_EQ(r.decoder.stats().records, 2u);
}

TEST(NetflowV5Test, SequenceGapIsLostFlows) {
  Exporting r;
  r.Feed(kV5);  // sequence 100, 2 flows: 102 next
  std::vector<uint8_t> later = kV5;
  later[19] = 110;  // flow_sequence 110: 8 flows lost
  r.Feed(later);
  EXPECT_EQ(r.decoder.stats().sequence_gaps, 1u);
  EXPECT_EQ(r.sink.lost, 8u);
  ASSERT_EQ(r.diagnostics.findings().size(), 1u);
  EXPECT_EQ(r.diagnostics.findings()[0].ToString(),
            "test.pcap:packet 2+16: sequence 110 where 102 was expected: 8 flow records lost "
            "(exporter 10.0.0.254:2055, domain 0)");
  std::vector<uint8_t> reordered = kV5;
  reordered[19] = 90;  // behind: reordered or restarted, not a loss
  r.Feed(reordered);
  EXPECT_EQ(r.decoder.stats().sequence_gaps, 1u);
}

TEST(NetflowV9Test, TemplateAndDataInOnePacket) {
  ASSERT_EQ(kV9TemplateAndData.size(), 104u);
  EXPECT_TRUE(LooksLikeNetflow(kV9TemplateAndData));
  Exporting r;
  r.Feed(kV9TemplateAndData);
  ASSERT_EQ(r.sink.flows.size(), 1u);
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.findings()[0].ToString();
  const FlowObservation& f = r.sink.flows[0];
  EXPECT_EQ(f.src.ToString(), "192.168.1.5:54321");
  EXPECT_EQ(f.dst.ToString(), "192.168.1.10:49153");
  EXPECT_EQ(f.tcp_flags, 0x02);
  EXPECT_EQ(f.packets, 3u);
  EXPECT_EQ(f.bytes, 180u);
  EXPECT_EQ(f.first_us, kExportUs - 2'000'000);
  EXPECT_EQ(f.last_us, kExportUs - 1'000'000);
  EXPECT_EQ(f.source.offset, 72u);
  EXPECT_EQ(r.decoder.stats().templates, 1u);
}

TEST(NetflowV9Test, TemplateAndDataInSeparatePackets) {
  Exporting r;
  r.Feed(kV9Template);
  r.Feed(kV9Data);
  ASSERT_EQ(r.sink.flows.size(), 1u);
  EXPECT_EQ(r.sink.flows[0].source.ToString(), "test.pcap:packet 2+24");
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(r.decoder.stats().sequence_gaps, 0u);
}

TEST(NetflowV9Test, LostExportPacketsAreLostEvents) {
  Exporting r;
  r.Feed(kV9Template);  // sequence 1
  std::vector<uint8_t> later = kV9Data;
  later[15] = 5;  // sequence 5: packets 2, 3 and 4 lost, their records unknown
  r.Feed(later);
  EXPECT_EQ(r.decoder.stats().sequence_gaps, 1u);
  // Lost, whatever they held: the report must say the picture is incomplete.
  EXPECT_EQ(r.sink.lost, 3u);
  ASSERT_EQ(r.diagnostics.findings().size(), 1u);
  EXPECT_EQ(r.diagnostics.findings()[0].ToString(),
            "test.pcap:packet 2+12: sequence 5 where 2 was expected: 3 export packets lost "
            "(exporter 10.0.0.254:2055, domain 7)");
}

TEST(NetflowTest, ADatagramRepeatedByteForByteIsReadOnce) {
  Exporting r;
  r.Feed(kV5);
  r.Feed(kV5);  // a mirror port's second copy
  EXPECT_EQ(r.sink.flows.size(), 2u);
  EXPECT_EQ(r.decoder.stats().repeated, 1u);
  EXPECT_EQ(r.sink.lost, 0u);
  ASSERT_EQ(r.ids(), std::vector<std::string>{"netflow.repeated_datagram"});
  // Another exporter's identical bytes are its own datagram; so is the first
  // exporter's next one, and a repeat of it once another came between.
  r.exporter.port = 2056;
  r.Feed(kV5);
  std::vector<uint8_t> next = kV5;
  next[19] = 102;  // flow_sequence 102: the next datagram
  r.exporter.port = 2055;
  r.Feed(next);
  r.Feed(kV5);
  EXPECT_EQ(r.sink.flows.size(), 8u);
  EXPECT_EQ(r.decoder.stats().repeated, 1u);
}

TEST(NetflowV9Test, ARotatedCaptureReadsItsFirstDataWithTheTemplateOfTheFileBefore) {
  RememberedTemplates remembered;
  Exporting first;  // hour 1's file: the template, then data
  first.decoder.set_remembered(&remembered);
  first.Feed(kV9Template);
  EXPECT_EQ(remembered.size(), 1u);
  Exporting second;  // hour 2's file: data before the exporter's next refresh
  second.decoder.set_remembered(&remembered);
  second.Feed(kV9Data);
  second.Feed(kV9Data);  // (a mirror's copy: read once, no second note)
  std::vector<uint8_t> later = kV9Data;
  later[15] = 3;
  second.Feed(later);
  second.decoder.Finish(second.sink, second.diagnostics);
  EXPECT_EQ(second.sink.flows.size(), 2u);
  EXPECT_EQ(second.decoder.stats().pending_dropped, 0u);
  ASSERT_EQ(second.ids(), (std::vector<std::string>{"netflow.template_from_earlier_file",
                                                    "netflow.repeated_datagram"}));
  EXPECT_EQ(second.diagnostics.findings()[0].ToString(),
            "test.pcap:packet 1+20: note: template 256 of exporter 10.0.0.254:2055 came in "
            "test.pcap, not in this file: its data here is read with that one until the exporter "
            "sends it again");
  // Without it, the same file's data waits in vain.
  Exporting alone;
  alone.Feed(kV9Data);
  alone.decoder.Finish(alone.sink, alone.diagnostics);
  EXPECT_TRUE(alone.sink.flows.empty());
  EXPECT_EQ(alone.decoder.stats().pending_dropped, 1u);
  // Another exporter's data is not read with it.
  Exporting other;
  other.decoder.set_remembered(&remembered);
  other.exporter.port = 2056;
  other.Feed(kV9Data);
  other.decoder.Finish(other.sink, other.diagnostics);
  EXPECT_TRUE(other.sink.flows.empty());
}

TEST(NetflowV9Test, RememberedTemplatesGoToTheDatabaseAndBack) {
  RememberedTemplates remembered;
  Exporting r;
  r.decoder.set_remembered(&remembered);
  r.Feed(kV9Template);
  const std::vector<StoredTemplate> stored = remembered.DefinedIn("test.pcap");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].exporter.ToString(), "10.0.0.254:2055");
  EXPECT_EQ(stored[0].key, (uint64_t{7} << 16) | 256);  // domain 7, template 256
  EXPECT_EQ(stored[0].fields.size(), 10u * 8);
  EXPECT_TRUE(remembered.DefinedIn("other.pcap").empty());
  // Read back into a later run's memory, the data decodes as before.
  RememberedTemplates later_run;
  ASSERT_TRUE(later_run.Restore(stored[0], "/captures/hour1.pcap"));
  Exporting next;
  next.decoder.set_remembered(&later_run);
  next.Feed(kV9Data);
  ASSERT_EQ(next.sink.flows.size(), 1u);
  EXPECT_EQ(next.sink.flows[0].src.ToString(), "192.168.1.5:54321");
  EXPECT_EQ(next.sink.flows[0].packets, 3u);
  // Fields that make no template are refused.
  StoredTemplate bad = stored[0];
  bad.fields.resize(5);
  EXPECT_FALSE(later_run.Restore(bad, "x"));
  bad = stored[0];
  bad.key = 12;  // a reserved template id
  EXPECT_FALSE(later_run.Restore(bad, "x"));
}

TEST(IpfixTest, AWithdrawnTemplateIsForgottenForLaterFilesToo) {
  RememberedTemplates remembered;
  Exporting r;
  r.decoder.set_remembered(&remembered);
  r.Feed(kIpfix);
  EXPECT_EQ(remembered.size(), 1u);
  r.Feed(kIpfixWithdraw);
  EXPECT_EQ(remembered.size(), 0u);
  EXPECT_EQ(remembered.WithdrawnIn("test.pcap").size(), 1u);
}

TEST(IpfixTest, AWithdrawalInALaterFileForgetsTheEarlierFilesTemplate) {
  RememberedTemplates remembered;
  Exporting first;
  first.decoder.set_remembered(&remembered);
  first.Feed(kIpfix);  // defines 257
  Exporting second;  // the next file: only the withdrawal
  second.decoder.set_remembered(&remembered);
  second.Feed(kIpfixWithdraw);
  EXPECT_EQ(remembered.size(), 0u);
  EXPECT_TRUE(second.diagnostics.empty()) << second.diagnostics.findings()[0].ToString();  // it was defined
  Exporting third;  // data for 257 before its new definition: not read with the old one
  third.decoder.set_remembered(&remembered);
  third.Feed(IpfixDataOnly());
  third.decoder.Finish(third.sink, third.diagnostics);
  EXPECT_TRUE(third.sink.flows.empty());
}

TEST(NetflowV9Test, ATemplateRememberedFromDaysBeforeServesNoData) {
  RememberedTemplates remembered;
  Exporting first;
  first.decoder.set_remembered(&remembered);
  first.Feed(kV9Template, kExportUs);
  Exporting later;  // two days on: id 256 may mean anything by now
  later.decoder.set_remembered(&remembered);
  later.Feed(kV9Data, kExportUs + int64_t{48} * 3600 * 1'000'000);
  later.decoder.Finish(later.sink, later.diagnostics);
  EXPECT_TRUE(later.sink.flows.empty());
  Exporting next_hour;
  next_hour.decoder.set_remembered(&remembered);
  next_hour.Feed(kV9Data, kExportUs + int64_t{3600} * 1'000'000);
  EXPECT_EQ(next_hour.sink.flows.size(), 1u);
}

// kV9Template's template 256 behind a NetFlow v9 header of the test's own
// (uptime, export time, sequence): the restart tests vary only that.
std::vector<uint8_t> V9Template256(std::string_view header) {
  return Hex(std::string(header) + R"(
    0000 0030 0100 000a
    0008 0004 000c 0004 0007 0002 000b 0002
    0004 0001 0006 0001 0002 0004 0001 0004
    0016 0004 0015 0004
  )");
}

TEST(NetflowV9Test, ATemplateFromBeforeTheExporterRestartedIsNotRecalled) {
  // Run 1 (a collector, or a capture file) heard template 256 from an
  // exporter up 15 minutes; an hour on, the exporter is up 2 seconds: it
  // restarted meanwhile, and its 256 may lay its fields out otherwise.
  // uptime 900000 ms
  const std::vector<uint8_t> up_long =
      V9Template256("0009 0001 000d bba0 5f5e 1000 0000 0065 0000 0007");
  const std::vector<uint8_t> rebooted_data = Hex(R"(
    0009 0001 0000 07d0 5f5e 1e10 0000 0000 0000 0007   # uptime 2000 ms, an hour later
    0100 0024
    c0a8 0105 c0a8 010a d431 c001 06 02
    0000 0003 0000 00b4 0000 03e8 0000 07d0 0000
  )");
  RememberedTemplates remembered;
  Exporting first;
  first.decoder.set_remembered(&remembered);
  first.Feed(up_long, kExportUs);
  Exporting later;
  later.decoder.set_remembered(&remembered);
  later.Feed(rebooted_data, kExportUs + int64_t{3600} * 1'000'000);
  EXPECT_TRUE(later.sink.flows.empty());
  EXPECT_EQ(later.decoder.stats().pending, 1u);  // waits for the exporter's new template
}

TEST(NetflowV9Test, AnUptimeThatWrapsAfter49DaysIsNoRestart) {
  // uptime 4294901760 ms, sequence 1
  const std::vector<uint8_t> before_wrap =
      V9Template256("0009 0001 ffff 0000 5f5e 1000 0000 0001 0000 0007");
  const std::vector<uint8_t> after_wrap = Hex(R"(
    0009 0001 0000 03e8 5f5e 1041 0000 0002 0000 0007   # uptime 1000 ms, sequence 2
    0100 0024
    c0a8 0105 c0a8 010a d431 c001 06 02
    0000 0003 0000 00b4 0000 0064 0000 01f4 0000
  )");
  Exporting r;
  r.Feed(before_wrap);
  r.Feed(after_wrap, kExportUs + 65'000'000);
  EXPECT_EQ(r.decoder.stats().restarts, 0u);
  EXPECT_EQ(r.sink.flows.size(), 1u);
}

TEST(NetflowV9Test, DataBeforeTemplateIsHeldThenDecoded) {
  Exporting r;
  r.Feed(kV9Data);
  EXPECT_TRUE(r.sink.flows.empty());
  EXPECT_EQ(r.decoder.stats().unknown_template, 1u);
  EXPECT_EQ(r.decoder.stats().pending, 1u);
  r.Feed(kV9Template);
  ASSERT_EQ(r.sink.flows.size(), 1u);
  // The flow names the packet that carried it, not the template's.
  EXPECT_EQ(r.sink.flows[0].source.ToString(), "test.pcap:packet 1+24");
  r.decoder.Finish(r.sink, r.diagnostics);
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(r.decoder.stats().pending_dropped, 0u);
}

TEST(NetflowV9Test, DataWithoutTemplateIsDroppedAndReported) {
  Exporting r;
  r.Feed(kV9Data, kExportUs);
  // Older than pending_max_age_us when the next packet of this exporter comes.
  r.Feed(kV5, kExportUs + 61'000'000);
  EXPECT_EQ(r.decoder.stats().pending_dropped, 1u);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics.findings()[0].ToString(),
            "test.pcap:packet 1+20: data set for template 256 (domain 7) dropped: no template "
            "within 60 s");
  EXPECT_EQ(r.diagnostics.findings()[0].id, "netflow.template_missing");
}

TEST(NetflowV9Test, PendingIsBoundedPerExporter) {
  NetflowLimits limits;
  limits.max_pending_packets_per_exporter = 2;
  Exporting r(limits);
  for (int i = 0; i < 5; ++i) {
    std::vector<uint8_t> data = kV9Data;
    data[15] = static_cast<uint8_t>(2 + i);  // each its own datagram: sequence 2, 3, ...
    r.Feed(data);
  }
  EXPECT_EQ(r.decoder.stats().pending_dropped, 3u);
  r.Feed(kV9Template);
  EXPECT_EQ(r.sink.flows.size(), 2u);
  EXPECT_EQ(r.sink.flows[0].source.packet, 4u);
}

TEST(NetflowV9Test, TemplatesAreBoundedPerExporter) {
  NetflowLimits limits;
  limits.max_templates_per_exporter = 1;
  Exporting r(limits);
  r.Feed(kV9Template);
  r.Feed(kV9Options);  // a second template: refused
  EXPECT_EQ(r.decoder.stats().templates_dropped, 1u);
  // Its options data waits for a template that will not come.
  EXPECT_EQ(r.ids(), std::vector<std::string>({"netflow.sequence_gap",
                                               "netflow.too_many_templates"}));
  EXPECT_EQ(r.decoder.stats().pending, 1u);
  r.Feed(kV9Template);  // a refresh of the one kept is fine
  EXPECT_EQ(r.decoder.stats().templates_dropped, 1u);
}

TEST(NetflowV9Test, ExportersAreBounded) {
  NetflowLimits limits;
  limits.max_exporters = 1;
  Exporting r(limits);
  r.Feed(kV9Template);  // an exporter that holds a template
  r.exporter.port = 2056;
  r.Feed(kV5);
  EXPECT_EQ(r.sink.flows.size(), 0u);
  EXPECT_EQ(r.decoder.stats().exporters_dropped, 1u);
  EXPECT_EQ(r.ids(), std::vector<std::string>({"netflow.too_many_exporters"}));
}

TEST(NetflowV9Test, ASilentExporterThatHoldsNothingMakesRoomForANewOne) {
  // An exporter that sends each datagram from a new port (v5 needs no
  // template): each port an exporter, and the cap must not lock it out.
  NetflowLimits limits;
  limits.max_exporters = 2;
  Exporting r(limits);
  for (uint16_t port = 2055; port < 2060; ++port) {
    r.exporter.port = port;
    r.Feed(kV5, kExportUs + port);
  }
  EXPECT_EQ(r.sink.flows.size(), 10u);
  EXPECT_EQ(r.decoder.stats().exporters_forgotten, 3u);
  EXPECT_EQ(r.decoder.stats().exporters_dropped, 0u);
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.findings()[0].ToString();
}

TEST(NetflowV9Test, ADatagramShorterThanItsHeaderMakesNoExporter) {
  NetflowLimits limits;
  limits.max_exporters = 1;
  Exporting r(limits);
  r.Feed(kV9Template);  // the one exporter the cap allows
  for (uint16_t port = 3000; port < 3100; ++port) {  // junk from many sources
    r.exporter.port = port;
    r.Feed({0x00, 0x05});
    r.Feed({0x00, 0x09, 0x00, 0x01});
  }
  EXPECT_EQ(r.decoder.stats().malformed, 200u);
  EXPECT_EQ(r.decoder.stats().exporters_dropped, 0u);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics.findings()[0].id, "netflow.truncated_header");
  r.exporter.port = 2055;
  r.Feed(kV9Data);  // the real exporter still has its template
  EXPECT_EQ(r.sink.flows.size(), 1u);
}

TEST(NetflowV9Test, AnExporterThatRestartedHasItsTemplatesForgotten) {
  // Up 15 minutes, template 256; it reboots (uptime 2 s, sequence 0) and
  // sends data before its new template 256, whose fields come in another
  // order: the data waits for it, and is not read with the old one.
  // uptime 900000 ms, sequence 101
  const std::vector<uint8_t> before =
      V9Template256("0009 0001 000d bba0 5f5e 1000 0000 0065 0000 0007");
  const std::vector<uint8_t> data_after = Hex(R"(
    0009 0001 0000 07d0 5f5e 1020 0000 0000 0000 0007   # uptime 2000 ms, sequence 0
    0100 0024
    c0a8 0105 c0a8 010a d431 c001 06 02
    0000 0003 0000 00b4 0000 03e8 0000 07d0 0000
  )");
  const std::vector<uint8_t> template_after = Hex(R"(
    0009 0001 0000 0bb8 5f5e 1021 0000 0001 0000 0007   # uptime 3000 ms, sequence 1
    0000 0030 0100 000a
    000c 0004 0008 0004 0007 0002 000b 0002             # destination address first now
    0004 0001 0006 0001 0002 0004 0001 0004
    0016 0004 0015 0004
  )");
  Exporting r;
  r.Feed(before);
  r.Feed(data_after, kExportUs + 32'000'000);
  EXPECT_TRUE(r.sink.flows.empty());
  EXPECT_EQ(r.decoder.stats().restarts, 1u);
  EXPECT_EQ(r.decoder.stats().sequence_gaps, 0u);  // its numbers began again: no loss
  r.Feed(template_after, kExportUs + 33'000'000);
  ASSERT_EQ(r.sink.flows.size(), 1u);
  EXPECT_EQ(r.sink.flows[0].src.ToString(), "192.168.1.10:54321");
  EXPECT_EQ(r.sink.flows[0].dst.ToString(), "192.168.1.5:49153");
  const std::vector<std::string> ids = r.ids();
  EXPECT_NE(std::find(ids.begin(), ids.end(), "netflow.exporter_restarted"), ids.end());
}

TEST(NetflowV9Test, OptionsTemplateIsNotFlows) {
  ASSERT_EQ(kV9Options.size(), 60u);
  Exporting r;
  r.Feed(kV9Options);
  EXPECT_TRUE(r.sink.flows.empty());
  // Its sampler says 1 in 100: said once, as counts are of sampled packets.
  ASSERT_EQ(r.ids(), std::vector<std::string>{"netflow.sampled"});
  EXPECT_NE(r.diagnostics.findings()[0].ToString().find("samples 1 packet in 100"),
            std::string::npos);
  EXPECT_EQ(r.decoder.stats().options_templates, 1u);
  EXPECT_EQ(r.decoder.stats().options_records, 1u);
  EXPECT_EQ(r.decoder.stats().records, 1u);
}

TEST(NetflowV9Test, TemplateRedefinitionReplacesTheOldOne) {
  Exporting r;
  r.Feed(kV9Template);
  // Template 256 again, now with only the two addresses (8 bytes a record).
  r.Feed(Hex("0009 0001 0000 2710 5f5e 1000 0000 0002 0000 0007"
             "0000 0010 0100 0002 0008 0004 000c 0004"));
  r.Feed(Hex("0009 0001 0000 2710 5f5e 1000 0000 0003 0000 0007"
             "0100 0014 0a00 0001 0a00 0002 0a00 0003 0a00 0004"));  // two records
  ASSERT_EQ(r.sink.flows.size(), 2u);
  EXPECT_EQ(r.sink.flows[1].src.ToString(), "10.0.0.3:0");
  EXPECT_EQ(r.sink.flows[1].ip_protocol, 0);  // not in the template
}

// Template refreshes byte for byte the one held are not compiled again
// (netflow_templates.cc): they must still count, and must change nothing.
TEST(NetflowV9Test, IdenticalTemplateRefreshCountsAndKeepsTheTemplate) {
  Exporting r;
  r.Feed(kV9Template);
  std::vector<uint8_t> refresh = kV9Template;
  refresh[15] = 2;  // sequence 2
  r.Feed(refresh);
  std::vector<uint8_t> data = kV9Data;
  data[15] = 3;  // sequence 3
  r.Feed(data);
  EXPECT_EQ(r.decoder.stats().templates, 2u);
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.findings()[0].ToString();
  ASSERT_EQ(r.sink.flows.size(), 1u);
  EXPECT_EQ(r.sink.flows[0].src.ToString(), "192.168.1.5:54321");
  EXPECT_EQ(r.sink.flows[0].dst.ToString(), "192.168.1.10:49153");
  EXPECT_EQ(r.sink.flows[0].bytes, 180u);
}

TEST(NetflowV9Test, ChangedTemplateOfTheSameLengthIsReadAgain) {
  Exporting r;
  r.Feed(kV9Template);
  // Template 256 again, as long as before, with the two ports swapped.
  std::vector<uint8_t> changed = kV9Template;
  changed[15] = 2;
  ASSERT_EQ(changed[36], 0x00);
  ASSERT_EQ(changed[37], 0x07);  // L4_SRC_PORT
  changed[37] = 0x0b;
  changed[41] = 0x07;            // was L4_DST_PORT (0x0b)
  r.Feed(changed);
  std::vector<uint8_t> data = kV9Data;
  data[15] = 3;
  r.Feed(data);
  ASSERT_EQ(r.sink.flows.size(), 1u);
  EXPECT_EQ(r.sink.flows[0].src.ToString(), "192.168.1.5:49153");
  EXPECT_EQ(r.sink.flows[0].dst.ToString(), "192.168.1.10:54321");
  // And back: the first form is not mistaken for the one now held.
  std::vector<uint8_t> again = kV9Template;
  again[15] = 4;
  r.Feed(again);
  data[15] = 5;
  r.Feed(data);
  ASSERT_EQ(r.sink.flows.size(), 2u);
  EXPECT_EQ(r.sink.flows[1].src.ToString(), "192.168.1.5:54321");
  EXPECT_EQ(r.decoder.stats().templates, 3u);
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.findings()[0].ToString();
}

TEST(NetflowV9Test, OptionsTemplateRefreshIsCounted) {
  Exporting r;
  r.Feed(kV9Options);
  std::vector<uint8_t> refresh = kV9Options;
  refresh[15] = 4;
  r.Feed(refresh);
  EXPECT_EQ(r.decoder.stats().options_templates, 2u);
  EXPECT_EQ(r.decoder.stats().options_records, 2u);
  EXPECT_EQ(r.decoder.stats().templates, 0u);
}

TEST(NetflowV9Test, ZeroLengthTemplateIsRefused) {
  Exporting r;
  // Template 300 whose only field is 0 bytes long: records of 0 bytes would never end.
  r.Feed(Hex("0009 0001 0000 2710 5f5e 1000 0000 0001 0000 0007"
             "0000 000c 012c 0001 0008 0000"
             "012c 0008 0000 0000"));
  EXPECT_EQ(r.decoder.stats().templates, 0u);
  EXPECT_EQ(r.decoder.stats().malformed, 1u);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_EQ(r.diagnostics.findings()[0].ToString(),
            "test.pcap:packet 1+24: template 300: its records would be 0 bytes long");
}

TEST(NetflowV9Test, FlowsetLongerThanThePacket) {
  Exporting r;
  std::vector<uint8_t> p = kV9TemplateAndData;
  p[71] = 0x40;  // data flowset length 64, 36 bytes there
  r.Feed(p);
  EXPECT_TRUE(r.sink.flows.empty());
  ASSERT_EQ(r.diagnostics.findings().size(), 1u);
  EXPECT_EQ(r.diagnostics.findings()[0].id, "netflow.truncated_flowset");
  EXPECT_EQ(r.diagnostics.findings()[0].ToString(),
            "test.pcap:packet 1+68: set 256: byte 72: set body: needs 60 bytes, 32 left");
}

TEST(IpfixTest, VariableLengthEnterpriseAndBiflow) {
  ASSERT_EQ(kIpfix.size(), 207u);
  EXPECT_TRUE(LooksLikeNetflow(kIpfix));
  Exporting r;
  r.Feed(kIpfix);
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.findings()[0].ToString();
  ASSERT_EQ(r.sink.flows.size(), 2u);
  const FlowObservation& a = r.sink.flows[0];
  EXPECT_EQ(a.src.ToString(), "10.1.1.1:50001");
  EXPECT_EQ(a.dst.ToString(), "10.1.1.2:135");
  EXPECT_EQ(a.initiator, Initiator::kSource);
  EXPECT_EQ(a.initiator_evidence, InitiatorEvidence::kBiflow);
  EXPECT_EQ(a.bytes, 4096u + 2048u);  // forward + RFC 5103 reverse octets
  EXPECT_FALSE(a.one_direction);       // a biflow holds both directions
  EXPECT_EQ(a.packets, 20u);
  EXPECT_EQ(a.first_us, kExportUs);
  EXPECT_EQ(a.last_us, kExportUs + 1'000'000);
  EXPECT_EQ(a.source.offset, 88u);
  const FlowObservation& b = r.sink.flows[1];
  EXPECT_EQ(b.initiator, Initiator::kDestination);
  EXPECT_EQ(b.dst.port, 445);
  EXPECT_EQ(b.source.offset, 147u);
}

TEST(IpfixTest, SequenceCountsDataRecords) {
  Exporting r;
  r.Feed(kIpfix);                  // sequence 0, 2 records: 2 next
  std::vector<uint8_t> next = IpfixDataOnly();
  next[11] = 5;                    // sequence 5: 3 records lost
  r.Feed(next);
  EXPECT_EQ(r.sink.flows.size(), 4u);
  EXPECT_EQ(r.sink.lost, 3u);
  EXPECT_EQ(r.decoder.stats().sequence_gaps, 1u);
}

TEST(IpfixTest, WithdrawalThenDataIsMissingItsTemplate) {
  Exporting r;
  r.Feed(kIpfix);
  r.Feed(kIpfixWithdraw);
  EXPECT_EQ(r.decoder.stats().withdrawn, 1u);
  r.Feed(IpfixDataOnly());
  EXPECT_EQ(r.sink.flows.size(), 2u);
  r.decoder.Finish(r.sink, r.diagnostics);
  EXPECT_EQ(r.decoder.stats().pending_dropped, 1u);
  ASSERT_EQ(r.diagnostics.findings().size(), 1u);
  EXPECT_EQ(r.diagnostics.findings()[0].ToString(),
            "test.pcap:packet 3+16: data set for template 257 (domain 1) dropped: the input "
            "ended before its template came");
}

TEST(IpfixTest, WithdrawalThenTheSameTemplateAgain) {
  Exporting r;
  r.Feed(kIpfix);
  r.Feed(kIpfixWithdraw);
  r.Feed(IpfixDataOnly());  // no template: held
  EXPECT_EQ(r.sink.flows.size(), 2u);
  // The very bytes of the withdrawn template: defined anew, and the held data read.
  std::vector<uint8_t> again = kIpfix;
  again[11] = 2;
  r.Feed(again);
  EXPECT_EQ(r.decoder.stats().templates, 2u);
  EXPECT_EQ(r.decoder.stats().withdrawn, 1u);
  ASSERT_EQ(r.sink.flows.size(), 6u);
  // This packet's own data first, then what was held.
  EXPECT_EQ(r.sink.flows[2].source.ToString(), "test.pcap:packet 4+88");
  EXPECT_EQ(r.sink.flows[4].source.ToString(), "test.pcap:packet 3+20");
  EXPECT_EQ(r.sink.flows[4].bytes, 4096u + 2048u);
  r.decoder.Finish(r.sink, r.diagnostics);
  EXPECT_EQ(r.decoder.stats().pending_dropped, 0u);
}

TEST(IpfixTest, WithdrawalAndRefreshInOneSet) {
  Exporting r;
  r.Feed(kIpfix);
  // One template set: 257 withdrawn, then 257 defined again with the same
  // bytes as before; the data that follows in the message is read with it.
  std::vector<uint8_t> p = Hex("000a 0000 5f5e 1001 0000 0002 0000 0001  0002 0048 0101 0000");
  p.insert(p.end(), kIpfix.begin() + 20, kIpfix.begin() + 84);  // template 257's record
  p.insert(p.end(), kIpfix.begin() + 84, kIpfix.end());         // its data set
  p[2] = static_cast<uint8_t>(p.size() >> 8);
  p[3] = static_cast<uint8_t>(p.size());
  r.Feed(p);
  EXPECT_EQ(r.decoder.stats().withdrawn, 1u);
  EXPECT_EQ(r.decoder.stats().templates, 2u);
  EXPECT_EQ(r.sink.flows.size(), 4u);
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.findings()[0].ToString();
}

TEST(IpfixTest, WithdrawAll) {
  Exporting r;
  r.Feed(kIpfix);
  r.Feed(kIpfixV6);  // another domain: not withdrawn
  r.Feed(Hex("000a 0018 5f5e 1001 0000 0002 0000 0001  0002 0008 0002 0000"));
  EXPECT_EQ(r.decoder.stats().withdrawn, 1u);
  r.Feed(kIpfixV6);
  EXPECT_EQ(r.sink.flows.size(), 4u);
}

TEST(IpfixTest, Ipv6AndNtpMicroseconds) {
  ASSERT_EQ(kIpfixV6.size(), 97u);
  Exporting r;
  r.Feed(kIpfixV6);
  ASSERT_EQ(r.sink.flows.size(), 1u);
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.findings()[0].ToString();
  const FlowObservation& f = r.sink.flows[0];
  EXPECT_EQ(f.src.ToString(), "[2001:db8::1]:50000");
  EXPECT_EQ(f.dst.ToString(), "[2001:db8::2]:135");
  EXPECT_EQ(f.first_us, kExportUs + 500'000);
  EXPECT_EQ(f.last_us, f.first_us);
}

TEST(NetflowTest, NotNetflow) {
  EXPECT_FALSE(LooksLikeNetflow(Hex("")));
  EXPECT_FALSE(LooksLikeNetflow(Hex("0005 0002")));
  EXPECT_FALSE(LooksLikeNetflow(Hex("4500 0054 0000 4000 4001 0000 0a00 0001 0a00 0002")));
  std::vector<uint8_t> v5 = kV5;
  v5[3] = 3;  // count 3, 2 records there
  EXPECT_FALSE(LooksLikeNetflow(v5));
  Exporting r;
  r.Feed(Hex("0007 0000"));
  EXPECT_EQ(r.ids(), std::vector<std::string>({"netflow.bad_version"}));
}

// Every packet, and every pair (template first, then the data packet), cut
// at every length: findings with ids and offsets inside the packet, flows
// only from records that were all there, never a crash (run under ASan).
TEST(NetflowTest, CutAtEveryLength) {
  const std::vector<std::vector<uint8_t>> packets = {
      kV5, kV9TemplateAndData, kV9Template, kV9Data, kV9Options, kIpfix, kIpfixWithdraw,
      IpfixDataOnly(), kIpfixV6};
  for (const std::vector<uint8_t>& whole : packets) {
    for (size_t n = 0; n < whole.size(); ++n) {
      std::vector<uint8_t> cut(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(n));
      Exporting r;
      r.Feed(kV9Template);
      r.Feed(kIpfix);
      size_t before = r.sink.flows.size();
      r.Feed(cut);
      r.decoder.Finish(r.sink, r.diagnostics);
      for (size_t i = before; i < r.sink.flows.size(); ++i) {
        EXPECT_EQ(r.sink.flows[i].source.packet, 3u);
        EXPECT_LT(r.sink.flows[i].source.offset, n);
      }
      for (const Finding& f : r.diagnostics.findings()) {
        EXPECT_EQ(f.id.rfind("netflow.", 0), 0u) << f.id;
        if (f.where.packet == 3) {
          EXPECT_LE(f.where.offset, n) << f.ToString();
        }
        EXPECT_FALSE(f.reason.empty());
      }
      EXPECT_LE(r.sink.flows.size() - before, 2u);
    }
  }
}

// LooksLikeNetflow as it read a payload field by field through the cursor
// before it took the header as one block: the two must agree on every input.
bool FirstSetFitsByCursor(ByteCursor& c, uint16_t version) {
  if (c.remaining() < 4) return false;
  uint16_t id = c.U16("set_id");
  uint16_t length = c.U16("set_length");
  bool known = id >= 256 || (version == 9 ? id <= 1 : (id == 2 || id == 3));
  return known && length >= 4 && length - 4u <= c.remaining();
}

bool LooksLikeNetflowByCursor(std::span<const uint8_t> payload) {
  ByteCursor c(payload, ByteOrder::kBig);
  const uint16_t version = c.U16("version");
  const uint16_t second = c.U16("count or length");
  if (!c.ok()) return false;
  switch (version) {
    case 5:
      return second >= 1 && second <= 30 && payload.size() > 24 &&
             payload.size() <= 24u + 48u * second && payload.size() > 24 + 48 * (second - 1u);
    case 9:
      return payload.size() >= 24 && c.Skip(16, "header") && FirstSetFitsByCursor(c, 9);
    case 10:
      return second >= 20 && second >= payload.size() && payload.size() >= 20 &&
             c.Skip(12, "header") && FirstSetFitsByCursor(c, 10);
    default:
      return false;
  }
}

TEST(NetflowTest, LooksLikeNetflowAgreesWithTheCursorReading) {
  uint64_t state = 4242;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state >> 33);
  };
  // Values at and around the limits the checks draw.
  const uint16_t kSeconds[] = {0, 1, 2, 19, 20, 21, 23, 24, 25, 30, 31, 40, 60, 72, 73, 1500};
  const uint16_t kSetIds[] = {0, 1, 2, 3, 4, 255, 256, 1024};
  int accepted = 0;
  for (int round = 0; round < 200000; ++round) {
    std::vector<uint8_t> payload(next() % 80);
    for (uint8_t& b : payload) b = static_cast<uint8_t>(next());
    auto put16 = [&](size_t at, uint16_t v) {
      if (at + 1 < payload.size()) payload[at] = v >> 8, payload[at + 1] = v & 0xff;
    };
    const uint16_t versions[] = {5, 9, 10, static_cast<uint16_t>(next())};
    put16(0, versions[next() % 4]);
    put16(2, next() % 2 ? kSeconds[next() % 16]
                        : static_cast<uint16_t>(payload.size() + next() % 5 - 2));
    const size_t set_at = next() % 2 ? 20 : 16;
    put16(set_at, kSetIds[next() % 8]);
    put16(set_at + 2, static_cast<uint16_t>(payload.size() - set_at + next() % 9 - 4));
    const bool fast = LooksLikeNetflow(payload);
    ASSERT_EQ(fast, LooksLikeNetflowByCursor(payload))
        << "round " << round << ", " << payload.size() << " bytes";
    accepted += fast;
  }
  EXPECT_GE(accepted, 2000);  // both answers are asked often
}

}  // namespace
}  // namespace highport::ingest
