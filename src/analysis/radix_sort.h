// A stable LSD radix sort of (64-bit key, 32-bit index) items: the flow
// table's final order sorts every key once, and comparing 16-byte keys in an
// introsort cost as much as reading the keys in.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace highport::analysis {

// 12 bytes, not 16: the key as two halves keeps the item 4-aligned.
struct RadixItem {
  uint32_t key_lo = 0, key_hi = 0;
  uint32_t index = 0;
  uint64_t key() const { return uint64_t{key_hi} << 32 | key_lo; }
  static RadixItem Of(uint64_t key, uint32_t index) {
    return {static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32), index};
  }
};

// Sorts `items` by key, equal keys in their given order. Every key must be
// below 2^bits (bits <= 64); the fewer bits, the fewer passes. A digit that
// is the same in every key costs no pass.
inline void RadixSort(std::vector<RadixItem>& items, int bits) {
  constexpr int kDigitBits = 11;  // 2048 counters: 8 KB, in the first-level cache
  constexpr size_t kBuckets = size_t{1} << kDigitBits;
  const size_t n = items.size();
  const int passes = (bits + kDigitBits - 1) / kDigitBits;
  if (n < 2 || passes == 0) return;
  std::vector<std::array<uint32_t, kBuckets>> counts(static_cast<size_t>(passes));
  for (const RadixItem& item : items) {
    const uint64_t key = item.key();
    for (int p = 0; p < passes; ++p) ++counts[p][key >> (p * kDigitBits) & (kBuckets - 1)];
  }
  std::vector<RadixItem> scratch(n);
  for (int p = 0; p < passes; ++p) {
    std::array<uint32_t, kBuckets>& at = counts[p];
    const int shift = p * kDigitBits;
    if (at[items[0].key() >> shift & (kBuckets - 1)] == n) continue;  // one digit for all
    uint32_t sum = 0;
    for (uint32_t& c : at) sum += std::exchange(c, sum);
    for (const RadixItem& item : items) scratch[at[item.key() >> shift & (kBuckets - 1)]++] = item;
    items.swap(scratch);
  }
}

}  // namespace highport::analysis
