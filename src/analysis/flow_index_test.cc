#include "analysis/flow_index.h"

#include <map>
#include <random>
#include <tuple>

#include "gtest/gtest.h"

namespace highport::analysis {
namespace {

TEST(FlowIndex, EveryFieldOfTheKeyCounts) {
  FlowIndex index;
  EXPECT_EQ(index.FindOrInsert({1, 2, 445, Proto::kTcp}, 0), std::pair(0u, true));
  EXPECT_EQ(index.FindOrInsert({1, 2, 445, Proto::kTcp}, 9), std::pair(0u, false));
  EXPECT_EQ(index.FindOrInsert({2, 1, 445, Proto::kTcp}, 1), std::pair(1u, true));  // sides swapped
  EXPECT_EQ(index.FindOrInsert({1, 2, 445, Proto::kUdp}, 2), std::pair(2u, true));
  EXPECT_EQ(index.FindOrInsert({1, 2, 446, Proto::kTcp}, 3), std::pair(3u, true));
  EXPECT_EQ(index.FindOrInsert({1, 3, 445, Proto::kTcp}, 4), std::pair(4u, true));
  // Id 0, port 0: an all-zero key is a key like any other, not an empty slot.
  EXPECT_EQ(index.FindOrInsert({0, 0, 0, Proto::kTcp}, 5), std::pair(5u, true));
  EXPECT_EQ(index.FindOrInsert({0, 0, 0, Proto::kTcp}, 6), std::pair(5u, false));
  EXPECT_EQ(index.size(), 6u);
}

// Against std::map over many keys, across several growths.
TEST(FlowIndex, AgreesWithAMapAcrossGrowth) {
  FlowIndex index;
  std::map<std::tuple<uint32_t, uint32_t, uint16_t, int>, uint32_t> expected;
  std::mt19937 rng(7);
  for (uint32_t i = 0; i < 200000; ++i) {
    CompactFlowKey key{static_cast<uint32_t>(rng() % 3000), static_cast<uint32_t>(rng() % 50), static_cast<uint16_t>(rng() % 40),
                       rng() % 2 ? Proto::kTcp : Proto::kUdp};
    auto [it, fresh] = expected.try_emplace(
        {key.client, key.server, key.port, static_cast<int>(key.proto)},
        static_cast<uint32_t>(expected.size()));
    auto [value, inserted] = index.FindOrInsert(key, it->second);
    ASSERT_EQ(inserted, fresh) << i;
    ASSERT_EQ(value, it->second) << i;
  }
  EXPECT_EQ(index.size(), expected.size());
  EXPECT_GE(index.slots() * 7, index.size() * 10);  // at most 70% full
}

TEST(FlowIndex, UsableAfterRelease) {
  FlowIndex index;
  index.FindOrInsert({1, 2, 3, Proto::kTcp}, 0);
  index.Release();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.slots(), 0u);
  EXPECT_EQ(index.FindOrInsert({1, 2, 3, Proto::kTcp}, 7), std::pair(7u, true));
}

}  // namespace
}  // namespace highport::analysis
