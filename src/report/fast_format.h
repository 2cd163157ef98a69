// Formatters for what `highport flows` writes per row (addresses, times,
// counters), written through a pointer into room the caller made: the
// library's versions (inet_ntop through sprintf, std::chrono's calendar per
// time) were most of a row's cost. Each writes exactly what the library one
// does (fast_format_test.cc holds them to it).
#pragma once

#include <array>
#include <cstdint>

namespace highport::report {

// At most 20 digits: std::to_chars(out, out + 20, value).ptr.
char* PutDecimal(char* out, uint64_t value);

// The four octets "10.0.0.5" of bytes[0..3]; at most 15 characters.
char* PutIpv4(char* out, const uint8_t* bytes);

// IPv6 as glibc's inet_ntop writes it (RFC 5952: lowercase, the first longest
// run of two or more zero groups as "::", IPv4-mapped and -compatible
// addresses with a dotted tail); at most 45 characters.
char* PutIpv6(char* out, const std::array<uint8_t, 16>& bytes);

// "YYYY-MM-DD hh:mm:ss" (19 characters) of microseconds since the epoch, the
// date text of the last day kept: a report's times are mostly on few days.
class TimeText {
 public:
  // False (nothing written) for a time before 1970 or in year 10000 or
  // later; the caller formats those the general way.
  bool Put(char* out, int64_t us);

 private:
  int64_t day_ = -1;
  char date_[11] = {};
};

}  // namespace highport::report
