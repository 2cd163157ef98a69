// Test helpers for the NetFlow/IPFIX decoder: annotated hex, and the UDP
// payloads of a classic pcap file (libpcap for the file, ByteCursor for
// Ethernet, 802.1Q, IPv4/IPv6 and UDP: all the samples in
// ../shared/corpus/pcap_netflow need). The real capture reader is
// ingest/pcap*; this one is for tests and the fuzz seeds only.
#pragma once

#include <pcap/pcap.h>

#include <algorithm>
#include <span>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/netflow.h"
#include "model/byte_cursor.h"

namespace highport::ingest::testing {

// Hex digits with anything after '#' on a line ignored, and spaces, '|'
// and newlines between bytes: annotated packets read like a dissection.
inline std::vector<uint8_t> Hex(std::string_view text) {
  std::vector<uint8_t> out;
  int half = -1;
  bool comment = false;
  for (char ch : text) {
    if (ch == '\n') comment = false;
    if (comment) continue;
    if (ch == '#') {
      comment = true;
      continue;
    }
    int v = ch >= '0' && ch <= '9'   ? ch - '0'
            : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
            : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                     : -1;
    if (v < 0) continue;
    if (half < 0) {
      half = v;
    } else {
      out.push_back(static_cast<uint8_t>(half * 16 + v));
      half = -1;
    }
  }
  return out;
}

struct UdpDatagram {
  uint64_t number = 0;  // 1-based frame number in the file
  int64_t time_us = 0;
  Endpoint source;      // the exporter
  uint16_t dst_port = 0;
  std::vector<uint8_t> payload;
};

// Every UDP datagram of an Ethernet pcap file; empty when it cannot be read.
inline std::vector<UdpDatagram> ReadUdpDatagrams(const std::string& path) {
  std::vector<UdpDatagram> out;
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
  if (p == nullptr) return out;
  if (pcap_datalink(p) != DLT_EN10MB) {
    pcap_close(p);
    return out;
  }
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  uint64_t number = 0;
  while (pcap_next_ex(p, &header, &data) == 1) {
    ++number;
    ByteCursor c(std::span<const uint8_t>(data, header->caplen), ByteOrder::kBig);
    c.Skip(12, "macs");
    uint16_t ethertype = c.U16("ethertype");
    while (ethertype == 0x8100 || ethertype == 0x88a8) {
      c.Skip(2, "vlan tag");
      ethertype = c.U16("ethertype");
    }
    UdpDatagram d;
    d.number = number;
    d.time_us = int64_t{header->ts.tv_sec} * 1'000'000 + header->ts.tv_usec;
    d.source.proto = Proto::kUdp;
    uint8_t next = 0;
    if (ethertype == 0x0800) {
      uint8_t vihl = c.U8("version_ihl");
      c.Skip(8, "tos..ttl");
      next = c.U8("protocol");
      c.Skip(2, "checksum");
      d.source.address = IpAddress::V4(c.U32("src"));
      c.Skip(4 + ((vihl & 0x0f) * 4u - 20u), "dst, options");
    } else if (ethertype == 0x86dd) {
      c.Skip(6, "version..payload length");
      next = c.U8("next header");
      c.Skip(1, "hop limit");
      d.source.address = IpAddress::V6(c.Array<16>("src"));
      c.Skip(16, "dst");
    } else {
      continue;
    }
    if (next != 17 || !c.ok()) continue;
    d.source.port = c.U16("src port");
    d.dst_port = c.U16("dst port");
    uint16_t length = c.U16("udp length");
    c.Skip(2, "checksum");
    if (!c.ok() || length < 8) continue;
    std::span<const uint8_t> payload = c.rest().first(std::min<size_t>(c.remaining(), length - 8u));
    d.payload.assign(payload.begin(), payload.end());
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
