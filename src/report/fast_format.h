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
// 10^0 to 10^19.
inline constexpr std::array<uint64_t, 20> kPowersOfTen = [] {
  std::array<uint64_t, 20> powers{};
  uint64_t power = 1;
  for (uint64_t& p : powers) {
    p = power;
    power *= 10;  // wraps after 10^19, unused
  }
  return powers;
}();
// Each octet's decimal length.
inline constexpr std::array<uint8_t, 256> kOctetWidths = [] {
  std::array<uint8_t, 256> widths{};
  for (unsigned i = 0; i < 256; ++i) widths[i] = static_cast<uint8_t>(1 + (i >= 10) + (i >= 100));
  return widths;
}();
}  // namespace fast_format_detail

// PutDecimal()'s length, from the bit length and one comparison:
// floor(bits * log10(2)) is the number of digits or one less (1233 / 4096
// is log10(2) closely enough for 64 bits).
inline size_t DecimalDigits(uint64_t value) {
  const auto bits = static_cast<unsigned>(64 - __builtin_clzll(value | 1));
  const unsigned guess = bits * 1233 >> 12;  // at most 19
  return guess + (value >= fast_format_detail::kPowersOfTen[guess]) + (value == 0);
}

// PutIpv4()'s length without the text.
inline size_t Ipv4Width(const uint8_t* bytes) {
  using fast_format_detail::kOctetWidths;
  return 3u + kOctetWidths[bytes[0]] + kOctetWidths[bytes[1]] + kOctetWidths[bytes[2]] +
         kOctetWidths[bytes[3]];
}

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

// "YYYY-MM-DD hh:mm:ss" (19 characters) of microseconds since the epoch,
// the text of the last minute written kept: a report's times are mostly on
// few days, and the rows of one server often within minutes.
class TimeText {
 public:
  // Whether Put() writes `us` (19 characters): a table measures its times
  // without writing them. A time less than a second before 1970 is
  // 1970-01-01 00:00:00 (seconds are rounded toward zero, as gmtime's callers
  // did).
  static bool Fits(int64_t us) { return us > -1'000'000 && us < kYear10000 * 1'000'000; }
  // False (nothing written) for a time before 1970 or in year 10000 or
  // later; the caller formats those the general way.
  bool Put(char* out, int64_t us) {
    if (!Fits(us)) return false;
    // Unsigned division: cheaper than the signed one, and the same for us >= 0.
    const uint64_t seconds = static_cast<uint64_t>(us < 0 ? 0 : us) / 1'000'000;
    uint64_t second = seconds - minute_;  // huge (wrapped) for another minute
    if (second >= 60) second = NewMinute(seconds);
    std::memcpy(out, text_, 16);
    out[16] = ':';
    fast_format_detail::PutPair(out + 17, static_cast<unsigned>(second));
    return true;
  }

 private:
  static constexpr int64_t kYear10000 = 253'402'300'800;  // 10000-01-01 00:00:00 UTC, in seconds
  static constexpr uint64_t kDay = 86'400;
  // text_ and minute_ for the minute of `seconds`; returns the second in it.
  uint64_t NewMinute(uint64_t seconds);
  void NewDay(uint64_t day);  // date_ and day_ for `day` days since 1970-01-01
  uint64_t day_ = UINT64_MAX;
  char date_[11] = {};
  // The first second of the minute text_ ("YYYY-MM-DD hh:mm") is of; far
  // beyond any time at first.
  uint64_t minute_ = uint64_t{1} << 62;
  char text_[19] = {};  // "YYYY-MM-DD hh:mm" and room for a fixed-size copy of "hh:mm"
};

}  // namespace highport::report
