#include "report/fast_format.h"

#include <charconv>
#include <chrono>
#include <cstring>

namespace highport::report {
namespace {

using fast_format_detail::PutPair;

char* PutHexGroup(char* out, unsigned group) {
  static constexpr char kHex[] = "0123456789abcdef";
  // No leading zeros, as sprintf("%x").
  bool started = false;
  for (int shift = 12; shift >= 0; shift -= 4) {
    const unsigned nibble = (group >> shift) & 0xf;
    if (nibble != 0 || started || shift == 0) {
      *out++ = kHex[nibble];
      started = true;
    }
  }
  return out;
}

constexpr uint64_t kOnes = 0x0101010101010101;

// Nonzero when one of the eight bytes of `v` is zero (exact as a yes/no).
uint64_t ZeroByte(uint64_t v) { return (v - kOnes) & ~v & (kOnes * 0x80); }

bool CsvSpecialIn(uint64_t v) {
  return (ZeroByte(v ^ (kOnes * ',')) | ZeroByte(v ^ (kOnes * '"')) |
          ZeroByte(v ^ (kOnes * '\r')) | ZeroByte(v ^ (kOnes * '\n'))) != 0;
}

}  // namespace

bool HasCsvSpecial(std::string_view text) {
  const char* p = text.data();
  const size_t n = text.size();
  if (n < 8) {
    for (size_t i = 0; i < n; ++i) {
      if (p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n') return true;
    }
    return false;
  }
  uint64_t v;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    std::memcpy(&v, p + i, 8);
    if (CsvSpecialIn(v)) return true;
  }
  std::memcpy(&v, p + n - 8, 8);  // the last eight, overlapping what was read
  return CsvSpecialIn(v);
}

// Two digits a step from `end` back, the first one or two last.
template <typename Unsigned>
void PutDigitsBackwards(char* end, Unsigned value) {
  while (value >= 100) {
    end -= 2;
    const Unsigned rest = value / 100;
    PutPair(end, static_cast<unsigned>(value - rest * 100));
    value = rest;
  }
  if (value >= 10) {
    PutPair(end - 2, static_cast<unsigned>(value));
  } else {
    end[-1] = static_cast<char>('0' + value);
  }
}

// The length from the bit length and one comparison (DecimalDigits), then
// two digits a step from the end (std::to_chars does the same, but its
// length loop and call cost twice); below 2^32 in 32-bit arithmetic, whose
// division by 100 is a multiplication and a shift, not three steps.
char* PutDecimalAbove99(char* out, uint64_t value) {
  const auto bits = static_cast<unsigned>(64 - __builtin_clzll(value));  // value > 99
  const unsigned guess = bits * 1233 >> 12;
  char* end = out + guess + (value >= fast_format_detail::kPowersOfTen[guess]);
  if (value >> 32 == 0) {
    PutDigitsBackwards(end, static_cast<uint32_t>(value));
  } else {
    PutDigitsBackwards(end, value);
  }
  return end;
}

// Each octet's text in four bytes, its length in the fourth: one store and
// no division per octet.
constexpr std::array<std::array<char, 4>, 256> kOctets = [] {
  std::array<std::array<char, 4>, 256> octets{};
  for (unsigned i = 0; i < 256; ++i) {
    std::array<char, 4>& o = octets[i];
    if (i >= 100) {
      o = {static_cast<char>('0' + i / 100), static_cast<char>('0' + i / 10 % 10),
           static_cast<char>('0' + i % 10), 3};
    } else if (i >= 10) {
      o = {static_cast<char>('0' + i / 10), static_cast<char>('0' + i % 10), 0, 2};
    } else {
      o = {static_cast<char>('0' + i), 0, 0, 1};
    }
  }
  return octets;
}();

char* PutIpv4(char* out, const uint8_t* bytes) {
  for (size_t i = 0; i < 4; ++i) {
    const std::array<char, 4>& o = kOctets[bytes[i]];
    std::memcpy(out, o.data(), 4);  // the fourth byte is overwritten next
    out += o[3];
    *out++ = '.';
  }
  return out - 1;  // no dot after the last octet
}

// glibc's inet_ntop6, step by step.
char* PutIpv6(char* out, const std::array<uint8_t, 16>& bytes) {
  unsigned words[8];
  for (size_t i = 0; i < 8; ++i) words[i] = unsigned{bytes[2 * i]} << 8 | bytes[2 * i + 1];
  int best_base = -1, best_len = 0, cur_base = -1, cur_len = 0;
  for (int i = 0; i < 8; ++i) {
    if (words[i] == 0) {
      if (cur_base == -1) {
        cur_base = i;
        cur_len = 1;
      } else {
        ++cur_len;
      }
    } else if (cur_base != -1) {
      if (best_base == -1 || cur_len > best_len) best_base = cur_base, best_len = cur_len;
      cur_base = -1;
    }
  }
  if (cur_base != -1 && (best_base == -1 || cur_len > best_len)) {
    best_base = cur_base, best_len = cur_len;
  }
  if (best_base != -1 && best_len < 2) best_base = -1;
  for (int i = 0; i < 8; ++i) {
    if (best_base != -1 && i >= best_base && i < best_base + best_len) {
      if (i == best_base) *out++ = ':';
      continue;
    }
    if (i != 0) *out++ = ':';
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d).
    if (i == 6 && best_base == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
      return PutIpv4(out, bytes.data() + 12);
    }
    out = PutHexGroup(out, words[i]);
  }
  if (best_base != -1 && best_base + best_len == 8) *out++ = ':';
  return out;
}

// "hh:mm" of each minute of a day, eight bytes apart (one fixed-size copy).
constexpr std::array<std::array<char, 8>, 1440> kClock = [] {
  std::array<std::array<char, 8>, 1440> clock{};
  for (unsigned m = 0; m < 1440; ++m) {
    clock[m] = {static_cast<char>('0' + m / 600), static_cast<char>('0' + m / 60 % 10), ':',
                static_cast<char>('0' + m % 60 / 10), static_cast<char>('0' + m % 10), 0, 0, 0};
  }
  return clock;
}();

uint64_t TimeText::NewMinute(uint64_t seconds) {
  const uint64_t day = seconds / kDay;
  if (day != day_) NewDay(day);
  const auto of_day = static_cast<unsigned>(seconds - day * kDay);
  const unsigned minute = of_day / 60;
  std::memcpy(text_, date_, 11);
  std::memcpy(text_ + 11, kClock[minute].data(), 8);  // "hh:mm" and three spare bytes
  minute_ = seconds - (of_day - minute * 60);
  return of_day - minute * 60;
}

void TimeText::NewDay(uint64_t day) {
  const std::chrono::year_month_day date{
      std::chrono::sys_days(std::chrono::days(static_cast<int64_t>(day)))};
  const auto year = static_cast<unsigned>(static_cast<int>(date.year()));
  PutPair(date_, year / 100);
  PutPair(date_ + 2, year % 100);
  date_[4] = '-';
  PutPair(date_ + 5, static_cast<unsigned>(date.month()));
  date_[7] = '-';
  PutPair(date_ + 8, static_cast<unsigned>(date.day()));
  date_[10] = ' ';
  day_ = day;
}

}  // namespace highport::report
