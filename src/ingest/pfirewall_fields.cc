// The fields of a firewall log row that need more than from_chars: dates,
// times and addresses. These run for every row, so they are written out by
// hand: a fixed-width date and time (a row of the same day as the one before
// does not even get here, see LineReader::Flow), and dotted IPv4 without
// inet_pton (ParseV4, inline in pfirewall_row.h). IPv6 goes to inet_pton
// through a buffer on the stack, so that no row allocates.
#include <arpa/inet.h>

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

bool ParseV6(std::string_view t, std::array<uint8_t, 16>& out) {
  char buffer[48];
  if (t.empty() || t.size() >= sizeof buffer || t.front() == '[') return false;
  if (t.find(':') == std::string_view::npos || t.find('%') != std::string_view::npos) return false;
  std::memcpy(buffer, t.data(), t.size());
  buffer[t.size()] = '\0';
  return inet_pton(AF_INET6, buffer, out.data()) == 1;
}

}  // namespace highport::ingest::pfirewall
