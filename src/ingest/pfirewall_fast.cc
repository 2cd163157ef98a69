// The fast path of the firewall log reader: nearly every row of a real log
// is the standard layout (17 fields, or 18 with pid) with single spaces, and
// reads without a finding. Such a row is cut and read in one pass here; any
// other line, and any row that would make a finding or a note, is left
// untouched for the general path (Tokenize, Row, Flow in pfirewall_row.cc),
// which then reads it from the start. So the fast path only decides how
// fast a row is read, never what it means, and the test
// FastPathAgreesWithTheGeneralPath holds the two to the same results.
//
// Cutting: one mask of the separator bytes (<= ' ') over the whole line, 16
// bytes at a time with SSE2, then the positions of its bits. A row qualifies
// when every separator inside it is a single ' '; trailing separators (the
// CR of CRLF, NUL padding) are dropped first, as Tokenize drops them. Over a
// buffer of whole lines (ScanFast) the same masks, 64 bytes at a time from
// the line's start, also give the line's end: the first separator that is
// no space is its '\n' (or the CR of CRLF), so no memchr runs first, and the
// fields may read ahead to the end of the buffer. Anything else there (a
// tab, a NUL, a line near the end of the buffer) goes through memchr and
// ParseFast; ScanFastAgreesWithMemchrAndParseFast holds the two together.
// Where the CPU has AVX2 (the build is baseline x86-64: chosen at run time,
// ChosenScanFast), a window is two loads, and only the token ends that are
// read are stored; Avx2ScanAgreesWithSse2Scan holds it to the SSE2 scan.
//
// Reading: the date and the time of day are compared with the previous row's
// before they are parsed (a busy log writes many rows per second), IPv4 is
// read inline or found in a table of recent addresses, short numbers are
// read eight digits at a time, and one FlowObservation is refilled.
#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <memory>
#include <new>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HIGHPORT_PFIREWALL_AVX2 1
#define HIGHPORT_PFIREWALL_TARGET_BMI [[gnu::target("bmi")]]
#else
#define HIGHPORT_PFIREWALL_TARGET_BMI
#endif

#include "ingest/pfirewall_row.h"

namespace highport::ingest::pfirewall {
namespace {

constexpr size_t kMaxFastLine = 256;  // longer rows (IPv6 with every field) take the general path
constexpr size_t kMaxFastTokens = 18;

// Bit k of `separators` is set when line[base + k] <= ' ', for base + k < n;
// of `spaces`, when it is ' '. n >= 16: the last piece of the line is loaded
// as the 16 bytes that end at n, overlapping the one before, so that no load
// goes past the line.
struct Bits {
  uint64_t separators = 0;
  uint64_t spaces = 0;
};

Bits SeparatorBits(const char* line, size_t base, size_t n) {
  Bits bits;
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  for (size_t k = 0; k < 64 && base + k < n; k += 16) {
    size_t at = std::min(base + k, n - 16);
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(line + at));
    auto separators = static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(bytes, space), space)));
    auto spaces = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, space)));
    size_t skip = base + k - at;
    bits.separators |= uint64_t{separators >> skip} << k;
    bits.spaces |= uint64_t{spaces >> skip} << k;
  }
#else
  for (size_t k = 0; k < 64 && base + k < n; ++k) {
    if (static_cast<unsigned char>(line[base + k]) <= ' ') bits.separators |= uint64_t{1} << k;
    if (line[base + k] == ' ') bits.spaces |= uint64_t{1} << k;
  }
#endif
  return bits;
}

// Token ends, with room for a whole window of separators past the most a
// row may have: the count is tested once per window, not per separator
// (and without popcount, a library call on baseline x86-64).
using Ends = std::array<uint16_t, kMaxFastTokens + 64>;

// The separators of `bits` (of the 64 bytes from `base`) as token ends after
// the `count` there are; false when that makes more than kMaxFastTokens tokens.
bool AddEnds(uint64_t bits, size_t base, Ends& ends, size_t& count) {
  size_t n = count;  // a local: the stores to ends[] would make the compiler reload `count`
  for (; bits != 0; bits &= bits - 1) {
    ends[n++] = static_cast<uint16_t>(base + static_cast<size_t>(__builtin_ctzll(bits)));
  }
  count = n;
  return n <= kMaxFastTokens - 1;
}

// The first kFirstEnds token ends are all that ParseTokens reads of a row's
// start (date to tcpflags, tokens 0-9); of the rest it reads only the last
// two or three (path, and pid when there is one). ScanFast with AVX2 keeps
// only those: the ends past the first ones are counted, not stored, and the
// last two of them are kept aside (AddNeededEnds, PlaceLastEnds).
constexpr size_t kFirstEnds = 10;

// The separators of `bits` (of the 64 bytes from `base`) after the `count`
// there are: positions stored while fewer than kFirstEnds are, then only
// counted, with the last two positions of those in `last` and `before_last`.
// False when that makes more than kMaxFastTokens tokens. The first window
// (count 0) stores kFirstEnds positions without a branch per separator:
// those past its separators get a made-up value (base + 64: TZCNT of no
// bit, defined, where __builtin_ctzll of 0 is not), which the next window's
// separators or the line's end overwrite, or which lie past the row's
// tokens. Compiled for BMI (TZCNT) on x86-64: inlined only into ScanFastAvx2.
HIGHPORT_PFIREWALL_TARGET_BMI inline bool AddNeededEnds(uint64_t bits, size_t base, Ends& ends,
                                                       size_t& count, size_t& last,
                                                       size_t& before_last) {
  size_t n = count;
  if (n == 0) {
    const auto total = static_cast<size_t>(__builtin_popcountll(bits));
    uint64_t rest = bits;
    for (size_t k = 0; k < kFirstEnds; ++k) {  // unrolled
#if defined(HIGHPORT_PFIREWALL_AVX2)
      ends[k] = static_cast<uint16_t>(base + static_cast<size_t>(_tzcnt_u64(rest)));
#else
      ends[k] = static_cast<uint16_t>(
          base + (rest == 0 ? 64 : static_cast<size_t>(__builtin_ctzll(rest))));
#endif
      rest &= rest - 1;
      // Else GCC packs the stores into vector registers, through the stack.
      asm volatile("" ::: "memory");
    }
    n = std::min(total, kFirstEnds);
    bits = rest;  // those not stored
    if (bits == 0) {
      count = n;
      return true;
    }
  }
  for (; n < kFirstEnds && bits != 0; bits &= bits - 1) {
    ends[n++] = static_cast<uint16_t>(base + static_cast<size_t>(__builtin_ctzll(bits)));
  }
  if (bits != 0) {
    const auto high = static_cast<size_t>(63 ^ __builtin_clzll(bits));
    const uint64_t rest = bits ^ (uint64_t{1} << high);
    before_last = rest != 0 ? base + static_cast<size_t>(63 ^ __builtin_clzll(rest)) : last;
    last = base + high;
    n += static_cast<size_t>(__builtin_popcountll(bits));
  }
  count = n;
  return n <= kMaxFastTokens - 1;
}

// The ends that AddNeededEnds counted but did not store, where ParseTokens
// reads them: the last separator and the one before it.
inline void PlaceLastEnds(Ends& ends, size_t count, size_t last, size_t before_last) {
  if (count > kFirstEnds) ends[count - 1] = static_cast<uint16_t>(last);
  if (count > kFirstEnds + 1) ends[count - 2] = static_cast<uint16_t>(before_last);
}

bool ParseV4Wide(const char* p, size_t size, uint32_t& out);
#if defined(HIGHPORT_PFIREWALL_AVX2)
[[gnu::target("avx2,bmi,popcnt")]] bool ParseV4Shuffled(const char* p, size_t size,
                                                         uint32_t& out);
#endif

// What ScanFast does with the instructions of baseline x86-64 (SSE2): the
// 64 bytes of a window in four loads, and every token end stored.
struct Sse2Isa {
  static constexpr bool kAllEnds = true;

  // Dotted IPv4 from a token with kWideRead readable bytes (ParseV4Wide).
  static bool V4(const char* p, size_t size, uint32_t& out) {
#if defined(__SSE2__)
    return ParseV4Wide(p, size, out);
#else
    return false;
#endif
  }


  // The separator and space bits of the 64 readable bytes at `p`.
  static Bits Window(const char* p) {
    Bits bits;
#if defined(__SSE2__)
    const __m128i space = _mm_set1_epi8(' ');
    for (size_t k = 0; k < 64; k += 16) {
      __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k));
      auto separators = static_cast<uint32_t>(
          _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(bytes, space), space)));
      auto spaces = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, space)));
      bits.separators |= uint64_t{separators} << k;
      bits.spaces |= uint64_t{spaces} << k;
    }
#else
    for (size_t k = 0; k < 64; ++k) {
      if (static_cast<unsigned char>(p[k]) <= ' ') bits.separators |= uint64_t{1} << k;
      if (p[k] == ' ') bits.spaces |= uint64_t{1} << k;
    }
#endif
    return bits;
  }
};

#if defined(HIGHPORT_PFIREWALL_AVX2)
// The same with AVX2 (chosen at run time, ChosenScanFast): a window in two
// loads, and only the token ends that ParseTokens reads. Not inline
// everywhere: only into functions compiled for AVX2 (ScanFastAvx2).
struct Avx2Isa {
  static constexpr bool kAllEnds = false;

  static bool V4(const char* p, size_t size, uint32_t& out) {
    return ParseV4Shuffled(p, size, out);
  }


  [[gnu::target("avx2")]] static Bits Window(const char* p) {
    const __m256i space = _mm256_set1_epi8(' ');
    const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
    // (A lambda here would not be compiled for AVX2.)
    const __m256i separators_low = _mm256_cmpeq_epi8(_mm256_max_epu8(low, space), space);
    const __m256i separators_high = _mm256_cmpeq_epi8(_mm256_max_epu8(high, space), space);
    Bits bits;
    bits.separators = uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(separators_low))} |
                      uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(separators_high))} << 32;
    bits.spaces =
        uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, space)))} |
        uint64_t{static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(high, space)))}
            << 32;
    return bits;
  }
};
#endif

// The end of each token: ends[k] is the position after token k, token k+1
// starts at ends[k] + 1. Returns the token count, or 0 when the line is not
// single-spaced or has more than kMaxFastTokens tokens. line[0] and
// line[n - 1] are no separators, and n >= 16.
size_t Cut(const char* line, size_t n, Ends& ends) {
  size_t count = 0;
  uint64_t carry = 0;  // the last byte of the previous 64 was a separator
  for (size_t base = 0; base < n; base += 64) {
    Bits b = SeparatorBits(line, base, n);
    if (b.separators != b.spaces) return 0;                        // a tab, CR or NUL inside
    if ((b.separators & (b.separators << 1 | carry)) != 0) return 0;  // two in a row
    carry = b.separators >> 63;
    if (!AddEnds(b.separators, base, ends, count)) return 0;
  }
  ends[count++] = static_cast<uint16_t>(n);
  return count;
}

// A number of up to 8 digits, or "-" (0), as ParseOptionalNumber reads it.
// With 8 readable bytes from the token's start the digits are converted
// eight at a time in a 64-bit word (SWAR), without a branch per digit;
// anything else goes through ParseOptionalNumber, which decides.
template <typename T>
[[gnu::always_inline]] inline bool Number(std::string_view t, size_t readable, T& out) {
  const size_t size = t.size();
  if (size == 1) {  // the size of most rows ("0"): no word to convert
    const auto digit = static_cast<unsigned>(static_cast<unsigned char>(t[0]) - '0');
    if (digit <= 9) {
      out = static_cast<T>(digit);
      return true;
    }
    return ParseOptionalNumber(t, out);
  }
  if (size == 0 || size > 8 || readable < 8) return ParseOptionalNumber(t, out);
  uint64_t word;
  std::memcpy(&word, t.data(), 8);
  // The token's digits in the high bytes, the last one highest; zeros below.
  word = (word - 0x3030303030303030ULL) << (8 * (8 - size));
  // A byte that was no digit is now above 9 (or wrapped): adding 0x76 sets its top bit.
  if (((word + 0x7676767676767676ULL) | word) & 0x8080808080808080ULL) {
    return ParseOptionalNumber(t, out);
  }
  word = word * 10 + (word >> 8);  // pairs of digits
  word = (((word & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
          (((word >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32;
  if (word > std::numeric_limits<T>::max()) return false;
  out = static_cast<T>(word);
  return true;
}

// "HH:MM:SS" (8 bytes) as ParseTimeMicros reads it, all 8 bytes in one
// word: the digits checked and converted at once, not one by one.
inline bool TimeOfDay8(const char* p, int64_t& micros) {
  constexpr uint64_t kDigits = 0xFFFF'00FF'FF00'FFFFULL;  // bytes 0, 1, 3, 4, 6, 7
  constexpr uint64_t kHigh = 0x8080'8080'8080'8080ULL;
  uint64_t word;
  std::memcpy(&word, p, 8);
  if ((word & ~kDigits) != 0x0000'3A00'003A'0000ULL) return false;  // ':' at 2 and 5
  const uint64_t digits = word & kDigits;
  // A digit byte is '0'..'9' when adding 0x46 leaves its top bit clear
  // (not above '9') and adding 0x50 sets it (not below '0'). A byte that
  // carries into the next fails one of the two itself: 0x80..0xB9 the
  // first, 0xBA and above the second.
  if (((digits + (0x46 * (kDigits / 0xFF))) & kHigh & kDigits) != 0 ||
      ((digits + (0x50 * (kDigits / 0xFF))) & kHigh & kDigits) != (kHigh & kDigits)) {
    return false;
  }
  uint64_t values = digits - (0x30 * (kDigits / 0xFF));
  values = values * 10 + (values >> 8);  // bytes 0, 3, 6: hours, minutes, seconds
  const auto hours = static_cast<unsigned>(values & 0xFF);
  const auto minutes = static_cast<unsigned>(values >> 24 & 0xFF);
  const auto seconds = static_cast<unsigned>(values >> 48 & 0xFF);
  if (hours > 23 || minutes > 59 || seconds > 59) return false;
  micros = (int64_t{hours} * 3600 + minutes * 60 + seconds) * 1000000;
  return true;
}

// ParseV4Wide reads up to this many bytes from a token's start (an octet's
// four bytes from the last octet's start, at most byte 14).
constexpr size_t kWideRead = 18;

#if defined(__SSE2__)
// Where the dots of a dotted IPv4 token are: the position of each (the
// end of the first three octets).
struct V4Dots {
  uint32_t first = 0;
  uint32_t second = 0;
  uint32_t third = 0;
};

// Whether the 16 bytes at `p` start with exactly what ParseV4 accepts,
// `size` bytes long, without a branch per character: one load, masks of the
// dots and the digits. Octets above 255 are left to the caller.
inline bool V4Shape(const char* p, size_t size, V4Dots& at) {
  if (size < 7 || size > 15) return false;
  const uint32_t lanes = (1u << size) - 1;
  __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i values = _mm_sub_epi8(bytes, _mm_set1_epi8('0'));
  auto digits = static_cast<uint32_t>(_mm_movemask_epi8(
      _mm_cmpeq_epi8(_mm_min_epu8(values, _mm_set1_epi8(9)), values)));
  auto dots = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('.'))));
  auto zeros = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('0'))));
  digits &= lanes;
  dots &= lanes;
  if ((digits | dots) != lanes) return false;
  // Exactly three dots, none first, last or next to another (no empty
  // octet); no four digits in a row; no '0' that starts an octet and is
  // followed by a digit. All on the masks, once, without a branch per octet
  // (octet lengths vary from row to row: branches on them are mispredicted).
  uint32_t second = dots & (dots - 1);
  uint32_t third = second & (second - 1);
  if (second == 0 || third == 0 || (third & (third - 1)) != 0) return false;
  const uint32_t starts = (dots << 1 | 1) & lanes;
  if ((dots & (1u | 1u << (size - 1) | dots << 1)) != 0 ||
      (digits & digits >> 1 & digits >> 2 & digits >> 3) != 0 ||
      (zeros & starts & digits >> 1) != 0) {
    return false;
  }
  at.first = static_cast<uint32_t>(__builtin_ctz(dots));
  at.second = static_cast<uint32_t>(__builtin_ctz(second));
  at.third = static_cast<uint32_t>(__builtin_ctz(third));
  return true;
}

// ParseV4 for a token with kWideRead readable bytes from its start: its
// shape from the masks (V4Shape), then each octet from the four bytes at
// its start. Accepts exactly what ParseV4 accepts; false sends the token
// through ParseV4 anyway.
bool ParseV4Wide(const char* p, size_t size, uint32_t& out) {
  V4Dots dots;
  if (!V4Shape(p, size, dots)) return false;
  const uint32_t ends[4] = {dots.first, dots.second, dots.third, static_cast<uint32_t>(size)};
  uint32_t value = 0;
  uint32_t start = 0;
  uint32_t high = 0;  // an octet above 255 sets bit 8 or above here
  for (uint32_t end : ends) {
    // The octet's bytes as a little-endian word (its first digit lowest),
    // as digit values, moved up so that the last digit is byte 2: the
    // bytes after the octet leave through the top, zeros come in below.
    uint32_t word;
    std::memcpy(&word, p + start, 4);
    word = ((word - 0x30303030u) << (8 * (3 - (end - start)))) & 0xffffff;
    uint32_t octet = (word & 0xff) * 100 + (word >> 8 & 0xff) * 10 + (word >> 16);
    high |= octet;
    value = value << 8 | (octet & 0xff);
    start = end + 1;
  }
  if (high > 255) return false;
  out = value;
  return true;
}

#if defined(HIGHPORT_PFIREWALL_AVX2)
// For ParseV4Shuffled: for each of the 81 shapes of dotted IPv4 (each octet
// 1 to 3 digits; shape (a-1)*27 + (b-1)*9 + (c-1)*3 + (d-1)), where each
// digit goes: octet k to bytes 4k (hundreds), 4k+1 (tens), 4k+2 (ones);
// 0x80 makes a zero (a missing digit, and byte 4k+3).
struct V4Shuffles {
  alignas(16) uint8_t at[81][16];
};

constexpr V4Shuffles MakeV4Shuffles() {
  V4Shuffles t{};
  for (int shape = 0; shape < 81; ++shape) {
    const int lengths[4] = {shape / 27 + 1, shape / 9 % 3 + 1, shape / 3 % 3 + 1, shape % 3 + 1};
    int start = 0;
    for (int k = 0; k < 4; ++k) {
      const int ones = start + lengths[k] - 1;
      t.at[shape][4 * k] = static_cast<uint8_t>(lengths[k] == 3 ? ones - 2 : 0x80);
      t.at[shape][4 * k + 1] = static_cast<uint8_t>(lengths[k] >= 2 ? ones - 1 : 0x80);
      t.at[shape][4 * k + 2] = static_cast<uint8_t>(ones);
      t.at[shape][4 * k + 3] = 0x80;
      start = ones + 2;
    }
  }
  return t;
}

constexpr V4Shuffles kV4Shuffles = MakeV4Shuffles();

// The constants of ParseV4Shuffled, loaded from memory: built in registers
// (_mm_set1_epi8) each costs two or three instructions a call.
struct alignas(16) V4Constants {
  uint8_t zeros[16];
  uint8_t dots[16];
  uint8_t nines[16];
  uint8_t weights[16];  // 100, 10, 1, 0 for each octet's hundreds, tens, ones, nothing
  int16_t ones[8];
  int32_t octet_max[4];
};
constexpr V4Constants kV4Constants = {
    {'0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0'},
    {'.', '.', '.', '.', '.', '.', '.', '.', '.', '.', '.', '.', '.', '.', '.', '.'},
    {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9},
    {100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0},
    {1, 1, 1, 1, 1, 1, 1, 1},
    {255, 255, 255, 255},
};

// ParseV4Wide with the SSSE3 and SSE4.1 that come with AVX2: the digits
// moved into place by one shuffle chosen by the octets' lengths, and the
// four octets converted at once. The shape is checked on the masks as
// V4Shape checks it, in fewer steps: exactly three dots (POPCNT) whose
// distances make octets of 1 to 3 digits rule out empty octets, dots at
// either end and four digits in a row at once.
[[gnu::target("avx2,bmi,popcnt")]] bool ParseV4Shuffled(const char* p, size_t size,
                                                         uint32_t& out) {
  if (size - 7 > 8) return false;  // 7 to 15 bytes
  // Through a pointer the compiler cannot see through: else it builds the
  // constants in registers again (it knows their values).
  const V4Constants* k = &kV4Constants;
  asm("" : "+r"(k));
  auto constant = [](const void* c) { return _mm_load_si128(static_cast<const __m128i*>(c)); };
  const uint32_t lanes = (1u << size) - 1;
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i values = _mm_sub_epi8(bytes, constant(k->zeros));
  const auto digits = static_cast<uint32_t>(_mm_movemask_epi8(
                          _mm_cmpeq_epi8(_mm_min_epu8(values, constant(k->nines)),
                                         values))) &
                      lanes;
  const auto dots = static_cast<uint32_t>(_mm_movemask_epi8(
                        _mm_cmpeq_epi8(bytes, constant(k->dots)))) &
                    lanes;
  if ((digits | dots) != lanes || __builtin_popcount(dots) != 3) return false;
  const auto first = static_cast<uint32_t>(__builtin_ctz(dots));
  const uint32_t rest = dots & (dots - 1);
  const auto second = static_cast<uint32_t>(__builtin_ctz(rest));
  const auto third = static_cast<uint32_t>(31 ^ __builtin_clz(rest));
  // Each octet's length less one, 0 to 2 (else above 2, or wrapped round).
  const uint32_t a = first - 1;
  const uint32_t b = second - first - 2;
  const uint32_t c = third - second - 2;
  const uint32_t d = static_cast<uint32_t>(size) - third - 2;
  // No '0' that starts an octet and is followed by a digit.
  const auto zeros = static_cast<uint32_t>(
      _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, constant(k->zeros))));
  if (((a > 2) | (b > 2) | (c > 2) | (d > 2)) || (zeros & (dots << 1 | 1) & digits >> 1) != 0) {
    return false;
  }
  const uint32_t shape = a * 27 + b * 9 + c * 3 + d;
  const __m128i placed = _mm_shuffle_epi8(values, constant(kV4Shuffles.at[shape]));
  // 100 * hundreds + 10 * tens and ones in 16-bit lanes, then their sums in 32-bit ones.
  const __m128i pairs = _mm_maddubs_epi16(placed, constant(k->weights));
  const __m128i octets = _mm_madd_epi16(pairs, constant(k->ones));
  if (_mm_movemask_epi8(_mm_cmpgt_epi32(octets, constant(k->octet_max))) != 0) {
    return false;
  }
  const __m128i packed = _mm_packus_epi16(_mm_packus_epi32(octets, octets), octets);
  out = __builtin_bswap32(static_cast<uint32_t>(_mm_cvtsi128_si32(packed)));
  return true;
}
#endif  // HIGHPORT_PFIREWALL_AVX2
#endif  // __SSE2__

// IPv4 inline, and not at all when it is in the table of recent ones; IPv6
// without a zone through inet_pton (ParseV6); false for anything else,
// which the general path then reads (a zone, brackets).
template <class Isa>
[[gnu::always_inline]] inline bool Address(std::string_view t, size_t readable, FastCache& cache,
                                           uint32_t& v4, bool& v6,
                                           std::array<uint8_t, 16>& v6_bytes) {
  v6 = false;
  const size_t size = t.size();
  FastCache::Recent* slot = nullptr;
  uint64_t low = 0;
  uint64_t high = 0;
  if (readable >= 16 && size >= 7 && size <= 15) {  // the lengths of dotted IPv4
#if defined(__SSE2__)
    // The 16 bytes, those past the token zeroed by a mask from a table (no
    // shifts by the size); a hit is one compare of the 16 bytes with the
    // slot's (the zeros past the end compare the size too).
    static constexpr uint8_t kKeep[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                          0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const __m128i text = _mm_and_si128(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(t.data())),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(kKeep + 16 - size)));
    low = static_cast<uint64_t>(_mm_cvtsi128_si64(text));
    high = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(text, text)));
    const uint64_t hash = (low * 0x9E3779B97F4A7C15ULL) ^ (high * 0xC2B2AE3D27D4EB4FULL);
    slot = &cache.recent[(hash >> 56) % FastCache::kRecent];
    const __m128i held = _mm_load_si128(reinterpret_cast<const __m128i*>(slot));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(text, held)) == 0xffff) {
      v4 = slot->v4;
      return true;
    }
#else
    std::memcpy(&low, t.data(), 8);
    std::memcpy(&high, t.data() + 8, 8);
    if (size < 8) low &= (uint64_t{1} << (8 * size)) - 1;
    high = size > 8 ? high & ((uint64_t{1} << (8 * (size - 8))) - 1) : 0;
    const uint64_t hash = (low * 0x9E3779B97F4A7C15ULL) ^ (high * 0xC2B2AE3D27D4EB4FULL);
    slot = &cache.recent[(hash >> 56) % FastCache::kRecent];
    if (slot->low == low && slot->high == high) {
      v4 = slot->v4;
      return true;
    }
#endif
  }
  bool parsed = (readable >= kWideRead && Isa::V4(t.data(), size, v4)) || ParseV4(t, v4);
  if (parsed && slot != nullptr) *slot = FastCache::Recent{low, high, v4};
  v6 = !parsed;
  return parsed || ParseV6(t, v6_bytes);
}

// IPv6 into `out` (rare: out of line).
[[gnu::noinline]] void SetV6Address(IpAddress& out, const std::array<uint8_t, 16>& v6_bytes) {
  if (!out.is_v6() || out.bytes() != v6_bytes || !out.zone().empty()) out.AssignV6(v6_bytes);
}

// `out = IpAddress::V4(v4)` would cost a third of the address: a
// temporary built byte by byte, then loaded whole (a failed store
// forward), and a string moved. AssignV4 stores the bytes at once, in
// place. And not at all when the address is the one already there (the
// server of most rows).
inline void SetAddress(IpAddress& out, bool v6, uint32_t v4,
                       const std::array<uint8_t, 16>& v6_bytes) {
  if (v6) return SetV6Address(out, v6_bytes);
  uint32_t held;  // the first four bytes, network order: one load, not four
  std::memcpy(&held, out.bytes().data(), 4);
  if (!out.is_v4() || held != __builtin_bswap32(v4)) out.AssignV4(v4);
}

// The fields of a row cut at `ends` (`count` tokens, single spaces, the
// first starting at line[0]), with `line_readable` bytes readable from
// line[0] (the line's own, or up to the end of its block).
// Not inlined into ScanFastAvx2: GCC then leaves the small functions it
// calls out of line (they are not compiled for AVX2), which costs more
// than the call.
template <class Isa>
[[gnu::noinline]] bool ParseTokens(const char* line_start, size_t line_readable,
                                   const Ends& ends, size_t count, const FastLayout& layout,
                                   FastCache& cache, ParsedRow& row) {
  auto token = [&](size_t k) {
    size_t start = k == 0 ? 0 : ends[k - 1] + 1u;
    return std::string_view(line_start + start, ends[k] - start);
  };
  if (layout.from_header ? count != layout.field_count : count != 17 && count != 18) return false;
  row.kind = ParseAction(token(2));
  if (row.kind != kAllow && row.kind != kDrop && row.kind != kOpen && row.kind != kOpenInbound) {
    return false;
  }

  std::string_view date = token(0);
  if (!cache.have_date || date.size() != sizeof cache.date ||
      std::memcmp(date.data(), cache.date, sizeof cache.date) != 0) {
    int64_t days = 0;
    if (!ParseDateDays(date, days)) return false;
    cache.days = days;
    std::memcpy(cache.date, date.data(), sizeof cache.date);
    cache.have_date = true;
  }
  std::string_view time = token(1);
  bool same_time = cache.have_time && time.size() == sizeof cache.time &&
                   std::memcmp(time.data(), cache.time, sizeof cache.time) == 0;
  if (!same_time) {
    int64_t micros = 0;
    if (time.size() == 8 ? !TimeOfDay8(time.data(), micros) : !ParseTimeMicros(time, micros)) {
      return false;
    }
    cache.have_time = time.size() == sizeof cache.time;
    if (cache.have_time) std::memcpy(cache.time, time.data(), sizeof cache.time);
    cache.time_us = micros;
  }
  row.us = cache.days * 86400 * 1000000 + cache.time_us;

  std::string_view protocol = token(3);
  uint8_t ip_protocol = Is(protocol, "TCP")    ? 6
                        : Is(protocol, "UDP")  ? 17
                        : Is(protocol, "ICMP") ? 1
                                               : 0;
  if (ip_protocol == 0) return false;  // ICMPv6 and numbers: the general path
  const bool ports = ip_protocol != 1;
  // Bytes that may be read from the start of a token: the line's, to its '\n'.
  auto readable = [&](std::string_view t) { return size_t(line_start + line_readable - t.data()); };
  std::string_view src = token(4);
  std::string_view dst = token(5);
  if (!Address<Isa>(src, readable(src), cache, row.src_v4, row.src_v6, row.src_v6_bytes) ||
      !Address<Isa>(dst, readable(dst), cache, row.dst_v4, row.dst_v6, row.dst_v6_bytes)) {
    return false;
  }
  row.src_port = row.dst_port = 0;
  std::string_view src_port = token(6);
  std::string_view dst_port = token(7);
  if (ports && (!Number(src_port, readable(src_port), row.src_port) ||
                !Number(dst_port, readable(dst_port), row.dst_port))) {
    return false;
  }
  row.ip_protocol = ip_protocol == 1 && row.src_v6 ? 58 : ip_protocol;

  std::string_view size = token(8);
  if (!Number(size, readable(size), row.bytes)) return false;
  row.pid_field = count == 18;
  row.has_pid = false;
  if (row.pid_field) {
    std::string_view pid = token(17);
    if (!Is(pid, "-")) {
      if (!ParseNumber(pid, row.pid)) return false;
      row.has_pid = true;
    }
  }
  row.tcp_flags = 0;
  std::string_view flags = token(9);
  if (!Is(flags, "-")) {
    for (char c : flags) {
      uint8_t bit = TcpFlagBit(c);
      if (bit == 0) return false;  // the general path notes it
      row.tcp_flags |= bit;
    }
  }
  std::string_view path = token(16);
  row.path_dash = Is(path, "-");
  if (Is(path, "RECEIVE")) {
    row.local_side = LocalSide::kDestination;
  } else if (Is(path, "SEND")) {
    row.local_side = LocalSide::kSource;
  } else if (row.path_dash || Is(path, "FORWARD") || Is(path, "UNKNOWN")) {
    row.local_side = LocalSide::kUnknown;
  } else {
    return false;  // the general path notes it
  }
  return true;
}

}  // namespace

bool ParseFast(std::string_view line, const FastLayout& layout, FastCache& cache, ParsedRow& row) {
  size_t n = line.size();
  while (n > 0 && static_cast<unsigned char>(line[n - 1]) <= ' ') --n;
  // The shortest row, "D T A P S D - - - - - - - - - - -", has more than 16 bytes.
  if (!layout.on || n < 16 || n > kMaxFastLine || !IsDigit(line[0])) return false;
  Ends ends;
  const size_t count = Cut(line.data(), n, ends);
  if (count == 0) return false;
  return ParseTokens<Sse2Isa>(line.data(), line.size(), ends, count, layout, cache, row);
}

namespace {

// ScanFast's body, for each instruction set: inlined into ScanFastSse2 and
// ScanFastAvx2, so that Isa::Window is inlined where AVX2 may be used.
template <class Isa>
[[gnu::always_inline]] inline size_t Scan(const char* p, const char* end,
                                          const FastLayout& layout, FastCache& cache,
                                          ParsedRow& row, bool& parsed) {
  parsed = false;
  const size_t avail = size_t(end - p);
  Ends ends;
  size_t count = 0;
  size_t last = 0;  // without kAllEnds: the last two separators (AddNeededEnds)
  size_t before_last = 0;
  uint64_t carry = 0;  // the last byte of the window before was a space
  bool single = true;  // single spaces, not too many tokens so far
  for (size_t base = 0; base <= kMaxFastLine && base + 64 <= avail; base += 64) {
    const Bits b = Isa::Window(p + base);
    const uint64_t other = b.separators & ~b.spaces;  // '\n', '\r', tab, NUL
    // The bytes before the first of those: the rest of the line (or all 64).
    const uint64_t in_line = other != 0 ? (other & (0 - other)) - 1 : ~uint64_t{0};
    const uint64_t spaces = b.spaces & in_line;
    if ((spaces & (spaces << 1 | carry)) != 0) single = false;
    carry = spaces >> 63;
    if constexpr (Isa::kAllEnds) {
      if (single && !AddEnds(spaces, base, ends, count)) single = false;
    } else {
      if (single && !AddNeededEnds(spaces, base, ends, count, last, before_last)) single = false;
    }
    if (other == 0) continue;
    const size_t at = base + static_cast<size_t>(__builtin_ctzll(other));
    size_t length;
    if (p[at] == '\n') {
      length = at;
    } else if (p[at] == '\r' && at + 1 < avail && p[at + 1] == '\n') {
      length = at + 1;  // CRLF: the CR stays in the line, as the general path has it
    } else {
      return kLineEndUnknown;  // a tab or NUL inside, a CR alone: memchr and the exact path
    }
    // A space before the end is a trailing separator: ParseFast trims it.
    const bool trailing_space = at > 0 && p[at - 1] == ' ';
    if (single && !trailing_space && layout.on && at >= 16 && at <= kMaxFastLine &&
        IsDigit(p[0])) {
      if constexpr (!Isa::kAllEnds) PlaceLastEnds(ends, count, last, before_last);
      ends[count] = static_cast<uint16_t>(at);
      parsed = ParseTokens<Isa>(p, avail, ends, count + 1, layout, cache, row);
    }
    return length;
  }
  return kLineEndUnknown;
}

// Scan over lines while the fast path reads them (ScanRows).
template <class Isa>
[[gnu::always_inline]] inline ScannedRows ScanRowsBody(const char* p, const char* end,
                                                       const FastLayout& layout,
                                                       FastCache& cache, ParsedRow* rows,
                                                       size_t capacity) {
  ScannedRows out;
  const char* const start = p;
  while (out.rows < capacity && p < end) {
    bool parsed = false;
    const size_t length = Scan<Isa>(p, end, layout, cache, rows[out.rows], parsed);
    if (!parsed) {
      out.next_length = length;
      break;
    }
    ++out.rows;
    p += length + 1;  // parsed: the line's '\n' is before `end`
  }
  out.bytes = size_t(p - start);
  return out;
}

}  // namespace

ScannedRows ScanRowsSse2(const char* p, const char* end, const FastLayout& layout,
                         FastCache& cache, ParsedRow* rows, size_t capacity) {
  return ScanRowsBody<Sse2Isa>(p, end, layout, cache, rows, capacity);
}

#if defined(HIGHPORT_PFIREWALL_AVX2)
[[gnu::target("avx2,bmi,popcnt")]] ScannedRows ScanRowsAvx2(const char* p, const char* end,
                                                            const FastLayout& layout,
                                                            FastCache& cache, ParsedRow* rows,
                                                            size_t capacity) {
  return ScanRowsBody<Avx2Isa>(p, end, layout, cache, rows, capacity);
}
#else
ScannedRows ScanRowsAvx2(const char* p, const char* end, const FastLayout& layout,
                         FastCache& cache, ParsedRow* rows, size_t capacity) {
  return ScanRowsSse2(p, end, layout, cache, rows, capacity);
}
#endif

ScanRowsFn ChosenScanRows() {
  static const ScanRowsFn chosen = CpuHasAvx2() ? ScanRowsAvx2 : ScanRowsSse2;
  return chosen;
}

size_t ScanFastSse2(const char* p, const char* end, const FastLayout& layout, FastCache& cache,
                    ParsedRow& row, bool& parsed) {
  return Scan<Sse2Isa>(p, end, layout, cache, row, parsed);
}

#if defined(HIGHPORT_PFIREWALL_AVX2)
[[gnu::target("avx2,bmi,popcnt")]] size_t ScanFastAvx2(const char* p, const char* end,
                                                      const FastLayout& layout,
                                                      FastCache& cache, ParsedRow& row,
                                                      bool& parsed) {
  return Scan<Avx2Isa>(p, end, layout, cache, row, parsed);
}

bool CpuHasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
         __builtin_cpu_supports("popcnt");
}
#else
size_t ScanFastAvx2(const char* p, const char* end, const FastLayout& layout, FastCache& cache,
                    ParsedRow& row, bool& parsed) {
  return ScanFastSse2(p, end, layout, cache, row, parsed);
}

bool CpuHasAvx2() { return false; }
#endif

ScanFastFn ChosenScanFast() {
  static const ScanFastFn chosen = CpuHasAvx2() ? ScanFastAvx2 : ScanFastSse2;
  return chosen;
}

void LineReader::DeliverRow(const ParsedRow& row) {
  ++stats_.rows;
  // index_[kPid] is left as it is: only the general path reads it, and Row
  // sets it for the row in hand first.
  FlowObservation& f = flow_;
  SetAddress(f.src.address, row.src_v6, row.src_v4, row.src_v6_bytes);
  SetAddress(f.dst.address, row.dst_v6, row.dst_v4, row.dst_v6_bytes);
  f.src.proto = f.dst.proto = row.ip_protocol == 17 ? Proto::kUdp : Proto::kTcp;
  f.src.port = row.src_port;
  f.dst.port = row.dst_port;
  f.ip_protocol = row.ip_protocol;
  f.first_us = f.last_us = row.us;
  f.pid = row.has_pid ? std::optional<uint32_t>(row.pid) : std::nullopt;
  f.tcp_flags = row.tcp_flags;
  f.local_side = row.local_side;
  Deliver(row.kind, row.path_dash, row.bytes);
}

}  // namespace highport::ingest::pfirewall
