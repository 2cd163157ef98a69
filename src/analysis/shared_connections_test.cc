#include "analysis/shared_connections.h"

#include "gtest/gtest.h"

namespace highport::analysis {
namespace {

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kNoon = 1'764'590'400;  // 2025-12-01 12:00:00 UTC

// A firewall row's sighting: one packet, allowed.
void Row(SharedConnections& s, uint32_t flow, uint32_t input, uint16_t port, int64_t second) {
  s.Add(flow, input, port, second * kSecond, 1, 52, /*allowed=*/true, /*low_source=*/false);
}

TEST(SharedConnections, BothEndsLogsOfOneConnectionCountItOnce) {
  SharedConnections s;
  Row(s, 7, /*client's log*/ 1, 50123, kNoon);
  Row(s, 7, /*server's log*/ 2, 50123, kNoon + 2);  // the server's clock two seconds ahead
  const std::vector<SharedConnections::Excess> x = s.TakeExcess();
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].flow, 7u);
  EXPECT_EQ(x[0].connections, 1u);
  EXPECT_EQ(x[0].allowed, 1u);
  EXPECT_EQ(x[0].packets, 1u);
  EXPECT_EQ(x[0].bytes, 52u);
  EXPECT_EQ(s.size(), 0u);  // taken
}

TEST(SharedConnections, TwoRowsOfOneInputAreTwoConnections) {
  SharedConnections s;
  // The same client port twice in one log (after TIME_WAIT, or a log that
  // repeats): two connections, whatever the times.
  Row(s, 7, 1, 50123, kNoon);
  Row(s, 7, 1, 50123, kNoon + 1);
  // Another port, another flow, or beyond the window: no twin.
  Row(s, 7, 2, 50124, kNoon);
  Row(s, 8, 2, 50123, kNoon);
  Row(s, 7, 2, 50123, kNoon + 1 + SharedConnections::kSkewSeconds + 1);
  EXPECT_TRUE(s.TakeExcess().empty());
}

TEST(SharedConnections, EachInputGivesAConnectionOneSighting) {
  SharedConnections s;
  // Log 1 has the port twice, log 2 once, beside the second: the first row
  // stands alone, the second and log 2's are one connection.
  Row(s, 7, 1, 50123, kNoon);
  Row(s, 7, 1, 50123, kNoon + 5);
  Row(s, 7, 2, 50123, kNoon + 6);
  // Three inputs of one connection: a log, its host's capture, NetFlow.
  Row(s, 9, 1, 60000, kNoon);
  s.Add(9, 3, 60000, kNoon * kSecond + 300'000, 12, 4000, /*allowed=*/false, false);
  s.Add(9, 4, 60000, kNoon * kSecond + 250'000, 10, 3500, false, false);
  const std::vector<SharedConnections::Excess> x = s.TakeExcess();
  ASSERT_EQ(x.size(), 2u);
  EXPECT_EQ(x[0].flow, 7u);
  EXPECT_EQ(x[0].connections, 1u);
  EXPECT_EQ(x[1].flow, 9u);
  EXPECT_EQ(x[1].connections, 2u);
  EXPECT_EQ(x[1].allowed, 0u);  // one input allowed it: it stays allowed once
  // The capture saw most: the others' packets and bytes are the excess.
  EXPECT_EQ(x[1].packets, 1u + 10u);
  EXPECT_EQ(x[1].bytes, 52u + 3500u);
}

TEST(SharedConnections, ASecondSightingOfAnInputIsPassedOverNotAnEnd) {
  SharedConnections s;
  // Two connections from one port a second apart (UDP, or a Linux client),
  // each seen by both inputs: two twins, not one twin and two strays.
  Row(s, 7, 1, 53000, kNoon);
  Row(s, 7, 1, 53000, kNoon + 1);
  Row(s, 7, 2, 53000, kNoon + 2);
  Row(s, 7, 2, 53000, kNoon + 3);
  const std::vector<SharedConnections::Excess> x = s.TakeExcess();
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].connections, 2u);
}

TEST(SharedConnections, CountsThatStoppedAtTheTopAreNotTakenToNothing) {
  SharedConnections s;
  s.Add(7, 1, 50000, kNoon * kSecond, UINT64_MAX, UINT64_MAX, false, false);
  s.Add(7, 2, 50000, kNoon * kSecond, UINT64_MAX, UINT64_MAX, false, false);
  const std::vector<SharedConnections::Excess> x = s.TakeExcess();
  ASSERT_EQ(x.size(), 1u);
  // The sum stopped at the top, as the flow table's did: nothing is taken
  // off it, and the flow keeps the most one input said (a wrapped sum
  // would have taken it to 0).
  EXPECT_EQ(x[0].bytes, 0u);
  EXPECT_EQ(x[0].connections, 1u);
}

TEST(SharedConnections, AVantagePointIsAHostsLogOrAFoldersCaptures) {
  // One host's log and its rotation; two hosts' logs side by side; a log and
  // a capture of one folder; the hourly captures of one capture point.
  const Seen log = Seen::kFirewallLog, packets = Seen::kPackets, netflow = Seen::kNetflow;
  EXPECT_EQ(ViewpointOf("ev/dc01/pfirewall.log", log), ViewpointOf("ev/dc01/pfirewall.log.old", log));
  EXPECT_NE(ViewpointOf("ev/flat/dc01.log", log), ViewpointOf("ev/flat/fs01.log", log));
  EXPECT_NE(ViewpointOf("ev/dc01/pfirewall.log", log), ViewpointOf("ev/dc01/span.pcap", packets));
  EXPECT_EQ(ViewpointOf("ev/core/hour-01.pcap", netflow), ViewpointOf("ev/core/hour-02.pcap", netflow));
  EXPECT_NE(ViewpointOf("ev/core/hour-01.pcap", netflow), ViewpointOf("ev/dmz/hour-01.pcap", netflow));
  // A collector's runs: one capture point, not the folder a command runs in
  // (a capture in the working directory was its "folder" too).
  const std::string collected = ViewpointOf("collect@0.0.0.0:2055 2026-12-07T19:52:01Z", netflow);
  EXPECT_EQ(collected, ViewpointOf("collect@0.0.0.0:2055 2026-12-08T08:00:00Z", netflow));
  EXPECT_NE(collected, ViewpointOf("collect@0.0.0.0:4739 2026-12-07T19:52:01Z", netflow));
  EXPECT_NE(collected, ViewpointOf("export.pcap", netflow));
  // A capture of the packets beside the NetFlow of the same traffic.
  EXPECT_NE(ViewpointOf("ev/site/span.pcap", packets), ViewpointOf("ev/site/export.pcap", netflow));
}

TEST(SharedConnections, TwoRowsOfOneSideAreNeverOneConnection) {
  SharedConnections s;
  // One server's log copied into two moment folders (two inputs): both its
  // rows are RECEIVE rows, the server's own, of two connections.
  s.Add(7, 1, 50000, kNoon * kSecond, 1, 0, true, false, false, /*log_side=*/2);
  s.Add(7, 2, 50000, (kNoon + 30) * kSecond, 1, 0, true, false, false, 2);
  EXPECT_TRUE(s.TakeExcess().empty());
  // The client's SEND row beside the server's RECEIVE row: one connection;
  // and NetFlow of it (no side) with them.
  s.Add(8, 1, 50000, kNoon * kSecond, 1, 0, true, false, false, 1);
  s.Add(8, 2, 50000, kNoon * kSecond, 1, 0, true, false, false, 2);
  s.Add(8, 3, 50000, kNoon * kSecond, 9, 900, false, false, false, 0);
  const std::vector<SharedConnections::Excess> x = s.TakeExcess();
  ASSERT_EQ(x.size(), 1u);
  EXPECT_EQ(x[0].connections, 2u);
}

TEST(SharedConnections, TheOrderOfTheInputsChangesNothing) {
  auto excess = [](bool reversed) {
    SharedConnections s;
    const uint32_t a = reversed ? 2 : 1, b = reversed ? 1 : 2;
    Row(s, 7, a, 50123, kNoon);
    Row(s, 7, b, 50123, kNoon);
    Row(s, 7, a, 50123, kNoon + 130);
    Row(s, 7, b, 50123, kNoon + 131);
    std::vector<SharedConnections::Excess> x = s.TakeExcess();
    return x.empty() ? uint64_t{0} : x[0].connections;
  };
  EXPECT_EQ(excess(false), 2u);
  EXPECT_EQ(excess(true), 2u);
}

}  // namespace
}  // namespace highport::analysis
