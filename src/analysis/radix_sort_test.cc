#include "analysis/radix_sort.h"

#include <algorithm>
#include <random>

#include <gtest/gtest.h>

namespace highport::analysis {
namespace {

// The radix sort against std::stable_sort: the same keys in the same order,
// equal keys in their given order, for key widths that need one pass, several
// passes with a constant digit in between, and all 64 bits.
TEST(RadixSort, AgreesWithStableSort) {
  std::mt19937_64 random(7);
  for (int bits : {1, 11, 12, 40, 49, 64}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{1000}, size_t{20000}}) {
      std::vector<RadixItem> items(n);
      for (uint32_t i = 0; i < n; ++i) {
        uint64_t key = random() & (bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1);
        if (bits == 40) key &= ~(uint64_t{0x7ff} << 11);  // a digit the same in every key
        if (i % 3 == 0 && i > 0) key = items[i - 1].key();  // repeated keys: stability shows
        items[i] = RadixItem::Of(key, i);
      }
      std::vector<RadixItem> expected = items;
      std::stable_sort(expected.begin(), expected.end(),
                       [](const RadixItem& a, const RadixItem& b) { return a.key() < b.key(); });
      RadixSort(items, bits);
      ASSERT_EQ(items.size(), expected.size());
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(items[i].key(), expected[i].key()) << "bits " << bits << " at " << i;
        ASSERT_EQ(items[i].index, expected[i].index) << "bits " << bits << " at " << i;
      }
    }
  }
}

}  // namespace
}  // namespace highport::analysis
