// Formatters for what `highport flows` writes per row (addresses, times,
// counters), written through a pointer into room the caller made: the
// library's versions (inet_ntop through sprintf, std::chrono's calendar per
// time) were most of a row's cost. Each writes exactly what the library one
// does (fast_format_test.cc holds them to it).
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace highport::report {

namespace fast_format_detail {
// "00" to "99", two characters each.
inline constexpr std::array<char, 200> kPairs = [] {
  std::array<char, 200> pairs{};
  for (int i = 0; i < 100; ++i) {
    pairs[2 * i] = static_cast<char>('0' + i / 10);
    pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return pairs;
}();
inline void PutPair(char* out, unsigned value) { std::memcpy(out, &kPairs[2 * value], 2); }
}  // namespace fast_format_detail

char* PutDecimalAbove99(char* out, uint64_t value);

// At most 20 digits: std::to_chars(out, out + 20, value).ptr. Inline for the
// small counters most of a report's are.
inline char* PutDecimal(char* out, uint64_t value) {
  if (value < 10) {
    *out = static_cast<char>('0' + value);
    return out + 1;
  }
  if (value < 100) {
    fast_format_detail::PutPair(out, static_cast<unsigned>(value));
    return out + 2;
  }
  return PutDecimalAbove99(out, value);
}

// A comma, quote, CR or LF in `text` (RFC 4180's reasons to quote a field),
// eight bytes at a time: file names and service names are checked per row.
bool HasCsvSpecial(std::string_view text);

// The four octets "10.0.0.5" of bytes[0..3]; at most 15 characters, but
// `out` must have room for 16 (each octet is stored as four bytes).
char* PutIpv4(char* out, const uint8_t* bytes);

// IPv6 as glibc's inet_ntop writes it (RFC 5952: lowercase, the first longest
// run of two or more zero groups as "::", IPv4-mapped and -compatible
// addresses with a dotted tail); at most 45 characters.
char* PutIpv6(char* out, const std::array<uint8_t, 16>& bytes);

// "YYYY-MM-DD hh:mm:ss" (19 characters) of microseconds since the epoch, the
// date text of the last day kept: a report's times are mostly on few days.
class TimeText {
 public:
  // Whether Put() writes `us` (19 characters): a table measures its times
  // without writing them.
  static bool Fits(int64_t us) {
    const int64_t seconds = us / 1'000'000;
    constexpr int64_t kYear10000 = 253'402'300'800;  // 10000-01-01 00:00:00 UTC
    return seconds >= 0 && seconds < kYear10000;
  }
  // False (nothing written) for a time before 1970 or in year 10000 or
  // later; the caller formats those the general way.
  bool Put(char* out, int64_t us) {
    if (!Fits(us)) return false;
    const int64_t seconds = us / 1'000'000;
    // Rows often carry the same second twice (first and last seen).
    if (seconds == second_) {
      std::memcpy(out, text_, 19);
      return true;
    }
    const int64_t day = seconds / kDay;
    if (day != day_) NewDay(day);
    const auto of_day = static_cast<unsigned>(seconds - day * kDay);
    std::memcpy(out, date_, 11);
    fast_format_detail::PutPair(out + 11, of_day / 3600);
    out[13] = ':';
    fast_format_detail::PutPair(out + 14, of_day / 60 % 60);
    out[16] = ':';
    fast_format_detail::PutPair(out + 17, of_day % 60);
    std::memcpy(text_, out, 19);
    second_ = seconds;
    return true;
  }

 private:
  static constexpr int64_t kDay = 86'400;
  void NewDay(int64_t day);  // date_ and day_ for `day` days since 1970-01-01
  int64_t day_ = -1;
  char date_[11] = {};
  int64_t second_ = -1;  // text_ is this second's text
  char text_[19] = {};
};

}  // namespace highport::report
