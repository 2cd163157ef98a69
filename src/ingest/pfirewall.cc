// Bytes to lines for the firewall log reader; the lines themselves are read
// in pfirewall_row.cc.
//
// Logs are large and the reader must keep up with `wc -l`, so the bytes are
// never copied into lines: complete lines are cut out of each chunk where it
// lies (memrchr for the last '\n'; the others are found as the lines are read,
// ScanFast in pfirewall_fast.cc), and only the piece of a line that straddles two
// chunks is kept, in a buffer that is reused and never grows past 64 KiB.
// The encoding is decided from the first four bytes: a UTF-8 BOM is dropped;
// UTF-16 (a BOM, or ASCII with every other byte NUL) is decoded chunk by
// chunk, carrying an odd byte and a high surrogate across chunks. NUL bytes
// (Windows preallocates the file) and CRs count as spaces when a line is
// split into fields.
#include "ingest/pfirewall.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "fmt/format.h"
#include "ingest/pfirewall_row.h"

namespace highport::ingest {
namespace {

using pfirewall::kMaxLine;
using pfirewall::SkipBlanks;

bool LooksLikeDate(std::string_view t) {
  int64_t days = 0;
  return pfirewall::ParseDateDays(t, days);
}

bool IsAction(std::string_view t) {
  return t == "ALLOW" || t == "DROP" || t == "INFO-EVENTS-LOST" || t == "OPEN" ||
         t == "OPEN-INBOUND" || t == "CLOSE";
}

}  // namespace

int ProbePfirewall(std::string_view head) {
  head = head.substr(0, 4096);
  // UTF-16: keep the low bytes of ASCII, enough to recognise the header.
  std::string narrow;
  bool le = head.starts_with("\xFF\xFE") || (head.size() >= 2 && head[0] != 0 && head[1] == 0);
  bool be = head.starts_with("\xFE\xFF") || (head.size() >= 2 && head[0] == 0 && head[1] != 0);
  if (le || be) {
    for (size_t i = le ? 0 : 1; i < head.size(); i += 2) narrow.push_back(head[i]);
    head = narrow;
  }
  if (head.starts_with("\xEF\xBB\xBF")) head.remove_prefix(3);
  if (head.find("#Software: Microsoft Windows Firewall") != std::string_view::npos) return 100;
  int rows = 0;
  int examined = 0;
  size_t start = 0;
  while (start < head.size() && examined < 40) {
    size_t end = std::min(head.find('\n', start), head.size());
    std::string_view line = head.substr(start, end - start);
    start = end + 1;
    std::array<std::string_view, 4> tokens;
    size_t count = pfirewall::Tokenize(line, tokens);
    if (count == 0) continue;
    if (tokens[0] == "#Fields:" && line.find(" action ") != std::string_view::npos &&
        line.find("src-ip") != std::string_view::npos) {
      return 95;
    }
    if (tokens[0].starts_with("#")) continue;
    ++examined;
    if (count >= 4 && LooksLikeDate(tokens[0]) && tokens[1].size() == 8 && tokens[1][2] == ':' &&
        IsAction(tokens[2])) {
      ++rows;
    }
  }
  if (rows == 0) return 0;
  return rows * 2 >= examined ? 85 : 50;
}

class PfirewallParser::Impl {
 public:
  Impl(std::string name, TrafficSink& sink, Diagnostics& diagnostics)
      : lines_(std::move(name), sink, diagnostics, stats_) {}

  void Feed(std::string_view bytes) {
    stats_.bytes += bytes.size();
    if (!decided_) {
      size_t take = std::min(bytes.size(), 4 - head_.size());
      head_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (head_.size() < 4) return;
      Decide();
    }
    Pass(bytes);
  }

  void set_parallel_min(size_t bytes) { lines_.set_parallel_min(bytes); }
  void set_leave_out_unfinished_last_line(bool on) { leave_out_unfinished_ = on; }

  PfirewallStats Finish() {
    if (!decided_) Decide();
    if (odd_ || high_ != 0) Put(0xFFFD);  // half a UTF-16 code unit or pair at the end
    odd_ = false;
    high_ = 0;
    Split(decoded_);
    decoded_.clear();
    if (overlong_) {
      lines_.OverlongLine();
    } else if (leave_out_unfinished_ && !IsBlank(carry_)) {
      lines_.UnfinishedLastLine();
    } else if (!carry_.empty()) {
      lines_.Line(carry_);
    }
    carry_.clear();
    lines_.Finish();
    return stats_;
  }

 private:
  void Decide() {
    std::string_view h = head_;
    auto ascii = [](char c) { return c != 0 && static_cast<unsigned char>(c) < 0x80; };
    size_t skip = 0;
    if (h.starts_with("\xEF\xBB\xBF")) {
      skip = 3;
    } else if (h.starts_with("\xFF\xFE")) {
      stats_.encoding = text::Encoding::kUtf16Le, skip = 2;
    } else if (h.starts_with("\xFE\xFF")) {
      stats_.encoding = text::Encoding::kUtf16Be, skip = 2;
    } else if (h.size() >= 2 && ascii(h[0]) && h[1] == 0) {
      stats_.encoding = text::Encoding::kUtf16Le;
    } else if (h.size() >= 2 && h[0] == 0 && ascii(h[1])) {
      stats_.encoding = text::Encoding::kUtf16Be;
    }
    decided_ = true;
    std::string head = std::move(head_);
    Pass(std::string_view(head).substr(skip));
  }

  void Pass(std::string_view bytes) {
    if (bytes.empty()) return;
    if (stats_.encoding == text::Encoding::kUtf8) return Split(bytes);
    DecodeUtf16(bytes);
    Split(decoded_);
    decoded_.clear();
  }

  // Cuts complete lines out of `bytes`; keeps the unfinished last one.
  void Split(std::string_view bytes) {
    const char* p = bytes.data();
    const char* end = p + bytes.size();
    if (!carry_.empty() || overlong_) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', bytes.size()));
      Carry(p, nl ? nl : end);
      if (!nl) return;
      if (overlong_) {
        lines_.OverlongLine();
      } else {
        lines_.Line(carry_);
      }
      carry_.clear();
      overlong_ = false;
      p = nl + 1;
    }
    if (const void* last = ::memrchr(p, '\n', size_t(end - p))) {
      const char* after = static_cast<const char*>(last) + 1;
      lines_.Lines(std::string_view(p, size_t(after - p)));
      p = after;
    }
    Carry(p, end);
  }

  void Carry(const char* from, const char* to) {
    if (carry_.empty()) from = SkipBlanks(std::string_view(from, size_t(to - from))).data();
    if (overlong_ || from == to) return;
    if (carry_.size() + size_t(to - from) > kMaxLine) {
      overlong_ = true;
      carry_.clear();
      carry_.shrink_to_fit();
      return;
    }
    carry_.append(from, to);
  }

  void DecodeUtf16(std::string_view bytes) {
    const bool le = stats_.encoding == text::Encoding::kUtf16Le;
    auto unit = [le](unsigned char a, unsigned char b) {
      return static_cast<uint16_t>(le ? (b << 8 | a) : (a << 8 | b));
    };
    size_t i = 0;
    if (odd_) {
      Unit(unit(odd_byte_, static_cast<unsigned char>(bytes[0])));
      odd_ = false;
      i = 1;
    }
    for (; i + 1 < bytes.size(); i += 2) {
      Unit(unit(static_cast<unsigned char>(bytes[i]), static_cast<unsigned char>(bytes[i + 1])));
    }
    if (i < bytes.size()) {
      odd_byte_ = static_cast<unsigned char>(bytes[i]);
      odd_ = true;
    }
  }

  void Unit(uint16_t u) {
    if (high_ != 0) {
      if (u >= 0xDC00 && u <= 0xDFFF) {
        Put(0x10000 + ((uint32_t(high_) - 0xD800) << 10) + (u - 0xDC00u));
        high_ = 0;
        return;
      }
      Put(0xFFFD);
      high_ = 0;
    }
    if (u >= 0xD800 && u <= 0xDBFF) {
      high_ = u;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      Put(0xFFFD);
    } else {
      Put(u);
    }
  }

  void Put(uint32_t cp) {
    if (cp < 0x80) {
      decoded_.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      decoded_.push_back(static_cast<char>(0xC0 | cp >> 6));
      decoded_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      decoded_.push_back(static_cast<char>(0xE0 | cp >> 12));
      decoded_.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
      decoded_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      decoded_.push_back(static_cast<char>(0xF0 | cp >> 18));
      decoded_.push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
      decoded_.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
      decoded_.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  PfirewallStats stats_;
  pfirewall::LineReader lines_;
  bool decided_ = false;
  std::string head_;     // the first bytes, until the encoding is known
  std::string carry_;    // the unfinished line at the end of the last chunk
  bool overlong_ = false;  // the unfinished line is too long and is being skipped
  // A last line without a line end is one the firewall is still writing
  // (files; text handed over whole reads it: tests, fuzzing).
  bool leave_out_unfinished_ = false;

  // Nothing but spaces, CRs and the NUL padding a log may end in.
  static bool IsBlank(std::string_view line) {
    return line.find_first_not_of(std::string_view(" \t\r\0", 4)) == std::string_view::npos;
  }
  std::string decoded_;  // UTF-16 only: this chunk as UTF-8
  bool odd_ = false;
  unsigned char odd_byte_ = 0;
  uint16_t high_ = 0;  // a high surrogate waiting for its low half
};

PfirewallParser::PfirewallParser(std::string name, TrafficSink& sink, Diagnostics& diagnostics)
    : impl_(std::make_unique<Impl>(std::move(name), sink, diagnostics)) {}
PfirewallParser::~PfirewallParser() = default;
void PfirewallParser::Feed(std::string_view bytes) { impl_->Feed(bytes); }
PfirewallStats PfirewallParser::Finish() { return impl_->Finish(); }
void PfirewallParser::set_parallel_min(size_t bytes) { impl_->set_parallel_min(bytes); }
void PfirewallParser::set_leave_out_unfinished_last_line(bool on) {
  impl_->set_leave_out_unfinished_last_line(on);
}

PfirewallStats ReadPfirewallTextChunked(std::string_view name, std::string_view bytes,
                                        size_t chunk_size, TrafficSink& sink,
                                        Diagnostics& diagnostics) {
  PfirewallParser parser(std::string(name), sink, diagnostics);
  chunk_size = std::max<size_t>(chunk_size, 1);
  for (size_t i = 0; i < bytes.size(); i += chunk_size) parser.Feed(bytes.substr(i, chunk_size));
  return parser.Finish();
}

PfirewallStats ReadPfirewallText(std::string_view name, std::string_view bytes,
                                 TrafficSink& sink, Diagnostics& diagnostics) {
  return ReadPfirewallTextChunked(name, bytes, bytes.size(), sink, diagnostics);
}

}  // namespace highport::ingest
