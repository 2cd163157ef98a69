// Frames and capture files made by hand for the capture tests: each layer
// written field by field with ByteWriter, so that a test reads as an
// annotated packet.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ingest/capture.h"
#include "ingest/collecting_sink.h"
#include "ingest/packet.h"
#include "model/byte_cursor.h"

namespace highport::ingest::testing {

using Bytes = std::vector<uint8_t>;

inline Bytes Cat(std::initializer_list<std::span<const uint8_t>> parts) {
  Bytes out;
  for (std::span<const uint8_t> p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// TCP header, 20 bytes, no options.
inline Bytes Tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                 std::span<const uint8_t> payload = {}) {
  ByteWriter w(ByteOrder::kBig);
  w.U16(sport);
  w.U16(dport);
  w.U32(seq);
  w.U32(ack);
  w.U8(0x50);  // data offset 5 words
  w.U8(flags);
  w.U16(8192);  // window
  w.U16(0);     // checksum (not checked)
  w.U16(0);     // urgent pointer
  w.Bytes(payload);
  return w.Take();
}

inline Bytes Udp(uint16_t sport, uint16_t dport, std::span<const uint8_t> payload) {
  ByteWriter w(ByteOrder::kBig);
  w.U16(sport);
  w.U16(dport);
  w.U16(static_cast<uint16_t>(8 + payload.size()));
  w.U16(0);
  w.Bytes(payload);
  return w.Take();
}

// IPv4 header without options unless given (a multiple of 4 bytes).
inline Bytes Ipv4(std::array<uint8_t, 4> src, std::array<uint8_t, 4> dst, uint8_t protocol,
                  std::span<const uint8_t> payload, uint16_t fragment = 0,
                  std::span<const uint8_t> options = {}) {
  ByteWriter w(ByteOrder::kBig);
  w.U8(static_cast<uint8_t>(0x40 | (5 + options.size() / 4)));  // version 4, IHL
  w.U8(0);                                                       // TOS
  w.U16(static_cast<uint16_t>(20 + options.size() + payload.size()));
  w.U16(0x1234);    // id
  w.U16(fragment);  // flags and fragment offset
  w.U8(64);         // TTL
  w.U8(protocol);
  w.U16(0);  // checksum
  w.Bytes(src);
  w.Bytes(dst);
  w.Bytes(options);
  w.Bytes(payload);
  return w.Take();
}

inline std::array<uint8_t, 16> V6(uint8_t last, uint8_t first = 0xfd) {
  std::array<uint8_t, 16> a{};
  a[0] = first;
  a[15] = last;
  return a;
}

// IPv6 header; `headers` are extension headers already encoded, whose
// chain starts with `next`.
inline Bytes Ipv6(std::array<uint8_t, 16> src, std::array<uint8_t, 16> dst, uint8_t next,
                  std::span<const uint8_t> headers_and_payload) {
  ByteWriter w(ByteOrder::kBig);
  w.U32(0x60000000);  // version 6
  w.U16(static_cast<uint16_t>(headers_and_payload.size()));
  w.U8(next);
  w.U8(64);  // hop limit
  w.Bytes(src);
  w.Bytes(dst);
  w.Bytes(headers_and_payload);
  return w.Take();
}

inline Bytes Ethernet(std::span<const uint8_t> payload, uint16_t ethertype = 0x0800,
                      std::vector<uint16_t> vlans = {}) {
  ByteWriter w(ByteOrder::kBig);
  w.Bytes(std::array<uint8_t, 6>{0x02, 0, 0, 0, 0, 0x02});  // destination MAC
  w.Bytes(std::array<uint8_t, 6>{0x02, 0, 0, 0, 0, 0x01});  // source MAC
  for (size_t i = 0; i < vlans.size(); ++i) {
    w.U16(i == 0 && vlans.size() > 1 ? 0x88a8 : 0x8100);  // outer 802.1ad, inner 802.1Q
    w.U16(vlans[i]);
  }
  w.U16(ethertype);
  w.Bytes(payload);
  return w.Take();
}

// A classic pcap file (little-endian, microseconds) of frames of one link type.
struct Record {
  int64_t ts_us = 0;
  Bytes frame;
};
inline Bytes PcapFile(uint32_t linktype, const std::vector<Record>& records,
                      uint32_t snaplen = 65535) {
  ByteWriter w(ByteOrder::kLittle);
  w.U32(0xa1b2c3d4);
  w.U16(2);
  w.U16(4);
  w.U32(0);  // thiszone
  w.U32(0);  // sigfigs
  w.U32(snaplen);
  w.U32(linktype);
  for (const Record& r : records) {
    w.U32(static_cast<uint32_t>(r.ts_us / 1'000'000));
    w.U32(static_cast<uint32_t>(r.ts_us % 1'000'000));
    w.U32(static_cast<uint32_t>(r.frame.size()));
    w.U32(static_cast<uint32_t>(r.frame.size()));
    w.Bytes(r.frame);
  }
  return w.Take();
}

inline const std::array<uint8_t, 4> kClient{10, 0, 0, 1};
inline const std::array<uint8_t, 4> kServer{10, 0, 0, 2};

struct Harness {
  // A CaptureReader fed raw IP frames, with what it reports.
  explicit Harness(CaptureOptions options = {}) : reader("t.pcap", sink, diagnostics, options) {}
  // A TCP segment as raw IP at `ts` seconds.
  void Tcp4(bool from_client, uint8_t flags, uint32_t seq, std::span<const uint8_t> payload = {},
            int64_t ts = 1, uint16_t client_port = 50000, uint16_t server_port = 135) {
    Bytes tcp = from_client ? Tcp(client_port, server_port, seq, 0, flags, payload)
                            : Tcp(server_port, client_port, seq, 0, flags, payload);
    Send(from_client ? Ipv4(kClient, kServer, 6, tcp) : Ipv4(kServer, kClient, 6, tcp), ts);
  }
  void Send(const Bytes& ip, int64_t ts = 1) {
    reader.ReadPacket(kLinkRaw, ts * 1'000'000, ip, ++number);
  }
  CollectingSink sink;
  Diagnostics diagnostics;
  CaptureReader reader;
  uint64_t number = 0;
};

}  // namespace highport::ingest::testing
