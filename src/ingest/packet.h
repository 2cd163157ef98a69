// One captured frame, from its link layer down to the transport ports, read
// through ByteCursor (../../../shared/STYLE.md items 8-10). Sans-I/O: the
// capture reader (capture.h) hands over (link type, bytes) and gets back the
// addresses, ports, TCP flags and the transport payload as captured.
//
// Link types (pcap LINKTYPE_* values as libpcap's pcap_datalink reports them):
//   1    Ethernet, with any stack of 802.1Q / 802.1ad / QinQ tags (at most 8)
//   113  Linux cooked capture (SLL), 276 its version 2 (SLL2)
//   12, 14, 101  raw IP (DLT_RAW on Linux, on OpenBSD, LINKTYPE_RAW);
//   228  raw IPv4, 229 raw IPv6
//   0    BSD loopback (DLT_NULL): a 4-byte address family in the byte order
//        of the capturing host; 108 (DLT_LOOP) the same in network order.
//        Both are accepted in either order: the family values are small.
//
// Inside tunnels (packet_tunnel.cc), the inner packet replaces the outer
// one: GRE carrying IP or Ethernet, ERSPAN types I-III, VXLAN on UDP 4789,
// IPv4 and IPv6 in IP, at most 4 deep; below IP, MPLS label stacks
// (EtherType 0x8847, 0x8848) and PPPoE sessions (0x8864).
//
// IPv4 keeps options out of the payload and tells fragments apart: the first
// fragment has the ports, later ones (offset > 0) are counted, not parsed.
// IPv6 walks at most 16 extension headers (hop-by-hop, routing, fragment,
// destination options, AH, mobility, HIP, shim6). A frame cut short by the
// snap length still gives what it has: the IP header's length is the wire
// length, the payload is what was captured.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "model/byte_cursor.h"

namespace highport::ingest {

inline constexpr int kLinkNull = 0;
inline constexpr int kLinkEthernet = 1;
inline constexpr int kLinkRaw = 12;
inline constexpr int kLinkRawOpenBsd = 14;
inline constexpr int kLinkRawLinktype = 101;
inline constexpr int kLinkLoop = 108;
inline constexpr int kLinkLinuxSll = 113;
inline constexpr int kLinkIpv4 = 228;
inline constexpr int kLinkIpv6 = 229;
inline constexpr int kLinkLinuxSll2 = 276;

bool IsSupportedLinkType(int linktype);
std::string LinkTypeName(int linktype);  // "Ethernet", "Linux SLL2", "link type 147"

inline constexpr uint8_t kIpProtoTcp = 6;
inline constexpr uint8_t kIpProtoUdp = 17;

// TCP flags as FlowObservation::tcp_flags keeps them.
inline constexpr uint8_t kTcpFin = 0x01;
inline constexpr uint8_t kTcpSyn = 0x02;
inline constexpr uint8_t kTcpRst = 0x04;
inline constexpr uint8_t kTcpPsh = 0x08;
inline constexpr uint8_t kTcpAck = 0x10;

enum class PacketKind : uint8_t {
  kIp,               // addresses (and, for TCP and UDP, ports) are filled
  kLaterFragment,    // an IPv4/IPv6 fragment with offset > 0: addresses only
  kNotIp,            // ARP, LLDP, 802.3 LLC, ...: nothing to learn
  kUnsupportedLink,  // a link type highport does not read
  kMalformed,        // `error` says which field at which byte
};

struct PacketInfo {
  PacketKind kind = PacketKind::kNotIp;
  uint8_t ip_version = 0;  // 4 or 6
  std::array<uint8_t, 16> src{};  // IPv4 in the first 4 bytes
  std::array<uint8_t, 16> dst{};
  uint8_t protocol = 0;     // the transport after IPv6 extension headers
  uint32_t ip_length = 0;   // the IP packet's length on the wire, from its header
  bool has_ports = false;   // TCP or UDP header read
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t tcp_flags = 0;    // FIN SYN RST PSH ACK URG ECE CWR, as on the wire
  uint32_t seq = 0;
  uint32_t ack = 0;
  std::span<const uint8_t> payload;  // the transport payload as captured
  size_t payload_offset = 0;         // of payload[0] in the frame
  uint32_t payload_wire_length = 0;  // what the headers say the payload is
  uint16_t vlan_depth = 0;
  uint8_t tunnels = 0;               // tunnel headers passed to reach this packet
  // The outermost tunnel is VXLAN: its UDP datagram between the two tunnel
  // ends is a conversation of the network too (DecodePacket(..., false)).
  bool carried_by_udp = false;
  uint16_t ethertype = 0;            // the last one read (0 for raw IP)
  CursorError error;                 // kMalformed: absolute offset in the frame, field, reason
};

// Never fails outright: bad bytes make kMalformed with `error` filled.
// `open_tunnels` false: the outermost IP packet, whatever it carries.
PacketInfo DecodePacket(int linktype, std::span<const uint8_t> frame, bool open_tunnels = true);

// Internal steps, shared by packet.cc and packet_ip.cc.
namespace packet_internal {
// The network layer at `c` given its EtherType (0x0800, 0x86dd; anything
// else is kNotIp).
void DecodeNetwork(uint16_t ethertype, ByteCursor& c, PacketInfo& out);
void DecodeIpv4(ByteCursor& c, PacketInfo& out);         // plain UDP quickly, else:
void DecodeIpv4General(ByteCursor& c, PacketInfo& out);  // every case
void DecodeIpv6(ByteCursor& c, PacketInfo& out);
void DecodeEthernet(ByteCursor& c, PacketInfo& out);  // from the destination address
void DecodeMpls(ByteCursor& c, PacketInfo& out);           // at the label stack
void DecodePppoeSession(ByteCursor& c, PacketInfo& out);  // at the PPPoE header
// `out` is an IP packet: if it carries a tunnel, the packet inside replaces
// it (true). `frame` is the whole frame `out` was read from.
bool DecodeTunnelled(std::span<const uint8_t> frame, PacketInfo& out);
bool Malformed(ByteCursor& c, PacketInfo& out);  // copies c's error into out; false
}  // namespace packet_internal

}  // namespace highport::ingest
