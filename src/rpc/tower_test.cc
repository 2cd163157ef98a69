#include "rpc/tower.h"

#include <gtest/gtest.h>

#include "rpc/ndr.h"
#include "rpc/rpc_test_util.h"

namespace highport::rpc {
namespace {

using testing::Hex;
using testing::U;

// Floors 1 and 2 of every tower below: drsuapi v4.0 over NDR v2.0.
constexpr std::string_view kSyntaxFloors = R"(
  13 00 0d                  # floor 1: lhs_length 19, protocol 0x0d (UUID)
  35 42 51 e3 06 4b d1 11 ab 04 00 c0 4f c2 dc d2   # e3514235-4b06-11d1-ab04-00c04fc2dcd2, LE fields
  04 00                     # major version 4
  02 00 00 00               # rhs_length 2, minor version 0
  13 00 0d 04 5d 88 8a eb 1c c9 11 9f e8 08 00 2b 10 48 60 02 00   # floor 2: NDR, major 2
  02 00 00 00               # minor 0
)";

std::vector<uint8_t> TowerHex(std::string_view count, std::string_view rest) {
  return Hex(std::string(count) + std::string(kSyntaxFloors) + std::string(rest));
}

const SyntaxId kDrsuapi{U("e3514235-4b06-11d1-ab04-00c04fc2dcd2"), 4, 0};

// As Samba 4.17 sent it for drsuapi (ept_map answer in a capture).
const std::vector<uint8_t> kTcpTower = TowerHex("05 00  # floor_count 5", R"(
  01 00 0b 02 00 00 00      # floor 3: 0x0b connection-oriented RPC, minor 0
  01 00 07 02 00 c0 01      # floor 4: TCP, port 49153 (big-endian)
  01 00 09 04 00 00 00 00 00   # floor 5: IP 0.0.0.0
)");

TEST(RpcTower, DecodesNcacnIpTcp) {
  ASSERT_EQ(kTcpTower.size(), 75u);
  DecodedTower t = DecodeTower(kTcpTower);
  EXPECT_TRUE(t.notes.empty());
  EXPECT_EQ(t.interface, kDrsuapi);
  EXPECT_EQ(t.transfer, kNdrTransferSyntax);
  EXPECT_EQ(t.binding.protocol, "ncacn_ip_tcp");
  EXPECT_EQ(t.binding.address, "0.0.0.0");
  EXPECT_EQ(t.binding.port, 49153);
  EXPECT_EQ(t.binding.ToString(), "ncacn_ip_tcp:0.0.0.0[49153]");
  EXPECT_EQ(EncodeTower(t.interface, t.transfer, t.binding), kTcpTower);
}

TEST(RpcTower, DecodesEveryCommonSequence) {
  struct Case {
    std::string_view floors;
    std::string_view text;
  };
  const Case cases[] = {
      {R"(05 00
          01 00 0b 02 00 00 00                             # 0x0b connection-oriented
          01 00 0f 0c 00 5c 50 49 50 45 5c 6c 73 61 73 73 00   # 0x0f named pipe "\PIPE\lsass"
          01 00 11 07 00 5c 5c 44 43 30 31 00              # 0x11 NetBIOS host "\\DC01"
       )",
       "ncacn_np:\\\\DC01[\\PIPE\\lsass]"},
      {R"(04 00
          01 00 0c 02 00 00 00                             # 0x0c local RPC
          01 00 10 06 00 61 75 64 69 74 00                 # 0x10 endpoint "audit"
       )",
       "ncalrpc:[audit]"},
      {R"(05 00
          01 00 0b 02 00 00 00
          01 00 1f 02 00 c2 08                             # 0x1f HTTP port 49672
          01 00 09 04 00 0a 00 00 05                       # IP 10.0.0.5
       )",
       "ncacn_http:10.0.0.5[49672]"},
      {R"(05 00
          01 00 0a 02 00 00 00                             # 0x0a datagram RPC
          01 00 08 02 00 c3 4f                             # 0x08 UDP port 49999
          01 00 09 04 00 0a 00 00 05
       )",
       "ncadg_ip_udp:10.0.0.5[49999]"},
      {R"(06 00
          01 00 0b 02 00 00 00
          01 00 07 02 00 c2 24                             # TCP 49700
          01 00 09 04 00 0a 00 00 05
          02 00 42 01 02 00 de ad                          # floor 6: protocol 0x42, unknown
       )",
       "ncacn_ip_tcp:10.0.0.5[49700]"},
      {R"(04 00
          01 00 0b 02 00 00 00
          01 00 42 01 00 07                                # 0x0b then 0x42: no such sequence
       )",
       "unknown:[0x0b:/0000,0x42:/07]"},
  };
  for (const Case& c : cases) {
    std::string count(c.floors.substr(0, 5));
    std::vector<uint8_t> bytes = TowerHex(count, c.floors.substr(5));
    DecodedTower t = DecodeTower(bytes);
    EXPECT_EQ(t.binding.ToString(), c.text);
    EXPECT_TRUE(t.notes.empty()) << c.text << ": " << ::testing::PrintToString(t.notes);
    EXPECT_EQ(EncodeTower(t.interface, t.transfer, t.binding), bytes) << c.text;
  }
  DecodedTower odd = DecodeTower(TowerHex("06 00", R"(
      01 00 0b 02 00 00 00 01 00 07 02 00 c2 24 01 00 09 04 00 0a 00 00 05
      02 00 42 01 02 00 de ad)"));
  EXPECT_EQ(odd.binding.unknown_floors, std::vector<std::string>{"0x42:01/dead"});
}

TEST(RpcTower, KeepsWhatItCanOfAMalformedTower) {
  // Floor 4 claims a 2-byte rhs but the tower ends after one.
  std::vector<uint8_t> cut = TowerHex("05 00", "01 00 0b 02 00 00 00 01 00 07 02 00 c0");
  DecodedTower t = DecodeTower(cut);
  EXPECT_EQ(t.interface, kDrsuapi);
  EXPECT_EQ(t.binding.protocol, "unknown");
  ASSERT_FALSE(t.notes.empty());
  EXPECT_EQ(t.notes[0], "floor 4 of 5 truncated: byte 64: rhs: needs 2 bytes, 1 left");

  // A port floor of the wrong size is kept as unknown, with a note.
  DecodedTower wrong = DecodeTower(TowerHex("05 00", R"(
      01 00 0b 02 00 00 00 01 00 07 03 00 c0 01 ff 01 00 09 04 00 0a 00 00 05)"));
  EXPECT_EQ(wrong.binding.protocol, "ncacn_ip_tcp");
  EXPECT_FALSE(wrong.binding.port.has_value());
  EXPECT_EQ(wrong.binding.unknown_floors, std::vector<std::string>{"0x07:/c001ff"});
  EXPECT_EQ(wrong.notes,
            std::vector<std::string>{
                "floor 4 (0x07:/c001ff): rhs of 3 bytes, expected 2, kept as unknown"});

  // Every cut of a good tower decodes without crashing and says what is wrong.
  for (size_t n = 0; n < kTcpTower.size(); ++n) {
    DecodedTower part = DecodeTower(std::span<const uint8_t>(kTcpTower).first(n));
    EXPECT_FALSE(part.notes.empty()) << n;
  }
}

TEST(RpcTower, EscapesUnprintableNames) {
  std::vector<uint8_t> bytes = TowerHex("04 00", "01 00 0c 02 00 00 00 01 00 10 04 00 61 0a ff 00");
  EXPECT_EQ(DecodeTower(bytes).binding.endpoint, "a\\x0a\\xff");
}

TEST(RpcTower, SampleEntriesRoundTrip) {
  for (const EpmEntry& e : testing::SampleEntries()) {
    std::vector<uint8_t> bytes = EncodeTower(e.interface, e.transfer, e.binding);
    DecodedTower t = DecodeTower(bytes);
    EXPECT_EQ(t.interface, e.interface);
    EXPECT_EQ(t.binding.ToString(), e.binding.ToString());
    EXPECT_EQ(t.binding.unknown_floors, e.binding.unknown_floors);
    EXPECT_TRUE(t.notes.empty());
  }
}

}  // namespace
}  // namespace highport::rpc
