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

// `netsh int ipv4 show dynamicport tcp` shows no address: its range is that
// of the host whose socket list shares its folder (one folder, one host at
// one moment), not of a host in another folder; standard input joins none.
TEST(HostKnowledge, ARangeInAFileOfItsOwnIsThatOfItsFoldersHost) {
  ingest::SocketInventory netstat;
  netstat.file = "evidence/dc01/netstat-ano.txt";
  netstat.sockets = {ListenSocket(Proto::kTcp, "10.0.0.10", 389, 712)};
  ingest::SocketInventory netsh;
  netsh.file = "evidence/dc01/netsh-dynamicport-tcp.txt";
  netsh.tcp_dynamic_range = PortRange{10000, 19999};
  ingest::SocketInventory other;
  other.file = "evidence/fs01/netstat-ano.txt";
  other.sockets = {ListenSocket(Proto::kTcp, "10.0.0.20", 445, 4)};
  ingest::SocketInventory piped;
  piped.file = "<stdin>";
  piped.tcp_dynamic_range = PortRange{30000, 30999};

  HostKnowledge k = KnowledgeFromInventories({netsh, netstat, other, piped});
  ASSERT_EQ(k.dynamic_ranges.size(), 1u);
  EXPECT_EQ(k.dynamic_ranges.at(*IpAddress::Parse("10.0.0.10")), (PortRange{10000, 19999}));

  // Stated once for the host, above its moments: it holds for each of them,
  // not for a folder whose name only begins the same (app011).
  ingest::SocketInventory day1 = netstat, day2 = netstat, lookalike = other;
  day1.file = "evidence/app01/day1/netstat-ano.txt";
  day2.file = "evidence/app01/day2/netstat-ano.txt";
  day2.sockets = {ListenSocket(Proto::kTcp, "10.0.0.11", 389, 712)};
  lookalike.file = "evidence/app011/day1/netstat-ano.txt";
  ingest::SocketInventory host_range = netsh;
  host_range.file = "evidence/app01/netsh-dynamicport-tcp.txt";
  HostKnowledge moments = KnowledgeFromInventories({host_range, day1, day2, lookalike});
  EXPECT_EQ(moments.dynamic_ranges.size(), 2u);
  EXPECT_EQ(moments.dynamic_ranges.count(*IpAddress::Parse("10.0.0.10")), 1u);
  EXPECT_EQ(moments.dynamic_ranges.count(*IpAddress::Parse("10.0.0.11")), 1u);
  EXPECT_EQ(moments.dynamic_ranges.count(*IpAddress::Parse("10.0.0.20")), 0u);
}

}  // namespace
}  // namespace highport::analysis
