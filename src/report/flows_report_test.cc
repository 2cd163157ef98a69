#include "report/flows_report.h"

#include <gtest/gtest.h>

#include <ctime>
#include <random>

#include "fmt/format.h"
#include "report/table.h"

namespace highport::report {
namespace {

// What FormatTime printed before it computed the date itself.
std::string ByGmtime(int64_t us) {
  std::time_t seconds = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

TEST(FormatTime, EqualsGmtimeAtTheEdgesAndAtRandom) {
  EXPECT_EQ(FormatTime(0), "1970-01-01 00:00:00");
  EXPECT_EQ(FormatTime(951'782'400'000'000), "2000-02-29 00:00:00");  // a leap day of a century
  EXPECT_EQ(FormatTime(253'402'300'799'999'999), "9999-12-31 23:59:59");
  const int64_t edges[] = {0, 1, 999'999, 1'000'000, 86'399'999'999, 86'400'000'000,
                           951'868'799'000'000, 4'107'542'399'000'000,  // 2100-02-28 23:59:59
                           253'402'300'799'999'999, 253'402'300'800'000'000,  // year 10000
                           -1, -1'000'000, -86'400'000'001, INT64_MAX / 2};
  for (int64_t us : edges) EXPECT_EQ(FormatTime(us), ByGmtime(us)) << us;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const int64_t us = static_cast<int64_t>(rng() % 253'402'300'800'000'000ULL);
    ASSERT_EQ(FormatTime(us), ByGmtime(us)) << us;
  }
}

TEST(CsvRow, QuotesOnlyWhatNeedsIt) {
  std::string out = "x\r\n";
  AppendCsvRow(out, {"", "plain", "a,b", "\"", "cr\r", "lf\n"});
  EXPECT_EQ(out, "x\r\n,plain,\"a,b\",\"\"\"\",\"cr\r\",\"lf\n\"\r\n");
  EXPECT_EQ(CsvField("10.0.0.1"), "10.0.0.1");
}

}  // namespace
}  // namespace highport::report
