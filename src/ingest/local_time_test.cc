#include "ingest/local_time.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "ingest/collecting_sink.h"

namespace highport::ingest {
namespace {

constexpr int64_t kUs = 1'000'000;
// 2026-11-30 08:00:00 and 2026-07-01 08:00:00, as wall-clock seconds read as if UTC.
constexpr int64_t kWinterEight = 1796025600;
constexpr int64_t kSummerEight = 1782892800;

TEST(LogTimeZone, FixedOffsetsAreSubtracted) {
  auto plus_one = LogTimeZone::Parse("+01:00");
  ASSERT_TRUE(plus_one);
  EXPECT_EQ(plus_one->ToUtc(kWinterEight * kUs), (kWinterEight - 3600) * kUs);
  auto minus = LogTimeZone::Parse("-0530");
  ASSERT_TRUE(minus);
  EXPECT_EQ(minus->ToUtc(kWinterEight * kUs), (kWinterEight + 5 * 3600 + 1800) * kUs);
  auto utc = LogTimeZone::Parse("UTC");
  ASSERT_TRUE(utc);
  EXPECT_EQ(utc->ToUtc(123), 123);
}

TEST(LogTimeZone, BadSpecsAreRefusedWithTheReason) {
  for (const char* bad : {"", "+25:00", "+01:75", "01:00", "+1", "Mars/Olympus_Mons",
                          "../../etc/passwd", "/etc/localtime"}) {
    auto zone = LogTimeZone::Parse(bad);
    ASSERT_FALSE(zone) << bad;
    EXPECT_NE(zone.error().message.find("neither an offset"), std::string::npos) << bad;
  }
}

TEST(LogTimeZone, NamedZonesFollowDaylightSavingTime) {
  if (!std::filesystem::exists("/usr/share/zoneinfo/Europe/Berlin")) {
    GTEST_SKIP() << "no tzdata (/usr/share/zoneinfo/Europe/Berlin); scripts/setup.sh installs it";
  }
  auto berlin = LogTimeZone::Parse("Europe/Berlin");
  ASSERT_TRUE(berlin);
  EXPECT_EQ(berlin->ToUtc(kWinterEight * kUs + 17), (kWinterEight - 3600) * kUs + 17);  // CET
  EXPECT_EQ(berlin->ToUtc(kSummerEight * kUs), (kSummerEight - 7200) * kUs);            // CEST
  // The process's own TZ is left as it was.
  EXPECT_EQ(std::getenv("TZ"), nullptr);
}

TEST(LocalTimeSink, ConvertsFlowsAndPassesTheRestOn) {
  auto zone = LogTimeZone::Parse("+02:00");
  ASSERT_TRUE(zone);
  CollectingSink collected;
  LocalTimeSink sink(collected, *zone);
  FlowObservation f;
  f.first_us = 10 * 3600 * kUs;
  f.last_us = 11 * 3600 * kUs;
  f.packets = 7;
  sink.OnFlow(f);
  sink.OnLostEvents(3, {"pfirewall.log", 9});
  sink.OnRpcRegistration({});
  ASSERT_EQ(collected.flows.size(), 1u);
  EXPECT_EQ(collected.flows[0].first_us, 8 * 3600 * kUs);
  EXPECT_EQ(collected.flows[0].last_us, 9 * 3600 * kUs);
  EXPECT_EQ(collected.flows[0].packets, 7u);
  EXPECT_EQ(collected.lost, 3u);
  EXPECT_EQ(collected.registrations.size(), 1u);
}

}  // namespace
}  // namespace highport::ingest
