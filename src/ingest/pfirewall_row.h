// Internal to the pfirewall reader (pfirewall.cc): one decoded line at a time
// becomes a header change, a FlowObservation for the sink, a lost-events
// count, or a finding. Nothing here allocates per row: tokens are views into
// the line, and one FlowObservation is filled again for every row.
#pragma once

#include <array>
#include <cstdint>
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

 private:
  static constexpr size_t kMaxTokens = 40;

  void Directive(std::string_view line);
  void DefineFields(std::string_view names);
  void Row(size_t count);
  bool CountFits(size_t count, bool lost_events_row) const;
  void ReportCount(size_t count);
  void LostEvents();
  void Flow(uint8_t kind);
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
