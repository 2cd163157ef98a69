// For tests: a time as the flows writers print it, computed the slow and
// obvious way (gmtime_r), to hold the fast formatters to.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>

#include "fmt/format.h"

namespace highport::report::testing {

// "YYYY-MM-DD hh:mm:ss" of microseconds since the epoch (rounded toward zero).
inline std::string ByGmtime(int64_t us) {
  std::time_t seconds = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace highport::report::testing
