#include "analysis/flow_peaks.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "gtest/gtest.h"

namespace highport::analysis {
namespace {

using Peaks = std::vector<std::pair<uint32_t, uint64_t>>;

TEST(LifetimeLog, OverlapsPerServerTouchingCountsAndUncountedFlowsDoNot) {
  LifetimeLog log;
  // Flows 0 and 1 go to server 7, flow 2 to server 9, flow 3 (not counted) to 7.
  log.Add(0, 61000, 0, 10);
  log.Add(1, 61000, 5, 15);
  log.Add(0, 61001, 10, 20);  // touches the first at 10: three open then
  log.Add(2, 61000, 100, 100);
  log.Add(3, 61002, 0, 20);
  EXPECT_EQ(log.size(), 5u);
  Peaks peaks = log.TakePeaks({true, true, true, false}, {7, 7, 9, 7});
  EXPECT_EQ(peaks, (Peaks{{7, 3}, {9, 1}}));
  EXPECT_EQ(log.size(), 0u);
}

TEST(LifetimeLog, InstantsAtTheSameTimeAreOpenTogether) {
  LifetimeLog log;
  for (uint16_t port = 1; port <= 4; ++port) log.Add(0, 50000 + port, 30, 30);
  log.Add(0, 50010, 31, 31);
  EXPECT_EQ(log.TakePeaks({true}, {0}), (Peaks{{0, 4}}));
}

// The two halves of a one-direction pair share the client port: one connection.
// Client port 0 (unknown) never merges.
TEST(LifetimeLog, OverlapsFromOneClientPortAreOneConnection) {
  LifetimeLog log;
  log.Add(0, 61000, 0, 10);
  log.Add(0, 61000, 1, 10);
  log.Add(0, 61000, 10, 12);  // starts where the merged one ends: still the same
  EXPECT_EQ(log.TakePeaks({true}, {0}), (Peaks{{0, 1}}));
  log.Add(0, 0, 0, 10);
  log.Add(0, 0, 1, 10);
  EXPECT_EQ(log.TakePeaks({true}, {0}), (Peaks{{0, 2}}));
  log.Add(0, 61000, 0, 10);
  log.Add(1, 61000, 1, 10);  // same client port, another flow: not merged
  EXPECT_EQ(log.TakePeaks({true, true}, {0, 0}), (Peaks{{0, 2}}));
}

// Against a plain sweep over +1/-1 events on random lifetimes (no merging:
// every client port distinct).
TEST(LifetimeLog, AgreesWithAnEventSweep) {
  std::mt19937 rng(11);
  LifetimeLog log;
  std::map<uint32_t, std::vector<std::pair<int64_t, int>>> events;
  const std::vector<uint32_t> server_of{0, 0, 1, 2, 2};
  for (int i = 0; i < 5000; ++i) {
    uint32_t flow = rng() % 5;
    int64_t start = rng() % 10000;
    int64_t end = start + (rng() % 3 == 0 ? 0 : rng() % 300);
    log.Add(flow, static_cast<uint16_t>(1 + i), start, end);
    events[server_of[flow]].push_back({start, +1});
    events[server_of[flow]].push_back({end, -1});
  }
  Peaks expected;
  for (auto& [server, ev] : events) {
    std::sort(ev.begin(), ev.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    int64_t open = 0, peak = 0;
    for (const auto& [time, delta] : ev) peak = std::max(peak, open += delta);
    expected.emplace_back(server, static_cast<uint64_t>(peak));
  }
  EXPECT_EQ(log.TakePeaks(std::vector<bool>(5, true), server_of), expected);
}

// Whole-second instants are a byte stream of differences: many of them (over
// several of its blocks), out of order, with large steps both ways, flows
// that need several varint bytes and uncounted flows among them, peak as a
// plain count per (server, second) of distinct (flow, client port) says.
TEST(LifetimeLog, ManyInstantsInAnyOrderGiveTheSamePeaks) {
  constexpr int64_t kSecond = 1'000'000;
  std::mt19937 rng(5);
  LifetimeLog log;
  const uint32_t flows = 300000;
  std::vector<uint32_t> server_of(flows);
  std::vector<bool> counted(flows);
  for (uint32_t f = 0; f < flows; ++f) {
    server_of[f] = f % 3;
    counted[f] = f % 7 != 0;
  }
  std::map<std::tuple<uint32_t, int64_t>, std::set<std::pair<uint32_t, uint16_t>>> open;
  for (int i = 0; i < 200000; ++i) {
    const uint32_t flow = rng() % 4 == 0 ? rng() % flows : rng() % 100;
    const int64_t second = rng() % 50 == 0 ? UINT32_MAX - rng() % 3 : rng() % 2000;
    const auto port = static_cast<uint16_t>(1 + rng() % 40);  // 0 would never merge
    log.Add(flow, port, second * kSecond, second * kSecond);
    if (counted[flow]) open[{server_of[flow], second}].insert({flow, port});
  }
  EXPECT_EQ(log.size(), 200000u);
  std::map<uint32_t, uint64_t> expected;
  for (const auto& [at, connections] : open) {
    uint64_t& peak = expected[std::get<0>(at)];
    peak = std::max<uint64_t>(peak, connections.size());
  }
  Peaks peaks = log.TakePeaks(counted, server_of);
  EXPECT_EQ(peaks, Peaks(expected.begin(), expected.end()));
  EXPECT_EQ(log.size(), 0u);
  log.Add(1, 5, 3 * kSecond, 3 * kSecond);  // the log is usable again, from a fresh start
  log.Add(1, 6, 3 * kSecond, 3 * kSecond);
  EXPECT_EQ(log.TakePeaks(counted, server_of), (Peaks{{1, 2}}));
}

// Instants in whole seconds are kept in about 6 bytes, the others as spans: the
// peaks are the same either way, also before 1970 and after 2106.
TEST(LifetimeLog, WholeSecondInstantsCountAsAnyOther) {
  constexpr int64_t kSecond = 1'000'000;
  const int64_t bases[] = {0, -5 * kSecond, (int64_t{1} << 33) * kSecond, 7};
  for (int64_t base : bases) {
    LifetimeLog log;
    for (uint16_t port = 1; port <= 4; ++port) log.Add(0, 50000 + port, base + 30 * kSecond, base + 30 * kSecond);
    log.Add(0, 50010, base + 31 * kSecond, base + 31 * kSecond);
    log.Add(1, 50011, base + 31 * kSecond, base + 31 * kSecond);
    log.Add(1, 50012, base + 29 * kSecond, base + 31 * kSecond);  // a span across both
    log.Add(1, 50012, base + 30 * kSecond, base + 30 * kSecond);  // its own client port: merged
    EXPECT_EQ(log.TakePeaks({true, true}, {0, 0}), (Peaks{{0, 5}})) << base;
  }
}

// Lifetimes are swept in 16 bytes when every length is below 2^48 us, else
// in 24: the ends come back exact either way, up to the edges of int64.
TEST(LifetimeLog, LongAndShortSpansEndWhereTheyEnd) {
  const int64_t k48 = int64_t{1} << 48;
  struct Case {
    int64_t start, end;
  };
  for (Case c : {Case{0, k48 - 1}, Case{-5, k48 - 6}, Case{0, k48}, Case{INT64_MIN, INT64_MAX},
                 Case{-k48, k48}}) {
    LifetimeLog log;
    log.Add(0, 1, c.start, c.end);
    log.Add(0, 2, c.end, c.end);      // touches the end: open together
    log.Add(0, 3, c.end - 1 + (c.end == INT64_MIN), c.end);  // inside
    EXPECT_EQ(log.TakePeaks({true}, {0}), (Peaks{{0, 3}})) << c.start << " " << c.end;
    log.Add(0, 1, c.start, c.end);
    if (c.end < INT64_MAX) log.Add(0, 2, c.end + 1, c.end + 1);  // after the end: alone
    EXPECT_EQ(log.TakePeaks({true}, {0}), (Peaks{{0, 1}})) << c.start << " " << c.end;
  }
}

// Server ids are grouped by a counting sort when they are dense; ids far
// beyond the number of flows (up to the largest) take a comparison sort:
// the same peaks in the same order either way.
TEST(LifetimeLog, DenseAndSparseServerIdsGiveTheSamePeaks) {
  for (uint32_t base : {0u, 1u << 20, UINT32_MAX - 3}) {
    LifetimeLog log;
    // Flows 0..5 to servers base+3, base, base+3, base+1, base, base+3.
    const std::vector<uint32_t> server_of = {base + 3, base, base + 3, base + 1, base, base + 3};
    for (uint32_t flow = 0; flow < 6; ++flow) {
      for (uint16_t port = 1; port <= flow + 1; ++port) log.Add(flow, port, 10, 20);
    }
    Peaks expected = {{base, 2 + 5}, {base + 1, 4}, {base + 3, 1 + 3 + 6}};
    EXPECT_EQ(log.TakePeaks(std::vector<bool>(6, true), server_of), expected) << base;
  }
}

// A server's connections are merged where its lifetimes lie, in each of the
// three ways a log is swept (whole-second instants only; spans below 2^48 us;
// some span longer, on an uncounted flow): the peaks are those of a plain
// merge per (flow, client port) and an event sweep, with many lifetimes of
// one flow and port to merge, several flows per server and client port 0
// (never merged) among them.
TEST(LifetimeLog, MergedInPlaceAgreesWithAPlainMergeInEachLayout) {
  constexpr int64_t kSecond = 1'000'000;
  const std::vector<uint32_t> server_of{0, 1, 0, 2, 0, 1, 2};  // flow 6: uncounted
  std::vector<bool> counted(server_of.size(), true);
  counted[6] = false;
  enum Layout { kInstants, kNarrow, kWide };
  for (Layout layout : {kInstants, kNarrow, kWide}) {
    std::mt19937 rng(23 + layout);
    LifetimeLog log;
    std::map<std::pair<uint32_t, uint16_t>, std::vector<std::pair<int64_t, int64_t>>> by_connection;
    std::vector<std::pair<int64_t, int64_t>> unmerged[3];  // per server: port 0
    for (int i = 0; i < 20000; ++i) {
      const uint32_t flow = rng() % 6;
      const auto port = static_cast<uint16_t>(rng() % 5);
      int64_t start = static_cast<int64_t>(rng() % 3000) * kSecond;
      int64_t end = start;
      if (layout != kInstants) {
        start += rng() % kSecond;
        end = start + (rng() % 2 == 0 ? 0 : static_cast<int64_t>(rng() % (5 * kSecond)));
      }
      log.Add(flow, port, start, end);
      if (port == 0) {
        unmerged[server_of[flow]].push_back({start, end});
      } else {
        by_connection[{flow, port}].push_back({start, end});
      }
    }
    if (layout == kWide) log.Add(6, 1, 0, int64_t{1} << 50);
    std::vector<std::pair<int64_t, int>> events[3];
    auto add = [&](uint32_t server, int64_t start, int64_t end) {
      events[server].push_back({start, +1});
      events[server].push_back({end, -1});
    };
    for (auto& [connection, lives] : by_connection) {
      std::sort(lives.begin(), lives.end());
      for (size_t j = 0; j < lives.size();) {
        auto [start, end] = lives[j++];
        while (j < lives.size() && lives[j].first <= end) end = std::max(end, lives[j++].second);
        add(server_of[connection.first], start, end);
      }
    }
    Peaks expected;
    for (uint32_t server = 0; server < 3; ++server) {
      for (const auto& [start, end] : unmerged[server]) add(server, start, end);
      std::sort(events[server].begin(), events[server].end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : a.second > b.second;
      });
      int64_t open = 0, peak = 0;
      for (const auto& [time, delta] : events[server]) peak = std::max(peak, open += delta);
      expected.emplace_back(server, static_cast<uint64_t>(peak));
    }
    EXPECT_EQ(log.TakePeaks(counted, server_of), expected) << layout;
  }
}

// An instant's flow takes 1 to 5 bytes by its size (a byte more from 2^5,
// 2^13, 2^21 and 2^29 on): flows on each side of the first three edges come
// back as themselves, each to its own server with its own count of
// connections, with large steps of the second between them.
TEST(LifetimeLog, InstantFlowsOfEveryLengthComeBackExact) {
  constexpr int64_t kSecond = 1'000'000;
  const uint32_t flows[] = {0, 31, 32, 8191, 8192, (1u << 21) - 1, 1u << 21, (1u << 22) + 5};
  std::vector<uint32_t> server_of((1u << 22) + 6, 99);
  std::vector<bool> counted(server_of.size(), true);
  LifetimeLog log;
  Peaks expected;
  for (uint32_t k = 0; k < std::size(flows); ++k) {
    server_of[flows[k]] = k;
    const int64_t second = k % 2 == 0 ? 7 : UINT32_MAX - k;
    for (uint16_t port = 1; port <= k + 1; ++port) log.Add(flows[k], 65535 - port, second * kSecond, second * kSecond);
    expected.emplace_back(k, k + 1);
  }
  EXPECT_EQ(log.TakePeaks(counted, server_of), expected);
}

}  // namespace
}  // namespace highport::analysis
