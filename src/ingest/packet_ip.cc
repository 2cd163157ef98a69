// The network and transport layers of a captured frame (contract in
// packet.h): IPv4 with options and fragments, IPv6 with its extension
// headers, then the TCP or UDP header. A header cut by the snap length (the
// IP header says more than was captured) is not malformed: what was read is
// kept. A header that does not fit inside an IP packet captured whole is.
#include <algorithm>

#include "fmt/format.h"
#include "ingest/packet.h"

namespace highport::ingest::packet_internal {
namespace {

constexpr int kMaxIpv6Headers = 16;

// `p` holds the transport header and payload as captured; `wire` is the
// length the IP header gives for them; `snapped` says bytes are missing.
void DecodeTransport(ByteCursor& p, uint32_t wire, bool snapped, PacketInfo& out) {
  out.kind = PacketKind::kIp;
  if (out.protocol != kIpProtoTcp && out.protocol != kIpProtoUdp) {
    // ICMP, GRE, IP in IP...: no ports; the payload for a tunnel's inner packet.
    out.payload_offset = p.offset();
    out.payload = p.rest();
    out.payload_wire_length = wire;
    return;
  }
  ByteCursor probe = p;  // ports first: enough for a flow even if the rest is cut
  out.src_port = probe.U16Be("transport.src_port");
  out.dst_port = probe.U16Be("transport.dst_port");
  if (!probe.ok()) {
    if (!snapped) Malformed(probe, out);
    return;
  }
  out.has_ports = true;
  size_t header = 8;
  if (out.protocol == kIpProtoTcp) {
    p.Skip(4, "tcp.ports");
    out.seq = p.U32Be("tcp.seq");
    out.ack = p.U32Be("tcp.ack");
    uint16_t offset_flags = p.U16Be("tcp.data_offset");
    out.tcp_flags = static_cast<uint8_t>(offset_flags & 0xff);
    header = static_cast<size_t>(offset_flags >> 12) * 4;
    if (p.ok() && header < 20) {
      p.FailAt(p.offset() - 2, "tcp.data_offset",
               fmt::format("header length {} below 20", header));
    }
    p.Skip(header > 14 ? header - 14 : 0, "tcp.header");
  } else {
    p.Skip(4, "udp.ports");
    uint16_t length = p.U16Be("udp.length");
    p.Skip(2, "udp.checksum");
    if (p.ok() && length < 8) {
      p.FailAt(p.offset() - 4, "udp.length", fmt::format("length {} below 8", length));
    }
    // A UDP length shorter than the IP payload (padding) bounds the payload;
    // a longer one is the sender's error, and the IP length wins.
    if (p.ok() && length >= 8 && length - 8u < p.remaining()) p.Limit(length - 8u, "udp.length");
    if (p.ok() && length >= 8) wire = std::min<uint32_t>(wire, length);
  }
  if (!p.ok()) {
    if (snapped) {
      out.payload = {};
      return;
    }
    Malformed(p, out);
    return;
  }
  out.payload_offset = p.offset();
  out.payload = p.rest();
  out.payload_wire_length = wire > header ? wire - static_cast<uint32_t>(header) : 0;
}

}  // namespace

bool Malformed(ByteCursor& c, PacketInfo& out) {
  out.kind = PacketKind::kMalformed;
  if (c.error()) out.error = *c.error();
  return false;
}

void DecodeNetwork(uint16_t ethertype, ByteCursor& c, PacketInfo& out) {
  if (ethertype == 0x0800) return DecodeIpv4(c, out);
  if (ethertype == 0x86dd) return DecodeIpv6(c, out);
  if (ethertype == 0x8847 || ethertype == 0x8848) return DecodeMpls(c, out);
  if (ethertype == 0x8864) return DecodePppoeSession(c, out);
  out.kind = PacketKind::kNotIp;
}

namespace {

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

}  // namespace

// The usual export packet, read with one bounds check for its 28 header
// bytes: IPv4 without options, not a fragment, UDP, captured whole, lengths
// that hold together. It fills `out` exactly as DecodeIpv4General would
// (packet_quick_test.cc holds the two equal); anything else goes there.
void DecodeIpv4(ByteCursor& c, PacketInfo& out) {
  const std::span<const uint8_t> b = c.rest();
  if (c.ok() && b.size() >= 28 && b[0] == 0x45 && b[9] == kIpProtoUdp &&
      (Be16(&b[6]) & 0x1fff) == 0) {
    const uint16_t total = Be16(&b[2]);
    const uint16_t udp_length = Be16(&b[24]);
    if (total >= 28 && total <= b.size() && udp_length >= 8) {
      out.ip_version = 4;
      out.protocol = kIpProtoUdp;
      std::copy(&b[12], &b[16], out.src.begin());
      std::copy(&b[16], &b[20], out.dst.begin());
      out.ip_length = total;
      out.kind = PacketKind::kIp;
      out.src_port = Be16(&b[20]);
      out.dst_port = Be16(&b[22]);
      out.has_ports = true;
      // A UDP length below the IP payload bounds the payload; above it, the IP length wins.
      const uint32_t wire = std::min<uint32_t>(total - 20u, udp_length);
      out.payload_offset = c.offset() + 28;
      out.payload = b.subspan(28, wire - 8u);
      out.payload_wire_length = wire - 8u;
      c.Skip(total, "ipv4.packet");  // where the general path leaves it
      return;
    }
  }
  DecodeIpv4General(c, out);
}

void DecodeIpv4General(ByteCursor& c, PacketInfo& out) {
  size_t captured = c.remaining();
  size_t start = c.offset();
  uint8_t version_ihl = c.U8("ipv4.version");
  c.Skip(1, "ipv4.tos");
  uint16_t total = c.U16Be("ipv4.total_length");
  c.Skip(2, "ipv4.id");
  uint16_t fragment = c.U16Be("ipv4.fragment");
  c.Skip(1, "ipv4.ttl");
  out.protocol = c.U8("ipv4.protocol");
  c.Skip(2, "ipv4.checksum");
  std::array<uint8_t, 4> src = c.Array<4>("ipv4.src");
  std::array<uint8_t, 4> dst = c.Array<4>("ipv4.dst");
  if (!c.ok()) return (void)Malformed(c, out);
  out.ip_version = 4;
  std::copy(src.begin(), src.end(), out.src.begin());
  std::copy(dst.begin(), dst.end(), out.dst.begin());
  size_t header = static_cast<size_t>(version_ihl & 0x0f) * 4;
  if ((version_ihl >> 4) != 4) {
    c.FailAt(start, "ipv4.version", fmt::format("version {} in an IPv4 header", version_ihl >> 4));
    return (void)Malformed(c, out);
  }
  if (header < 20) {
    c.FailAt(start, "ipv4.ihl", fmt::format("header length {} below 20", header));
    return (void)Malformed(c, out);
  }
  // Captures taken before segmentation offload write total_length 0.
  size_t length = total == 0 ? captured : total;
  if (length < header) {
    c.FailAt(start + 2, "ipv4.total_length",
             fmt::format("total length {} below the header length {}", length, header));
    return (void)Malformed(c, out);
  }
  c.Skip(header - 20, "ipv4.options");
  if (!c.ok()) return (void)Malformed(c, out);
  out.ip_length = static_cast<uint32_t>(length);
  bool snapped = captured < length;
  ByteCursor payload = c.Sub(std::min(length, captured) - header, "ipv4.payload");
  if ((fragment & 0x1fff) != 0) {
    out.kind = PacketKind::kLaterFragment;
    return;
  }
  DecodeTransport(payload, static_cast<uint32_t>(length - header), snapped, out);
}

void DecodeIpv6(ByteCursor& c, PacketInfo& out) {
  size_t start = c.offset();
  uint32_t version_class_flow = c.U32Be("ipv6.version");
  uint16_t payload_length = c.U16Be("ipv6.payload_length");
  uint8_t next = c.U8("ipv6.next_header");
  c.Skip(1, "ipv6.hop_limit");
  out.src = c.Array<16>("ipv6.src");
  out.dst = c.Array<16>("ipv6.dst");
  if (!c.ok()) return (void)Malformed(c, out);
  out.ip_version = 6;
  if ((version_class_flow >> 28) != 6) {
    c.FailAt(start, "ipv6.version",
             fmt::format("version {} in an IPv6 header", version_class_flow >> 28));
    return (void)Malformed(c, out);
  }
  size_t captured = c.remaining();
  // A jumbogram (RFC 2675) says 0 here and its length in hop-by-hop options.
  size_t length = payload_length == 0 && next == 0 ? captured : payload_length;
  out.ip_length = static_cast<uint32_t>(40 + length);
  bool snapped = captured < length;
  ByteCursor p = c.Sub(std::min(length, captured), "ipv6.payload");
  for (int i = 0; i < kMaxIpv6Headers; ++i) {
    switch (next) {
      case 0:     // hop-by-hop options
      case 43:    // routing
      case 60:    // destination options
      case 135:   // mobility
      case 139:   // HIP
      case 140: { // shim6
        next = p.U8("ipv6.ext.next_header");
        uint8_t units = p.U8("ipv6.ext.length");
        p.Skip(static_cast<size_t>(units + 1) * 8 - 2, "ipv6.ext.data");
        break;
      }
      case 44: {  // fragment
        next = p.U8("ipv6.fragment.next_header");
        p.Skip(1, "ipv6.fragment.reserved");
        uint16_t offset_flags = p.U16Be("ipv6.fragment.offset");
        p.Skip(4, "ipv6.fragment.id");
        if (p.ok() && (offset_flags >> 3) != 0) {
          out.protocol = next;
          out.kind = PacketKind::kLaterFragment;
          return;
        }
        break;
      }
      case 51: {  // authentication header: length in 4-byte units, minus 2
        next = p.U8("ipv6.ah.next_header");
        uint8_t units = p.U8("ipv6.ah.length");
        p.Skip(static_cast<size_t>(units + 2) * 4 - 2, "ipv6.ah.data");
        break;
      }
      default: {
        out.protocol = next;
        size_t used = p.offset() - (start + 40);
        uint32_t wire = length > used ? static_cast<uint32_t>(length - used) : 0;
        return DecodeTransport(p, wire, snapped, out);
      }
    }
    if (!p.ok()) {
      if (snapped) {  // the extension headers run past the snap length
        out.protocol = next;
        out.kind = PacketKind::kIp;
        return;
      }
      return (void)Malformed(p, out);
    }
  }
  p.Fail("ipv6.next_header", fmt::format("more than {} extension headers", kMaxIpv6Headers));
  Malformed(p, out);
}

}  // namespace highport::ingest::packet_internal
