#include "report/fast_format.h"

#include <charconv>
#include <chrono>
#include <cstring>

namespace highport::report {
namespace {

// "00" to "99", two characters each.
constexpr std::array<char, 200> kPairs = [] {
  std::array<char, 200> pairs{};
  for (int i = 0; i < 100; ++i) {
    pairs[2 * i] = static_cast<char>('0' + i / 10);
    pairs[2 * i + 1] = static_cast<char>('0' + i % 10);
  }
  return pairs;
}();

void PutPair(char* out, unsigned value) { std::memcpy(out, &kPairs[2 * value], 2); }

char* PutOctet(char* out, unsigned octet) {
  if (octet >= 100) {
    *out++ = static_cast<char>('0' + octet / 100);
    PutPair(out, octet % 100);
    return out + 2;
  }
  if (octet >= 10) {
    PutPair(out, octet);
    return out + 2;
  }
  *out++ = static_cast<char>('0' + octet);
  return out;
}

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

}  // namespace

char* PutDecimal(char* out, uint64_t value) {
  // Most counters in a report are small.
  if (value < 10) {
    *out = static_cast<char>('0' + value);
    return out + 1;
  }
  if (value < 100) {
    PutPair(out, static_cast<unsigned>(value));
    return out + 2;
  }
  return std::to_chars(out, out + 20, value).ptr;
}

char* PutIpv4(char* out, const uint8_t* bytes) {
  out = PutOctet(out, bytes[0]);
  for (size_t i = 1; i < 4; ++i) {
    *out++ = '.';
    out = PutOctet(out, bytes[i]);
  }
  return out;
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

bool TimeText::Put(char* out, int64_t us) {
  const int64_t seconds = us / 1'000'000;
  constexpr int64_t kDay = 86'400;
  constexpr int64_t kYear10000 = 253'402'300'800;  // 10000-01-01 00:00:00 UTC
  if (seconds < 0 || seconds >= kYear10000) return false;
  const int64_t day = seconds / kDay;
  if (day != day_) {
    const std::chrono::year_month_day date{std::chrono::sys_days(std::chrono::days(day))};
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
  const auto of_day = static_cast<unsigned>(seconds - day * kDay);
  std::memcpy(out, date_, 11);
  PutPair(out + 11, of_day / 3600);
  out[13] = ':';
  PutPair(out + 14, of_day / 60 % 60);
  out[16] = ':';
  PutPair(out + 17, of_day % 60);
  return true;
}

}  // namespace highport::report
