#include "model/records.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace highport {
namespace {

TEST(SourceRef, TextOfPacketLineAndFile) {
  EXPECT_EQ((SourceRef{"cap.pcap", 0, 7, 40}).ToString(), "cap.pcap:packet 7+40");
  EXPECT_EQ((SourceRef{"cap.pcap", 3, 7, 0}).ToString(), "cap.pcap:packet 7+0");  // packet wins
  EXPECT_EQ((SourceRef{"netstat.txt", 12, 0, 99}).ToString(), "netstat.txt:12");
  EXPECT_EQ((SourceRef{"x", 0, 0, 5}).ToString(), "x");
  EXPECT_EQ((SourceRef{"", UINT64_MAX, 0, 0}).ToString(), ":18446744073709551615");
  EXPECT_EQ((SourceRef{"a", 0, UINT64_MAX, UINT64_MAX}).ToString(),
            "a:packet 18446744073709551615+18446744073709551615");
}

}  // namespace
}  // namespace highport
