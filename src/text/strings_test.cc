#include "text/strings.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace highport::text {
namespace {

TEST(NaturalLess, NumbersInNamesSortByTheirValue) {
  // tcpdump -C's rotated files, -G's dated ones, and plain names.
  std::vector<std::string> names = {"trace.pcap10", "trace.pcap2", "trace.pcap", "trace.pcap1",
                                    "cap_1100.pcap", "cap_1000.pcap", "b/pfirewall.log.old",
                                    "b/pfirewall.log", "a10/x", "a9/x", "v01", "v1", "v002"};
  std::sort(names.begin(), names.end(), NaturalLess);
  const std::vector<std::string> want = {"a9/x", "a10/x", "b/pfirewall.log", "b/pfirewall.log.old",
                                         "cap_1000.pcap", "cap_1100.pcap", "trace.pcap",
                                         "trace.pcap1", "trace.pcap2", "trace.pcap10",
                                         "v1", "v01", "v002"};
  EXPECT_EQ(names, want);
  EXPECT_FALSE(NaturalLess("x", "x"));
  EXPECT_TRUE(NaturalLess("x", "x1"));
  EXPECT_FALSE(NaturalLess("x1", "x"));
  // A total order even on long digit runs (no integer overflow).
  EXPECT_TRUE(NaturalLess("n99999999999999999999999", "n100000000000000000000000"));
}

}  // namespace
}  // namespace highport::text
