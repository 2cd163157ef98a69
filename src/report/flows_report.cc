#include "report/flows_report.h"

#include <charconv>
#include <cstring>
#include <chrono>
#include <ctime>
#include <algorithm>
#include <exception>
#include <set>
#include <system_error>
#include <thread>

#include "fmt/format.h"
#include "report/fast_format.h"
#include "report/flows_summary.h"
#include "report/table.h"
#include "text/json_text.h"
#include "text/strings.h"

namespace highport::report {
namespace {

using analysis::EvidenceView;
using analysis::FlowClass;
using analysis::FlowEntry;
using analysis::FlowView;


size_t FlowCount(const FlowsReport& r) { return r.compact ? r.compact->size() : r.flows.size(); }

void AppendNumber(std::string& out, uint64_t value) {
  char digits[20];
  out.append(digits, PutDecimal(digits, value));
}

// SourceRef::ToString(), appended without a string of its own (a report
// writes up to three per flow).
void AppendSourceRef(std::string& out, const EvidenceView& s) {
  out += s.file;
  if (s.packet != 0) {
    out += ":packet ";
    AppendNumber(out, s.packet);
    out += '+';
    AppendNumber(out, s.offset);
  } else if (s.line != 0) {
    out += ':';
    AppendNumber(out, s.line);
  }
}

// "seen in dc01/pfirewall.log:64, :222, capture.pcap:packet 9+54" and a
// newline, after `indent`: a flow's evidence under its table row, a file
// named once for the rows after it that are in it too.
void AppendEvidenceLine(std::string& out, std::string_view indent, const FlowRef& f) {
  out += indent;
  out += "seen in ";
  std::string_view last_file;
  for (size_t k = 0; k < f.v.evidence; ++k) {
    EvidenceView s = f.Evidence(k);
    if (k > 0) out += ", ";
    if (k > 0 && s.file == last_file) {
      s.file = {};
    } else {
      last_file = s.file;
    }
    AppendSourceRef(out, s);
  }
  out += '\n';
}

// Whatever a block of output needs, handed on once it is large enough.
constexpr size_t kBlock = 1 << 16;
void MaybeFlush(std::string& out, const FlushText& flush) {
  if (out.size() >= kBlock && flush) flush(out);
}

// The listening process, or null where no inventory of the server says.
nlohmann::json Owner(const FlowEntry& e, const ListenerOwners& owners) {
  auto owner = owners.find({e.key.server, e.key.proto, e.key.port});
  return owner != owners.end() ? nlohmann::json(owner->second) : nlohmann::json(nullptr);
}

// "tcp/49664", appended: the summaries write one per port.
void AppendPortText(std::string& out, const std::pair<Proto, uint16_t>& p) {
  out += ProtoName(p.first);
  out += '/';
  AppendNumber(out, p.second);
}

std::string PortText(const std::pair<Proto, uint16_t>& p) {
  std::string text;
  AppendPortText(text, p);
  return text;
}

}  // namespace

// Twice per flow in every report, so without gmtime_r and fmt::format
// (thousands of instructions a call, a sixth of `highport flows` on a large
// capture): the civil date from std::chrono's calendar, the digits by hand.
// Years outside 0-9999 (no log has them) keep the general path, which
// prints them as it always did.
std::string FormatTime(int64_t us) {
  std::string text;
  AppendTime(text, us);
  return text;
}

namespace {

// AppendTime with the date text of the last day kept in `times`.
void AppendTime(std::string& out, int64_t us, TimeText& times) {
  char text[19];
  if (times.Put(text, us)) {
    out.append(text, sizeof text);
    return;
  }
  const int64_t seconds = us / 1'000'000;
  std::time_t time = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&time, &tm);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// IpAddress::ToString(), appended without a string of its own.
void AppendAddress(std::string& out, const IpAddress& a) {
  char text[48];
  if (a.is_v4()) {
    out.append(text, PutIpv4(text, a.bytes().data()));
  } else {
    out.append(text, PutIpv6(text, a.bytes()));
  }
  if (!a.zone().empty()) {
    out += '%';
    out += a.zone();
  }
}

std::string AddressText(const IpAddress& a) {
  std::string text;
  AppendAddress(text, a);
  return text;
}

}  // namespace

void AppendTime(std::string& out, int64_t us) {
  TimeText times;
  AppendTime(out, us, times);
}

std::string FlowsTable(const FlowsReport& r) {
  std::string out;
  WriteFlowsTable(r, out, nullptr);
  return out;
}

namespace {

// The enums' names, looked up once per report rather than called per row.
class EnumNames {
 public:
  EnumNames() {
    for (size_t i = 0; i < classes_.size(); ++i) {
      classes_[i] = analysis::FlowClassName(static_cast<FlowClass>(i));
    }
    for (size_t i = 0; i < rules_.size(); ++i) {
      rules_[i] = analysis::ServerRuleName(static_cast<analysis::ServerRule>(i));
    }
    protos_ = {ProtoName(Proto::kTcp), ProtoName(Proto::kUdp)};
  }
  std::string_view Class(FlowClass c) const {
    const auto i = static_cast<size_t>(c);
    return i < classes_.size() ? classes_[i] : analysis::FlowClassName(c);
  }
  std::string_view Rule(analysis::ServerRule r) const {
    const auto i = static_cast<size_t>(r);
    return i < rules_.size() ? rules_[i] : analysis::ServerRuleName(r);
  }
  std::string_view ProtoOf(Proto p) const {
    const auto i = static_cast<size_t>(p);
    return i < protos_.size() ? protos_[i] : ProtoName(p);
  }

 private:
  std::array<std::string_view, 5> classes_;  // FlowClass kProblematic..kLocal
  std::array<std::string_view, analysis::kServerRules> rules_;  // ServerRule kListener..kGuess
  std::array<std::string_view, 2> protos_;
};


// The table's cells of one flow, into `row` (its strings' storage reused).
void TableCells(const FlowView& e, const ListenerOwners& owners, std::vector<std::string>& row,
                TimeText& times) {
  row.resize(9);
  row[0] = analysis::FlowClassName(e.flow_class);
  row[1].clear();
  AppendAddress(row[1], *e.client);
  row[2].clear();
  AppendAddress(row[2], *e.server);
  row[3].clear();
  row[3] += ProtoName(e.proto);
  row[3] += '/';
  AppendNumber(row[3], e.port);
  row[4].clear();
  AppendNumber(row[4], e.connections);
  // Attempts are dropped by a firewall, or SYNs nobody answered (NetFlow, captures).
  if (e.attempts > 0) {
    row[4] += " (+";
    AppendNumber(row[4], e.attempts);
    row[4] += e.dropped > 0 ? " dropped)" : " unanswered)";
  }
  row[5].clear();
  AppendTime(row[5], e.first_us, times);
  row[6].clear();
  AppendTime(row[6], e.last_us, times);
  row[7] = analysis::ServerRuleName(e.rule);
  row[8].clear();
  AppendFlowWhat(row[8], e, owners);
}

// The address without its zone, as IpAddress::ToString() writes it; `out`
// has room for 48 bytes.
inline char* PutUnzoned(char* out, const IpAddress& a) {
  return a.is_v4() ? PutIpv4(out, a.bytes().data()) : PutIpv6(out, a.bytes());
}

size_t AddressWidth(const IpAddress& a) {
  if (a.is_v4() && a.zone().empty()) return Ipv4Width(a.bytes().data());
  char text[48];
  const char* end = PutUnzoned(text, a);
  const size_t width = static_cast<size_t>(end - text);
  return a.zone().empty() ? width : width + 1 + text::DisplayWidth(a.zone());
}

size_t TimeWidth(int64_t us, TimeText& times) {
  if (TimeText::Fits(us)) return 19;
  std::string general;  // a year outside 0-9999
  AppendTime(general, us, times);
  return general.size();
}

// What(e, owners)'s width, without the text.
size_t WhatWidth(const FlowView& e, const ListenerOwners& owners) {
  if (e.interfaces != nullptr && !e.interfaces->empty()) {
    size_t width = 5 + 2 * (e.interfaces->size() - 1);  // "RPC: ", ", "
    for (const std::string& i : *e.interfaces) width += text::DisplayWidth(i);
    return width;
  }
  if (!e.service.empty()) return text::DisplayWidth(e.service);
  if (owners.empty()) return 0;
  auto owner = owners.find({*e.server, e.proto, e.port});
  return owner != owners.end() ? text::DisplayWidth(owner->second) : 0;
}

// The text of the last address written in a column, kept: the flows come
// sorted by server, so most rows repeat the last one's server. Only for
// addresses without a zone.
class LastAddress {
 public:
  static constexpr size_t kRoom = 48;  // Put() writes this many bytes, the text at the front
  bool Same(const IpAddress& a) const {
    uint64_t w[2];
    std::memcpy(w, a.bytes().data(), 16);
    return ((w[0] ^ words_[0]) | (w[1] ^ words_[1])) == 0 && a.family() == family_ && known_;
  }
  // The kept text, with room for kRoom bytes at `out`; its end.
  char* Put(char* out) const {
    std::memcpy(out, text_, kRoom);
    return out + size_;
  }
  size_t size() const { return size_; }
  // Keeps `a`'s text, just written at [text, end), with kRoom bytes readable at `text`.
  void Keep(const IpAddress& a, const char* text, const char* end) {
    known_ = true;
    family_ = a.family();
    std::memcpy(words_, a.bytes().data(), 16);
    size_ = static_cast<size_t>(end - text);
    std::memcpy(text_, text, kRoom);
  }

 private:
  bool known_ = false;
  IpAddress::Family family_{};
  uint64_t words_[2] = {};  // the address's 16 bytes
  size_t size_ = 0;
  char text_[kRoom] = {};
};

// AddressWidth(a), from `last` when it is the last one.
size_t AddressWidth(const IpAddress& a, LastAddress& last) {
  if (!a.zone().empty()) return AddressWidth(a);
  if (!last.Same(a)) {
    char text[LastAddress::kRoom] = {};
    last.Keep(a, text, PutUnzoned(text, a));
  }
  return last.size();
}

// TableCells()'s widths: every cell but What is ASCII. Without `what`,
// What's is 0: the last column is never padded, nor cut, so its width
// changes nothing (a table's first pass skips it).
// `last_server`, when given, keeps the last server's text.
std::array<size_t, 9> TableWidths(const FlowView& e, const ListenerOwners& owners,
                                  TimeText& times, const EnumNames& names, bool what = true,
                                  LastAddress* last_server = nullptr) {
  std::array<size_t, 9> w;
  w[0] = names.Class(e.flow_class).size();
  w[1] = AddressWidth(*e.client);
  w[2] = last_server ? AddressWidth(*e.server, *last_server) : AddressWidth(*e.server);
  w[3] = names.ProtoOf(e.proto).size() + 1 + DecimalDigits(e.port);
  w[4] = DecimalDigits(e.connections);
  if (e.attempts > 0) w[4] += 3 + DecimalDigits(e.attempts) + (e.dropped > 0 ? 9 : 12);
  w[5] = TimeWidth(e.first_us, times);
  w[6] = TimeWidth(e.last_us, times);
  w[7] = names.Rule(e.rule).size();
  w[8] = what ? WhatWidth(e, owners) : 0;
  return w;
}

}  // namespace

FlowRef FlowRef::Of(const FlowEntry& e) {
  FlowRef f;
  FlowView& v = f.v;
  v.client = &e.key.client;
  v.server = &e.key.server;
  v.proto = e.key.proto;
  v.port = e.key.port;
  v.first_us = e.first_us;
  v.last_us = e.last_us;
  v.SetCounts(e);
  v.rule = e.rule;
  v.flow_class = e.flow_class;
  v.dynamic = e.dynamic;
  v.interfaces = e.interfaces.empty() ? nullptr : &e.interfaces;
  v.service = e.service;
  v.evidence = static_cast<uint32_t>(e.evidence.size());
  f.records = &e.evidence;
  return f;
}

std::vector<std::string> FlowTableCells(const FlowEntry& e, const ListenerOwners& owners) {
  std::vector<std::string> row;
  TimeText times;
  TableCells(FlowRef::Of(e).v, owners, row, times);
  return row;
}

std::array<size_t, 9> FlowTableWidths(const FlowEntry& e, const ListenerOwners& owners) {
  TimeText times;
  return TableWidths(FlowRef::Of(e).v, owners, times, EnumNames());
}

namespace {

// What nlohmann::json writes as it is: printable ASCII but quote and backslash.
bool JsonPlain(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

// a == b, inline for up to 32 bytes in overlapping eight-byte words: the
// texts compared per row (file and service names) are short, and memcmp's
// call was most of the compare.
inline bool SameText(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  if (n < 8 || n > 32) return std::memcmp(p, q, n) == 0;
  auto word = [](const char* at) {
    uint64_t w;
    std::memcpy(&w, at, 8);
    return w;
  };
  // Up to 16 bytes: the words at 0 and n - 8; up to 32: at 0, 8, n - 16 and n - 8.
  const size_t second = n > 16 ? 8 : 0;
  const size_t third = n > 16 ? n - 16 : n - 8;
  return ((word(p) ^ word(q)) | (word(p + second) ^ word(q + second)) |
          (word(p + third) ^ word(q + third)) | (word(p + n - 8) ^ word(q + n - 8))) == 0;
}

// A test of a column's text with the last text's answer kept: a report's
// rows mostly name the same file, and rows of one port the same service.
class LastAnswer {
 public:
  explicit LastAnswer(bool (*test)(std::string_view)) : test_(test) {}
  bool Check(std::string_view text) {
    if (!known_ || !SameText(text, last_)) {
      last_ = text;
      answer_ = test_(text);
      known_ = true;
    }
    return answer_;
  }

 private:
  bool (*test_)(std::string_view);
  std::string last_;
  bool known_ = false;
  bool answer_ = false;
};

// A CSV field as RFC 4180 writes it (AppendCsvField), the last one kept: the
// rows of one port name the same service, which may need quotes.
class LastCsvField {
 public:
  std::string_view Of(std::string_view text) {
    if (!known_ || !SameText(text, last_)) {
      last_ = text;
      written_.clear();
      AppendCsvField(written_, text);
      known_ = true;
    }
    return written_;
  }

 private:
  std::string last_, written_;
  bool known_ = false;
};

// The out-of-line parts of RowWriter: each takes the write pointer and
// returns where it ends, so that the writer's pointer stays a local the
// compiler keeps in a register (see RowWriter).
[[gnu::noinline]] char* PutQuotedField(char* p, std::string_view value) {
  *p++ = '"';
  for (char c : value) {
    if (c == '"') *p++ = '"';
    *p++ = c;
  }
  *p++ = '"';
  return p;
}

[[gnu::noinline]] char* PutBytes(char* p, std::string_view text) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

// A JSON string as AppendJsonString writes it, for text that is not plain.
[[gnu::noinline]] char* PutJsonEscaped(char* p, std::string_view value) {
  return PutBytes(p, text::JsonText(nlohmann::json(std::string(value))));
}

[[gnu::noinline]] char* PutZonedAddress(char* p, const IpAddress& a, bool json) {
  const std::string text = a.ToString();
  if (json) return JsonPlain(text) ? PutBytes(PutBytes(PutBytes(p, "\""), text), "\"")
                                   : PutJsonEscaped(p, text);
  return HasCsvSpecial(text) ? PutQuotedField(p, text) : PutBytes(p, text);
}

// A time outside what TimeText::Put() writes (a year outside 0-9999).
[[gnu::noinline]] char* PutGeneralTime(char* p, int64_t us, TimeText& times) {
  std::string text;  // at most a few dozen characters
  AppendTime(text, us, times);
  return PutBytes(p, text);
}

// A JSON SourceRef whose file name is not plain.
[[gnu::noinline]] char* PutJsonSourceRefEscaped(char* p, const EvidenceView& s) {
  std::string text;
  AppendSourceRef(text, s);
  return PutJsonEscaped(p, text);
}

// One CSV row or JSON object written through a pointer into room made for
// it beforehand: no strings, no capacity check per piece (std::string's
// appends were most of a row's cost). Every member is inlined and the
// writer never leaves the function that makes it: its pointer then lives
// in a register. (With out-of-line members, every byte stored through the
// pointer might have changed the pointer itself, a char* aliasing anything,
// and each was reloaded and stored again: about a tenth of a row.)
class RowWriter {
 public:
  RowWriter(char* at, TimeText& times) : p_(at), times_(&times) {}
  char* end() const { return p_; }
  [[gnu::always_inline]] void Text(std::string_view text) {
    // Up to 16 bytes in two overlapping fixed-size copies, no call to memcpy:
    // a row's names and separators are short, and the calls were a tenth of it.
    const char* from = text.data();
    const size_t n = text.size();
    if (n >= 8 && n <= 16) {
      std::memcpy(p_, from, 8);
      std::memcpy(p_ + n - 8, from + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::memcpy(p_, from, 4);
      std::memcpy(p_ + n - 4, from + n - 4, 4);
    } else if (n > 0 && n < 4) {
      p_[0] = from[0];
      p_[n / 2] = from[n / 2];
      p_[n - 1] = from[n - 1];
    } else if (n > 16) {
      std::memcpy(p_, from, n);
    }
    p_ += n;
  }
  [[gnu::always_inline]] void Char(char c) { *p_++ = c; }
  // `n` spaces, n <= 64, with room for 64 after the pointer: one fixed-size
  // copy (a table pads nine cells a row).
  [[gnu::always_inline]] void Spaces(size_t n) {
    static constexpr char kSpaces[65] = "                                                                ";
    std::memcpy(p_, kSpaces, 64);
    p_ += n;
  }
  [[gnu::always_inline]] void Number(uint64_t value) { p_ = PutDecimal(p_, value); }
  // RFC 4180 as AppendCsvField: quoted, quotes doubled, only when needed.
  // `special`: HasCsvSpecial(value).
  [[gnu::always_inline]] void Field(std::string_view value, bool special) {
    if (!special) return Text(value);
    p_ = PutQuotedField(p_, value);
  }
  [[gnu::always_inline]] void Unzoned(const IpAddress& a) { p_ = PutUnzoned(p_, a); }
  // As IpAddress::ToString() writes it; by hand but with a zone, which may need quotes.
  [[gnu::always_inline]] void Address(const IpAddress& a) {
    if (!a.zone().empty()) {
      p_ = PutZonedAddress(p_, a, false);
      return;
    }
    Unzoned(a);
  }
  // Address(a), from `last` when it is the last one (room for
  // LastAddress::kRoom bytes needed).
  [[gnu::always_inline]] void Address(const IpAddress& a, LastAddress& last) {
    if (!a.zone().empty()) {
      p_ = PutZonedAddress(p_, a, false);
    } else if (last.Same(a)) {
      p_ = last.Put(p_);
    } else {
      char* start = p_;
      Unzoned(a);
      last.Keep(a, start, p_);
    }
  }
  // A JSON string as AppendJsonString writes it.
  [[gnu::always_inline]] void JsonString(std::string_view value) {
    JsonString(value, JsonPlain(value));
  }
  // `plain`: JsonPlain(value).
  [[gnu::always_inline]] void JsonString(std::string_view value, bool plain) {
    if (!plain) {
      p_ = PutJsonEscaped(p_, value);
      return;
    }
    *p_++ = '"';
    Text(value);
    *p_++ = '"';
  }
  [[gnu::always_inline]] void JsonAddress(const IpAddress& a) {
    if (!a.zone().empty()) {
      p_ = PutZonedAddress(p_, a, true);
      return;
    }
    *p_++ = '"';
    Unzoned(a);
    *p_++ = '"';
  }
  [[gnu::always_inline]] void JsonAddress(const IpAddress& a, LastAddress& last) {
    if (!a.zone().empty()) {
      p_ = PutZonedAddress(p_, a, true);
      return;
    }
    *p_++ = '"';
    Address(a, last);
    *p_++ = '"';
  }
  // `plain`: JsonPlain(s.file).
  [[gnu::always_inline]] void JsonSourceRef(const EvidenceView& s, bool plain) {
    if (!plain) {
      p_ = PutJsonSourceRefEscaped(p_, s);
      return;
    }
    *p_++ = '"';
    SourceRefText(s);
    *p_++ = '"';
  }
  // SourceRef::ToString() as it is.
  [[gnu::always_inline]] void SourceRefText(const EvidenceView& s) {
    Text(s.file);
    if (s.packet != 0) {
      Text(":packet ");
      Number(s.packet);
      Char('+');
      Number(s.offset);
    } else if (s.line != 0) {
      Char(':');
      Number(s.line);
    }
  }
  [[gnu::always_inline]] void Time(int64_t us) {
    if (times_->Put(p_, us)) {
      p_ += 19;
      return;
    }
    p_ = PutGeneralTime(p_, us, *times_);
  }

 private:
  char* p_;
  TimeText* times_;
};

// The per-server summaries of a report's flows, gathered on a second thread
// while the writer goes on with the flows (each thread reads the flows
// through views of its own; nothing they write is shared), or here and now
// for a small report or where no thread can be started. The summaries' pass
// was a twentieth of a 227 k-flow JSON run, on the core the firewall log
// reader's second thread has left idle by then. Wait() returns once the
// summaries are complete and passes on what their pass threw.
class SummaryBeside {
 public:
  SummaryBeside(const FlowsReport& r, ServerSummaryBuilder& summary) : r_(r), summary_(summary) {
    if (FlowCount(r) >= kSummaryThreadMin) {
      try {
        thread_ = std::thread([this] { Gather(); });
        return;
      } catch (const std::system_error&) {
      }
    }
    Gather();
  }
  SummaryBeside(const SummaryBeside&) = delete;
  SummaryBeside& operator=(const SummaryBeside&) = delete;
  ~SummaryBeside() {
    if (thread_.joinable()) thread_.join();
  }
  void Wait() {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  void Gather() {
    try {
      ForEachFlowRef<EvidenceFor::kNone>(r_, [&](const FlowRef& f) { summary_.Add(f.v); });
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  const FlowsReport& r_;
  ServerSummaryBuilder& summary_;
  std::exception_ptr error_;
  std::thread thread_;
};

// Rows written into one block and handed to `out` a few at a time: an
// append per row (its call and capacity check) cost as much as a tenth of
// the row. Room is zero-filled only when the block grows. A kilobyte, not
// more: glibc copies 2 KiB and more with `rep movsb`, which callgrind counts
// byte by byte.
class RowBlock {
 public:
  // Where a row of at most `bound` bytes goes.
  char* Room(size_t bound) {
    if (block_.size() < used_ + bound) block_.resize(used_ + bound);
    return block_.data() + used_;
  }
  // The row ends at `end`; a full block goes to `out`.
  void Done(const char* end, std::string& out, const FlushText& flush) {
    used_ = static_cast<size_t>(end - block_.data());
    if (used_ >= kRows) {
      Drain(out);
      MaybeFlush(out, flush);
    }
  }
  void Drain(std::string& out) {
    out.append(block_.data(), used_);
    used_ = 0;
  }

 private:
  static constexpr size_t kRows = 1024;
  std::string block_;
  size_t used_ = 0;
};


nlohmann::json ServersJson(const FlowsReport& r) {
  nlohmann::json servers = nlohmann::json::array();
  for (const ServerSummary& s : ServerSummaries(r)) {
    const IpAddress& server = s.server;
    nlohmann::json statics = nlohmann::json::array();
    for (const auto& p : s.static_ports) statics.push_back(PortText(p));
    nlohmann::json dynamics = nlohmann::json::array();
    for (const DynamicPortUse& d : s.dynamic_ports) {
      nlohmann::json names = nlohmann::json::array();
      for (const IpAddress& c : d.clients) names.push_back(AddressText(c));
      dynamics.push_back({{"port", PortText(d.port)},
                          {"what", d.what},
                          {"clients", std::move(names)}});
    }
    auto peak = r.peak_rpc_concurrency.find(server);
    servers.push_back({{"server", server.ToString()},
                       {"clients", s.clients},
                       {"static_ports", std::move(statics)},
                       {"dynamic_ports", std::move(dynamics)},
                       {"peak_rpc_concurrency",
                        peak != r.peak_rpc_concurrency.end() ? peak->second : 0}});
  }
  return servers;
}

nlohmann::json FindingsJson(const Diagnostics& diagnostics) {
  nlohmann::json skipped = nlohmann::json::array();
  for (const Finding& f : diagnostics.findings()) {
    skipped.push_back({{"where", f.where.ToString()}, {"id", f.id}, {"reason", f.reason},
                       {"severity", f.severity == Finding::Severity::kNote ? "note" : "warning"}});
  }
  return skipped;
}

// A JSON string as nlohmann::json dumps it: printable ASCII as it is, the
// rest (escapes, UTF-8, and its error on invalid UTF-8) left to the library.
void AppendJsonString(std::string& out, std::string_view s) {
  if (!JsonPlain(s)) {
    out += text::JsonText(nlohmann::json(std::string(s)));
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

// `value`.dump(2), as it stands inside the top-level object: indented by two more.
void AppendNested(std::string& out, const nlohmann::json& value) {
  for (char c : text::JsonText(value, 2)) {
    out += c;
    if (c == '\n') out += "  ";
  }
}

// A list inside a flow as nlohmann::json dumps it there: "[]" when empty,
// else one item a line at depth 4.
// write_item(i) writes item i of `count`.
template <typename WriteItem>
[[gnu::always_inline]] inline void JsonArray(RowWriter& w, size_t count, WriteItem write_item) {
  w.Text("[");
  for (size_t i = 0; i < count; ++i) {
    w.Text(i == 0 ? "\n        " : ",\n        ");
    write_item(i);
  }
  w.Text(count == 0 ? "]" : "\n      ]");
}

// One flow as nlohmann::json dumps it with indent 2 at depth 2: keys sorted
// (nlohmann's object is a std::map), written through a pointer into room
// made for it (escapes take at most six bytes a byte).
// `first`: the first flow of the list (the others follow a comma).
void AppendFlowJson(std::string& out, const FlushText& flush, RowBlock& block, bool first,
                    const FlowRef& f, const ListenerOwners& owners, const EnumNames& names,
                    TimeText& times, LastAnswer& plain_file, LastAnswer& plain_name,
                    LastAddress& last_server) {
  const FlowView& e = f.v;
  const std::string* owner = nullptr;
  if (!owners.empty()) {
    auto it = owners.find({*e.server, e.proto, e.port});
    if (it != owners.end()) owner = &it->second;
  }
  size_t bound = 1024 + 6 * (e.client->zone().size() + e.server->zone().size() +
                             e.service.size() + (owner ? owner->size() : 0));
  for (size_t k = 0; k < e.evidence; ++k) bound += 6 * (f.Evidence(k).file.size() + 50) + 16;
  const size_t interfaces = e.interfaces ? e.interfaces->size() : 0;
  for (size_t i = 0; i < interfaces; ++i) bound += 6 * (*e.interfaces)[i].size() + 16;
  RowWriter w(block.Room(bound), times);
  w.Text(first ? "\n    {\n      \"allowed\": " : ",\n    {\n      \"allowed\": ");
  w.Number(e.allowed);
  w.Text(",\n      \"attempts\": ");
  w.Number(e.attempts);
  w.Text(",\n      \"bytes\": ");
  w.Number(e.bytes);
  w.Text(",\n      \"class\": \"");
  w.Text(names.Class(e.flow_class));
  w.Text("\",\n      \"client\": ");
  w.JsonAddress(*e.client);
  w.Text(",\n      \"connections\": ");
  w.Number(e.connections);
  w.Text(",\n      \"dropped\": ");
  w.Number(e.dropped);
  w.Text(e.dynamic ? ",\n      \"dynamic\": true" : ",\n      \"dynamic\": false");
  w.Text(",\n      \"evidence\": ");
  JsonArray(w, e.evidence, [&](size_t k) {
    const EvidenceView s = f.Evidence(k);
    w.JsonSourceRef(s, plain_file.Check(s.file));
  });
  w.Text(",\n      \"first_seen\": \"");
  w.Time(e.first_us);
  w.Text("\",\n      \"interfaces\": ");
  JsonArray(w, interfaces, [&](size_t i) { w.JsonString((*e.interfaces)[i]); });
  w.Text(",\n      \"last_seen\": \"");
  w.Time(e.last_us);
  w.Text("\",\n      \"low_source\": ");
  w.Number(e.low_source);
  w.Text(",\n      \"owner\": ");
  if (owner) {
    w.JsonString(*owner, plain_name.Check(*owner));
  } else {
    w.Text("null");
  }
  w.Text(",\n      \"packets\": ");
  w.Number(e.packets);
  w.Text(",\n      \"port\": ");
  w.Number(e.port);
  w.Text(",\n      \"proto\": \"");
  w.Text(names.ProtoOf(e.proto));
  w.Text("\",\n      \"server\": ");
  w.JsonAddress(*e.server, last_server);
  w.Text(",\n      \"server_by\": \"");
  w.Text(names.Rule(e.rule));
  w.Text("\",\n      \"service\": ");
  if (e.service.empty()) {
    w.Text("null");
  } else {
    w.JsonString(e.service, plain_name.Check(e.service));
  }
  w.Text("\n    }");
  block.Done(w.end(), out, flush);
}

// ServersJson(r).dump(2) as it stands inside the top-level object. Written
// piece by piece, the addresses and ports without strings of their own: a
// capture's servers may have tens of thousands of dynamic ports.
void WriteServersJson(const FlowsReport& r, ServerSummaryBuilder& summaries, std::string& out,
                      const FlushText& flush) {
  if (summaries.ServerCount() == 0) {
    out += "[]";
    return;
  }
  // A JSON string of an address: without a zone it is plain ASCII.
  auto address = [&](const IpAddress& a) {
    if (!a.zone().empty()) return AppendJsonString(out, a.ToString());
    out += '"';
    AppendAddress(out, a);
    out += '"';
  };
  auto port = [&](const PortOf& p) {  // "tcp/49664": plain ASCII
    out += '"';
    AppendPortText(out, p);
    out += '"';
  };
  // An array at `indent`, its items two deeper, as nlohmann dumps it.
  auto array = [&](size_t indent, const auto& items, auto&& item) {
    if (items.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    bool first = true;
    for (const auto& i : items) {
      out += first ? "\n" : ",\n";
      first = false;
      out.append(indent + 2, ' ');
      item(i);
    }
    out += '\n';
    out.append(indent, ' ');
    out += ']';
  };
  out += '[';
  bool first = true;
  summaries.ForEach([&](const ServerSummary& s) {
    const IpAddress& server = s.server;
    out += first ? "\n    {\n      \"clients\": " : ",\n    {\n      \"clients\": ";
    first = false;
    AppendNumber(out, s.clients);
    out += ",\n      \"dynamic_ports\": ";
    if (s.dynamic_ports.empty()) {
      out += "[]";
    } else {
      out += '[';
      bool first_port = true;
      for (const DynamicPortUse& d : s.dynamic_ports) {
        out += first_port ? "\n        {\n          \"clients\": " : ",\n        {\n          \"clients\": ";
        first_port = false;
        array(10, d.clients, address);
        out += ",\n          \"port\": ";
        port(d.port);
        out += ",\n          \"what\": ";
        AppendJsonString(out, d.what);
        out += "\n        }";
        MaybeFlush(out, flush);  // a busy server's ports are megabytes of text
      }
      out += "\n      ]";
    }
    out += ",\n      \"peak_rpc_concurrency\": ";
    auto peak = r.peak_rpc_concurrency.find(server);
    AppendNumber(out, peak != r.peak_rpc_concurrency.end() ? peak->second : 0);
    out += ",\n      \"server\": ";
    address(server);
    out += ",\n      \"static_ports\": ";
    array(6, s.static_ports, port);
    out += "\n    }";
    MaybeFlush(out, flush);
  });
  out += "\n  ]";
}

// What AppendTableRow() needs of the layout, worked out once per table.
struct TableRowLayout {
  explicit TableRowLayout(const TableLayout& table) {
    const std::vector<size_t>& widths = table.widths();
    fits = widths.size() == 9;
    for (size_t c = 0; fits && c < padded.size(); ++c) {
      padded[c] = widths[c];
      limits[c] = std::min(widths[c], table.max_cell_width());
      fits = widths[c] <= 62;  // RowWriter::Spaces() pads with at most 64
      bound += widths[c] + 2;
    }
  }
  std::array<size_t, 8> padded{};  // every column's but the last, which is not padded
  std::array<size_t, 8> limits{};  // the widest cell of the column not cut
  size_t bound = 1024;  // room for the cells but What (at most a few dozen characters each)
  bool fits = true;     // false: every row takes the general path
};

// One row as TableLayout::AppendRow(TableCells(e), TableWidths(e)) writes
// it, straight through a pointer (the cells' strings, and the layout's
// appends piece by piece, were most of the table's cost). Null, nothing
// written, for a row the general path must lay out: an address with a zone
// (not ASCII, perhaps) or a cell to cut.
char* AppendTableRow(RowBlock& block, const FlowView& e, const ListenerOwners& owners,
                     const TableRowLayout& layout, const EnumNames& names, TimeText& times,
                     LastAddress& last_server) {
  if (!layout.fits || !e.client->zone().empty() || !e.server->zone().empty()) return nullptr;
  const std::string* owner = nullptr;
  size_t bound = layout.bound;
  const bool interfaces = e.interfaces != nullptr && !e.interfaces->empty();
  if (interfaces) {
    for (const std::string& i : *e.interfaces) bound += i.size() + 2;
  } else if (!e.service.empty()) {
    bound += e.service.size();
  } else if (!owners.empty()) {
    auto it = owners.find({*e.server, e.proto, e.port});
    if (it != owners.end()) owner = &it->second, bound += owner->size();
  }
  char* const start = block.Room(bound);
  RowWriter w(start, times);
  const char* cell = start;
  // Pads the cell just written to column `c`; false for one to cut.
  auto pad = [&](size_t c) __attribute__((always_inline)) {
    const auto width = static_cast<size_t>(w.end() - cell);
    if (width > layout.limits[c]) return false;
    w.Spaces(layout.padded[c] - width + 2);
    cell = w.end();
    return true;
  };
  w.Text(names.Class(e.flow_class));
  if (!pad(0)) return nullptr;
  w.Address(*e.client);
  if (!pad(1)) return nullptr;
  w.Address(*e.server, last_server);
  if (!pad(2)) return nullptr;
  w.Text(names.ProtoOf(e.proto));
  w.Char('/');
  w.Number(e.port);
  if (!pad(3)) return nullptr;
  w.Number(e.connections);
  if (e.attempts > 0) {
    w.Text(" (+");
    w.Number(e.attempts);
    w.Text(e.dropped > 0 ? " dropped)" : " unanswered)");
  }
  if (!pad(4)) return nullptr;
  w.Time(e.first_us);
  if (!pad(5)) return nullptr;
  w.Time(e.last_us);
  if (!pad(6)) return nullptr;
  w.Text(names.Rule(e.rule));
  if (!pad(7)) return nullptr;
  if (interfaces) {
    w.Text("RPC: ");
    for (size_t i = 0; i < e.interfaces->size(); ++i) {
      if (i > 0) w.Text(", ");
      w.Text((*e.interfaces)[i]);
    }
  } else if (!e.service.empty()) {
    w.Text(e.service);
  } else if (owner) {
    w.Text(*owner);
  }
  char* end = w.end();
  while (end > start && end[-1] == ' ') --end;  // as the layout trims the row
  *end++ = '\n';
  return end;
}

}  // namespace

void WriteFlowsTable(const FlowsReport& r, std::string& out, const FlushText& flush) {
  // Two passes over the flows, none kept: the first measures the columns
  // (and counts), the second writes the rows.
  TableLayout table({"CLASS", "CLIENT", "SERVER", "PORT", "CONNECTIONS", "FIRST SEEN", "LAST SEEN",
                     "SERVER BY", "WHAT"},
                    40);
  size_t problematic = 0;
  ServerSummaryBuilder summary(r);
  SummaryBeside gathering(r, summary);
  std::vector<std::string> row;
  TimeText times;
  const EnumNames names;
  LastAddress last_server;
  std::array<size_t, 9> widest{};
  ForEachFlowRef<EvidenceFor::kNone>(r, [&](const FlowRef& f) {
    const FlowView& e = f.v;
    problematic += e.flow_class == FlowClass::kProblematic;
    // The widest cells, laid out once: MeasureWidths() caps each width,
    // and the cap of the largest is the largest of the caps.
    const std::array<size_t, 9> w = TableWidths(e, r.owners, times, names, false, &last_server);
    for (size_t c = 0; c < widest.size(); ++c) widest[c] = std::max(widest[c], w[c]);
  });
  table.MeasureWidths(widest.data());
  gathering.Wait();
  out += fmt::format(
      "{} flows between {} servers and their clients, {} problematic (client high port -> server "
      "dynamic port), from {} observations",
      FlowCount(r), summary.ServerCount(), problematic, r.observations);
  if (r.skipped > 0) out += fmt::format("; {} input records skipped (see stderr)", r.skipped);
  out += "\n";
  if (r.lost_events > 0) {
    // Both firewall logs (INFO-EVENTS-LOST rows) and NetFlow/IPFIX exporters
    // (sequence gaps) report losses into the same count.
    // (NetFlow v9 counts export packets, whose records are unknown: they
    // count as one each.)
    out += fmt::format("{} events, flow records or NetFlow v9 export packets were lost at the "
                       "source (firewall INFO-EVENTS-LOST rows, NetFlow/IPFIX sequence gaps): "
                       "the picture is incomplete.\n",
                       r.lost_events);
  }
  if (r.shared_connections > 0) {
    out += fmt::format("{} connections were reported by two inputs (both ends' firewall logs, or "
                       "a log and a capture or NetFlow) and count once.\n",
                       r.shared_connections);
  }
  if (r.local_time && r.utc_too) {
    out += "Times are the firewall logs' local time, the captures' and NetFlow's UTC (a flow seen "
           "in both may show either; --log-timezone ZONE puts the logs in UTC too).\n";
  } else if (r.local_time) {
    out += "Times are the firewall log's local time.\n";
  }
  out += "\n";
  table.AppendHeader(out);
  RowBlock block;
  const TableRowLayout layout(table);
  // A flagged flow's evidence goes on a line of its own under the row,
  // indented to the CLIENT column.
  const std::string indent(table.widths()[0] + 2, ' ');
  ForEachFlowRef<EvidenceFor::kFlagged>(r, [&](const FlowRef& f) {
    const FlowView& e = f.v;
    // (A record's FlowRef has every flow's evidence; only flagged ones are listed.)
    const bool evidence = e.evidence > 0 && IsFlagged(e.flow_class);
    if (!evidence) {
      if (char* end = AppendTableRow(block, e, r.owners, layout, names, times, last_server)) {
        block.Done(end, out, flush);
        return;
      }
    }
    block.Drain(out);  // the general path appends to `out`
    TableCells(e, r.owners, row, times);
    table.AppendRow(row, TableWidths(e, r.owners, times, names).data(), out);
    if (evidence) AppendEvidenceLine(out, indent, f);
    MaybeFlush(out, flush);
  });
  block.Drain(out);

  out += "\nPer server:\n";
  if (r.instants && !r.peak_rpc_concurrency.empty()) {
    out += "  (A firewall log's rows carry no duration: from a log alone, \"at once\" counts the\n"
           "  connections opened in the same second, a lower bound. A capture or NetFlow gives spans.)\n";
  }
  summary.ForEach([&](const ServerSummary& s) {
    const IpAddress& server = s.server;
    out += fmt::format("  {}: {} client(s)", server.ToString(), s.clients);
    if (auto it = r.peak_rpc_concurrency.find(server); it != r.peak_rpc_concurrency.end()) {
      out += fmt::format(", at most {} connection(s) to dynamic ports at once", it->second);
    }
    out += "\n";
    // Appended piece by piece: a server may have thousands of dynamic ports.
    for (size_t i = 0; i < s.static_ports.size(); ++i) {
      out += i == 0 ? "    static ports: " : ", ";
      AppendPortText(out, s.static_ports[i]);
    }
    if (!s.static_ports.empty()) out += '\n';
    for (const DynamicPortUse& d : s.dynamic_ports) {
      out += "    dynamic ";
      AppendPortText(out, d.port);
      if (!d.what.empty()) {
        out += " (";
        out += d.what;
        out += ')';
      }
      out += ": used by ";
      for (size_t i = 0; i < d.clients.size(); ++i) {
        if (i > 0) out += ", ";
        AppendAddress(out, d.clients[i]);
      }
      out += '\n';
      MaybeFlush(out, flush);  // a busy server's ports are megabytes of text
    }
    MaybeFlush(out, flush);
  });
}

nlohmann::json FlowsJson(const FlowsReport& r, const Diagnostics& diagnostics) {
  nlohmann::json flows = nlohmann::json::array();
  ForEachFlow(r, [&](const FlowEntry& e) {
    nlohmann::json evidence = nlohmann::json::array();
    for (const SourceRef& s : e.evidence) evidence.push_back(s.ToString());
    flows.push_back({
        {"class", analysis::FlowClassName(e.flow_class)},
        {"client", e.key.client.ToString()},
        {"server", e.key.server.ToString()},
        {"proto", ProtoName(e.key.proto)},
        {"port", e.key.port},
        {"dynamic", e.dynamic},
        {"server_by", analysis::ServerRuleName(e.rule)},
        {"interfaces", e.interfaces},
        {"service", e.service.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.service)},
        {"owner", Owner(e, r.owners)},
        {"first_seen", FormatTime(e.first_us)},
        {"last_seen", FormatTime(e.last_us)},
        {"connections", e.connections},
        {"allowed", e.allowed},
        {"dropped", e.dropped},
        {"attempts", e.attempts},
        {"packets", e.packets},
        {"bytes", e.bytes},
        {"low_source", e.low_source},
        {"evidence", std::move(evidence)},
    });
  });
  return {{"observations", r.observations},
          {"lost_events", r.lost_events},
          {"other_protocols", r.unported},
          {"local_time", r.local_time},
          {"flows", std::move(flows)},
          {"servers", ServersJson(r)},
          {"shared_connections", r.shared_connections},
          {"findings", FindingsJson(diagnostics)},
          // Findings beyond the first ones of each kind are counted, not listed.
          {"findings_not_listed", diagnostics.not_kept()}};
}

// FlowsJson()'s document without the tree: the keys in nlohmann's (sorted)
// order, the flows written one by one, the small parts dumped by the library.
void WriteFlowsJson(const FlowsReport& r, const Diagnostics& diagnostics, std::string& out,
                    const FlushText& flush) {
  out += "{\n  \"findings\": ";
  AppendNested(out, FindingsJson(diagnostics));
  out += ",\n  \"findings_not_listed\": ";
  AppendNumber(out, diagnostics.not_kept());
  out += ",\n  \"flows\": [";
  bool first = true;
  RowBlock block;
  const EnumNames names;
  TimeText times;
  ServerSummaryBuilder summary(r);
  SummaryBeside gathering(r, summary);
  LastAnswer plain_file(JsonPlain), plain_name(JsonPlain);
  LastAddress last_server;
  ForEachFlowRef(r, [&](const FlowRef& f) {
    AppendFlowJson(out, flush, block, first, f, r.owners, names, times, plain_file, plain_name,
                   last_server);
    first = false;
  });
  block.Drain(out);
  out += first ? "],\n" : "\n  ],\n";
  out += r.local_time ? "  \"local_time\": true,\n" : "  \"local_time\": false,\n";
  out += "  \"lost_events\": ";
  AppendNumber(out, r.lost_events);
  out += ",\n  \"observations\": ";
  AppendNumber(out, r.observations);
  out += ",\n  \"other_protocols\": ";
  AppendNumber(out, r.unported);
  out += ",\n  \"servers\": ";
  gathering.Wait();
  WriteServersJson(r, summary, out, flush);
  out += ",\n  \"shared_connections\": ";
  AppendNumber(out, r.shared_connections);
  out += "\n}\n";
}

std::string FlowsJsonText(const FlowsReport& r, const Diagnostics& diagnostics) {
  std::string out;
  WriteFlowsJson(r, diagnostics, out, nullptr);
  return out;
}

std::string FlowsCsv(const FlowsReport& r) {
  std::string out;
  // Room for the records' rows at once: growing by doubling would hold the
  // old and the new copy together at the peak of a large run.
  size_t room = 0;
  for (const FlowEntry& e : r.flows) {
    room += 256 + e.service.size();
    for (const SourceRef& s : e.evidence) room += s.file.size() + 64;
    for (const std::string& i : e.interfaces) room += i.size() + 8;
  }
  out.reserve(room);
  WriteFlowsCsv(r, out, nullptr);
  return out;
}

namespace {

// The most a row can take: fixed fields and quoting (twice the text, plus quotes).
size_t CsvRowBound(const FlowRef& f, const std::string* what) {
  const FlowView& e = f.v;
  size_t bound = 512 + 2 * (e.client->zone().size() + e.server->zone().size());
  if (what) bound += 2 * what->size();
  if (e.interfaces) {
    for (const std::string& i : *e.interfaces) bound += 2 * (i.size() + 2);
  }
  bound += 2 * e.service.size();
  for (size_t k = 0; k < e.evidence; ++k) bound += 2 * (f.Evidence(k).file.size() + 50);
  return bound;
}

}  // namespace

void WriteFlowsCsv(const FlowsReport& r, std::string& out, const FlushText& flush) {
  out += CsvRow({"class", "client", "server", "proto", "port", "dynamic", "server_by", "what",
                 "first_seen", "last_seen", "connections", "allowed", "dropped", "attempts",
                 "packets", "bytes", "evidence"});
  std::string scratch;
  RowBlock block;
  const EnumNames names;
  TimeText times;
  LastAnswer special_file(HasCsvSpecial);
  LastCsvField what;
  LastAddress last_server;
  ForEachFlowRef(r, [&](const FlowRef& f) {
    const FlowView& e = f.v;
    const bool interfaces = f.has_interfaces();
    const std::string* owner = nullptr;
    if (!interfaces && e.service.empty() && !r.owners.empty()) {
      auto it = r.owners.find({*e.server, e.proto, e.port});
      if (it != r.owners.end()) owner = &it->second;
    }
    RowWriter w(block.Room(CsvRowBound(f, owner)), times);
    w.Text(names.Class(e.flow_class));
    w.Char(',');
    w.Address(*e.client);
    w.Char(',');
    w.Address(*e.server, last_server);
    w.Char(',');
    w.Text(names.ProtoOf(e.proto));
    w.Char(',');
    w.Number(e.port);
    w.Text(e.dynamic ? ",yes," : ",no,");
    w.Text(names.Rule(e.rule));
    w.Char(',');
    if (interfaces) {
      scratch = "RPC: ";
      for (size_t i = 0; i < e.interfaces->size(); ++i) {
        if (i > 0) scratch += ", ";
        scratch += (*e.interfaces)[i];
      }
      w.Text(what.Of(scratch));
    } else if (!e.service.empty()) {
      w.Text(what.Of(e.service));
    } else if (owner) {
      w.Text(what.Of(*owner));
    }
    w.Char(',');
    w.Time(e.first_us);
    w.Char(',');
    w.Time(e.last_us);
    for (uint64_t n : {e.connections, e.allowed, e.dropped, e.attempts, e.packets, e.bytes}) {
      w.Char(',');
      w.Number(n);
    }
    w.Char(',');
    // Only a file name can make the evidence need quotes.
    bool special = false;
    for (size_t k = 0; k < e.evidence; ++k) special |= special_file.Check(f.Evidence(k).file);
    if (special) {
      scratch.clear();
      for (size_t k = 0; k < e.evidence; ++k) {
        if (k > 0) scratch += ' ';
        AppendSourceRef(scratch, f.Evidence(k));
      }
      w.Field(scratch, HasCsvSpecial(scratch));
    } else {
      for (size_t k = 0; k < e.evidence; ++k) {
        if (k > 0) w.Char(' ');
        w.SourceRefText(f.Evidence(k));
      }
    }
    w.Text("\r\n");
    block.Done(w.end(), out, flush);
  });
  block.Drain(out);
}

}  // namespace highport::report
