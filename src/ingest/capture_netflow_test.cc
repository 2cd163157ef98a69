// NetFlow/IPFIX export packets inside a capture go to the NetFlow decoder,
// not into the UDP conversations (capture.h).
#include <gtest/gtest.h>

#include "ingest/capture.h"
#include "ingest/capture_test_util.h"

namespace highport::ingest {
namespace {

using namespace testing;  // NOLINT: the frame builders

Bytes NetflowV5(uint32_t sequence) {
  ByteWriter w(ByteOrder::kBig);
  w.U16(5);  // version
  w.U16(1);  // count
  w.U32(1000);        // sys_uptime
  w.U32(1700000000);  // unix_secs
  w.U32(0);           // unix_nsecs
  w.U32(sequence);    // flow_sequence
  w.U8(0);
  w.U8(0);
  w.U16(0);
  // One record: 192.0.2.1:50000 -> 192.0.2.2:445 TCP.
  w.Bytes(std::array<uint8_t, 4>{192, 0, 2, 1});
  w.Bytes(std::array<uint8_t, 4>{192, 0, 2, 2});
  w.U32(0);  // nexthop
  w.U16(1);
  w.U16(2);     // input, output
  w.U32(10);    // packets
  w.U32(1000);  // octets
  w.U32(500);   // first
  w.U32(900);   // last
  w.U16(50000);
  w.U16(445);
  w.U8(0);
  w.U8(0x1b);  // tcp flags
  w.U8(6);
  w.U8(0);
  w.U16(0);
  w.U16(0);
  w.U8(24);
  w.U8(24);
  w.U16(0);
  return w.Take();
}

TEST(CaptureNetflowTest, ExportPacketsAreNotConversations) {
  Harness h;
  h.Send(Ipv4(kClient, kServer, 17, Udp(40000, 2055, NetflowV5(1))));
  h.Send(Ipv4(kClient, kServer, 17, Udp(40000, 2055, NetflowV5(2))));
  h.reader.Finish();
  EXPECT_EQ(h.reader.stats().netflow_packets, 2u);
  EXPECT_EQ(h.reader.stats().udp_conversations, 0u);
  ASSERT_EQ(h.sink.flows.size(), 2u);  // the two exported records
  EXPECT_EQ(h.sink.flows[0].dst.ToString(), "192.0.2.2:445");
}

TEST(CaptureNetflowTest, ADamagedExportPacketIsReportedNotAConversation) {
  Harness h;
  h.Send(Ipv4(kClient, kServer, 17, Udp(40000, 12345, NetflowV5(1))));
  h.Send(Ipv4(kClient, kServer, 17, Udp(40000, 12345, NetflowV5(2))));  // a known exporter now
  Bytes cut = NetflowV5(3);
  cut.resize(30);  // its count says one record, and half of it is there
  h.Send(Ipv4(kClient, kServer, 17, Udp(40000, 12345, cut)));
  // To a NetFlow port from a new source, as damaged.
  Bytes other = NetflowV5(1);
  other[3] = 0;  // count 0
  h.Send(Ipv4(kServer, kClient, 17, Udp(40001, 2055, other)));
  h.reader.Finish();
  EXPECT_EQ(h.reader.stats().netflow_packets, 4u);
  EXPECT_EQ(h.reader.stats().udp_conversations, 0u);
  EXPECT_EQ(h.sink.flows.size(), 2u);
  EXPECT_EQ(h.diagnostics.findings().size(), 2u);
  for (const Finding& f : h.diagnostics.findings()) EXPECT_EQ(f.id.rfind("netflow.", 0), 0u) << f.ToString();
}

TEST(CaptureNetflowTest, AutoDetectionNeedsTwoInARow) {
  Harness h;
  h.Send(Ipv4(kClient, kServer, 17, Udp(40000, 12345, NetflowV5(1))));
  h.Send(Ipv4(kClient, kServer, 17, Udp(40000, 12345, NetflowV5(2))));
  h.Send(Ipv4(kClient, kServer, 17, Udp(40000, 12345, NetflowV5(3))));
  // A lone NetFlow-looking datagram from another source stays a UDP conversation.
  h.Send(Ipv4(kServer, kClient, 17, Udp(40001, 23456, NetflowV5(1))));
  h.reader.Finish();
  EXPECT_EQ(h.reader.stats().netflow_packets, 3u);
  EXPECT_EQ(h.reader.stats().netflow_exporters, 1u);
  EXPECT_EQ(h.reader.stats().udp_conversations, 1u);
  EXPECT_EQ(h.sink.flows.size(), 3u + 1);
}

TEST(CaptureNetflowTest, AutoDetectionCanBeTurnedOff) {
  CaptureOptions options;
  options.netflow_auto = false;
  Harness h(options);
  h.Send(Ipv4(kClient, kServer, 17, Udp(40000, 12345, NetflowV5(1))));
  h.Send(Ipv4(kClient, kServer, 17, Udp(40000, 12345, NetflowV5(2))));
  h.reader.Finish();
  EXPECT_EQ(h.reader.stats().netflow_packets, 0u);
  EXPECT_EQ(h.reader.stats().udp_conversations, 1u);
}

}  // namespace
}  // namespace highport::ingest
