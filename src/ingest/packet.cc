// The link layer of a captured frame: which EtherType (or IP version)
// follows, through Ethernet VLAN stacks, Linux cooked headers and loopback
// address families. The network layer is in packet_ip.cc.
#include "ingest/packet.h"

#include "fmt/format.h"

namespace highport::ingest {
namespace {

using packet_internal::DecodeEthernet;
using packet_internal::DecodeNetwork;
using packet_internal::Malformed;

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86dd;
constexpr uint16_t kEtherVlan = 0x8100;      // 802.1Q
constexpr uint16_t kEtherQinQ = 0x88a8;      // 802.1ad service tag
constexpr uint16_t kEtherQinQOld = 0x9100;   // pre-standard QinQ
constexpr uint16_t kEtherMaxLength = 1500;   // below: an 802.3 length, LLC follows
constexpr int kMaxVlanTags = 8;
constexpr int kMaxTunnels = 4;

bool IsVlan(uint16_t type) {
  return type == kEtherVlan || type == kEtherQinQ || type == kEtherQinQOld;
}

// Tags in front of the real EtherType, however many (bounded).
void DecodeVlansThenNetwork(uint16_t type, ByteCursor& c, PacketInfo& out) {
  while (IsVlan(type)) {
    if (++out.vlan_depth > kMaxVlanTags) {
      c.Fail("vlan", fmt::format("more than {} stacked VLAN tags", kMaxVlanTags));
      Malformed(c, out);
      return;
    }
    c.U16Be("vlan.tci");
    type = c.U16Be("vlan.ethertype");
    if (!c.ok()) {
      Malformed(c, out);
      return;
    }
  }
  out.ethertype = type;
  DecodeNetwork(type, c, out);
}

}  // namespace

void packet_internal::DecodeEthernet(ByteCursor& c, PacketInfo& out) {
  c.Skip(12, "ethernet.addresses");
  uint16_t type = c.U16Be("ethernet.ethertype");
  if (!c.ok()) {
    Malformed(c, out);
    return;
  }
  if (type <= kEtherMaxLength) {  // 802.3 with LLC/SNAP: STP, CDP, NetBIOS...
    out.ethertype = type;
    out.kind = PacketKind::kNotIp;
    return;
  }
  DecodeVlansThenNetwork(type, c, out);
}

namespace {

// SLL: packet type, ARPHRD type, address length, 8 address bytes, protocol.
void DecodeSll(ByteCursor& c, PacketInfo& out) {
  c.Skip(14, "sll.header");
  uint16_t protocol = c.U16Be("sll.protocol");
  if (!c.ok()) {
    Malformed(c, out);
    return;
  }
  DecodeVlansThenNetwork(protocol, c, out);
}

// SLL2: protocol first, then reserved, interface index, ARPHRD type, packet
// type, address length and 8 address bytes.
void DecodeSll2(ByteCursor& c, PacketInfo& out) {
  uint16_t protocol = c.U16Be("sll2.protocol");
  c.Skip(18, "sll2.header");
  if (!c.ok()) {
    Malformed(c, out);
    return;
  }
  DecodeVlansThenNetwork(protocol, c, out);
}

// The address families BSD-derived stacks, Linux and Windows use for IPv6.
bool IsInet6Family(uint32_t family) {
  return family == 10 || family == 23 || family == 24 || family == 28 || family == 30;
}

void DecodeLoopback(ByteCursor& c, PacketInfo& out) {
  size_t at = c.offset();
  uint32_t family = c.U32Le("loopback.family");
  if (!c.ok()) {
    Malformed(c, out);
    return;
  }
  // Written in the capturing host's order (DLT_NULL) or network order
  // (DLT_LOOP); the family is small, so the other order shows as > 0xffff.
  if (family > 0xffff) family = __builtin_bswap32(family);
  if (family == 2) {
    out.ethertype = kEtherIpv4;
  } else if (IsInet6Family(family)) {
    out.ethertype = kEtherIpv6;
  } else {
    c.FailAt(at, "loopback.family", fmt::format("address family {} is not IPv4 or IPv6", family));
    Malformed(c, out);
    return;
  }
  DecodeNetwork(out.ethertype, c, out);
}

// Raw IP: the version nibble says which.
void DecodeRaw(ByteCursor& c, PacketInfo& out) {
  std::span<const uint8_t> rest = c.rest();
  if (rest.empty()) {
    c.U8("ip.version");
    Malformed(c, out);
    return;
  }
  uint8_t version = rest[0] >> 4;
  if (version == 4) return DecodeNetwork(kEtherIpv4, c, out);
  if (version == 6) return DecodeNetwork(kEtherIpv6, c, out);
  c.Fail("ip.version", fmt::format("version {} is neither 4 nor 6", version));
  Malformed(c, out);
}

}  // namespace

bool IsSupportedLinkType(int linktype) {
  switch (linktype) {
    case kLinkNull:
    case kLinkEthernet:
    case kLinkRaw:
    case kLinkRawOpenBsd:
    case kLinkRawLinktype:
    case kLinkLoop:
    case kLinkLinuxSll:
    case kLinkIpv4:
    case kLinkIpv6:
    case kLinkLinuxSll2: return true;
    default: return false;
  }
}

std::string LinkTypeName(int linktype) {
  switch (linktype) {
    case kLinkNull: return "BSD loopback";
    case kLinkEthernet: return "Ethernet";
    case kLinkRaw:
    case kLinkRawOpenBsd:
    case kLinkRawLinktype: return "raw IP";
    case kLinkLoop: return "OpenBSD loopback";
    case kLinkLinuxSll: return "Linux SLL";
    case kLinkIpv4: return "raw IPv4";
    case kLinkIpv6: return "raw IPv6";
    case kLinkLinuxSll2: return "Linux SLL2";
    default: return fmt::format("link type {}", linktype);
  }
}

PacketInfo DecodePacket(int linktype, std::span<const uint8_t> frame, bool open_tunnels) {
  PacketInfo out;
  ByteCursor c(frame, ByteOrder::kBig);
  switch (linktype) {
    case kLinkEthernet: DecodeEthernet(c, out); break;
    case kLinkLinuxSll: DecodeSll(c, out); break;
    case kLinkLinuxSll2: DecodeSll2(c, out); break;
    case kLinkNull:
    case kLinkLoop: DecodeLoopback(c, out); break;
    case kLinkRaw:
    case kLinkRawOpenBsd:
    case kLinkRawLinktype: DecodeRaw(c, out); break;
    case kLinkIpv4: DecodeNetwork(kEtherIpv4, c, out); break;
    case kLinkIpv6: DecodeNetwork(kEtherIpv6, c, out); break;
    default: out.kind = PacketKind::kUnsupportedLink; break;
  }
  for (int depth = 0; open_tunnels && depth < kMaxTunnels && packet_internal::DecodeTunnelled(frame, out);
       ++depth) {
  }
  return out;
}

}  // namespace highport::ingest
