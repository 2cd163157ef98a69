// Conversations, endpoint-mapper learning and NetFlow routing in a
// CaptureReader fed hand-made frames.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "ingest/capture.h"
#include "ingest/capture_test_util.h"
#include "ingest/packet.h"
#include "rpc/epm.h"
#include "rpc/ndr.h"
#include "rpc/pdu.h"
#include "rpc/tower.h"

namespace highport::ingest {
namespace {

using namespace testing;  // NOLINT: the frame builders

constexpr uint8_t kSynAck = kTcpSyn | kTcpAck;
constexpr uint8_t kFinAck = kTcpFin | kTcpAck;


TEST(CaptureFlowTest, HandshakeFromClient) {
  Harness h;
  h.Tcp4(true, kTcpSyn, 100);
  h.Tcp4(false, kSynAck, 900);
  h.Tcp4(true, kTcpAck, 101);
  h.Tcp4(true, kFinAck, 101);
  h.Tcp4(false, kFinAck, 901);
  h.Tcp4(true, kTcpAck, 102, {}, 2);  // the last ACK lingers into the same connection
  h.reader.Finish();
  ASSERT_EQ(h.sink.flows.size(), 1u);
  const FlowObservation& f = h.sink.flows[0];
  EXPECT_EQ(f.src.ToString(), "10.0.0.1:50000");
  EXPECT_EQ(f.dst.ToString(), "10.0.0.2:135");
  EXPECT_EQ(f.initiator, Initiator::kSource);
  EXPECT_EQ(f.initiator_evidence, InitiatorEvidence::kHandshake);
  EXPECT_EQ(f.packets, 6u);
  EXPECT_EQ(f.bytes, 6u * 40);
  EXPECT_EQ(f.connections, 1u);
  EXPECT_EQ(f.tcp_flags, kTcpSyn | kTcpAck | kTcpFin);
  EXPECT_EQ(f.first_us, 1'000'000);
  EXPECT_EQ(f.last_us, 2'000'000);
  EXPECT_EQ(f.source.ToString(), "t.pcap:packet 1+0");
  EXPECT_EQ(h.reader.stats().tcp_handshakes, 1u);
}

TEST(CaptureFlowTest, ASynAnsweredByAResetWasRefused) {
  Harness h;
  h.Tcp4(true, kTcpSyn, 100, {}, 1, 50000, 49901);
  h.Tcp4(false, kTcpRst | kTcpAck, 0, {}, 1, 50000, 49901);  // nothing listens there
  // A connection that opened and ended in a reset is no refusal.
  h.Tcp4(true, kTcpSyn, 100, {}, 1, 50001, 49902);
  h.Tcp4(false, kSynAck, 900, {}, 1, 50001, 49902);
  h.Tcp4(false, kTcpRst | kTcpAck, 901, {}, 1, 50001, 49902);
  h.reader.Finish();
  ASSERT_EQ(h.sink.flows.size(), 2u);
  const FlowObservation& refused = h.sink.flows[0].dst.port == 49901 ? h.sink.flows[0] : h.sink.flows[1];
  const FlowObservation& opened = h.sink.flows[0].dst.port == 49901 ? h.sink.flows[1] : h.sink.flows[0];
  // SYN without ACK: the flow table counts it an attempt, not a connection.
  EXPECT_EQ(refused.tcp_flags, kTcpSyn | kTcpRst);
  EXPECT_EQ(refused.initiator, Initiator::kSource);
  EXPECT_EQ(refused.packets, 2u);
  EXPECT_EQ(opened.tcp_flags, kTcpSyn | kTcpAck | kTcpRst);
}

TEST(CaptureFlowTest, ASynWrittenAfterTheResetThatAnsweredItWasRefusedToo) {
  Harness h;
  // Two interfaces' blocks out of time order: the reset (at 2 s) is in the
  // file before the SYN it answered (at 1 s).
  h.Tcp4(false, kTcpRst | kTcpAck, 0, {}, 2, 50000, 49901);
  h.Tcp4(true, kTcpSyn, 100, {}, 1, 50000, 49901);
  h.reader.Finish();
  ASSERT_EQ(h.sink.flows.size(), 1u);
  const FlowObservation& f = h.sink.flows[0];
  EXPECT_EQ(f.src.ToString(), "10.0.0.1:50000");
  EXPECT_EQ(f.tcp_flags, kTcpSyn | kTcpRst);  // an attempt
  EXPECT_EQ(f.initiator, Initiator::kSource);
  EXPECT_EQ(f.packets, 2u);
}

TEST(CaptureFlowTest, SynAckAloneNamesTheResponder) {
  Harness h;
  h.Tcp4(false, kSynAck, 900);  // the client's SYN was not captured
  h.Tcp4(true, kTcpAck, 101);
  h.reader.Finish();
  ASSERT_EQ(h.sink.flows.size(), 1u);
  EXPECT_EQ(h.sink.flows[0].src.ToString(), "10.0.0.1:50000");
  EXPECT_EQ(h.sink.flows[0].initiator, Initiator::kSource);
  EXPECT_EQ(h.sink.flows[0].initiator_evidence, InitiatorEvidence::kHandshake);
}

TEST(CaptureFlowTest, SeenMidwayHasNoInitiator) {
  Harness h;
  h.Tcp4(false, kTcpAck | kTcpPsh, 5000, Bytes(10, 1));  // the server speaks first in the capture
  h.Tcp4(true, kTcpAck, 100);
  h.reader.Finish();
  ASSERT_EQ(h.sink.flows.size(), 1u);
  EXPECT_EQ(h.sink.flows[0].src.ToString(), "10.0.0.2:135");  // the first sender
  EXPECT_EQ(h.sink.flows[0].initiator, Initiator::kUnknown);
  EXPECT_EQ(h.sink.flows[0].initiator_evidence, InitiatorEvidence::kNone);
  EXPECT_EQ(h.sink.flows[0].bytes, 50u + 40);
}

TEST(CaptureFlowTest, RetransmittedSynAndPortReuse) {
  Harness h;
  h.Tcp4(true, kTcpSyn, 100);
  h.Tcp4(true, kTcpSyn, 100);  // retransmitted: the same connection
  h.Tcp4(false, kSynAck, 900);
  h.Tcp4(true, kTcpRst, 101);
  EXPECT_EQ(h.sink.flows.size(), 0u);  // closed, lingering
  h.Tcp4(true, kTcpSyn, 7000, {}, 3);  // the same ports again: a new connection
  EXPECT_EQ(h.sink.flows.size(), 1u);
  h.reader.Finish();
  ASSERT_EQ(h.sink.flows.size(), 2u);
  EXPECT_EQ(h.sink.flows[0].packets, 4u);
  EXPECT_EQ(h.sink.flows[1].packets, 1u);
  EXPECT_EQ(h.reader.stats().tcp_connections, 2u);
}

TEST(CaptureFlowTest, ASynSentAgainAfterItsAnswerIsTheSameConnection) {
  Harness h;
  // The SYN-ACK was captured but lost beyond the capture point: 3 s later
  // the client sends its SYN again, with the same sequence number.
  h.Tcp4(true, kTcpSyn, 100, {}, 1);
  h.Tcp4(false, kSynAck, 900, {}, 1);
  h.Tcp4(true, kTcpSyn, 100, {}, 4);
  h.Tcp4(false, kSynAck, 900, {}, 4);
  h.Tcp4(true, kTcpAck, 101, {}, 4);
  EXPECT_EQ(h.sink.flows.size(), 0u);
  // A SYN with another sequence number on the open ports is a new
  // connection (the old one's end was not captured).
  h.Tcp4(true, kTcpSyn, 7000, {}, 9);
  EXPECT_EQ(h.sink.flows.size(), 1u);
  h.reader.Finish();
  ASSERT_EQ(h.sink.flows.size(), 2u);
  EXPECT_EQ(h.sink.flows[0].packets, 5u);
  EXPECT_EQ(h.reader.stats().tcp_connections, 2u);
}

TEST(CaptureFlowTest, TunnelledTrafficIsReadAndSaidSo) {
  Harness h;
  // An ERSPAN II session's SYN and SYN-ACK, as a SPAN collector receives them.
  const std::array<uint8_t, 4> sensor{192, 0, 2, 50}, collector{192, 0, 2, 60};
  auto erspan = [&](const Bytes& ip) {
    Bytes gre = {0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1};  // S: a sequence number follows
    return Ipv4(sensor, collector, 47, Cat({gre, Bytes(8, 0x10), Ethernet(ip)}));
  };
  h.Send(erspan(Ipv4(kClient, kServer, 6, Tcp(50000, 445, 100, 0, kTcpSyn))));
  h.Send(erspan(Ipv4(kServer, kClient, 6, Tcp(445, 50000, 900, 101, kSynAck))));
  h.reader.Finish();
  ASSERT_EQ(h.sink.flows.size(), 1u);
  EXPECT_EQ(h.sink.flows[0].src.ToString(), "10.0.0.1:50000");
  EXPECT_EQ(h.sink.flows[0].dst.ToString(), "10.0.0.2:445");
  EXPECT_EQ(h.reader.stats().tunnelled, 2u);
  ASSERT_EQ(h.diagnostics.findings().size(), 1u);
  EXPECT_EQ(h.diagnostics.findings()[0].id, "capture.tunnelled");
}

TEST(CaptureFlowTest, AVxlanTunnelIsAConversationBesideWhatItCarries) {
  Harness h;
  const std::array<uint8_t, 4> vtep1{192, 0, 2, 50}, vtep2{192, 0, 2, 60};
  auto vxlan = [&](const Bytes& ip) {
    return Ipv4(vtep1, vtep2, 17, Udp(40000, 4789, Cat({Bytes{0x08, 0, 0, 0, 0, 0, 42, 0}, Ethernet(ip)})));
  };
  h.Send(vxlan(Ipv4(kClient, kServer, 6, Tcp(50000, 445, 100, 0, kTcpSyn))));
  h.Send(vxlan(Ipv4(kServer, kClient, 6, Tcp(445, 50000, 900, 101, kSynAck))));
  h.reader.Finish();
  ASSERT_EQ(h.sink.flows.size(), 2u);
  std::set<std::string> got;
  for (const FlowObservation& f : h.sink.flows) got.insert(f.src.ToString() + " " + f.dst.ToString());
  EXPECT_EQ(got, (std::set<std::string>{"10.0.0.1:50000 10.0.0.2:445", "192.0.2.50:40000 192.0.2.60:4789"}));
}

TEST(CaptureFlowTest, ACaptureOfNoIpFrameSaysWhatItHeld) {
  Harness h;
  for (int i = 0; i < 3; ++i) h.reader.ReadPacket(kLinkEthernet, 1'000'000, Ethernet(Bytes(28, 0), 0x0806), ++h.number);
  h.reader.Finish();
  ASSERT_EQ(h.diagnostics.findings().size(), 1u);
  EXPECT_EQ(h.diagnostics.findings()[0].id, "capture.no_ip");
  EXPECT_EQ(h.diagnostics.findings()[0].reason,
            "none of its 3 frame(s) is IP (EtherType 0x0806): nothing to learn from it");
}

TEST(CaptureFlowTest, ClosedConnectionsEndAfterTheLinger) {
  Harness h;
  h.Tcp4(true, kTcpSyn, 100, {}, 10);
  h.Tcp4(false, kTcpRst | kTcpAck, 0, {}, 10);
  h.Tcp4(true, kTcpSyn, 1, {}, 41, 50001);  // 31 s later, another connection
  EXPECT_EQ(h.sink.flows.size(), 1u);       // the first one was let go
  EXPECT_EQ(h.reader.stats().timed_out, 0u);
}

TEST(CaptureFlowTest, IdleTimeoutAndEviction) {
  CaptureOptions options;
  options.udp_idle_timeout_us = 5'000'000;
  options.max_open = 2;
  Harness h(options);
  Bytes dns = Udp(40000, 53, Bytes(20, 0));
  h.Send(Ipv4(kClient, kServer, 17, dns), 1);
  h.Send(Ipv4(kServer, kClient, 17, Udp(53, 40000, Bytes(40, 0))), 2);
  h.Tcp4(true, kTcpSyn, 1, {}, 3);
  h.Tcp4(true, kTcpSyn, 1, {}, 4, 50001);  // a third conversation: the oldest (UDP) goes
  EXPECT_EQ(h.reader.stats().evicted, 1u);
  ASSERT_EQ(h.sink.flows.size(), 1u);
  const FlowObservation& udp = h.sink.flows[0];
  EXPECT_EQ(udp.ip_protocol, 17);
  EXPECT_EQ(udp.src.ToString(), "10.0.0.1:40000");  // the first sender...
  EXPECT_EQ(udp.initiator, Initiator::kUnknown);    // ...is no evidence
  EXPECT_EQ(udp.packets, 2u);
  EXPECT_EQ(udp.bytes, 48u + 68);
  h.Send(Ipv4(kClient, kServer, 17, dns), 20);  // the open ones have been idle too long? TCP: no
  EXPECT_EQ(h.reader.stats().timed_out, 0u);
  h.Send(Ipv4(kClient, kServer, 1, Bytes{8, 0, 0, 0, 0, 1, 0, 1}), 30);  // ICMP
  EXPECT_EQ(h.reader.stats().timed_out, 1u);  // the second DNS query, idle for 10 s
  h.reader.Finish();
  EXPECT_EQ(h.reader.stats().udp_conversations, 2u);
  EXPECT_EQ(h.reader.stats().other_flows, 1u);
  EXPECT_EQ(h.sink.flows.back().src.port, 0);  // ICMP: no ports
}

TEST(CaptureFlowTest, LaterFragmentsAndMalformedPackets) {
  Harness h;
  h.Send(Ipv4(kClient, kServer, 17, Udp(1, 2, Bytes(4, 0)), 100));  // a later fragment
  Bytes bad = Ipv4(kClient, kServer, 6, Tcp(1, 2, 3, 4, kTcpAck));
  bad[32] = 0x20;  // TCP data offset 2
  h.Send(bad);
  h.reader.Finish();
  EXPECT_EQ(h.reader.stats().later_fragments, 1u);
  EXPECT_EQ(h.reader.stats().malformed, 1u);
  ASSERT_EQ(h.diagnostics.findings().size(), 1u);
  EXPECT_EQ(h.diagnostics.findings()[0].ToString(),
            "t.pcap:packet 2+32: tcp.data_offset: header length 8 below 20");
  EXPECT_EQ(h.diagnostics.findings()[0].id, "capture.malformed");
}

// ---- The endpoint mapper ------------------------------------------------------

rpc::SyntaxId Interface(const char* uuid, uint16_t major) {
  return rpc::SyntaxId{*rpc::Uuid::Parse(uuid), major, 0};
}

Bytes LookupAnswer() {
  rpc::LookupResponse r;
  r.num_ents = 2;
  rpc::LookupEntry lsa;
  lsa.annotation = "LSA access";
  rpc::Binding tcp{"ncacn_ip_tcp", "0.0.0.0", uint16_t{49667}, "", {}};
  lsa.tower = rpc::EncodeTower(Interface("12345778-1234-abcd-ef00-0123456789ab", 0),
                               rpc::kNdrTransferSyntax, tcp);
  rpc::LookupEntry pipe;
  rpc::Binding np{"ncacn_np", "\\\\DC01", std::nullopt, "\\PIPE\\lsass", {}};
  pipe.tower = rpc::EncodeTower(Interface("12345778-1234-abcd-ef00-0123456789ab", 0),
                                rpc::kNdrTransferSyntax, np);
  r.entries = {lsa, pipe};
  r.status = 0;
  return rpc::EncodeLookupResponse(r, 2, ByteOrder::kLittle);
}

// bind, ept_lookup request, and its answer in fragments of 64 bytes.
struct EpmConversation {
  Bytes to_server;
  Bytes to_client;
  EpmConversation() {
    rpc::PduFraming f;
    f.call_id = 1;
    rpc::BindBody bind;
    bind.contexts.push_back({0, rpc::kEpmInterface, {rpc::kNdrTransferSyntax}});
    to_server = rpc::EncodeBind(f, bind);
    f.call_id = 2;
    Bytes request = rpc::EncodeRequest(f, 0, rpc::kOpEptLookup,
                                       rpc::EncodeLookupRequest({}, ByteOrder::kLittle), 5840);
    to_server.insert(to_server.end(), request.begin(), request.end());
    to_client = rpc::EncodeResponse(f, 0, LookupAnswer(), 64);
  }
};

// A handshake and the client's bind and lookup request (seq 100 on), whole.
void SendHandshakeAndRequest(Harness& h, const EpmConversation& c) {
  h.Tcp4(true, kTcpSyn, 99);
  h.Tcp4(false, kSynAck, 999);
  h.Tcp4(true, kTcpAck | kTcpPsh, 100, c.to_server);
}

TEST(CaptureEpmTest, LookupAnswerInFragmentsAndSegments) {
  EpmConversation c;
  Harness h;
  SendHandshakeAndRequest(h, c);
  // The answer in 3 segments, the second one twice (a retransmission).
  size_t third = c.to_client.size() / 3;
  std::span<const uint8_t> all(c.to_client);
  h.Tcp4(false, kTcpAck, 1000, all.subspan(0, third));
  h.Tcp4(false, kTcpAck, 1000 + third, all.subspan(third, third));
  h.Tcp4(false, kTcpAck, 1000 + third, all.subspan(third, third));
  h.Tcp4(false, kTcpAck, 1000 + 2 * third, all.subspan(2 * third));
  h.reader.Finish();
  ASSERT_EQ(h.sink.registrations.size(), 1u) << h.diagnostics.findings().size();
  const RpcRegistration& r = h.sink.registrations[0];
  EXPECT_EQ(r.host, "10.0.0.2");
  EXPECT_EQ(r.uuid, "12345778-1234-abcd-ef00-0123456789ab");
  EXPECT_EQ(r.annotation, "LSA access");
  EXPECT_EQ(r.protocol, "ncacn_ip_tcp");
  ASSERT_TRUE(r.endpoint);
  EXPECT_EQ(r.endpoint->ToString(), "10.0.0.2:49667");  // 0.0.0.0 in the tower: the server
  EXPECT_EQ(r.binding, "ncacn_ip_tcp:0.0.0.0[49667]");
  EXPECT_EQ(r.source.ToString(), "t.pcap:packet 7+40");
  EXPECT_EQ(h.reader.stats().rpc_answers, 1u);
  EXPECT_EQ(h.reader.stats().rpc_other_bindings, 1u);  // the named pipe
  EXPECT_TRUE(h.diagnostics.empty());
}

TEST(CaptureEpmTest, AnAnswerWhoseSegmentsCameOutOfOrderIsRead) {
  // The answer in 3 segments; the last overtook the middle one on the way
  // to the capture point.
  EpmConversation c;
  Harness h;
  SendHandshakeAndRequest(h, c);
  size_t third = c.to_client.size() / 3;
  std::span<const uint8_t> all(c.to_client);
  h.Tcp4(false, kTcpAck, 1000, all.subspan(0, third));
  h.Tcp4(false, kTcpAck, 1000 + 2 * third, all.subspan(2 * third));
  h.Tcp4(false, kTcpAck, 1000 + third, all.subspan(third, third));
  h.reader.Finish();
  EXPECT_EQ(h.sink.registrations.size(), 1u);
  EXPECT_EQ(h.reader.stats().rpc_stream_gaps, 0u);
  EXPECT_TRUE(h.diagnostics.findings().empty());
}

TEST(CaptureEpmTest, ARequestAfterBytesTheCaptureLostIsMatchedToItsAnswer) {
  // The capture point dropped 100 bytes of the client's (an earlier call)
  // before its lookup request; the server's answer comes whole. The answer
  // shows the bytes were lost, not overtaken: the request is read at once.
  EpmConversation c;
  Harness h;
  h.Tcp4(true, kTcpSyn, 99);
  h.Tcp4(false, kSynAck, 999);
  const size_t bind = c.to_server[8] | size_t{c.to_server[9]} << 8;  // frag_length
  std::span<const uint8_t> client(c.to_server);
  h.Tcp4(true, kTcpAck | kTcpPsh, 100, client.first(bind));
  h.Tcp4(true, kTcpAck | kTcpPsh, 100 + static_cast<uint32_t>(bind) + 100, client.subspan(bind));
  h.Tcp4(false, kTcpAck | kTcpPsh, 1000, c.to_client);
  h.reader.Finish();
  EXPECT_EQ(h.sink.registrations.size(), 1u);
  EXPECT_EQ(h.reader.stats().rpc_stream_gaps, 1u);
}

TEST(CaptureEpmTest, GapResynchronisesOnTheNextPdu) {
  EpmConversation c;
  Harness h;
  h.Tcp4(true, kTcpAck, 100, c.to_server);
  // The first answer loses its middle segment; the second, whole, is read.
  h.Tcp4(false, kTcpAck, 1000, std::span(c.to_client).subspan(0, 50));
  uint32_t next = 1000 + static_cast<uint32_t>(c.to_client.size());
  rpc::PduFraming f;
  f.call_id = 3;
  Bytes request = rpc::EncodeRequest(f, 0, rpc::kOpEptLookup,
                                     rpc::EncodeLookupRequest({}, ByteOrder::kLittle), 5840);
  h.Tcp4(true, kTcpAck, 100 + static_cast<uint32_t>(c.to_server.size()), request);
  h.Tcp4(false, kTcpAck, next, rpc::EncodeResponse(f, 0, LookupAnswer(), 5840));
  h.reader.Finish();
  EXPECT_EQ(h.sink.registrations.size(), 1u);
  EXPECT_EQ(h.reader.stats().rpc_stream_gaps, 1u);
  // Said, so that a port without its interface has a reason.
  ASSERT_EQ(h.diagnostics.findings().size(), 1u);
  EXPECT_EQ(h.diagnostics.findings()[0].id, "capture.dcerpc_gaps");
}

TEST(CaptureEpmTest, GarbageOnPort135IsIgnoredOrReported) {
  Harness h;
  Bytes junk(300, 0x05);  // starts like rpc_vers 5, minor 5: not a header
  h.Tcp4(true, kTcpSyn, 1);
  h.Tcp4(true, kTcpAck, 2, junk);
  Bytes huge_frag = {5, 0, 2, 3, 0x10, 0, 0, 0, 0x10, 0x00, 0, 0, 1, 0, 0, 0};  // frag_length 16
  h.Tcp4(false, kTcpAck, 9, huge_frag);
  h.reader.Finish();
  EXPECT_TRUE(h.sink.registrations.empty());
}

}  // namespace
}  // namespace highport::ingest
