// packet_ip.cc's quick path for plain IPv4 UDP (DecodeIpv4) against the
// general one (DecodeIpv4General): the same PacketInfo for every input.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "ingest/capture_test_util.h"
#include "ingest/packet.h"

namespace highport::ingest {
namespace {

using namespace testing;  // NOLINT: the frame builders

// DecodeIpv4's quick path for plain UDP against DecodeIpv4General, on UDP
// datagrams with every header byte that matters set to odd values, cut and
// padded, and on frames of every other kind the tests above use.
std::string Fields(const PacketInfo& p, const ByteCursor& c) {
  return fmt::format(
      "kind {} v{} {}>{} proto {} iplen {} ports {} {}>{} flags {} seq {} ack {} payload {}+{} "
      "wire {} err {} cursor {} ok {}",
      static_cast<int>(p.kind), p.ip_version, fmt::join(p.src, "."), fmt::join(p.dst, "."),
      p.protocol, p.ip_length, p.has_ports, p.src_port, p.dst_port, p.tcp_flags, p.seq, p.ack,
      p.payload_offset, p.payload.size(), p.payload_wire_length, p.error.ToString(), c.offset(),
      c.ok());
}

void ExpectQuickAgrees(const Bytes& ip, size_t base) {
  ByteCursor a(ip, ByteOrder::kBig, base), b(ip, ByteOrder::kBig, base);
  PacketInfo quick, general;
  packet_internal::DecodeIpv4(a, quick);
  packet_internal::DecodeIpv4General(b, general);
  ASSERT_EQ(Fields(quick, a), Fields(general, b));
  if (quick.kind == PacketKind::kIp) {
    ASSERT_EQ(quick.payload.data(), general.payload.data());
  }
}

TEST(PacketTest, QuickUdpAgreesWithTheGeneralPath) {
  std::vector<uint8_t> payload(40);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 7);
  const Bytes udp = Ipv4(kClient, kServer, 17, Udp(50000, 2055, payload));
  std::mt19937 random(12345);
  auto next = [&] { return static_cast<uint32_t>(random()); };
  for (int round = 0; round < 20000; ++round) {
    Bytes ip = udp;
    // Odd values where the two paths decide: version/IHL, total length,
    // fragment bits, protocol, UDP length; then cut or pad the frame.
    const uint32_t r = next();
    if (r & 1) ip[0] = static_cast<uint8_t>(0x40 | (next() % 16));
    if (r & 2) { ip[2] = static_cast<uint8_t>(next() % 2); ip[3] = static_cast<uint8_t>(next()); }
    if (r & 4) { ip[6] = static_cast<uint8_t>(next()); ip[7] = static_cast<uint8_t>(next()); }
    if (r & 8) ip[9] = static_cast<uint8_t>(next() % 3 == 0 ? 6 : next());
    if (r & 16) { ip[24] = static_cast<uint8_t>(next() % 2); ip[25] = static_cast<uint8_t>(next()); }
    if (r & 32) ip.resize(next() % (ip.size() + 1));
    if (r & 64) ip.resize(ip.size() + next() % 16, 0xee);
    ExpectQuickAgrees(ip, (r & 128) ? 14 : 0);
    if (::testing::Test::HasFatalFailure()) {
      ADD_FAILURE() << "round " << round;
      return;
    }
  }
  ExpectQuickAgrees(Ipv4(kClient, kServer, 6, Tcp(50000, 135, 1000, 0, kTcpSyn)), 0);
  ExpectQuickAgrees(udp, 0);
  ExpectQuickAgrees({}, 0);
}

}  // namespace
}  // namespace highport::ingest
