// The fields of a firewall log row that need more than from_chars: dates,
// times and addresses. These run for every row, so they are written out by
// hand: a fixed-width date and time (a row of the same day as the one before
// does not even get here, see LineReader::Flow), and dotted IPv4 without
// inet_pton (ParseV4, inline in pfirewall_row.h), and IPv6 by a parser that
// takes exactly what inet_pton takes (Pton6), without copying the text.
#include <array>
#include <cstdint>
#include <cstring>

#include "ingest/pfirewall_row.h"

namespace highport::ingest::pfirewall {
namespace {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {  // Howard Hinnant's algorithm
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

unsigned Two(const char* p) { return unsigned(p[0] - '0') * 10 + unsigned(p[1] - '0'); }

}  // namespace

bool ParseDateDays(std::string_view t, int64_t& days) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!IsDigit(t[i])) return false;
  }
  int64_t year = Two(t.data()) * 100 + Two(t.data() + 2);
  unsigned month = Two(t.data() + 5);
  unsigned day = Two(t.data() + 8);
  static constexpr unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month == 2 && day == 29 && !leap) return false;
  days = DaysFromCivil(year, month, day);
  return true;
}

bool ParseTimeMicros(std::string_view t, int64_t& micros) {
  if (t.size() < 8 || t[2] != ':' || t[5] != ':') return false;
  for (size_t i : {0, 1, 3, 4, 6, 7}) {
    if (!IsDigit(t[i])) return false;
  }
  unsigned h = Two(t.data());
  unsigned m = Two(t.data() + 3);
  unsigned s = Two(t.data() + 6);
  if (h > 23 || m > 59 || s > 59) return false;
  int64_t fraction = 0;
  if (t.size() > 8) {  // Windows writes none; tolerate ".123456"
    if (t[8] != '.' || t.size() == 9 || t.size() > 15) return false;
    int64_t scale = 100000;
    for (size_t i = 9; i < t.size(); ++i, scale /= 10) {
      if (!IsDigit(t[i])) return false;
      fraction += (t[i] - '0') * scale;
    }
  }
  micros = (int64_t{h} * 3600 + m * 60 + s) * 1000000 + fraction;
  return true;
}

bool ParseAddress(std::string_view t, IpAddress& out) {
  uint32_t v4 = 0;
  if (ParseV4(t, v4)) {
    out = IpAddress::V4(v4);
    return true;
  }
  if (t.find(':') == std::string_view::npos) return false;
  if (t.find('%') != std::string_view::npos || t.front() == '[') {
    std::optional<IpAddress> parsed = IpAddress::Parse(t);  // rare: allocates for the zone
    if (parsed && parsed->is_v6()) out = *parsed;
    return parsed && parsed->is_v6();
  }
  std::array<uint8_t, 16> bytes{};
  if (!ParseV6(t, bytes)) return false;
  out = IpAddress::V6(bytes);
  return true;
}

namespace {

// A hex digit's value, or -1.
constexpr std::array<int8_t, 256> kHexValue = [] {
  std::array<int8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = c >= '0' && c <= '9'   ? static_cast<int8_t>(c - '0')
           : c >= 'a' && c <= 'f' ? static_cast<int8_t>(c - 'a' + 10)
           : c >= 'A' && c <= 'F' ? static_cast<int8_t>(c - 'A' + 10)
                                  : int8_t{-1};
  }
  return t;
}();

// The dotted IPv4 tail of an IPv6 address as glibc's inet_pton4 reads it:
// four octets of decimal digits, none above 255, no leading zero.
bool Pton4(const char* p, const char* end, uint8_t* out) {
  unsigned octets = 0;
  bool saw_digit = false;
  unsigned value = 0;
  uint8_t bytes[4] = {};
  for (; p < end; ++p) {
    const unsigned digit = static_cast<unsigned char>(*p) - unsigned{'0'};
    if (digit <= 9) {
      if (saw_digit && value == 0) return false;
      value = value * 10 + digit;
      if (value > 255) return false;
      if (!saw_digit) {
        if (++octets > 4) return false;
        saw_digit = true;
      }
      bytes[octets - 1] = static_cast<uint8_t>(value);
    } else if (*p == '.' && saw_digit) {
      if (octets == 4) return false;
      saw_digit = false;
      value = 0;
    } else {
      return false;
    }
  }
  if (octets < 4) return false;
  std::memcpy(out, bytes, 4);
  return true;
}

// IPv6 text from `p` to `end` as glibc's inet_pton6 reads it (the same
// steps, in the same order, so that it accepts exactly what inet_pton
// accepts): groups of 1-4 hex digits, one "::" at most, a dotted IPv4 tail
// in the last 4 bytes. ParseV6AgreesWithInetPton holds the two together.
bool Pton6(const char* p, const char* end, uint8_t* out) {
  uint8_t bytes[16] = {};
  size_t at = 0;           // bytes written
  size_t gap = SIZE_MAX;   // where "::" stands, in bytes
  if (p == end) return false;
  if (*p == ':') {
    ++p;
    if (p == end || *p != ':') return false;
  }
  const char* group = p;  // the current group's first character
  size_t digits = 0;
  unsigned value = 0;
  while (p < end) {
    const char c = *p++;
    const int digit = kHexValue[static_cast<unsigned char>(c)];
    if (digit >= 0) {
      if (digits == 4) return false;
      value = value << 4 | static_cast<unsigned>(digit);
      ++digits;
      continue;
    }
    if (c == ':') {
      group = p;
      if (digits == 0) {
        if (gap != SIZE_MAX) return false;
        gap = at;
        continue;
      }
      if (p == end || at + 2 > 16) return false;
      bytes[at++] = static_cast<uint8_t>(value >> 8);
      bytes[at++] = static_cast<uint8_t>(value);
      digits = 0;
      value = 0;
      continue;
    }
    if (c == '.' && at + 4 <= 16 && Pton4(group, end, bytes + at)) {
      at += 4;
      digits = 0;
      break;
    }
    return false;
  }
  if (digits > 0) {
    if (at + 2 > 16) return false;
    bytes[at++] = static_cast<uint8_t>(value >> 8);
    bytes[at++] = static_cast<uint8_t>(value);
  }
  if (gap != SIZE_MAX) {
    if (at == 16) return false;  // "::" would stand for no group
    // The bytes after it move to the end, byte by byte from the last (a
    // few: memmove and memset calls would cost more); zeros stay behind.
    const size_t shift = 16 - at;
    for (size_t i = at; i-- > gap;) {
      bytes[i + shift] = bytes[i];
      bytes[i] = 0;
    }
    at = 16;
  }
  if (at != 16) return false;
  std::memcpy(out, bytes, 16);
  return true;
}

}  // namespace

// What inet_pton(AF_INET6) makes of the text, which would end at a NUL in
// the C string inet_pton is given; without the copy into a terminated
// buffer and without inet_pton's 455 instructions an address. An address
// that reads has a ':' and no '%' (Pton6 refuses one) before any NUL: the
// text is searched only when it does not read.
bool ParseV6(std::string_view t, std::array<uint8_t, 16>& out) {
  if (t.empty() || t.size() >= 48 || t.front() == '[') return false;
  if (Pton6(t.data(), t.data() + t.size(), out.data())) return true;
  const char* nul = static_cast<const char*>(std::memchr(t.data(), '\0', t.size()));
  return nul != nullptr && t.find('%') == std::string_view::npos &&
         Pton6(t.data(), nul, out.data());
}

}  // namespace highport::ingest::pfirewall
