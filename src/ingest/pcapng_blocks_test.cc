#include "ingest/pcapng_blocks.h"

#include "fmt/format.h"
#include "gtest/gtest.h"
#include "ingest/capture_test_util.h"
#include "ingest/collecting_sink.h"
#include "ingest/packet.h"

namespace highport::ingest {
namespace {

using namespace testing;

// pcapng blocks, little-endian unless `order` says otherwise.
class Pcapng {
 public:
  explicit Pcapng(ByteOrder order = ByteOrder::kLittle) : order_(order), w_(order) { Section(); }
  void Section() {
    Block(0x0a0d0d0a, [](ByteWriter& b) {
      b.U32(0x1a2b3c4d);
      b.U16(1);
      b.U16(0);
      b.U64(~uint64_t{0});  // section length unknown
    });
  }
  // `resolution`: if_tsresol, 0 for none (microseconds).
  void Interface(uint16_t linktype, uint8_t resolution = 0) {
    Block(1, [&](ByteWriter& b) {
      b.U16(linktype);
      b.U16(0);
      b.U32(65535);
      if (resolution != 0) {
        b.U16(9);
        b.U16(1);
        b.U8(resolution);
        b.Bytes(std::array<uint8_t, 3>{});
        b.U32(0);  // opt_endofopt
      }
    });
  }
  void Packet(uint32_t interface, uint64_t units, const Bytes& frame) {
    Block(6, [&](ByteWriter& b) {
      b.U32(interface);
      b.U32(static_cast<uint32_t>(units >> 32));
      b.U32(static_cast<uint32_t>(units));
      b.U32(static_cast<uint32_t>(frame.size()));
      b.U32(static_cast<uint32_t>(frame.size()));
      b.Bytes(frame);
      for (size_t pad = frame.size(); pad % 4 != 0; ++pad) b.U8(0);
    });
  }
  void Statistics() {
    Block(5, [](ByteWriter& b) { b.U64(0); b.U32(0); });
  }
  Bytes Take() { return w_.Take(); }

 private:
  template <class Body>
  void Block(uint32_t type, Body body) {
    ByteWriter b(order_);
    body(b);
    Bytes bytes = b.Take();
    const auto length = static_cast<uint32_t>(12 + bytes.size());
    w_.U32(type);
    w_.U32(length);
    w_.Bytes(bytes);
    w_.U32(length);
  }
  ByteOrder order_;
  ByteWriter w_;
};

constexpr uint64_t kSecond = 1'000'000;
constexpr int64_t kT0 = 1'700'000'000;  // 2023-11-14 22:13:20 UTC

// A handshake's first two packets from `client_port`, as frames of `linktype`.
Bytes Syn(uint16_t client_port, bool ethernet) {
  Bytes ip = Ipv4(kClient, kServer, 6, Tcp(client_port, 49701, 1, 0, 0x02));
  return ethernet ? Ethernet(ip) : ip;
}
Bytes SynAck(uint16_t client_port, bool ethernet) {
  Bytes ip = Ipv4(kServer, kClient, 6, Tcp(49701, client_port, 9, 2, 0x12));
  return ethernet ? Ethernet(ip) : ip;
}

struct Read {
  CollectingSink sink;
  Diagnostics diagnostics;
  Result<CaptureStats> stats = Error{"not read"};
  explicit Read(const Bytes& file) { stats = ReadCaptureBytes(file, "two.pcapng", sink, diagnostics); }
};

TEST(PcapngBlocks, InterfacesOfTwoLinkTypesAreEachReadWithTheirOwn) {
  Pcapng p;
  p.Interface(kLinkEthernet);
  p.Packet(0, kT0 * kSecond, Syn(50001, true));
  p.Packet(0, kT0 * kSecond + 1000, SynAck(50001, true));
  p.Statistics();  // skipped
  // A second interface, raw IP, in nanoseconds, declared after packets.
  p.Interface(kLinkRaw, 9);
  p.Packet(1, (kT0 + 5) * kSecond * 1000, Syn(50002, false));
  p.Packet(1, (kT0 + 5) * kSecond * 1000 + 2'000'000, SynAck(50002, false));
  const Bytes file = p.Take();
  ASSERT_TRUE(PcapngMixesLinkTypes(file));
  Read r(file);
  ASSERT_TRUE(r.stats) << r.stats.error().message;
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics.findings()[0].ToString();
  EXPECT_EQ(r.stats->packets, 4u);
  ASSERT_EQ(r.sink.flows.size(), 2u);
  EXPECT_EQ(r.sink.flows[0].src.ToString(), "10.0.0.1:50001");
  EXPECT_EQ(r.sink.flows[0].first_us, kT0 * int64_t{kSecond});
  EXPECT_EQ(r.sink.flows[1].src.ToString(), "10.0.0.1:50002");
  EXPECT_EQ(r.sink.flows[1].first_us, (kT0 + 5) * int64_t{kSecond});
  EXPECT_EQ(r.sink.flows[1].source.ToString(), "two.pcapng:packet 3+0");
}

TEST(PcapngBlocks, SectionsOfTwoLinkTypesAreReadToo) {
  // `cat ethernet.pcapng raw.pcapng`: libpcap stops at the second section's
  // interface, as it does within one section.
  Pcapng a;
  a.Interface(kLinkEthernet);
  a.Packet(0, kT0 * kSecond, Syn(50001, true));
  Pcapng b;
  b.Interface(kLinkRaw);
  b.Packet(0, kT0 * kSecond, Syn(50002, false));
  Bytes file = a.Take();
  const Bytes second = b.Take();
  file.insert(file.end(), second.begin(), second.end());
  ASSERT_TRUE(PcapngMixesLinkTypes(file));
  Read r(file);
  ASSERT_TRUE(r.stats);
  EXPECT_TRUE(r.diagnostics.empty());
  EXPECT_EQ(r.sink.flows.size(), 2u);
}

TEST(PcapngBlocks, OneLinkTypeIsLeftToLibpcap) {
  Pcapng p;
  p.Interface(kLinkEthernet);
  p.Interface(kLinkEthernet);
  p.Packet(1, kT0 * kSecond, Syn(50001, true));
  EXPECT_FALSE(PcapngMixesLinkTypes(p.Take()));
  EXPECT_FALSE(PcapngMixesLinkTypes(PcapFile(kLinkEthernet, {{0, Syn(50001, true)}})));
}

TEST(PcapngBlocks, ADamagedBlockStopsReadingAndSaysWhere) {
  Pcapng p;
  p.Interface(kLinkEthernet);
  p.Interface(kLinkRaw);
  p.Packet(0, kT0 * kSecond, Syn(50001, true));
  p.Packet(7, kT0 * kSecond, Syn(50003, false));  // no interface 7
  p.Packet(1, kT0 * kSecond, SynAck(50001, false));
  Bytes file = p.Take();
  const size_t good = file.size();
  p.Packet(1, kT0 * kSecond, Syn(50002, false));
  Bytes last = p.Take();
  last[last.size() - 4] = 0xff;  // its trailing length no longer matches its leading one
  file.insert(file.end(), last.begin(), last.end());
  Read r(file);
  ASSERT_TRUE(r.stats);
  ASSERT_EQ(r.diagnostics.findings().size(), 2u);
  EXPECT_EQ(r.diagnostics.findings()[0].ToString(),
            "two.pcapng:packet 2+0: packet left out (block at byte 156): it names interface 7, "
            "and its section describes 2");
  EXPECT_EQ(r.diagnostics.findings()[1].id, "capture.truncated_file");
  EXPECT_NE(r.diagnostics.findings()[1].ToString().find(fmt::format("packet 4+0: reading stopped: byte {}:", good + last.size() - 4)),
            std::string::npos)
      << r.diagnostics.findings()[1].ToString();
  // What came before the damage is kept: the first handshake. The packet
  // left out counts among the packets, so that numbers stay the file's.
  EXPECT_EQ(r.stats->packets, 3u);
  EXPECT_EQ(r.stats->malformed, 1u);
  for (const FlowObservation& f : r.sink.flows) EXPECT_LE(f.source.packet, r.stats->packets);
  ASSERT_EQ(r.sink.flows.size(), 1u);
  EXPECT_EQ(r.sink.flows[0].src.ToString(), "10.0.0.1:50001");
}

}  // namespace
}  // namespace highport::ingest
