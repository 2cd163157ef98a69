#include "ingest/local_time.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "fmt/format.h"

namespace highport::ingest {
namespace {

constexpr int64_t kUsPerSecond = 1'000'000;
constexpr int64_t kUsPerHour = 3600 * kUsPerSecond;

std::optional<int64_t> ParseFixedOffset(std::string_view spec) {
  if (spec == "UTC" || spec == "Z") return 0;
  // [+-]HH:MM or [+-]HHMM
  if (spec.size() != 6 && spec.size() != 5) return std::nullopt;
  if (spec[0] != '+' && spec[0] != '-') return std::nullopt;
  std::string digits;
  for (char c : spec.substr(1)) {
    if (c == ':') continue;
    if (c < '0' || c > '9') return std::nullopt;
    digits += c;
  }
  if (digits.size() != 4 || (spec.size() == 6 && spec[3] != ':')) return std::nullopt;
  const int hours = std::stoi(digits.substr(0, 2));
  const int minutes = std::stoi(digits.substr(2, 2));
  if (hours > 14 || minutes > 59) return std::nullopt;
  const int64_t offset = (hours * 3600 + minutes * 60) * kUsPerSecond;
  return spec[0] == '-' ? -offset : offset;
}

// The zone's offset from UTC at the local wall-clock time `local_seconds`,
// asked of the C library with TZ set to the zone for the moment (mktime is
// the portable way before C++20's tzdb, which GCC 12 lacks).
int64_t OffsetAt(const std::string& zone, int64_t local_seconds) {
  const char* old = std::getenv("TZ");
  const std::string saved = old ? old : "";
  setenv("TZ", zone.c_str(), 1);
  tzset();
  std::time_t t = static_cast<std::time_t>(local_seconds);
  std::tm wall{};
  gmtime_r(&t, &wall);  // the stored value is wall-clock time, read as if UTC
  wall.tm_isdst = -1;
  const std::time_t utc = mktime(&wall);
  if (old) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  return (local_seconds - static_cast<int64_t>(utc)) * kUsPerSecond;
}

}  // namespace

Result<LogTimeZone> LogTimeZone::Parse(std::string_view spec) {
  LogTimeZone zone;
  zone.name_ = std::string(spec);
  if (auto fixed = ParseFixedOffset(spec)) {
    zone.fixed_offset_us_ = *fixed;
    return zone;
  }
  // mktime quietly takes an unknown zone for UTC: check that tzdata has it.
  std::error_code ec;
  const bool known = !spec.empty() && spec.find("..") == std::string_view::npos &&
                     spec.front() != '/' &&
                     std::filesystem::is_regular_file(
                         std::filesystem::path("/usr/share/zoneinfo") / std::string(spec), ec);
  if (!known) {
    return Error{fmt::format("'{}' is neither an offset (+01:00, -05:30, UTC) nor a time zone "
                             "of the system's tzdata (Europe/Berlin, America/New_York)",
                             spec)};
  }
  return zone;
}

int64_t LogTimeZone::ToUtc(int64_t local_us) {
  if (fixed_offset_us_) return local_us - *fixed_offset_us_;
  // Offsets change at most every hour boundary: one lookup per local hour.
  const int64_t hour = local_us >= 0 ? local_us / kUsPerHour : (local_us + 1) / kUsPerHour - 1;
  auto [it, fresh] = offset_by_hour_.try_emplace(hour, 0);
  if (fresh) it->second = OffsetAt(name_, hour * 3600);
  return local_us - it->second;
}

void LocalTimeSink::OnFlow(const FlowObservation& flow) {
  FlowObservation utc = flow;
  utc.first_us = zone_.ToUtc(flow.first_us);
  utc.last_us = zone_.ToUtc(flow.last_us);
  next_.OnFlow(utc);
}

}  // namespace highport::ingest
