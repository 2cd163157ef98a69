#include "model/port_list.h"

#include <gtest/gtest.h>

namespace highport {
namespace {

TEST(PortList, PortsAndRanges) {
  auto parsed = ParsePortList("135, 445,5000-5002,445");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 4u);
  EXPECT_EQ((*parsed)[2], (PortRange{5000, 5002}));
  EXPECT_EQ(ExpandPorts(*parsed), (std::vector<uint16_t>{135, 445, 5000, 5001, 5002}));
}

TEST(PortList, WholeSpace) {
  auto parsed = ParsePortList("1-65535");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(ExpandPorts(*parsed).size(), 65535u);
}

TEST(PortList, ErrorsNameTheItem) {
  EXPECT_EQ(ParsePortList("135,445,5100-5000").error().message,
            "item 3 '5100-5000' is not a port (1-65535) or START-END range");
  EXPECT_EQ(ParsePortList("135,x").error().message,
            "item 2 'x' is not a port (1-65535) or START-END range");
  EXPECT_EQ(ParsePortList("0").error().message,
            "item 1 '0' is not a port (1-65535) or START-END range");
  EXPECT_EQ(ParsePortList("65536").error().message,
            "item 1 '65536' is not a port (1-65535) or START-END range");
  EXPECT_EQ(ParsePortList("135,,445").error().message,
            "item 2 is empty (two commas, or one at an end)");
  EXPECT_EQ(ParsePortList("135,").error().message, "item 2 is empty (two commas, or one at an end)");
  EXPECT_EQ(ParsePortList(" ").error().message, "an empty port list");
}

}  // namespace
}  // namespace highport
