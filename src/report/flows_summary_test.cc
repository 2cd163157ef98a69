#include "report/flows_summary.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

namespace highport::report {
namespace {

IpAddress RandomAddress(std::mt19937& rng, bool zones) {
  // Few distinct addresses, so that servers, ports and clients repeat.
  switch (rng() % (zones ? 4 : 3)) {
    case 0:
      return IpAddress::V4(0x0a000000u | rng() % 6);
    case 1:
      return IpAddress::V4(0xc0a80000u | (rng() % 3) << 8 | rng() % 3);
    case 2: {
      std::array<uint8_t, 16> bytes{0xfe, 0x80};
      bytes[15] = static_cast<uint8_t>(rng() % 5);
      bytes[3] = static_cast<uint8_t>(rng() % 2);
      return IpAddress::V6(bytes);
    }
    default: {
      std::array<uint8_t, 16> bytes{0xfe, 0x80};
      bytes[15] = static_cast<uint8_t>(rng() % 3);
      return IpAddress::V6(bytes, rng() % 2 ? "eth0" : "12");
    }
  }
}

FlowsReport RandomReport(std::mt19937& rng, bool zones) {
  FlowsReport r;
  const size_t flows = rng() % 300;
  for (size_t i = 0; i < flows; ++i) {
    analysis::FlowEntry& e = r.flows.emplace_back();
    e.key.server = RandomAddress(rng, zones);
    e.key.client = RandomAddress(rng, zones);
    e.key.proto = rng() % 4 == 0 ? Proto::kUdp : Proto::kTcp;
    e.key.port = static_cast<uint16_t>(rng() % 3 == 0 ? 135 + rng() % 3 : 49152 + rng() % 4);
    e.dynamic = rng() % 3 != 0;
    switch (rng() % 5) {
      case 0:
        e.interfaces = {"MS-DRSR", rng() % 2 ? "MS-LSAT" : "MS-SAMR"};
        break;
      case 1:
        e.service = rng() % 2 ? "RPC endpoint mapper" : "DNS server (zone transfers, large replies)";
        break;
      default:
        break;
    }
  }
  for (int i = 0; i < 3; ++i) {
    r.owners[{RandomAddress(rng, zones), Proto::kTcp, static_cast<uint16_t>(49152 + i)}] =
        "svchost.exe (Winmgmt)";
  }
  return r;
}

TEST(FlowsSummary, SortedRecordsAgreeWithTheSets) {
  std::mt19937 rng(17);
  for (int round = 0; round < 400; ++round) {
    FlowsReport r = RandomReport(rng, /*zones=*/round % 4 == 3);
    if (round % 2 == 1) {
      // As a report orders them (by class, server, port, client, protocol; the
      // dynamic flag stands in for the class): each server's uses are a few
      // sorted runs, which the builder merges instead of sorting.
      std::sort(r.flows.begin(), r.flows.end(), [](const auto& a, const auto& b) {
        return std::tie(a.dynamic, a.key.server, a.key.port, a.key.client, a.key.proto) <
               std::tie(b.dynamic, b.key.server, b.key.port, b.key.client, b.key.proto);
      });
    }
    const std::vector<ServerSummary> fast = ServerSummaries(r);
    const std::vector<ServerSummary> sets = ServerSummariesBySets(r);
    ASSERT_EQ(fast, sets) << round;
    // The writers' way: the count first, then one reused summary at a time.
    ServerSummaryBuilder builder(r);
    for (const analysis::FlowEntry& e : r.flows) builder.Add(e);
    ASSERT_EQ(builder.ServerCount(), sets.size()) << round;
    size_t i = 0;
    builder.ForEach([&](const ServerSummary& s) {
      ASSERT_LT(i, sets.size());
      EXPECT_EQ(s, sets[i]) << round << " server " << i;
      ++i;
    });
    EXPECT_EQ(i, sets.size()) << round;
  }
}

TEST(FlowsSummary, CountsClientsOverEveryPortAndKeepsTheLastWhat) {
  FlowsReport r;
  auto flow = [&](uint32_t client, uint16_t port, bool dynamic, std::string service) {
    analysis::FlowEntry& e = r.flows.emplace_back();
    e.key.server = IpAddress::V4(0x0a000001);
    e.key.client = IpAddress::V4(client);
    e.key.port = port;
    e.dynamic = dynamic;
    e.service = std::move(service);
  };
  flow(0x0a000009, 49152, true, "first");
  flow(0x0a000002, 49152, true, "");
  flow(0x0a000009, 49152, true, "last");
  flow(0x0a000002, 445, false, "SMB");
  flow(0x0a000003, 445, false, "SMB");
  const std::vector<ServerSummary> s = ServerSummaries(r);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].server.ToString(), "10.0.0.1");
  EXPECT_EQ(s[0].clients, 3u);
  EXPECT_EQ(s[0].static_ports, (std::vector<PortOf>{{Proto::kTcp, 445}}));
  ASSERT_EQ(s[0].dynamic_ports.size(), 1u);
  EXPECT_EQ(s[0].dynamic_ports[0].what, "last");
  ASSERT_EQ(s[0].dynamic_ports[0].clients.size(), 2u);
  EXPECT_EQ(s[0].dynamic_ports[0].clients[0].ToString(), "10.0.0.2");
  EXPECT_EQ(s[0].dynamic_ports[0].clients[1].ToString(), "10.0.0.9");
  EXPECT_EQ(s, ServerSummariesBySets(r));
}

}  // namespace
}  // namespace highport::report
