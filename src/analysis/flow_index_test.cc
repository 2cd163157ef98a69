#include "analysis/flow_index.h"

#include <map>
#include <random>
#include <tuple>

#include "gtest/gtest.h"

namespace highport::analysis {
namespace {

// The index with its keys where a flow table keeps them: value i is keys[i].
struct Indexed {
  FlowIndex index;
  std::vector<CompactFlowKey> keys;
  std::pair<uint32_t, bool> Add(const CompactFlowKey& key, uint64_t hash) {
    auto found = index.FindOrInsert(key, hash, static_cast<uint32_t>(keys.size()),
                                    [&](uint32_t at) -> const CompactFlowKey& { return keys[at]; });
    if (found.second) keys.push_back(key);
    return found;
  }
  std::pair<uint32_t, bool> Add(const CompactFlowKey& key) { return Add(key, FlowIndex::Hash(key)); }
};

// OnFlow() builds a key from two words made in registers: they must be the
// words of the key built field by field, every field at its extremes.
TEST(FlowIndex, KeyWordsAreTheFieldsWords) {
  std::mt19937_64 random(7);
  for (int round = 0; round < 4000; ++round) {
    const uint32_t client = round < 4 ? (round & 1 ? UINT32_MAX : 0) : uint32_t(random());
    const uint32_t server = round < 4 ? (round & 2 ? UINT32_MAX : 0) : uint32_t(random());
    const auto port = static_cast<uint16_t>(round < 4 ? (round & 1 ? 65535 : 0) : random());
    const Proto proto = random() & 1 ? Proto::kUdp : Proto::kTcp;
    const bool client_interned = random() & 1, server_interned = random() & 1;
    const CompactFlowKey fields{client, server, port, proto, client_interned, server_interned};
    const uint64_t head = CompactFlowKey::HeadOf(client, server);
    const uint32_t tail = CompactFlowKey::TailOf(port, proto, client_interned, server_interned);
    EXPECT_EQ(head, fields.Head());
    EXPECT_EQ(tail, fields.Tail());
    const CompactFlowKey words = CompactFlowKey::FromWords(head, tail);
    EXPECT_TRUE(words == fields);
    EXPECT_EQ(words.client, client);
    EXPECT_EQ(words.server, server);
    EXPECT_EQ(words.port, port);
    EXPECT_EQ(words.proto, proto);
    EXPECT_EQ(words.client_interned, client_interned);
    EXPECT_EQ(words.server_interned, server_interned);
    EXPECT_EQ(words.unused, 0);
    EXPECT_EQ(FlowIndex::Hash(head, tail), FlowIndex::Hash(fields));
  }
}

TEST(FlowIndex, EveryFieldOfTheKeyCounts) {
  Indexed t;
  EXPECT_EQ(t.Add({1, 2, 445, Proto::kTcp}), std::pair(0u, true));
  EXPECT_EQ(t.Add({1, 2, 445, Proto::kTcp}), std::pair(0u, false));
  EXPECT_EQ(t.Add({2, 1, 445, Proto::kTcp}), std::pair(1u, true));  // sides swapped
  EXPECT_EQ(t.Add({1, 2, 445, Proto::kUdp}), std::pair(2u, true));
  EXPECT_EQ(t.Add({1, 2, 446, Proto::kTcp}), std::pair(3u, true));
  EXPECT_EQ(t.Add({1, 3, 445, Proto::kTcp}), std::pair(4u, true));
  CompactFlowKey interned{1, 2, 445, Proto::kTcp};
  interned.client_interned = true;
  EXPECT_EQ(t.Add(interned), std::pair(5u, true));
  // Id 0, port 0: an all-zero key is a key like any other, not an empty slot.
  EXPECT_EQ(t.Add({0, 0, 0, Proto::kTcp}), std::pair(6u, true));
  EXPECT_EQ(t.Add({0, 0, 0, Proto::kTcp}), std::pair(6u, false));
  EXPECT_EQ(t.index.size(), 7u);
}

// Keys whose hashes share the tag (here: the whole hash, and a hash whose
// upper half is 0, which the index stores as 1) are told apart by the keys;
// the tag-only lookup returns the first and says it is not new.
TEST(FlowIndex, EqualTagsAreToldApartByTheKeys) {
  Indexed t;
  const CompactFlowKey a{1, 2, 445, Proto::kTcp}, b{3, 4, 135, Proto::kTcp}, c{5, 6, 80, Proto::kTcp};
  const uint64_t hash = uint64_t{0x12345} << 32 | 7;
  EXPECT_EQ(t.Add(a, hash), std::pair(0u, true));
  EXPECT_EQ(t.Add(b, hash), std::pair(1u, true));
  EXPECT_EQ(t.Add(a, hash), std::pair(0u, false));
  EXPECT_EQ(t.Add(b, hash), std::pair(1u, false));
  EXPECT_EQ(t.index.FindTagOrInsert(hash, 99), std::pair(0u, false));
  EXPECT_EQ(t.Add(c, 5), std::pair(2u, true));               // upper half 0
  EXPECT_EQ(t.Add(c, uint64_t{1} << 32 | 9), std::pair(2u, false));  // the same tag: 1
  EXPECT_EQ(t.index.FindTagOrInsert(uint64_t{0x54321} << 32, 3), std::pair(3u, true));
  EXPECT_EQ(t.index.size(), 4u);
}

// Against std::map over many keys, across several growths; the tag-only
// lookup finds every stored key's value (no other key of its tag came first
// here) and inserts nothing for them.
TEST(FlowIndex, AgreesWithAMapAcrossGrowth) {
  Indexed t;
  std::map<std::tuple<uint32_t, uint32_t, uint16_t, int>, uint32_t> expected;
  std::mt19937 rng(7);
  for (uint32_t i = 0; i < 200000; ++i) {
    CompactFlowKey key{static_cast<uint32_t>(rng() % 3000), static_cast<uint32_t>(rng() % 50),
                       static_cast<uint16_t>(rng() % 40), rng() % 2 ? Proto::kTcp : Proto::kUdp};
    auto [it, fresh] = expected.try_emplace(
        {key.client, key.server, key.port, static_cast<int>(key.proto)},
        static_cast<uint32_t>(expected.size()));
    auto [value, inserted] = t.Add(key);
    ASSERT_EQ(inserted, fresh) << i;
    ASSERT_EQ(value, it->second) << i;
  }
  EXPECT_EQ(t.index.size(), expected.size());
  EXPECT_GE(t.index.slots() * 7, t.index.size() * 10);  // at most 70% full
  size_t found = 0;
  for (uint32_t v = 0; v < t.keys.size(); ++v) {
    auto [value, inserted] = t.index.FindTagOrInsert(FlowIndex::Hash(t.keys[v]), 0);
    ASSERT_FALSE(inserted);
    found += value == v;
  }
  EXPECT_GE(found + 5, t.keys.size());  // a few keys may share a tag with an earlier one
}

TEST(FlowIndex, UsableAfterRelease) {
  Indexed t;
  t.Add({1, 2, 3, Proto::kTcp});
  t.index.Release();
  EXPECT_EQ(t.index.size(), 0u);
  EXPECT_LE(t.index.bytes(), 8u * 1024);
  t.keys.clear();
  EXPECT_EQ(t.Add({1, 2, 3, Proto::kTcp}), std::pair(0u, true));
}

}  // namespace
}  // namespace highport::analysis
