#include "model/endpoint.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "model/port_class.h"

namespace highport {
namespace {

// ToString writes IPv4 by hand: every octet width, against inet_ntop.
TEST(IpAddress, V4TextEqualsInetNtop) {
  for (uint32_t octet : {0u, 1u, 9u, 10u, 42u, 99u, 100u, 109u, 199u, 200u, 250u, 255u}) {
    for (uint32_t v : {octet << 24 | 0x000a6301u, 0x0a000000u | octet << 16 | octet,
                       octet * 0x01010101u}) {
      char expected[INET_ADDRSTRLEN] = {};
      uint8_t bytes[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
      inet_ntop(AF_INET, bytes, expected, sizeof expected);
      EXPECT_EQ(IpAddress::V4(v).ToString(), expected);
    }
  }
  EXPECT_EQ(IpAddress::V4(0xffffffffu).ToString(), "255.255.255.255");
  EXPECT_EQ(IpAddress::V4(0).ToString(), "0.0.0.0");
}

TEST(IpAddress, AssignInPlaceEqualsTheFactories) {
  IpAddress a = *IpAddress::Parse("fe80::1%eth0");
  a.AssignV4(0xc0a80a01);
  EXPECT_EQ(a, IpAddress::V4(0xc0a80a01));
  EXPECT_EQ(a.ToString(), "192.168.10.1");
  std::array<uint8_t, 16> v6{0x20, 0x01, 0x0d, 0xb8};
  v6[15] = 7;
  a.AssignV6(v6);
  EXPECT_EQ(a, IpAddress::V6(v6));
  EXPECT_EQ(a.ToString(), "2001:db8::7");
  a.AssignV4(0);
  EXPECT_EQ(a, IpAddress::AnyV4());
}

TEST(IpAddress, ParsesV4V6AndZones) {
  EXPECT_EQ(IpAddress::Parse("10.0.0.5")->ToString(), "10.0.0.5");
  EXPECT_EQ(IpAddress::Parse("[::1]")->ToString(), "::1");
  std::optional<IpAddress> zoned = IpAddress::Parse("fe80::1%12");
  ASSERT_TRUE(zoned);
  EXPECT_TRUE(zoned->is_v6());
  EXPECT_EQ(zoned->zone(), "12");
  EXPECT_EQ(zoned->ToString(), "fe80::1%12");
  EXPECT_EQ(IpAddress::Parse("127.0.0.53%lo")->ToString(), "127.0.0.53%lo");
  EXPECT_FALSE(IpAddress::Parse("Senne-PC"));
  EXPECT_FALSE(IpAddress::Parse("192.168.1.10055"));  // seen in a sanitised real log
  EXPECT_FALSE(IpAddress::Parse("fe80::1%"));
  EXPECT_TRUE(IpAddress::Parse("0.0.0.0")->is_unspecified());
  EXPECT_TRUE(IpAddress::Parse("::")->is_unspecified());
  EXPECT_TRUE(IpAddress::Parse("::1")->is_loopback());
  EXPECT_TRUE(IpAddress::Parse("127.1.2.3")->is_loopback());
}

TEST(Endpoint, SplitsHostAndPort) {
  std::optional<HostPortText> v6 = SplitHostPort("[fe80::1%12]:8080");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "fe80::1%12");
  EXPECT_EQ(v6->port, "8080");
  std::optional<HostPortText> star = SplitHostPort("*:*");
  ASSERT_TRUE(star);
  EXPECT_EQ(star->host, "*");
  EXPECT_EQ(star->port, "*");
  EXPECT_FALSE(SplitHostPort("[::1]8080"));
  EXPECT_FALSE(SplitHostPort("nocolon"));
  EXPECT_EQ(SplitHostPort("cloud:https")->port, "https");
}

TEST(Endpoint, PortsAreStrict) {
  EXPECT_EQ(ParsePort("65535"), 65535);
  EXPECT_FALSE(ParsePort("65536"));
  EXPECT_FALSE(ParsePort("12a"));
  EXPECT_FALSE(ParsePort(""));
  EXPECT_FALSE(ParsePort("-1"));
  Endpoint e{*IpAddress::Parse("fe80::1%3"), Proto::kTcp, 135};
  EXPECT_EQ(e.ToString(), "[fe80::1%3]:135");
}

TEST(PortClass, FollowsIanaAndHostRanges) {
  EXPECT_EQ(IanaPortClass(1023), PortClass::kWellKnown);
  EXPECT_EQ(IanaPortClass(1024), PortClass::kRegistered);
  EXPECT_EQ(IanaPortClass(49151), PortClass::kRegistered);
  EXPECT_EQ(IanaPortClass(49152), PortClass::kDynamic);
  EXPECT_TRUE(kLegacyWindowsDynamicRange.Contains(1025));
  EXPECT_FALSE(kLegacyWindowsDynamicRange.Contains(5001));
  EXPECT_EQ(kWindowsDynamicRange.size(), 16384u);
  EXPECT_EQ(ParsePortRange("5000-5100")->size(), 101u);
  EXPECT_FALSE(ParsePortRange("5100-5000"));
  EXPECT_EQ(ParsePortRange("5984")->ToString(), "5984");
}

}  // namespace
}  // namespace highport
