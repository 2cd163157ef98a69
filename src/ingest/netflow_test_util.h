// Test helpers for the NetFlow/IPFIX decoder: annotated hex, and the UDP
// payloads of a pcap file (libpcap for the file, ingest/packet.h for the
// headers), so the decoder's corpus tests see exactly the export packets,
// without the capture reader's conversation tracking in between.
#pragma once

#include <pcap/pcap.h>

#include <algorithm>
#include <span>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/collecting_sink.h"
#include "ingest/netflow.h"
#include "ingest/packet.h"
#include "model/test_hex.h"
#include "model/byte_cursor.h"

namespace highport::ingest::testing {

using highport::testing::Hex;

struct UdpDatagram {
  uint64_t number = 0;  // 1-based frame number in the file
  int64_t time_us = 0;
  Endpoint source;      // the exporter
  uint16_t dst_port = 0;
  std::vector<uint8_t> payload;
};

// Every UDP datagram of a pcap file, decoded by the capture reader's own
// packet layer (ingest/packet.h); empty when the file cannot be read.
inline std::vector<UdpDatagram> ReadUdpDatagrams(const std::string& path) {
  std::vector<UdpDatagram> out;
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
  if (p == nullptr) return out;
  int linktype = pcap_datalink(p);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  uint64_t number = 0;
  while (pcap_next_ex(p, &header, &data) == 1) {
    ++number;
    PacketInfo packet = DecodePacket(linktype, std::span<const uint8_t>(data, header->caplen));
    if (packet.kind != PacketKind::kIp || packet.protocol != kIpProtoUdp || !packet.has_ports) continue;
    UdpDatagram d;
    d.number = number;
    d.time_us = int64_t{header->ts.tv_sec} * 1'000'000 + header->ts.tv_usec;
    std::array<uint8_t, 16> src = packet.src;
    d.source.address = packet.ip_version == 4
                           ? IpAddress::V4(uint32_t{src[0]} << 24 | uint32_t{src[1]} << 16 |
                                           uint32_t{src[2]} << 8 | src[3])
                           : IpAddress::V6(src);
    d.source.proto = Proto::kUdp;
    d.source.port = packet.src_port;
    d.dst_port = packet.dst_port;
    d.payload.assign(packet.payload.begin(), packet.payload.end());
    out.push_back(std::move(d));
  }
  pcap_close(p);
  return out;
}

struct DecodeResult {
  CollectingSink sink;
  Diagnostics diagnostics;
  NetflowStats stats;
  size_t datagrams = 0;

  std::vector<std::string> ids() const {
    std::vector<std::string> out;
    for (const Finding& f : diagnostics.findings()) out.push_back(f.id);
    return out;
  }
};

// Decodes every datagram of a pcap file with one decoder, then Finish.
inline DecodeResult DecodePcap(const std::string& path, NetflowLimits limits = {}) {
  DecodeResult r;
  NetflowDecoder decoder(limits);
  std::string name = path.substr(path.find_last_of('/') + 1);
  for (const UdpDatagram& d : ReadUdpDatagrams(path)) {
    ++r.datagrams;
    SourceRef where;
    where.file = name;
    where.packet = d.number;
    decoder.Decode(d.source, d.payload, d.time_us, where, r.sink, r.diagnostics);
  }
  decoder.Finish(r.sink, r.diagnostics);
  r.stats = decoder.stats();
  return r;
}

}  // namespace highport::ingest::testing
