// Internal to the pfirewall reader (pfirewall.cc): one decoded line at a time
// becomes a header change, a FlowObservation for the sink, a lost-events
// count, or a finding. Nothing here allocates per row: tokens are views into
// the line, and one FlowObservation is filled again for every row.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ingest/pfirewall.h"

namespace highport::ingest::pfirewall {

// The #Fields names this reader uses; the others are counted, not read.
enum class Field : uint8_t {
  kDate,
  kTime,
  kAction,
  kProtocol,
  kSrcIp,
  kDstIp,
  kSrcPort,
  kDstPort,
  kSize,
  kTcpFlags,
  kInfo,
  kPath,
  kPid,
  kCount,
};

// Splits at runs of bytes <= ' ' (space, tab, CR, NUL). Returns the number of
// tokens, which may exceed the size of `out`; only the first ones are kept.
// With SSE2, 16 bytes at a time: a mask of the separator bytes, and a token
// boundary wherever a bit differs from the one before it.
template <size_t N>
size_t Tokenize(std::string_view line, std::array<std::string_view, N>& out) {
  const char* base = line.data();
  const size_t size = line.size();
  size_t n = 0;
  size_t start = 0;
  bool in_token = false;
  auto boundary = [&](size_t at) {
    if (!in_token) {
      start = at;
    } else {
      if (n < N) out[n] = std::string_view(base + start, at - start);
      ++n;
    }
    in_token = !in_token;
  };
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  for (; i + 16 <= size; i += 16) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base + i));
    auto separators = static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(bytes, space), space)));
    uint32_t before = (separators << 1) | (in_token ? 0u : 1u);
    for (uint32_t change = (separators ^ before) & 0xFFFF; change != 0; change &= change - 1) {
      boundary(i + static_cast<size_t>(__builtin_ctz(change)));
    }
  }
#endif
  for (; i < size; ++i) {
    bool separator = static_cast<unsigned char>(base[i]) <= ' ';
    if (separator == in_token) boundary(i);
  }
  if (in_token) boundary(size);
  return n;
}

// What a row's action makes of it.
enum Kind : uint8_t { kAllow, kOpen, kOpenInbound, kDrop, kClose, kLost, kUnknownAction };

// t == literal, with a length the compiler knows: string_view's operator==
// calls memcmp with a variable length, which costs more than a row's token.
template <size_t N>
bool Is(std::string_view t, const char (&literal)[N]) {
  return t.size() == N - 1 && std::memcmp(t.data(), literal, N - 1) == 0;
}

inline Kind ParseAction(std::string_view a) {
  if (Is(a, "ALLOW")) return kAllow;
  if (Is(a, "DROP")) return kDrop;
  if (Is(a, "INFO-EVENTS-LOST")) return kLost;
  if (Is(a, "OPEN")) return kOpen;
  if (Is(a, "OPEN-INBOUND")) return kOpenInbound;
  if (Is(a, "CLOSE")) return kClose;
  return kUnknownAction;
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Digits only, at most 20 of them, that fit: "-" is not a number here.
template <typename T>
bool ParseNumber(std::string_view t, T& out) {
  if (t.empty() || t.size() > 20 || !IsDigit(t[0])) return false;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && end == t.data() + t.size();
}

// A number, or "-" for none (0).
template <typename T>
bool ParseOptionalNumber(std::string_view t, T& out) {
  if (t == "-") {
    out = 0;
    return true;
  }
  return ParseNumber(t, out);
}

inline uint8_t TcpFlagBit(char c) {
  switch (c) {
    case 'F': return 0x01;
    case 'S': return 0x02;
    case 'R': return 0x04;
    case 'P': return 0x08;
    case 'A': return 0x10;
    case 'U': return 0x20;
    case 'E': return 0x40;
    case 'C': return 0x80;
    default: return 0;
  }
}

// Dotted IPv4 of exactly four parts, 1-3 digits each without a leading zero
// ("010" could be octal to some readers), each at most 255. Inline: it runs
// twice per row.
inline bool ParseV4(std::string_view t, uint32_t& out) {
  if (t.size() < 7 || t.size() > 15) return false;
  const char* p = t.data();
  const char* end = p + t.size();
  auto digit = [&](unsigned& d) {
    if (p == end) return false;
    d = static_cast<unsigned>(*p - '0');
    if (d > 9) return false;
    ++p;
    return true;
  };
  uint32_t value = 0;
  for (int part = 0; part < 4; ++part) {
    unsigned octet = 0;
    unsigned d = 0;
    if (!digit(octet)) return false;
    if (digit(d)) {
      if (octet == 0) return false;
      octet = octet * 10 + d;
      if (digit(d)) octet = octet * 10 + d;
    }
    if (octet > 255) return false;
    value = value << 8 | octet;
    if (part < 3) {
      if (p == end || *p != '.') return false;
      ++p;
    }
  }
  out = value;
  return p == end;
}

// "2021-06-22" and "12:19:44" (a fraction of a second is allowed) as
// microseconds since the epoch, the date taken as UTC.
bool ParseDateDays(std::string_view text, int64_t& days);
bool ParseTimeMicros(std::string_view text, int64_t& micros);
// Dotted IPv4 ("10.0.0.5"), or IPv6 without brackets, zone allowed.
bool ParseAddress(std::string_view text, IpAddress& out);

class LineReader {
 public:
  LineReader(std::string name, TrafficSink& sink, Diagnostics& diagnostics,
             PfirewallStats& stats);

  void Line(std::string_view line);  // one line without its '\n'
  void OverlongLine();               // a line too long to keep: skipped
  void Finish();

  // Off: every row takes the general path (tests compare the two).
  void set_fast_path(bool on) { fast_enabled_ = on; }

 private:
  static constexpr size_t kMaxTokens = 40;

  // The common row in one pass (pfirewall_fast.cc): the standard layout,
  // single spaces, a flow that reads without a finding or a note. False:
  // nothing was counted or reported, and the general path reads the line.
  bool FastRow(std::string_view line);
  bool StandardLayout() const;

  void Directive(std::string_view line);
  void DefineFields(std::string_view names);
  void Row(size_t count);
  bool CountFits(size_t count, bool lost_events_row) const;
  void ReportCount(size_t count);
  void LostEvents();
  void Flow(Kind kind);
  void Deliver(Kind kind, bool path_dash, uint64_t bytes);  // the flow_ filled so far, to the sink
  std::string_view Get(Field field) const;

  template <typename MakeReason>
  void Skip(std::string_view id, MakeReason&& make_reason);
  void NoteOnce(bool& done, std::string_view id, std::string reason);

  std::string name_;
  TrafficSink& sink_;
  Diagnostics& diagnostics_;
  PfirewallStats& stats_;
  uint64_t line_ = 0;

  std::array<std::string_view, kMaxTokens> tokens_;
  size_t token_count_ = 0;

  // Where each field is in a row: from #Fields, or the standard 17 (+ pid).
  std::array<int, static_cast<size_t>(Field::kCount)> index_{};
  size_t field_count_ = 17;
  bool from_header_ = false;
  bool usable_ = true;  // false after a #Fields without the fields a row needs
  bool fast_enabled_ = true;
  bool fast_ = true;  // usable_ and the standard positions: FastRow may try

  char last_time_[8] = {};  // and often the same second: the fast path keeps it
  int64_t last_time_us_ = 0;
  bool have_time_ = false;

  char last_date_[10] = {};  // rows of one day share a date: parse it once
  int64_t last_days_ = 0;
  bool have_date_ = false;

  FlowObservation flow_;

  struct Suppressed {
    std::string id;
    uint64_t listed = 0;
    uint64_t more = 0;
    uint64_t first_more_line = 0;
  };
  std::vector<Suppressed> suppressed_;  // one per finding id: a handful
  uint64_t first_close_line_ = 0;
  bool noted_local_time_ = false;
  bool noted_path_ = false;
  bool noted_flags_ = false;
};

}  // namespace highport::ingest::pfirewall
