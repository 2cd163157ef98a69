#include "plan/cidr.h"

#include <algorithm>
#include <random>

#include "gtest/gtest.h"

namespace highport::plan {
namespace {

IpAddress Ip(std::string_view text) { return *IpAddress::Parse(text); }

// "10.0.1.<first..last>"
std::vector<IpAddress> Hosts(std::string_view prefix, int first, int last) {
  std::vector<IpAddress> hosts;
  for (int i = first; i <= last; ++i) hosts.push_back(Ip(std::string(prefix) + std::to_string(i)));
  return hosts;
}

std::vector<std::string> Fold(const std::vector<IpAddress>& clients, int max_v4, int max_v6 = 64) {
  std::vector<std::string> texts;
  for (const CidrBlock& block : FoldClients(clients, max_v4, max_v6)) {
    texts.push_back(block.ToString());
  }
  return texts;
}

using Blocks = std::vector<std::string>;

TEST(Cidr, ParsesAndWritesBlocks) {
  EXPECT_EQ(ParseCidr("10.0.1.0/28")->ToString(), "10.0.1.0/28");
  EXPECT_EQ(ParseCidr("10.0.2.7")->ToString(), "10.0.2.7/32");
  EXPECT_EQ(ParseCidr("fd00:1::/64")->ToString(), "fd00:1::/64");
  EXPECT_EQ(ParseCidr("fd00::11")->ToString(), "fd00::11/128");
  EXPECT_EQ(ParseCidr("0.0.0.0/0")->prefix, 0);
}

TEST(Cidr, RefusesBlocksWithHostBitsOrBadPrefixes) {
  EXPECT_FALSE(ParseCidr("10.0.1.5/24"));  // a typo for 10.0.1.0/24, or for 10.0.1.5/32
  EXPECT_FALSE(ParseCidr("10.0.1.0/33"));
  EXPECT_FALSE(ParseCidr("fd00::/129"));
  EXPECT_FALSE(ParseCidr("10.0.1.0/"));
  EXPECT_FALSE(ParseCidr("10.0.1.0/2x"));
  EXPECT_FALSE(ParseCidr("10.0.1.0/-1"));
  EXPECT_FALSE(ParseCidr("fe80::%3/64"));
  EXPECT_FALSE(ParseCidr("dc01/32"));
}

TEST(Cidr, ContainsComparesTheNetworkBitsOfOneFamily) {
  CidrBlock block = *ParseCidr("10.0.1.0/28");
  EXPECT_TRUE(block.Contains(Ip("10.0.1.0")));
  EXPECT_TRUE(block.Contains(Ip("10.0.1.15")));
  EXPECT_FALSE(block.Contains(Ip("10.0.1.16")));
  EXPECT_FALSE(block.Contains(Ip("::ffff:10.0.1.1")));
  EXPECT_FALSE(ParseCidr("::/0")->Contains(Ip("10.0.1.1")));
  EXPECT_TRUE(ParseCidr("fe80::/64")->Contains(Ip("fe80::1%12")));
  EXPECT_EQ(BlockOf(Ip("10.0.1.200"), 25).ToString(), "10.0.1.128/25");
  EXPECT_EQ(BlockOf(Ip("fd00:1::abcd:1"), 64).ToString(), "fd00:1::/64");
}

TEST(Cidr, TwoClientsFarApartInASlash24StayHosts) {
  // Both halves of the /24 have a client, but 2 of 256 addresses justify no /24.
  EXPECT_EQ(Fold({Ip("10.0.1.1"), Ip("10.0.1.200")}, 24), (Blocks{"10.0.1.1/32", "10.0.1.200/32"}));
  EXPECT_EQ(Fold({Ip("10.0.1.1"), Ip("10.0.1.200")}, 16), (Blocks{"10.0.1.1/32", "10.0.1.200/32"}));
}

TEST(Cidr, ABlockNeedsMoreThanHalfOfItsAddresses) {
  // 129 of 256: the /24.
  EXPECT_EQ(Fold(Hosts("10.0.1.", 1, 129), 24), (Blocks{"10.0.1.0/24"}));
  // 128 of 256 is not more than half: the lower /25 (127 of 128) and one host.
  EXPECT_EQ(Fold(Hosts("10.0.1.", 1, 128), 24), (Blocks{"10.0.1.0/25", "10.0.1.128/32"}));
  // 3 of a /30: the /30, one unseen address (never more than twice the clients seen).
  EXPECT_EQ(Fold(Hosts("10.0.1.", 4, 6), 24), (Blocks{"10.0.1.4/30"}));
  // 2 of a /30 that are not the same /31: two hosts.
  EXPECT_EQ(Fold({Ip("10.0.1.5"), Ip("10.0.1.6")}, 24), (Blocks{"10.0.1.5/32", "10.0.1.6/32"}));
  // A full /31: exact aggregation.
  EXPECT_EQ(Fold({Ip("10.0.1.4"), Ip("10.0.1.5")}, 24), (Blocks{"10.0.1.4/31"}));
  // 9 of 16: the /28 of the sample plan.
  EXPECT_EQ(Fold(Hosts("10.0.1.", 1, 9), 24), (Blocks{"10.0.1.0/28"}));
}

TEST(Cidr, DuplicatesCountOnce) {
  // Four mentions, two distinct clients in 10.0.1.0/30: no /30.
  EXPECT_EQ(Fold({Ip("10.0.1.1"), Ip("10.0.1.1"), Ip("10.0.1.1"), Ip("10.0.1.2")}, 24),
            (Blocks{"10.0.1.1/32", "10.0.1.2/32"}));
}

TEST(Cidr, NeverWiderThanTheMaximumPrefix) {
  std::vector<IpAddress> two_full_24s = Hosts("10.0.0.", 0, 255);
  for (const IpAddress& a : Hosts("10.0.1.", 0, 255)) two_full_24s.push_back(a);
  EXPECT_EQ(Fold(two_full_24s, 16), (Blocks{"10.0.0.0/23"}));
  EXPECT_EQ(Fold(two_full_24s, 24), (Blocks{"10.0.0.0/24", "10.0.1.0/24"}));
  EXPECT_EQ(Fold(two_full_24s, 32).size(), 512u);
  EXPECT_EQ(Fold(Hosts("10.0.1.", 1, 200), 25), (Blocks{"10.0.1.0/25", "10.0.1.128/25"}));
  // A maximum of 0 or less is clamped: never a /0.
  for (const CidrBlock& block : FoldClients(two_full_24s, 0, 0)) EXPECT_GE(block.prefix, 1);
  EXPECT_EQ(Fold({Ip("10.0.1.1")}, -3), (Blocks{"10.0.1.1/32"}));
}

TEST(Cidr, Ipv6ClientsOfOneSlash64ShareIt) {
  // Privacy addresses: random within the /64, a new one every day.
  std::vector<IpAddress> lan = {Ip("fd00:1::8a3f:11ff:fe22:1"), Ip("fd00:1::c0de:9d1e:77:2")};
  EXPECT_EQ(Fold(lan, 24, 64), (Blocks{"fd00:1::/64"}));
  EXPECT_EQ(Fold(lan, 24, 48), (Blocks{"fd00:1::/64"}));  // density never justifies wider
  EXPECT_EQ(Fold(lan, 24, 128), (Blocks{"fd00:1::8a3f:11ff:fe22:1/128", "fd00:1::c0de:9d1e:77:2/128"}));
  EXPECT_EQ(Fold(lan, 24, 96), (Blocks{"fd00:1::8a3f:11ff:fe22:1/128", "fd00:1::c0de:9d1e:77:2/128"}));
  // One client alone, or one client in each of two /64s: hosts.
  EXPECT_EQ(Fold({lan[0]}, 24, 64), (Blocks{"fd00:1::8a3f:11ff:fe22:1/128"}));
  EXPECT_EQ(Fold({Ip("fd00:1::5"), Ip("fd00:2::5")}, 24, 48),
            (Blocks{"fd00:1::5/128", "fd00:2::5/128"}));
  // Dense small IPv6 blocks fold like IPv4 ones.
  EXPECT_EQ(Fold({Ip("fd00:1::4"), Ip("fd00:1::5"), Ip("fd00:1::6")}, 24, 126), (Blocks{"fd00:1::4/126"}));
}

TEST(Cidr, FamiliesNeverShareABlockAndZonesAreDropped) {
  EXPECT_EQ(Fold({Ip("fd00:1::1"), Ip("10.0.1.1"), Ip("10.0.1.0"), Ip("fd00:1::2")}, 24, 64),
            (Blocks{"10.0.1.0/31", "fd00:1::/64"}));
  EXPECT_EQ(Fold({Ip("fe80::1%12"), Ip("fe80::2%eth0")}, 24, 64), (Blocks{"fe80::/64"}));
  EXPECT_EQ(Fold({}, 24, 64), (Blocks{}));
}

// Random client sets: every client in exactly one block, no block without a
// client, no block wider than allowed, every block justified.
TEST(Cidr, EveryFoldIsJustifiedOnRandomClients) {
  std::mt19937 random(5);
  for (int round = 0; round < 200; ++round) {
    const int max_prefix = 16 + static_cast<int>(random() % 17);
    const int spread = 1 << (1 + random() % 12);  // clients within the first `spread` addresses
    std::vector<IpAddress> clients;
    for (int n = 1 + static_cast<int>(random() % 300); n > 0; --n) {
      clients.push_back(IpAddress::V4(0x0a000000u + random() % static_cast<uint32_t>(spread)));
    }
    std::vector<CidrBlock> blocks = FoldClients(clients, max_prefix, 64);
    std::sort(clients.begin(), clients.end());
    clients.erase(std::unique(clients.begin(), clients.end()), clients.end());
    for (const IpAddress& client : clients) {
      int holders = 0;
      for (const CidrBlock& block : blocks) holders += block.Contains(client);
      EXPECT_EQ(holders, 1) << client.ToString();
    }
    for (const CidrBlock& block : blocks) {
      EXPECT_GE(block.prefix, max_prefix) << block.ToString();
      uint64_t seen = 0;
      for (const IpAddress& client : clients) seen += block.Contains(client);
      EXPECT_GT(seen * 2, uint64_t{1} << (32 - block.prefix)) << block.ToString();
    }
  }
}

}  // namespace
}  // namespace highport::plan
