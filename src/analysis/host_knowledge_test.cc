#include "analysis/host_knowledge.h"

#include "analysis/testing.h"
#include "gtest/gtest.h"

namespace highport::analysis {
namespace {

using testing::ListenSocket;

TEST(HostKnowledge, WildcardListenersBelongToTheHostsOwnAddresses) {
  ingest::SocketInventory dc;
  dc.sockets = {ListenSocket(Proto::kTcp, "0.0.0.0", 49664, 712),
                ListenSocket(Proto::kTcp, "10.0.0.10", 53, 2540),
                ListenSocket(Proto::kTcp, "127.0.0.1", 5000, 1)};
  Socket established;
  established.local = {*IpAddress::Parse("10.0.0.11"), Proto::kTcp, 135};
  established.remote = Endpoint{*IpAddress::Parse("10.0.0.30"), Proto::kTcp, 61002};
  established.state = SocketState::kEstablished;
  dc.sockets.push_back(established);
  dc.tcp_dynamic_range = PortRange{5000, 5100};
  ingest::SocketInventory unknown_host;  // no specific address: its wildcard stays a wildcard
  unknown_host.sockets = {ListenSocket(Proto::kTcp, "0.0.0.0", 5665, 3012)};

  HostKnowledge k = KnowledgeFromInventories({dc, unknown_host});
  auto has = [&](std::string_view a, uint16_t port) {
    return k.listeners.count({*IpAddress::Parse(a), Proto::kTcp, port}) > 0;
  };
  EXPECT_TRUE(has("10.0.0.10", 49664));
  EXPECT_TRUE(has("10.0.0.11", 49664));
  EXPECT_FALSE(has("0.0.0.0", 49664));
  EXPECT_TRUE(has("10.0.0.10", 53));
  EXPECT_FALSE(has("127.0.0.1", 5000)) << "loopback listeners are not reachable";
  EXPECT_TRUE(has("0.0.0.0", 5665));
  EXPECT_EQ(k.dynamic_ranges.at(*IpAddress::Parse("10.0.0.10")), (PortRange{5000, 5100}));
  EXPECT_EQ(k.dynamic_ranges.count(*IpAddress::Parse("10.0.0.30")), 0u);
}

TEST(HostKnowledge, AnIpv6WildcardIsDualStackAndMappedAddressesAreIpv4) {
  // Linux ss: `LISTEN *:50000` (read as ::) and an established socket of
  // the same Java server, its address IPv4-mapped.
  ingest::SocketInventory lin;
  lin.sockets = {ListenSocket(Proto::kTcp, "::", 50000, 77)};
  Socket established;
  established.local = {*IpAddress::Parse("::ffff:10.0.0.5"), Proto::kTcp, 50000};
  established.remote = Endpoint{*IpAddress::Parse("::ffff:10.0.1.21"), Proto::kTcp, 49700};
  established.state = SocketState::kEstablished;
  lin.sockets.push_back(established);
  HostKnowledge k = KnowledgeFromInventories({lin});
  EXPECT_EQ(k.listeners.count({*IpAddress::Parse("10.0.0.5"), Proto::kTcp, 50000}), 1u);
  EXPECT_EQ(IpAddress::Parse("::ffff:10.0.0.5")->Unmapped(), *IpAddress::Parse("10.0.0.5"));
  EXPECT_EQ(IpAddress::Parse("::1")->Unmapped(), *IpAddress::Parse("::1"));
  EXPECT_FALSE(IpAddress::Parse("::10.0.0.5")->is_v4_mapped());
}

// `netsh int ipv4 show dynamicport tcp` shows no address: its range is that
// of the host whose socket list shares its folder (one folder, one host at
// one moment), not of a host in another folder; standard input joins none.
// An inventory read from `file`: one listener on `address`, or only a range.
ingest::SocketInventory Listing(std::string file, std::string_view address, uint16_t port) {
  ingest::SocketInventory inv;
  inv.file = std::move(file);
  inv.sockets = {ListenSocket(Proto::kTcp, address, port, 712)};
  return inv;
}
ingest::SocketInventory RangeFile(std::string file, PortRange range) {
  ingest::SocketInventory inv;
  inv.file = std::move(file);
  inv.tcp_dynamic_range = range;
  return inv;
}

TEST(HostKnowledge, ARangeInAFileOfItsOwnIsThatOfItsFoldersHost) {
  const ingest::SocketInventory netstat = Listing("evidence/dc01/netstat-ano.txt", "10.0.0.10", 389);
  const ingest::SocketInventory netsh = RangeFile("evidence/dc01/netsh-dynamicport-tcp.txt", {10000, 19999});
  const ingest::SocketInventory other = Listing("evidence/fs01/netstat-ano.txt", "10.0.0.20", 445);
  const ingest::SocketInventory piped = RangeFile("<stdin>", {30000, 30999});

  HostKnowledge k = KnowledgeFromInventories({netsh, netstat, other, piped});
  ASSERT_EQ(k.dynamic_ranges.size(), 1u);
  EXPECT_EQ(k.dynamic_ranges.at(*IpAddress::Parse("10.0.0.10")), (PortRange{10000, 19999}));

  // Stated once for the host, above its moments: it holds for each of them,
  // not for a folder whose name only begins the same (app011).
  HostKnowledge moments = KnowledgeFromInventories(
      {RangeFile("evidence/app01/netsh-dynamicport-tcp.txt", {10000, 19999}),
       Listing("evidence/app01/day1/netstat-ano.txt", "10.0.0.10", 389),
       Listing("evidence/app01/day2/netstat-ano.txt", "10.0.0.11", 389),
       Listing("evidence/app011/day1/netstat-ano.txt", "10.0.0.20", 445)});
  EXPECT_EQ(moments.dynamic_ranges.size(), 2u);
  EXPECT_EQ(moments.dynamic_ranges.count(*IpAddress::Parse("10.0.0.10")), 1u);
  EXPECT_EQ(moments.dynamic_ranges.count(*IpAddress::Parse("10.0.0.11")), 1u);
  EXPECT_EQ(moments.dynamic_ranges.count(*IpAddress::Parse("10.0.0.20")), 0u);
}

}  // namespace
}  // namespace highport::analysis
