// Internal to the pfirewall reader (pfirewall.cc): one decoded line at a time
// becomes a header change, a FlowObservation for the sink, a lost-events
// count, or a finding. Nothing here allocates per row: tokens are views into
// the line, and one FlowObservation is filled again for every row.
#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
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
// And for lengths of 5 to 16, two overlapping word compares: GCC calls
// memcmp for a length such as 7 ("RECEIVE").
template <size_t N>
bool Is(std::string_view t, const char (&literal)[N]) {
  constexpr size_t n = N - 1;
  if (t.size() != n) return false;
  if constexpr (n > 4 && n <= 16) {
    using Word = std::conditional_t<(n <= 8), uint32_t, uint64_t>;
    Word a, b, c, d;
    std::memcpy(&a, t.data(), sizeof(Word));
    std::memcpy(&b, literal, sizeof(Word));
    std::memcpy(&c, t.data() + n - sizeof(Word), sizeof(Word));
    std::memcpy(&d, literal + n - sizeof(Word), sizeof(Word));
    return ((a ^ b) | (c ^ d)) == 0;
  } else {
    return std::memcmp(t.data(), literal, n) == 0;
  }
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
// IPv6 without a zone or brackets, as ParseAddress reads it.
bool ParseV6(std::string_view text, std::array<uint8_t, 16>& out);

// Lines longer than this are skipped, not read.
constexpr size_t kMaxLine = size_t{64} << 10;

// Leading spaces and NULs say nothing, and a preallocated log ends in
// megabytes of NULs: they are not kept.
inline std::string_view SkipBlanks(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && static_cast<unsigned char>(s[i]) <= ' ') ++i;
  return s.substr(i);
}

// What the fast path needs to know of the reader's state: it reads rows
// only under the standard layout. A worker thread reads ahead under the
// layout of the moment it starts; its rows count only if the layout is the
// same when they are delivered (pfirewall_batch.cc).
struct FastLayout {
  bool on = false;  // the standard positions, fast path enabled
  bool from_header = false;
  size_t field_count = 17;
  bool operator==(const FastLayout&) const = default;
};

// One row as the fast path read it, without strings: what LineReader needs
// to fill its FlowObservation, so that a worker can read ahead into many.
struct ParsedRow {
  int64_t us = 0;  // first_us and last_us
  uint64_t bytes = 0;
  uint32_t src_v4 = 0;
  uint32_t dst_v4 = 0;
  uint32_t pid = 0;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint8_t ip_protocol = 0;
  uint8_t tcp_flags = 0;
  Kind kind = kAllow;
  LocalSide local_side = LocalSide::kUnknown;
  bool src_v6 = false;  // then the address is in src_v6_bytes, not src_v4
  bool dst_v6 = false;
  bool has_pid = false;
  bool pid_field = false;  // the row has 18 fields
  bool path_dash = false;
  std::array<uint8_t, 16> src_v6_bytes;  // left uninitialised unless src_v6
  std::array<uint8_t, 16> dst_v6_bytes;
};

// The fast path's own memory: the last date and time of day it parsed (a
// busy log writes many rows per second), and the IPv4 addresses it read
// lately, in a small table indexed by a hash of their text (the logging
// host is on one side of nearly every row, and a network's hosts come back
// again and again; two entries kept in LRU order lost the host to every
// other row's new peer). One per thread. About 8 KiB: it stays in L1.
struct FastCache {
  char date[10] = {};
  int64_t days = 0;
  bool have_date = false;
  char time[8] = {};
  int64_t time_us = 0;
  bool have_time = false;
  // The text's 16 bytes, zeros past its end, say its size too: a token has
  // no NUL. All zeros: empty (no address is that short). Aligned, so that
  // one compare of 16 bytes tells a hit.
  struct alignas(16) Recent {
    uint64_t low = 0;  // the address's text, bytes 0-7 and 8-15, zeros past its end
    uint64_t high = 0;
    uint32_t v4 = 0;
  };
  static constexpr size_t kRecent = 256;
  static_assert(sizeof(Recent) == 32 && alignof(Recent) == 16);
  Recent recent[kRecent];
};

// The fast path (pfirewall_fast.cc): a row of the standard layout, single
// spaces, that reads without a finding or a note. False: the general path
// must read the line; nothing was counted. Reads no byte outside `line`.
bool ParseFast(std::string_view line, const FastLayout& layout, FastCache& cache, ParsedRow& row);

// The fast path over lines where they lie, the line's end found in the same
// pass as its separators: the line at `p`, in a buffer of whole lines that
// ends at `end` (its last byte a '\n'), bytes up to `end` readable. Returns
// the line's length without its '\n', and `parsed` says whether `row` holds
// it: true exactly when ParseFast would have read that line. Returns
// kLineEndUnknown when the one pass cannot tell (a tab or NUL, a line near
// `end` or longer than the fast path takes): then memchr and ParseFast.
constexpr size_t kLineEndUnknown = SIZE_MAX;
using ScanFastFn = size_t (*)(const char* p, const char* end, const FastLayout& layout,
                              FastCache& cache, ParsedRow& row, bool& parsed);
// ScanFast with AVX2 (a window of 64 bytes in two loads, only the token ends
// that are read) when the CPU has it, else with SSE2; chosen once. The build
// is baseline x86-64, so ScanFastAvx2 may run only where CpuHasAvx2().
ScanFastFn ChosenScanFast();
size_t ScanFastSse2(const char* p, const char* end, const FastLayout& layout, FastCache& cache,
                    ParsedRow& row, bool& parsed);
size_t ScanFastAvx2(const char* p, const char* end, const FastLayout& layout, FastCache& cache,
                    ParsedRow& row, bool& parsed);
bool CpuHasAvx2();
inline size_t ScanFast(const char* p, const char* end, const FastLayout& layout, FastCache& cache,
                       ParsedRow& row, bool& parsed) {
  return ChosenScanFast()(p, end, layout, cache, row, parsed);
}

// ScanFast over many lines in one call (the call, and the setting up of
// its constants and stack, cost a twentieth of a row): from `p`, each line
// the fast path reads is read into rows[0], rows[1], ... until a line it
// does not read, `end`, or `capacity` rows. `bytes`: the lines of those
// rows, each with its '\n'. When it stopped at a line it does not read
// (rows < capacity, bytes short of `end`), `next_length` is that line's
// length as ScanFast returns it (kLineEndUnknown: memchr and ParseFast).
struct ScannedRows {
  size_t bytes = 0;
  size_t rows = 0;
  size_t next_length = kLineEndUnknown;
};
using ScanRowsFn = ScannedRows (*)(const char* p, const char* end, const FastLayout& layout,
                                   FastCache& cache, ParsedRow* rows, size_t capacity);
// With AVX2 where the CPU has it, else with SSE2, as ChosenScanFast.
ScanRowsFn ChosenScanRows();
ScannedRows ScanRowsSse2(const char* p, const char* end, const FastLayout& layout,
                         FastCache& cache, ParsedRow* rows, size_t capacity);
ScannedRows ScanRowsAvx2(const char* p, const char* end, const FastLayout& layout,
                         FastCache& cache, ParsedRow* rows, size_t capacity);

class RowWorker;
struct AheadBlock;

class LineReader {
 public:
  LineReader(std::string name, TrafficSink& sink, Diagnostics& diagnostics,
             PfirewallStats& stats);
  ~LineReader();

  void Line(std::string_view line);  // one line without its '\n'
  // Whole lines, each with its '\n' (the last one too); the long ones are
  // skipped. Big pieces are read by two threads (pfirewall_batch.cc).
  void Lines(std::string_view lines);
  void OverlongLine();               // a line too long to keep: skipped
  void UnfinishedLastLine();         // a last line without a line end: left out, noted
  void Finish();

  // Off: every row takes the general path (tests compare the two).
  void set_fast_path(bool on) { fast_enabled_ = on; }
  // Lines() hands part of a piece to a second thread from this many bytes
  // on; 0: never. Tests lower it.
  void set_parallel_min(size_t bytes) { parallel_min_ = bytes; }
  // Tests: smaller blocks (more of them than the ring's slots), and a pause
  // the second thread makes before it reads block `index` of a run (to
  // make it slow, so that the reader's thread reads ahead itself). Set
  // before the first Lines.
  void set_block_size(size_t bytes) { block_size_ = bytes; }
  void set_worker_pause(std::function<void(size_t index)> pause) { worker_pause_ = std::move(pause); }
  // How the blocks of Lines were delivered (tests see that both threads read).
  struct BlockCounts {
    uint64_t from_worker = 0;   // read ahead by the second thread
    uint64_t read_ahead = 0;    // read ahead by the reader's thread while the other was busy
    uint64_t one_by_one = 0;    // read and delivered at once by the reader's thread
  };
  const BlockCounts& block_counts() const { return block_counts_; }

 private:
  static constexpr size_t kMaxTokens = 40;

  FastLayout Layout() const { return {fast_ && fast_enabled_, from_header_, field_count_}; }
  bool StandardLayout() const;
  void DeliverRow(const ParsedRow& row);  // a row ParseFast read (pfirewall_fast.cc)

  // pfirewall_batch.cc
  void LineOrOverlong(std::string_view line);
  void OneByOne(std::string_view lines);
  // Whole lines cut into blocks_ and read by two threads, up to the block
  // after a line that changed the layout: where reading stopped (the end of
  // `lines` when it did not).
  const char* ReadRun(std::string_view lines);
  const char* ReadBlocks();  // blocks_, as ReadRun; null when all were read
  void DeliverBlock(size_t index, const FastLayout& assumed);  // blocks_[index], to the sink
  void ReadHere(size_t index);  // blocks_[index], read and delivered at once
  void DeliverAhead(std::string_view block, const AheadBlock& ahead, const FastLayout& assumed);

  void General(std::string_view line);
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
  bool fast_ = true;  // usable_ and the standard positions: ParseFast may try
  FastCache fast_cache_;
  size_t parallel_min_ = size_t{256} << 10;
  size_t block_size_ = size_t{64} << 10;
  std::function<void(size_t)> worker_pause_;
  BlockCounts block_counts_;
  std::unique_ptr<RowWorker> worker_;  // made when first needed
  std::vector<std::string_view> blocks_;  // of the lines Lines reads
  // Per block: claimed by this thread (to read ahead), and read.
  enum ClaimedHere : uint8_t { kNotHere, kClaimedHere, kReadHere };
  std::vector<ClaimedHere> claimed_here_;
  std::array<ParsedRow, 32> scanned_rows_;  // OneByOne's batch (ScanRows), filled again

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
  bool time_format_seen_ = false;  // a "#Time Format:" line, whatever it said
  bool noted_path_ = false;
  bool noted_flags_ = false;
};

// Inline: it runs for every row, after DeliverRow (pfirewall_fast.cc).
inline void LineReader::Deliver(Kind kind, bool path_dash, uint64_t bytes) {
  FlowObservation& f = flow_;
  if (kind == kOpen && path_dash) f.local_side = LocalSide::kSource;
  if (kind == kOpenInbound) f.local_side = LocalSide::kDestination;

  f.source.line = line_;
  f.bytes = bytes;
  f.packets = 1;
  if (kind == kDrop) {
    f.connections = 0;
    f.action = TrafficAction::kDropped;
    f.initiator = Initiator::kUnknown;
    f.initiator_evidence = InitiatorEvidence::kNone;
    ++stats_.dropped_packets;
  } else {
    f.connections = 1;
    f.action = TrafficAction::kAllowed;
    f.initiator = Initiator::kSource;
    f.initiator_evidence = InitiatorEvidence::kFirewallPath;
    ++stats_.flows;
  }
  sink_.OnFlow(f);
}

}  // namespace highport::ingest::pfirewall
