// The link, network and transport layers of hand-made frames (packet.h):
// each link type, VLAN stacks, IPv4 options and fragments, IPv6 extension
// headers, and every frame cut at every length.
#include <gtest/gtest.h>

#include "ingest/capture.h"
#include "ingest/capture_test_util.h"
#include "ingest/packet.h"

namespace highport::ingest {
namespace {

using namespace testing;  // NOLINT: the frame builders

Bytes SynIpv4() { return Ipv4(kClient, kServer, 6, Tcp(50000, 135, 1000, 0, kTcpSyn)); }

void ExpectSyn(const PacketInfo& p) {
  ASSERT_EQ(p.kind, PacketKind::kIp) << p.error.ToString();
  EXPECT_EQ(p.ip_version, 4);
  EXPECT_EQ(p.src[3], 1);
  EXPECT_EQ(p.dst[3], 2);
  EXPECT_EQ(p.protocol, 6);
  EXPECT_TRUE(p.has_ports);
  EXPECT_EQ(p.src_port, 50000);
  EXPECT_EQ(p.dst_port, 135);
  EXPECT_EQ(p.tcp_flags, kTcpSyn);
  EXPECT_EQ(p.seq, 1000u);
  EXPECT_EQ(p.ip_length, 40u);
}

TEST(PacketTest, Ethernet) {
  Bytes frame = Ethernet(SynIpv4());
  PacketInfo p = DecodePacket(kLinkEthernet, frame);
  ExpectSyn(p);
  EXPECT_EQ(p.payload_offset, 14u + 20 + 20);
}

TEST(PacketTest, EthernetPaddingIsNotPayload) {
  Bytes frame = Ethernet(Ipv4(kClient, kServer, 17, Udp(5000, 53, std::array<uint8_t, 2>{1, 2})));
  frame.resize(60, 0);  // padded to the Ethernet minimum
  PacketInfo p = DecodePacket(kLinkEthernet, frame);
  ASSERT_EQ(p.kind, PacketKind::kIp);
  EXPECT_EQ(p.payload.size(), 2u);
}

TEST(PacketTest, StackedVlanTags) {
  // 802.1ad outer tag (0x88a8, VLAN 100), 802.1Q inner (0x8100, VLAN 200), then IPv4.
  Bytes frame = Ethernet(SynIpv4(), 0x0800, {100, 200});
  PacketInfo p = DecodePacket(kLinkEthernet, frame);
  ExpectSyn(p);
  EXPECT_EQ(p.vlan_depth, 2);
  EXPECT_EQ(p.payload_offset, 14u + 8 + 40);
}

TEST(PacketTest, TooManyVlanTagsIsMalformed) {
  Bytes frame = Ethernet(SynIpv4(), 0x0800, std::vector<uint16_t>(9, 7));
  PacketInfo p = DecodePacket(kLinkEthernet, frame);
  EXPECT_EQ(p.kind, PacketKind::kMalformed);
  EXPECT_EQ(p.error.ToString(), "byte 46: vlan: more than 8 stacked VLAN tags");
}

TEST(PacketTest, ArpAndLlcAreNotIp) {
  EXPECT_EQ(DecodePacket(kLinkEthernet, Ethernet(Bytes(28, 0), 0x0806)).kind, PacketKind::kNotIp);
  EXPECT_EQ(DecodePacket(kLinkEthernet, Ethernet(Bytes(38, 0), 38)).kind, PacketKind::kNotIp);
}

TEST(PacketTest, LinuxSll) {
  Bytes sll = {
      0x00, 0x00,                                      // packet type: to us
      0x00, 0x01,                                      // ARPHRD_ETHER
      0x00, 0x06,                                      // address length
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  // address, padded to 8
      0x08, 0x00,                                      // protocol IPv4
  };
  ExpectSyn(DecodePacket(kLinkLinuxSll, Cat({sll, SynIpv4()})));
}

TEST(PacketTest, LinuxSll2) {
  Bytes sll2 = {
      0x08, 0x00,                                      // protocol IPv4
      0x00, 0x00,                                      // reserved
      0x00, 0x00, 0x00, 0x02,                          // interface index
      0x00, 0x01,                                      // ARPHRD_ETHER
      0x04,                                            // packet type: outgoing
      0x06,                                            // address length
      0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,  // address
  };
  ExpectSyn(DecodePacket(kLinkLinuxSll2, Cat({sll2, SynIpv4()})));
}

TEST(PacketTest, RawIpAllNumbers) {
  for (int link : {kLinkRaw, kLinkRawOpenBsd, kLinkRawLinktype, kLinkIpv4}) {
    SCOPED_TRACE(link);
    ExpectSyn(DecodePacket(link, SynIpv4()));
  }
  PacketInfo p = DecodePacket(kLinkRaw, Bytes{0x50, 0, 0, 0});
  EXPECT_EQ(p.kind, PacketKind::kMalformed);
  EXPECT_EQ(p.error.ToString(), "byte 0: ip.version: version 5 is neither 4 nor 6");
}

TEST(PacketTest, LoopbackFamilyInEitherOrder) {
  Bytes host_order = {0x02, 0x00, 0x00, 0x00};  // AF_INET little-endian (DLT_NULL on x86)
  Bytes net_order = {0x00, 0x00, 0x00, 0x02};   // AF_INET big-endian (DLT_LOOP)
  ExpectSyn(DecodePacket(kLinkNull, Cat({host_order, SynIpv4()})));
  ExpectSyn(DecodePacket(kLinkNull, Cat({net_order, SynIpv4()})));
  ExpectSyn(DecodePacket(kLinkLoop, Cat({net_order, SynIpv4()})));
  Bytes darwin_inet6 = {0x1e, 0x00, 0x00, 0x00};  // AF_INET6 = 30 on macOS
  Bytes v6 = Ipv6(V6(1), V6(2), 17, Udp(1, 2, {}));
  EXPECT_EQ(DecodePacket(kLinkNull, Cat({darwin_inet6, v6})).ip_version, 6);
  PacketInfo bad = DecodePacket(kLinkNull, Cat({Bytes{0x07, 0, 0, 0}, SynIpv4()}));
  EXPECT_EQ(bad.error.ToString(), "byte 0: loopback.family: address family 7 is not IPv4 or IPv6");
}

TEST(PacketTest, UnsupportedLinkType) {
  EXPECT_EQ(DecodePacket(147, SynIpv4()).kind, PacketKind::kUnsupportedLink);
  EXPECT_FALSE(IsSupportedLinkType(147));
  EXPECT_EQ(LinkTypeName(147), "link type 147");
}

TEST(PacketTest, Ipv4OptionsAndFragments) {
  Bytes options = {0x01, 0x01, 0x01, 0x00};  // NOP NOP NOP EOL
  Bytes tcp = Tcp(50000, 135, 1, 0, kTcpSyn);
  PacketInfo p = DecodePacket(kLinkRaw, Ipv4(kClient, kServer, 6, tcp, 0, options));
  ASSERT_EQ(p.kind, PacketKind::kIp);
  EXPECT_EQ(p.dst_port, 135);
  EXPECT_EQ(p.ip_length, 44u);  // 24 of IP with options, 20 of TCP
  // First fragment (MF set, offset 0): ports are there.
  PacketInfo first = DecodePacket(kLinkRaw, Ipv4(kClient, kServer, 6, tcp, 0x2000));
  EXPECT_EQ(first.kind, PacketKind::kIp);
  EXPECT_TRUE(first.has_ports);
  // A later fragment (offset 185 * 8): counted, not parsed.
  PacketInfo later = DecodePacket(kLinkRaw, Ipv4(kClient, kServer, 6, tcp, 185));
  EXPECT_EQ(later.kind, PacketKind::kLaterFragment);
}

TEST(PacketTest, Ipv4HeaderErrors) {
  Bytes ip = SynIpv4();
  ip[0] = 0x44;  // IHL 4: 16 bytes
  EXPECT_EQ(DecodePacket(kLinkRaw, ip).error.ToString(), "byte 0: ipv4.ihl: header length 16 below 20");
  ip = SynIpv4();
  ip[2] = 0;
  ip[3] = 12;  // total length below the header
  EXPECT_EQ(DecodePacket(kLinkRaw, ip).error.ToString(),
            "byte 2: ipv4.total_length: total length 12 below the header length 20");
  ip = SynIpv4();
  ip[32] = 0x30;  // TCP data offset 3 words
  EXPECT_EQ(DecodePacket(kLinkRaw, ip).error.ToString(),
            "byte 32: tcp.data_offset: header length 12 below 20");
}

TEST(PacketTest, Ipv6ExtensionHeaders) {
  Bytes hop_by_hop = {60, 0, 1, 4, 0, 0, 0, 0};   // next: destination options; PadN
  Bytes destination = {44, 0, 1, 4, 0, 0, 0, 0};  // next: fragment
  Bytes fragment = {6, 0, 0x00, 0x01, 0, 0, 0, 9};  // next: TCP; offset 0, M set
  Bytes tcp = Tcp(50000, 135, 7, 0, kTcpSyn);
  Bytes frame = Ethernet(Ipv6(V6(1), V6(2), 0, Cat({hop_by_hop, destination, fragment, tcp})),
                         0x86dd);
  PacketInfo p = DecodePacket(kLinkEthernet, frame);
  ASSERT_EQ(p.kind, PacketKind::kIp) << p.error.ToString();
  EXPECT_EQ(p.ip_version, 6);
  EXPECT_EQ(p.protocol, 6);
  EXPECT_EQ(p.dst_port, 135);
  EXPECT_EQ(p.src[15], 1);
  EXPECT_EQ(p.ip_length, 40u + 24 + 20);
  // The same with a fragment offset: a later fragment.
  Bytes later_fragment = {6, 0, 0x00, 0x08, 0, 0, 0, 9};
  frame = Ethernet(Ipv6(V6(1), V6(2), 44, Cat({later_fragment, tcp})), 0x86dd);
  EXPECT_EQ(DecodePacket(kLinkEthernet, frame).kind, PacketKind::kLaterFragment);
  // No next header (59): an IP packet without ports.
  PacketInfo none = DecodePacket(kLinkIpv6, Ipv6(V6(1), V6(2), 59, {}));
  EXPECT_EQ(none.kind, PacketKind::kIp);
  EXPECT_FALSE(none.has_ports);
}

TEST(PacketTest, Ipv6ChainIsBounded) {
  Bytes chain;
  for (int i = 0; i < 20; ++i) chain.insert(chain.end(), {60, 0, 1, 4, 0, 0, 0, 0});
  PacketInfo p = DecodePacket(kLinkIpv6, Ipv6(V6(1), V6(2), 60, chain));
  EXPECT_EQ(p.kind, PacketKind::kMalformed);
  EXPECT_EQ(p.error.ToString(), "byte 168: ipv6.next_header: more than 16 extension headers");
}

TEST(PacketTest, IcmpHasNoPorts) {
  Bytes echo = {8, 0, 0, 0, 0, 1, 0, 1};
  PacketInfo p = DecodePacket(kLinkRaw, Ipv4(kClient, kServer, 1, echo));
  EXPECT_EQ(p.kind, PacketKind::kIp);
  EXPECT_EQ(p.protocol, 1);
  EXPECT_FALSE(p.has_ports);
}

TEST(PacketTest, SnapLengthCutKeepsWhatWasRead) {
  Bytes payload(100, 0xab);
  Bytes ip = Ipv4(kClient, kServer, 6, Tcp(50000, 135, 1, 0, kTcpAck, payload));
  ip.resize(20 + 20 + 10);  // snaplen cut inside the payload
  PacketInfo p = DecodePacket(kLinkRaw, ip);
  ASSERT_EQ(p.kind, PacketKind::kIp);
  EXPECT_EQ(p.payload.size(), 10u);
  EXPECT_EQ(p.payload_wire_length, 100u);
  EXPECT_EQ(p.ip_length, 140u);
  ip.resize(20 + 6);  // cut after the ports
  p = DecodePacket(kLinkRaw, ip);
  EXPECT_EQ(p.kind, PacketKind::kIp);
  EXPECT_TRUE(p.has_ports);
  EXPECT_TRUE(p.payload.empty());
}

// Every frame of every link type cut at every length: no crash, no read
// past the cut, and a payload that lies inside the frame.
TEST(PacketTest, TruncatedAtEveryLength) {
  Bytes udp = Udp(5000, 2055, Bytes(12, 0x5a));
  Bytes v6 = Ipv6(V6(1), V6(2), 0, Cat({Bytes{17, 0, 1, 4, 0, 0, 0, 0}, udp}));
  std::vector<std::pair<int, Bytes>> frames = {
      {kLinkEthernet, Ethernet(SynIpv4(), 0x0800, {5, 6})},
      {kLinkEthernet, Ethernet(v6, 0x86dd)},
      {kLinkLinuxSll, Cat({Bytes(14, 0), Bytes{0x86, 0xdd}, v6})},
      {kLinkLinuxSll2, Cat({Bytes{0x08, 0x00}, Bytes(18, 0), SynIpv4()})},
      {kLinkNull, Cat({Bytes{2, 0, 0, 0}, Ipv4(kClient, kServer, 17, udp)})},
      {kLinkRaw, Ipv4(kClient, kServer, 6, Tcp(1, 2, 3, 4, kTcpAck, Bytes(30, 1)), 0,
                      Bytes{1, 1, 1, 0})},
  };
  for (const auto& [link, frame] : frames) {
    for (size_t n = 0; n <= frame.size(); ++n) {
      std::span<const uint8_t> cut(frame.data(), n);
      PacketInfo p = DecodePacket(link, cut);
      if (p.kind == PacketKind::kMalformed) {
        EXPECT_LE(p.error.offset, n) << link << " cut at " << n;
      }
      if (!p.payload.empty()) {
        EXPECT_GE(p.payload.data(), cut.data());
        EXPECT_LE(p.payload.data() + p.payload.size(), cut.data() + cut.size());
        EXPECT_EQ(p.payload.data(), cut.data() + p.payload_offset);
      }
    }
  }
}

// Tunnels: the packet inside replaces the one that carries it.
Bytes Gre(uint16_t flags, uint16_t type, std::span<const uint8_t> inner) {
  Bytes header = {static_cast<uint8_t>(flags >> 8), static_cast<uint8_t>(flags & 0xff),
                  static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type & 0xff)};
  const int options = ((flags >> 15) & 1) + ((flags >> 13) & 1) + ((flags >> 12) & 1);
  header.resize(header.size() + 4 * options, 0x77);
  return Cat({header, inner});
}

const std::array<uint8_t, 4> kSensor{192, 0, 2, 50}, kCollector{192, 0, 2, 60};

std::vector<std::pair<std::string, Bytes>> TunnelledSyns() {
  const Bytes syn = SynIpv4();
  const Bytes syn_frame = Ethernet(syn);
  Bytes erspan3_header(12, 0);
  erspan3_header[11] = 0x01;  // O: a platform subheader follows
  return {
      {"GRE, IPv4", Ethernet(Ipv4(kSensor, kCollector, 47, Gre(0, 0x0800, syn)))},
      {"GRE with key, Ethernet", Ethernet(Ipv4(kSensor, kCollector, 47, Gre(0x2000, 0x6558, syn_frame)))},
      {"ERSPAN I", Ethernet(Ipv4(kSensor, kCollector, 47, Gre(0, 0x88be, syn_frame)))},
      {"ERSPAN II", Ethernet(Ipv4(kSensor, kCollector, 47,
                                  Gre(0x1000, 0x88be, Cat({Bytes(8, 0x10), syn_frame}))))},
      {"ERSPAN III", Ethernet(Ipv4(kSensor, kCollector, 47,
                                   Gre(0x1000, 0x22eb, Cat({erspan3_header, Bytes(8, 0), syn_frame}))))},
      {"VXLAN", Ethernet(Ipv4(kSensor, kCollector, 17,
                              Udp(40000, 4789, Cat({Bytes{0x08, 0, 0, 0, 0, 0, 42, 0}, syn_frame}))))},
      {"IPv4 in IPv4", Ethernet(Ipv4(kSensor, kCollector, 4, syn))},
      {"IPv4 in IPv6", Ethernet(Ipv6(V6(50), V6(60), 4, syn), 0x86dd)},
      {"MPLS, two labels", Ethernet(Cat({Bytes{0, 0x10, 0x00, 64, 0, 0x20, 0x01, 64}, syn}), 0x8847)},
      {"PPPoE", Ethernet(Cat({Bytes{0x11, 0, 0, 7, 0, 42, 0x00, 0x21}, syn}), 0x8864)},
      {"GRE in VXLAN", Ethernet(Ipv4(kSensor, kCollector, 17,
                                     Udp(40000, 4789, Cat({Bytes{0x08, 0, 0, 0, 0, 0, 42, 0},
                                                           Ethernet(Ipv4(kSensor, kCollector, 47,
                                                                         Gre(0, 0x0800, syn)))}))))},
  };
}

TEST(PacketTest, TheTrafficInsideTunnelsIsRead) {
  for (const auto& [name, frame] : TunnelledSyns()) {
    SCOPED_TRACE(name);
    PacketInfo p = DecodePacket(kLinkEthernet, frame);
    ExpectSyn(p);
    const bool below_ip = name.starts_with("MPLS") || name.starts_with("PPPoE");
    EXPECT_EQ(p.tunnels, below_ip ? 0 : name == "GRE in VXLAN" ? 2 : 1);
    EXPECT_EQ(p.payload_offset, frame.size());  // the SYN's payload: none, at the end
  }
}

TEST(PacketTest, ATunnelHighportDoesNotReadLeavesItsCarrier) {
  // PPTP's enhanced GRE (version 1) carries PPP; a GRE header cut by the
  // snap length; a UDP datagram to 4789 without VXLAN's I flag.
  const Bytes syn = SynIpv4();
  for (const Bytes& frame : {Ethernet(Ipv4(kSensor, kCollector, 47, Gre(0x0001, 0x880b, syn))),
                             Ethernet(Ipv4(kSensor, kCollector, 47, Bytes{0x00})),
                             Ethernet(Ipv4(kSensor, kCollector, 17, Udp(40000, 4789, Bytes(40, 0))))}) {
    PacketInfo p = DecodePacket(kLinkEthernet, frame);
    ASSERT_EQ(p.kind, PacketKind::kIp);
    EXPECT_EQ(p.tunnels, 0);
    EXPECT_EQ(p.src[3], 50);  // the carrier's own addresses
  }
  // A damaged packet inside a tunnel names its byte in the whole frame.
  Bytes bad = Ipv4(kClient, kServer, 6, Tcp(50000, 135, 1000, 0, kTcpSyn));
  bad[0] = 0x41;  // header length 4 bytes
  PacketInfo p = DecodePacket(kLinkEthernet, Ethernet(Ipv4(kSensor, kCollector, 47, Gre(0, 0x0800, bad))));
  ASSERT_EQ(p.kind, PacketKind::kMalformed);
  EXPECT_EQ(p.error.offset, 14u + 20 + 4);
  EXPECT_EQ(p.error.field, "ipv4.ihl");
}

TEST(PacketTest, NestedPseudowiresAreBounded) {
  // MPLS, a control word, Ethernet holding MPLS again: a hostile frame can
  // nest it thousands deep.
  Bytes frame = SynIpv4();
  frame = Ethernet(frame);
  for (int i = 0; i < 2000; ++i) frame = Ethernet(Cat({Bytes{0, 0x10, 0x01, 64, 0, 0, 0, 0}, frame}), 0x8847);
  PacketInfo p = DecodePacket(kLinkEthernet, frame);
  ASSERT_EQ(p.kind, PacketKind::kMalformed);
  EXPECT_EQ(p.error.field, "mpls.control_word");
  // Two deep is read.
  Bytes two = Ethernet(Cat({Bytes{0, 0x10, 0x01, 64, 0, 0, 0, 0},
                            Ethernet(Cat({Bytes{0, 0x10, 0x01, 64, 0, 0, 0, 0}, Ethernet(SynIpv4())}), 0x8847)}),
                       0x8847);
  ExpectSyn(DecodePacket(kLinkEthernet, two));
}

TEST(PacketTest, TunnelsCutAtEveryLength) {
  for (const auto& [name, frame] : TunnelledSyns()) {
    for (size_t n = 0; n <= frame.size(); ++n) {
      std::span<const uint8_t> cut(frame.data(), n);
      PacketInfo p = DecodePacket(kLinkEthernet, cut);
      if (p.kind == PacketKind::kMalformed) {
        EXPECT_LE(p.error.offset, n) << name << " cut at " << n;
      }
      if (!p.payload.empty()) {
        EXPECT_EQ(p.payload.data(), cut.data() + p.payload_offset) << name << " cut at " << n;
        EXPECT_LE(p.payload_offset + p.payload.size(), n) << name << " cut at " << n;
      }
    }
  }
}

TEST(CaptureTest, LooksLikeCapture) {
  EXPECT_TRUE(LooksLikeCapture(std::string_view("\xd4\xc3\xb2\xa1", 4)));  // pcap, little-endian
  EXPECT_TRUE(LooksLikeCapture(std::string_view("\xa1\xb2\xc3\xd4", 4)));  // pcap, big-endian
  EXPECT_TRUE(LooksLikeCapture(std::string_view("\x4d\x3c\xb2\xa1", 4)));  // nanosecond, LE
  EXPECT_TRUE(LooksLikeCapture(std::string_view("\xa1\xb2\x3c\x4d", 4)));  // nanosecond, BE
  // pcapng section header block with its byte-order magic at offset 8.
  EXPECT_TRUE(LooksLikeCapture(std::string_view("\x0a\x0d\x0d\x0a\x1c\0\0\0\x4d\x3c\x2b\x1a", 12)));
  EXPECT_TRUE(LooksLikeCapture(std::string_view("\x0a\x0d\x0d\x0a\0\0\0\x1c\x1a\x2b\x3c\x4d", 12)));
  EXPECT_FALSE(LooksLikeCapture(std::string_view("\x0a\x0d\x0d\x0a\x1c\0\0\0abcd", 12)));
  EXPECT_FALSE(LooksLikeCapture("Proto  Local Address"));
  EXPECT_FALSE(LooksLikeCapture(std::string_view("\xd4\xc3", 2)));
}

}  // namespace
}  // namespace highport::ingest
