// Traffic inside the tunnels a capture point meets (contract in packet.h).
// A SPAN session carried to the analyser over GRE (ERSPAN types I, II and
// III), a cloud's traffic mirror (VXLAN on UDP 4789), GRE and IP in IP
// between sites, and below IP, MPLS label stacks and PPPoE sessions. The
// inner packet is the conversation of the network; the outer one is the
// mirror's or the tunnel's transport, so the inner one replaces it. Read
// through a cursor over the whole frame, so that an error in the inner
// packet names its byte in the frame.
#include "fmt/format.h"
#include "ingest/packet.h"

namespace highport::ingest::packet_internal {
namespace {

constexpr uint8_t kIpProtoIpip = 4;
constexpr uint8_t kIpProtoIpv6InIp = 41;
constexpr uint8_t kIpProtoGre = 47;
constexpr uint16_t kVxlanPort = 4789;  // IANA; Linux, AWS and Azure mirrors use it
constexpr int kMaxMplsLabels = 16;
constexpr int kMaxPseudowires = 4;

// GRE (RFC 2784, 2890): flags and version, protocol type, then the checksum,
// key and sequence number where their flags say so. Version 1 (PPTP's
// enhanced GRE) carries PPP, and RFC 1701's routing field is obsolete: both
// are left as they are.
bool DecodeGre(ByteCursor& c, PacketInfo& inner) {
  const uint16_t flags = c.U16Be("gre.flags");
  const uint16_t type = c.U16Be("gre.protocol");
  if (!c.ok() || (flags & 0x0007) != 0 || (flags & 0x4000) != 0) return false;
  const bool checksum = flags & 0x8000, key = flags & 0x2000, sequence = flags & 0x1000;
  c.Skip(4 * (checksum + key + sequence), "gre.options");
  switch (type) {
    case 0x0800:
    case 0x86dd:
      if (!c.ok()) return false;
      DecodeNetwork(type, c, inner);
      return true;
    case 0x6558:  // transparent Ethernet bridging
      if (!c.ok()) return false;
      DecodeEthernet(c, inner);
      return true;
    case 0x88be:  // ERSPAN type II (an 8-byte header; type I has no sequence number and none)
      if (sequence) c.Skip(8, "erspan2.header");
      if (!c.ok()) return false;
      DecodeEthernet(c, inner);
      return true;
    case 0x22eb: {  // ERSPAN type III: 12 bytes, then 8 more where its last bit (O) says so
      const std::span<const uint8_t> header = c.Bytes(12, "erspan3.header");
      if (c.ok() && (header[11] & 0x01) != 0) c.Skip(8, "erspan3.platform");
      if (!c.ok()) return false;
      DecodeEthernet(c, inner);
      return true;
    }
    default: return false;  // PPP, WCCP, NSH...: the outer packet stays
  }
}

// VXLAN (RFC 7348): flags (I set: a network id follows), 24 reserved bits,
// the 24-bit network id, 8 reserved bits, then an Ethernet frame.
bool DecodeVxlan(ByteCursor& c, PacketInfo& inner) {
  const uint8_t flags = c.U8("vxlan.flags");
  c.Skip(7, "vxlan.header");
  if (!c.ok() || (flags & 0x08) == 0) return false;
  DecodeEthernet(c, inner);
  return true;
}

}  // namespace

bool DecodeTunnelled(std::span<const uint8_t> frame, PacketInfo& out) {
  if (out.kind != PacketKind::kIp) return false;
  const bool vxlan = out.protocol == kIpProtoUdp && out.has_ports && out.dst_port == kVxlanPort;
  if (!vxlan && out.protocol != kIpProtoGre && out.protocol != kIpProtoIpip &&
      out.protocol != kIpProtoIpv6InIp) {
    return false;
  }
  if (out.payload.empty() || out.payload_offset + out.payload.size() > frame.size()) return false;
  ByteCursor whole(frame, ByteOrder::kBig);
  whole.Skip(out.payload_offset, "tunnel");
  ByteCursor c = whole.Sub(out.payload.size(), "tunnel.payload");
  PacketInfo inner;
  inner.vlan_depth = out.vlan_depth;
  inner.tunnels = static_cast<uint8_t>(out.tunnels + 1);
  inner.carried_by_udp = out.tunnels == 0 ? vxlan : out.carried_by_udp;
  bool decoded = false;
  if (vxlan) {
    decoded = DecodeVxlan(c, inner);
  } else if (out.protocol == kIpProtoGre) {
    decoded = DecodeGre(c, inner);
  } else {
    DecodeNetwork(out.protocol == kIpProtoIpip ? 0x0800 : 0x86dd, c, inner);
    decoded = true;
  }
  if (decoded) out = inner;
  return decoded;
}

void DecodeMpls(ByteCursor& c, PacketInfo& out) {
  for (int i = 0; i < kMaxMplsLabels; ++i) {
    const uint32_t entry = c.U32Be("mpls.label");
    if (!c.ok()) return (void)Malformed(c, out);
    if ((entry & 0x100) == 0) continue;  // not the bottom of the stack
    // No type field: the first nibble tells IPv4 and IPv6 apart, and 0 is
    // a pseudowire's control word, an Ethernet frame after it.
    const std::span<const uint8_t> rest = c.rest();
    const int nibble = rest.empty() ? -1 : rest[0] >> 4;
    if (nibble == 4) return DecodeNetwork(0x0800, c, out);
    if (nibble == 6) return DecodeNetwork(0x86dd, c, out);
    if (nibble == 0 && c.Skip(4, "mpls.control_word")) {
      // A pseudowire: Ethernet inside, which may hold MPLS again. Counted
      // and bounded as the tunnels above IP are.
      if (++out.tunnels > kMaxPseudowires) {
        c.Fail("mpls.control_word", fmt::format("more than {} nested pseudowires", kMaxPseudowires));
        return (void)Malformed(c, out);
      }
      return DecodeEthernet(c, out);
    }
    out.kind = PacketKind::kNotIp;
    return;
  }
  c.Fail("mpls.label", fmt::format("more than {} labels", kMaxMplsLabels));
  Malformed(c, out);
}

// PPPoE session stage (RFC 2516): version and type, code, session id,
// length, then PPP's protocol: 0x0021 IPv4, 0x0057 IPv6.
void DecodePppoeSession(ByteCursor& c, PacketInfo& out) {
  c.Skip(6, "pppoe.header");
  const uint16_t protocol = c.U16Be("ppp.protocol");
  if (!c.ok()) return (void)Malformed(c, out);
  if (protocol == 0x0021) return DecodeNetwork(0x0800, c, out);
  if (protocol == 0x0057) return DecodeNetwork(0x86dd, c, out);
  out.kind = PacketKind::kNotIp;  // LCP, IPCP, CHAP...
}

}  // namespace highport::ingest::packet_internal
