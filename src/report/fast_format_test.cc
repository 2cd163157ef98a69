#include "report/fast_format.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "report/testing_time.h"

namespace highport::report {
namespace {

std::string Decimal(uint64_t value) {
  char text[20];
  return std::string(text, PutDecimal(text, value));
}

std::string ByToChars(uint64_t value) {
  char text[20];
  return std::string(text, std::to_chars(text, text + 20, value).ptr);
}

TEST(FastFormat, DecimalEqualsToChars) {
  for (uint64_t v : std::initializer_list<uint64_t>{0, 9, 10, 99, 100, 65535, 9'999'999'999'999'999'999ULL,
                     10'000'000'000'000'000'000ULL, UINT64_MAX}) {
    EXPECT_EQ(Decimal(v), ByToChars(v)) << v;
  }
  EXPECT_EQ(Decimal(UINT64_MAX), "18446744073709551615");
  std::mt19937_64 rng(11);
  for (int i = 0; i < 100000; ++i) {
    const uint64_t v = rng() >> (rng() % 64);  // every magnitude
    ASSERT_EQ(Decimal(v), ByToChars(v)) << v;
  }
}

TEST(FastFormat, DecimalDigitsIsTheLengthWritten) {
  std::vector<uint64_t> values = {0, 1, 9, 10, 99, 100, 999, 1000, 65535, UINT32_MAX,
                                  uint64_t{UINT32_MAX} + 1, 9'999'999'999'999'999'999ULL,
                                  10'000'000'000'000'000'000ULL, UINT64_MAX};
  // Every power of ten and its neighbours, where the bit-length guess is off by one.
  for (uint64_t p = 1; p <= 1'000'000'000'000'000'000ULL; p *= 10) {
    values.insert(values.end(), {p - 1, p, p + 1});
  }
  for (int bit = 0; bit < 64; ++bit) {
    const uint64_t p = uint64_t{1} << bit;
    values.insert(values.end(), {p - 1, p, p + 1});
  }
  for (uint64_t v : values) {
    EXPECT_EQ(DecimalDigits(v), ByToChars(v).size()) << v;
    EXPECT_EQ(Decimal(v), ByToChars(v)) << v;
  }
  EXPECT_EQ(Decimal(uint64_t{1} << 32), "4294967296");
}

TEST(FastFormat, Ipv4WidthIsTheLengthWritten) {
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; ++i) {
    const uint32_t v = rng() >> (rng() % 32);  // small octets too
    std::array<uint8_t, 4> b;
    std::memcpy(b.data(), &v, 4);
    char text[16];
    ASSERT_EQ(Ipv4Width(b.data()), static_cast<size_t>(PutIpv4(text, b.data()) - text));
  }
}

TEST(FastFormat, CsvSpecialEqualsACharacterScan) {
  EXPECT_FALSE(HasCsvSpecial(""));
  EXPECT_FALSE(HasCsvSpecial("C:\\Windows\\System32\\LogFiles\\Firewall\\pfirewall.log"));
  EXPECT_TRUE(HasCsvSpecial("a,b"));
  EXPECT_TRUE(HasCsvSpecial("twelve chars\n"));
  EXPECT_TRUE(HasCsvSpecial("\"at the start of a long name"));
  // Bytes with the high bit set must not look like the special ones.
  EXPECT_FALSE(HasCsvSpecial("\xac\xa2\x8d\x8a\xac\xa2\x8d\x8a\xac"));
  std::mt19937 rng(13);
  const char alphabet[] = {',', '"', '\r', '\n', 'a', ' ', '\x2d', '\x2b', '\xac', '\x0c', '\x0e', '\xa2'};
  for (int i = 0; i < 100000; ++i) {
    std::string text(rng() % 40, 'x');
    const size_t specials = rng() % 3;
    for (char& c : text) {
      c = rng() % 8 < specials ? alphabet[rng() % sizeof alphabet] : alphabet[4 + rng() % 8];
    }
    const bool expected = text.find_first_of(",\"\r\n") != std::string::npos;
    ASSERT_EQ(HasCsvSpecial(text), expected) << text;
  }
}

std::string V4(const std::array<uint8_t, 4>& b) {
  char text[16];
  return std::string(text, PutIpv4(text, b.data()));
}

TEST(FastFormat, Ipv4EqualsInetNtop) {
  EXPECT_EQ(V4({0, 0, 0, 0}), "0.0.0.0");
  EXPECT_EQ(V4({255, 255, 255, 255}), "255.255.255.255");
  EXPECT_EQ(V4({10, 100, 9, 199}), "10.100.9.199");
  std::mt19937 rng(3);
  for (int i = 0; i < 100000; ++i) {
    const uint32_t v = rng();
    std::array<uint8_t, 4> b;
    std::memcpy(b.data(), &v, 4);
    char expected[INET_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET, b.data(), expected, sizeof expected), nullptr);
    ASSERT_EQ(V4(b), expected);
  }
}

std::string V6(const std::array<uint8_t, 16>& b) {
  char text[46];
  char* end = PutIpv6(text, b);
  EXPECT_LE(end - text, 45);
  return std::string(text, end);
}

std::string ByInetNtop(const std::array<uint8_t, 16>& b) {
  char text[INET6_ADDRSTRLEN];
  EXPECT_NE(inet_ntop(AF_INET6, b.data(), text, sizeof text), nullptr);
  return text;
}

std::array<uint8_t, 16> Words(const std::array<uint16_t, 8>& words) {
  std::array<uint8_t, 16> b{};
  for (size_t i = 0; i < 8; ++i) {
    b[2 * i] = static_cast<uint8_t>(words[i] >> 8);
    b[2 * i + 1] = static_cast<uint8_t>(words[i]);
  }
  return b;
}

TEST(FastFormat, Ipv6FollowsRfc5952AsInetNtop) {
  EXPECT_EQ(V6(Words({0, 0, 0, 0, 0, 0, 0, 0})), "::");
  EXPECT_EQ(V6(Words({0, 0, 0, 0, 0, 0, 0, 1})), "::1");
  EXPECT_EQ(V6(Words({0xfe80, 0, 0, 0, 0, 0, 0, 1})), "fe80::1");
  EXPECT_EQ(V6(Words({0x2001, 0xdb8, 0, 0, 0, 0, 0, 0})), "2001:db8::");
  // One zero group is not compressed; of two equal runs the first is.
  EXPECT_EQ(V6(Words({0x2001, 0xdb8, 0, 1, 1, 1, 1, 1})), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(V6(Words({0x2001, 0, 0, 1, 0, 0, 1, 1})), "2001::1:0:0:1:1");
  // The longer run wins over an earlier shorter one.
  EXPECT_EQ(V6(Words({0x2001, 0, 0, 1, 0, 0, 0, 1})), "2001:0:0:1::1");
  EXPECT_EQ(V6(Words({0xABCD, 0xEF01, 0x0a, 0xa0, 0xf00, 1, 2, 3})), "abcd:ef01:a:a0:f00:1:2:3");
  // IPv4-mapped and -compatible addresses keep a dotted tail.
  EXPECT_EQ(V6(Words({0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0005})), "::ffff:10.0.0.5");
  EXPECT_EQ(V6(Words({0, 0, 0, 0, 0, 0xffff, 0, 0})), "::ffff:0.0.0.0");
  EXPECT_EQ(V6(Words({0, 0, 0, 0, 0, 0, 0x0a00, 0x0005})), "::10.0.0.5");
  EXPECT_EQ(V6(Words({0, 0, 0, 0, 0, 0xfffe, 0x0a00, 0x0005})), "::fffe:a00:5");
  EXPECT_EQ(V6(Words({0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff})),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  // Every pattern of zero and non-zero groups, then random values with many
  // zero groups (where the compression rules matter).
  std::mt19937 rng(5);
  for (unsigned mask = 0; mask < 256; ++mask) {
    for (int round = 0; round < 20; ++round) {
      std::array<uint16_t, 8> words{};
      for (size_t i = 0; i < 8; ++i) {
        if (mask >> i & 1) continue;
        const unsigned kind = rng() % 4;
        words[i] = kind == 0 ? 0xffff : static_cast<uint16_t>(rng() >> (rng() % 16));
        if (words[i] == 0) words[i] = 1;
      }
      const auto b = Words(words);
      ASSERT_EQ(V6(b), ByInetNtop(b)) << mask;
    }
  }
  for (int i = 0; i < 100000; ++i) {
    std::array<uint8_t, 16> b;
    for (auto& byte : b) byte = rng() % 3 == 0 ? static_cast<uint8_t>(rng()) : 0;
    ASSERT_EQ(V6(b), ByInetNtop(b));
  }
}

using testing::ByGmtime;

std::string Time(TimeText& times, int64_t us) {
  char text[19];
  if (!times.Put(text, us)) return "outside";
  return std::string(text, 19);
}

TEST(FastFormat, TimeEqualsGmtimeWithTheDayKept) {
  TimeText times;
  EXPECT_EQ(Time(times, 0), "1970-01-01 00:00:00");
  EXPECT_EQ(Time(times, -1), "1970-01-01 00:00:00");  // rounds toward zero, as before
  EXPECT_EQ(Time(times, -1'000'000), "outside");
  EXPECT_EQ(Time(times, 86'399'999'999), "1970-01-01 23:59:59");
  EXPECT_EQ(Time(times, 86'400'000'000), "1970-01-02 00:00:00");
  EXPECT_EQ(Time(times, 86'399'000'000), "1970-01-01 23:59:59");  // back to the day before
  EXPECT_EQ(Time(times, 951'782'400'000'000), "2000-02-29 00:00:00");
  EXPECT_EQ(Time(times, 253'402'300'799'999'999), "9999-12-31 23:59:59");
  EXPECT_EQ(Time(times, 253'402'300'800'000'000), "outside");
  EXPECT_EQ(Time(times, INT64_MAX), "outside");
  EXPECT_EQ(Time(times, INT64_MIN), "outside");
  // Around minute, day and year boundaries, forwards and back (the kept
  // minute and day must not answer for the next or the last one).
  for (int64_t edge : {int64_t{60}, int64_t{86'400}, int64_t{1'704'067'200} /* 2024-01-01 */,
                       int64_t{951'868'800} /* 2000-03-01 */, int64_t{4'107'542'400} /* 2100-03-01 */}) {
    for (int64_t us : {edge * 1'000'000 - 1, edge * 1'000'000, edge * 1'000'000 - 1,
                       edge * 1'000'000 + 59'999'999, edge * 1'000'000 + 60'000'000,
                       edge * 1'000'000 - 60'000'000, edge * 1'000'000 - 60'000'001}) {
      ASSERT_EQ(Time(times, us), ByGmtime(us)) << us;
    }
  }
  EXPECT_EQ(Time(times, -999'999), "1970-01-01 00:00:00");
  EXPECT_EQ(Time(times, 59'999'999), "1970-01-01 00:00:59");
  EXPECT_EQ(Time(times, -1'000'001), "outside");
  std::mt19937_64 rng(9);
  int64_t us = 1'600'000'000'000'000;
  for (int i = 0; i < 100000; ++i) {
    // Mostly near the last time (the caches' case), sometimes anywhere.
    if (rng() % 8 == 0) {
      us = static_cast<int64_t>(rng() % 253'402'300'800'000'000ULL);
    } else if (rng() % 3 == 0) {
      us += static_cast<int64_t>(rng() % 1'000'000);  // often the same second again
    } else {
      us = std::max<int64_t>(0, us + static_cast<int64_t>(rng() % 7'200'000'000) - 3'600'000'000);
    }
    ASSERT_EQ(Time(times, us), ByGmtime(us)) << us;
  }
}

}  // namespace
}  // namespace highport::report
