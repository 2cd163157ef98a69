// The plain pcap reader (capture_file.cc, ReadPlain) against libpcap: the
// same packets, numbers, times and findings, for files it reads whole and
// for files whose oddities or damage hand the rest to libpcap part way.
#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "ingest/capture.h"
#include "ingest/capture_test_util.h"

namespace highport::ingest {
namespace {

using testing::Bytes;

struct Outcome {
  std::vector<std::string> flows;
  std::vector<std::string> findings;
  uint64_t packets = 0, bytes = 0, captured = 0;
  std::map<int, uint64_t> by_link_type;

  bool operator==(const Outcome&) const = default;
};

std::string Describe(const FlowObservation& f) {
  return fmt::format("{} > {} first {} last {} packets {} bytes {} at {}", f.src.ToString(),
                     f.dst.ToString(), f.first_us, f.last_us, f.packets, f.bytes,
                     f.source.ToString());
}

Outcome Collect(const CollectingSink& sink, const Diagnostics& diagnostics) {
  Outcome out;
  for (const FlowObservation& f : sink.flows) out.flows.push_back(Describe(f));
  for (const Finding& f : diagnostics.findings()) out.findings.push_back(f.ToString());
  return out;
}

Outcome ViaHighport(const Bytes& file) {
  CollectingSink sink;
  Diagnostics diagnostics;
  Result<CaptureStats> s = ReadCaptureBytes(file, "t.pcap", sink, diagnostics);
  Outcome out = Collect(sink, diagnostics);
  if (!s) {
    out.findings.push_back(s.error().message);
    return out;
  }
  out.packets = s->packets;
  out.bytes = s->bytes;
  out.captured = s->captured_bytes;
  out.by_link_type = s->packets_by_link_type;
  return out;
}

// What ReadAll did before the plain reader: every record through pcap_next_ex.
Outcome ViaLibpcap(const Bytes& file) {
  CollectingSink sink;
  Diagnostics diagnostics;
  Outcome out;
  FILE* f = fmemopen(const_cast<uint8_t*>(file.data()), file.size(), "rb");
  if (f == nullptr) return out;
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, error);
  if (p == nullptr) {
    std::fclose(f);
    out.findings.push_back(fmt::format("t.pcap: cannot read as pcap or pcapng: {}", error));
    return out;
  }
  const int linktype = pcap_datalink(p);
  CaptureReader reader("t.pcap", sink, diagnostics);
  uint64_t number = 0;
  for (;;) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(p, &header, &data);
    if (rc == 1) {
      const int64_t us = std::clamp<int64_t>(header->ts.tv_sec, 0, int64_t{1} << 40) * 1'000'000 +
                         std::clamp<int64_t>(header->ts.tv_usec, 0, 999'999);
      reader.ReadPacket(linktype, us, std::span(data, header->caplen), ++number, header->len);
      continue;
    }
    if (rc != PCAP_ERROR_BREAK) {
      diagnostics.Report(Finding{Finding::Severity::kWarning, "capture.truncated_file",
                                 SourceRef{"t.pcap", 0, number + 1, 0},
                                 fmt::format("reading stopped: {}", pcap_geterr(p))});
    }
    break;
  }
  pcap_close(p);
  reader.Finish();
  out = Collect(sink, diagnostics);
  out.packets = reader.stats().packets;
  out.bytes = reader.stats().bytes;
  out.captured = reader.stats().captured_bytes;
  out.by_link_type = reader.stats().packets_by_link_type;
  return out;
}

// A pcap file written field by field, so that every header value can be odd.
struct RawRecord {
  uint32_t seconds = 0, fraction = 0, caplen = 0, len = 0;
  Bytes frame;
};
Bytes RawPcap(ByteOrder order, uint32_t magic, uint16_t minor, uint32_t snaplen,
              uint32_t linktype, const std::vector<RawRecord>& records) {
  ByteWriter w(order);
  w.U32(magic);
  w.U16(2);
  w.U16(minor);
  w.U32(0);
  w.U32(0);
  w.U32(snaplen);
  w.U32(linktype);
  for (const RawRecord& r : records) {
    w.U32(r.seconds);
    w.U32(r.fraction);
    w.U32(r.caplen);
    w.U32(r.len);
    w.Bytes(r.frame);
  }
  return w.Take();
}

// Raw IPv4 (link type 228) UDP datagrams between two hosts, one port pair each.
std::vector<RawRecord> Datagrams(int n, uint32_t fraction_scale) {
  std::vector<RawRecord> out;
  for (int i = 0; i < n; ++i) {
    std::vector<uint8_t> payload(10 + 7 * i, static_cast<uint8_t>(i));
    Bytes frame = testing::Ipv4(testing::kClient, testing::kServer, 17,
                                testing::Udp(static_cast<uint16_t>(40000 + i), 53, payload));
    RawRecord r;
    r.seconds = 1'700'000'000 + static_cast<uint32_t>(i);
    r.fraction = static_cast<uint32_t>(123'456 + i) * fraction_scale;
    r.caplen = r.len = static_cast<uint32_t>(frame.size());
    r.frame = std::move(frame);
    out.push_back(std::move(r));
  }
  return out;
}

constexpr uint32_t kMicro = 0xa1b2c3d4, kNano = 0xa1b23c4d;
constexpr uint32_t kRawIpv4 = 228;

void ExpectSame(const Bytes& file, const std::string& what) {
  const Outcome mine = ViaHighport(file);
  const Outcome theirs = ViaLibpcap(file);
  EXPECT_EQ(mine, theirs) << what;
}

TEST(PlainPcapTest, AgreesWithLibpcapOnPlainFiles) {
  for (ByteOrder order : {ByteOrder::kLittle, ByteOrder::kBig}) {
    ExpectSame(RawPcap(order, kMicro, 4, 65535, kRawIpv4, Datagrams(6, 1)), "micro");
    ExpectSame(RawPcap(order, kNano, 4, 65535, kRawIpv4, Datagrams(6, 1000)), "nano");
    // LINKTYPE_RAW, which libpcap reports as DLT_RAW.
    ExpectSame(RawPcap(order, kMicro, 4, 65535, 101, Datagrams(6, 1)), "LINKTYPE_RAW");
  }
  const Outcome mine = ViaHighport(RawPcap(ByteOrder::kLittle, kMicro, 4, 65535, kRawIpv4,
                                           Datagrams(6, 1)));
  EXPECT_EQ(mine.packets, 6u);
  EXPECT_EQ(mine.by_link_type, (std::map<int, uint64_t>{{228, 6}}));
  ASSERT_EQ(mine.flows.size(), 6u);
  EXPECT_TRUE(mine.findings.empty());
}

TEST(PlainPcapTest, OdditiesHandTheRestToLibpcap) {
  {
    std::vector<RawRecord> r = Datagrams(5, 1);
    r[2].caplen = r[2].len = 70;  // longer than the snapshot length: libpcap cuts it to 60
    r[2].frame.resize(70);
    ExpectSame(RawPcap(ByteOrder::kLittle, kMicro, 4, 60, kRawIpv4, r), "caplen > snaplen");
  }
  {
    std::vector<RawRecord> r = Datagrams(5, 1);
    r[1].seconds = 0x80000000u;  // negative as libpcap's 32-bit time
    r[3].fraction = 2'000'000;   // more than a second of microseconds
    ExpectSame(RawPcap(ByteOrder::kLittle, kMicro, 4, 65535, kRawIpv4, r), "odd times");
  }
  {
    std::vector<RawRecord> r = Datagrams(5, 1);
    r[1].caplen = 400'000;  // beyond any snapshot length, with too few bytes after it
    ExpectSame(RawPcap(ByteOrder::kBig, kMicro, 4, 65535, kRawIpv4, r), "huge caplen");
  }
  {
    std::vector<RawRecord> r = Datagrams(4, 1);
    r[1].len = 1;  // shorter than what was captured
    ExpectSame(RawPcap(ByteOrder::kLittle, kMicro, 4, 65535, kRawIpv4, r), "len < caplen");
  }
  // Headers the plain reader leaves to libpcap from the start.
  ExpectSame(RawPcap(ByteOrder::kLittle, kMicro, 3, 65535, kRawIpv4, Datagrams(3, 1)), "2.3");
  ExpectSame(RawPcap(ByteOrder::kLittle, kMicro, 4, 0, kRawIpv4, Datagrams(3, 1)), "snaplen 0");
}

TEST(PlainPcapTest, AgreesWithLibpcapCutAtEveryLength) {
  const Bytes whole = RawPcap(ByteOrder::kLittle, kMicro, 4, 65535, kRawIpv4, Datagrams(4, 1));
  for (size_t n = 1; n <= whole.size(); ++n) {  // 0: "empty", said before libpcap
    ExpectSame(Bytes(whole.begin(), whole.begin() + static_cast<ptrdiff_t>(n)),
               fmt::format("cut at {}", n));
  }
}

}  // namespace
}  // namespace highport::ingest
