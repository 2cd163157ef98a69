// The rows of a Windows Firewall log, as Windows has written them since XP:
//
//   #Version: 1.5
//   #Software: Microsoft Windows Firewall
//   #Time Format: Local
//   #Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags
//            tcpsyn tcpack tcpwin icmptype icmpcode info path [pid]
//   2021-06-22 12:19:44 ALLOW TCP 192.168.178.51 64.39.104.113 52978 443 0 - 0 0 0 - - - SEND
//
// Fields are split at single spaces and "-" stands for an empty one, so every
// row has as many tokens as #Fields names. The header is authoritative (any
// order, any subset that still names date, time, action, protocol and both
// addresses) and may come again in the middle of concatenated logs; a file
// without one is read with the standard 17 fields, plus pid when a row has
// an 18th token. A row whose token count does not match is refused: people
// circulate copies with the "-" tokens stripped, and those cannot be read
// back. INFO-EVENTS-LOST rows alone may stop short after `info` (Windows
// leaves out path or pid on them).
//
// What a row means depends on its action. Windows logs an allowed connection
// once, when it is set up (size 0, no TCP details), so ALLOW is a connection
// opened by src; XP's OPEN and OPEN-INBOUND are the same (OPEN-INBOUND: src is
// the remote side), and its CLOSE ends a connection OPEN already counted. DROP
// is logged per packet (real size, flags, sequence numbers): one packet, no
// connection; the flow table folds repeated drops into attempts. path says
// which side is the logging host: SEND, src; RECEIVE, dst.
//
// Timestamps are the host's local time without a zone ("#Time Format: Local");
// they are stored as if they were UTC and a note says so once per file.
#include "ingest/pfirewall_row.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "fmt/format.h"
#include "ingest/pfirewall_batch.h"  // the worker, which the constructor may have to undo

namespace highport::ingest::pfirewall {
namespace {

constexpr size_t kMaxListed = 100;  // findings of one id listed per file; the rest counted

struct FieldName {
  std::string_view name;
  Field field;
};
constexpr FieldName kFieldNames[] = {
    {"date", Field::kDate},         {"time", Field::kTime},         {"action", Field::kAction},
    {"protocol", Field::kProtocol}, {"src-ip", Field::kSrcIp},      {"dst-ip", Field::kDstIp},
    {"src-port", Field::kSrcPort},  {"dst-port", Field::kDstPort},  {"size", Field::kSize},
    {"tcpflags", Field::kTcpFlags}, {"info", Field::kInfo},         {"path", Field::kPath},
    {"pid", Field::kPid},
};
// Positions in a log without a header: date time action protocol src-ip dst-ip
// src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path [pid].
constexpr int kStandardIndex[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17};
constexpr Field kRequired[] = {Field::kDate, Field::kTime, Field::kAction, Field::kProtocol,
                               Field::kSrcIp, Field::kDstIp};

std::string_view NameOf(Field field) {
  for (const FieldName& f : kFieldNames) {
    if (f.field == field) return f.name;
  }
  return "?";
}

std::optional<uint8_t> ParseProtocol(std::string_view p) {
  if (p == "TCP") return 6;
  if (p == "UDP") return 17;
  if (p == "ICMP") return 1;
  if (p == "ICMPv6" || p == "ICMPV6") return 58;
  unsigned number = 0;
  if (p.size() <= 3 && ParseNumber(p, number) && number <= 255) return number;
  return std::nullopt;
}

std::string Quote(std::string_view token) {
  return token.size() <= 60 ? fmt::format("'{}'", token)
                            : fmt::format("'{}...'", token.substr(0, 57));
}

}  // namespace

LineReader::LineReader(std::string name, TrafficSink& sink, Diagnostics& diagnostics,
                       PfirewallStats& stats)
    : name_(std::move(name)), sink_(sink), diagnostics_(diagnostics), stats_(stats) {
  std::copy(std::begin(kStandardIndex), std::end(kStandardIndex), index_.begin());
  flow_.source.file = name_;
}

void LineReader::Line(std::string_view line) {
  ++line_;
  ++stats_.lines;
  ParsedRow row;
  if (ParseFast(line, Layout(), fast_cache_, row)) return DeliverRow(row);
  General(line);
}

void LineReader::General(std::string_view line) {
  token_count_ = Tokenize(line, tokens_);
  if (token_count_ == 0) return;  // blank, or NUL padding
  if (tokens_[0].front() == '#') return Directive(line);
  ++stats_.rows;
  Row(token_count_);
}

void LineReader::OverlongLine() {
  ++line_;
  ++stats_.lines;
  ++stats_.rows;
  Skip("pfirewall.long_line", [] { return std::string("line longer than 64 KiB; skipped"); });
}

void LineReader::UnfinishedLastLine() {
  ++line_;
  ++stats_.lines;
  diagnostics_.Note(name_, line_, "pfirewall.unfinished_line",
                    "the last line has no line end: the firewall was still writing it, so it is "
                    "left out (read the log again once it has grown)");
}

template <typename MakeReason>
void LineReader::Skip(std::string_view id, MakeReason&& make_reason) {
  ++stats_.skipped;
  auto it = std::find_if(suppressed_.begin(), suppressed_.end(),
                         [&](const Suppressed& s) { return s.id == id; });
  if (it == suppressed_.end()) {
    suppressed_.push_back(Suppressed{std::string(id)});
    it = std::prev(suppressed_.end());
  }
  if (it->listed < kMaxListed) {
    ++it->listed;
    diagnostics_.SkipLine(name_, line_, std::string(id), make_reason());
  } else if (it->more++ == 0) {
    it->first_more_line = line_;
  }
}

void LineReader::NoteOnce(bool& done, std::string_view id, std::string reason) {
  if (done) return;
  done = true;
  diagnostics_.Note(name_, line_, std::string(id), std::move(reason));
}

void LineReader::Directive(std::string_view line) {
  size_t start = line.find('#');
  line = line.substr(start);
  while (!line.empty() && static_cast<unsigned char>(line.back()) <= ' ') line.remove_suffix(1);
  auto value_of = [&](std::string_view prefix) {
    std::string_view v = line.substr(prefix.size());
    while (!v.empty() && static_cast<unsigned char>(v.front()) <= ' ') v.remove_prefix(1);
    return v;
  };
  if (line.starts_with("#Fields:")) {
    DefineFields(value_of("#Fields:"));
  } else if (line.starts_with("#Version:")) {
    stats_.version = std::string(value_of("#Version:").substr(0, 40));
  } else if (line.starts_with("#Software:")) {
    stats_.software = std::string(value_of("#Software:").substr(0, 100));
  } else if (line.starts_with("#Time Format:")) {
    time_format_seen_ = true;
    std::string_view format = value_of("#Time Format:");
    if (format == "Local" || format == "local") {
      stats_.local_time = true;
      NoteOnce(noted_local_time_, "pfirewall.local_time",
               "timestamps are the logging host's local time without a zone (#Time Format: "
               "Local); they are read as UTC unless --log-timezone names their zone");
    }
  }
  // Other W3C directives (#Date, #Remark) say nothing this reader needs.
}

void LineReader::DefineFields(std::string_view names) {
  ++stats_.headers;
  std::array<std::string_view, kMaxTokens> words;
  size_t count = Tokenize(names, words);
  index_.fill(-1);
  for (size_t i = 0; i < std::min(count, kMaxTokens); ++i) {
    for (const FieldName& f : kFieldNames) {
      int& slot = index_[static_cast<size_t>(f.field)];
      if (words[i] == f.name && slot < 0) slot = static_cast<int>(i);
    }
  }
  from_header_ = true;
  field_count_ = count;
  std::string missing;
  for (Field f : kRequired) {
    if (index_[static_cast<size_t>(f)] < 0) {
      missing += missing.empty() ? "" : ", ";
      missing += NameOf(f);
    }
  }
  usable_ = missing.empty() && count <= kMaxTokens;
  fast_ = usable_ && StandardLayout();
  if (!missing.empty()) {
    diagnostics_.SkipLine(name_, line_, "pfirewall.bad_fields",
                          fmt::format("#Fields names no {}: the rows up to the next #Fields "
                                      "line are skipped",
                                      missing));
  } else if (count > kMaxTokens) {
    diagnostics_.SkipLine(name_, line_, "pfirewall.bad_fields",
                          fmt::format("#Fields names {} fields, more than the {} this reader "
                                      "takes: the rows up to the next #Fields line are skipped",
                                      count, kMaxTokens));
  }
}

// The positions FastRow reads: those of a log without a header, and 17
// fields, or 18 with pid last.
bool LineReader::StandardLayout() const {
  for (size_t f = 0; f < static_cast<size_t>(Field::kPid); ++f) {
    if (index_[f] != kStandardIndex[f]) return false;
  }
  int pid = index_[static_cast<size_t>(Field::kPid)];
  return (field_count_ == 17 && pid < 0) || (field_count_ == 18 && pid == 17);
}

std::string_view LineReader::Get(Field field) const {
  int i = index_[static_cast<size_t>(field)];
  if (i < 0 || static_cast<size_t>(i) >= token_count_) return "-";
  return tokens_[static_cast<size_t>(i)];
}

bool LineReader::CountFits(size_t count, bool lost_events_row) const {
  size_t expected = field_count_;
  if (!from_header_ && count == expected + 1) return true;  // the pid field
  if (count == expected) return true;
  // INFO-EVENTS-LOST rows may end after `info` (path, pid left out).
  int info = index_[static_cast<size_t>(Field::kInfo)];
  return lost_events_row && info >= 0 && count > static_cast<size_t>(info) && count < expected;
}

void LineReader::ReportCount(size_t count) {
  Skip("pfirewall.field_count", [&] {
    std::string expected = from_header_ ? fmt::format("the #Fields header names {}", field_count_)
                                        : std::string("a log without #Fields has 17 (18 with pid)");
    std::string hint = count < field_count_ ? " (a copy with its '-' fields removed?)" : "";
    return fmt::format("row has {} fields, {}{}", count, expected, hint);
  });
}

void LineReader::Row(size_t count) {
  if (!usable_) {
    Skip("pfirewall.no_fields", [] {
      return std::string("no usable #Fields header above this row");
    });
    return;
  }
  int action_index = index_[static_cast<size_t>(Field::kAction)];
  std::string_view action =
      static_cast<size_t>(action_index) < count ? tokens_[static_cast<size_t>(action_index)] : "";
  Kind kind = ParseAction(action);
  if (count > kMaxTokens || !CountFits(count, kind == kLost)) return ReportCount(count);
  if (!from_header_) index_[static_cast<size_t>(Field::kPid)] = count == 18 ? 17 : -1;
  switch (kind) {
    case kLost: return LostEvents();
    case kClose:
      ++stats_.closes;
      if (first_close_line_ == 0) first_close_line_ = line_;
      return;
    case kUnknownAction:
      return Skip("pfirewall.unknown_action",
                  [&] { return fmt::format("unknown action {}", Quote(action)); });
    default: return Flow(kind);
  }
}

void LineReader::LostEvents() {
  std::string_view info = Get(Field::kInfo);
  uint64_t count = 0;
  if (!ParseNumber(info, count)) {
    return Skip("pfirewall.bad_number", [&] {
      return fmt::format("INFO-EVENTS-LOST row without a count: info is {}", Quote(info));
    });
  }
  ++stats_.lost_event_rows;
  stats_.lost_events += count;
  flow_.source.line = line_;
  sink_.OnLostEvents(count, flow_.source);
}

void LineReader::Flow(Kind kind) {
  FlowObservation& f = flow_;
  std::string_view date = Get(Field::kDate);
  if (!have_date_ || date.size() != sizeof last_date_ ||
      std::memcmp(date.data(), last_date_, sizeof last_date_) != 0) {
    if (!ParseDateDays(date, last_days_)) {
      have_date_ = false;
      return Skip("pfirewall.bad_date",
                  [&] { return fmt::format("date {} is not a date (YYYY-MM-DD)", Quote(date)); });
    }
    std::memcpy(last_date_, date.data(), sizeof last_date_);
    have_date_ = true;
  }
  std::string_view time = Get(Field::kTime);
  int64_t micros = 0;
  if (!ParseTimeMicros(time, micros)) {
    return Skip("pfirewall.bad_time", [&] {
      return fmt::format("time {} is not a time of day (HH:MM:SS)", Quote(time));
    });
  }
  f.first_us = f.last_us = last_days_ * 86400 * 1000000 + micros;

  std::string_view protocol = Get(Field::kProtocol);
  std::optional<uint8_t> ip_protocol = ParseProtocol(protocol);
  if (!ip_protocol) {
    return Skip("pfirewall.bad_protocol", [&] {
      return fmt::format("protocol {} is not TCP, UDP, ICMP, ICMPv6 or a number 0-255",
                         Quote(protocol));
    });
  }
  struct Side {
    Field ip, port;
    Endpoint& endpoint;
    std::string_view name;
  };
  const bool ports = *ip_protocol == 6 || *ip_protocol == 17;
  const Proto proto = *ip_protocol == 17 ? Proto::kUdp : Proto::kTcp;
  for (Side side : {Side{Field::kSrcIp, Field::kSrcPort, f.src, "source"},
                    Side{Field::kDstIp, Field::kDstPort, f.dst, "destination"}}) {
    std::string_view ip = Get(side.ip);
    if (!ParseAddress(ip, side.endpoint.address)) {
      return Skip("pfirewall.bad_address", [&] {
        return fmt::format("{} address {} is not an IP address", side.name, Quote(ip));
      });
    }
    side.endpoint.proto = proto;
    side.endpoint.port = 0;
    std::string_view port = Get(side.port);
    if (ports && !ParseOptionalNumber(port, side.endpoint.port)) {
      return Skip("pfirewall.bad_port", [&] {
        return fmt::format("{} port {} is not a port number", side.name, Quote(port));
      });
    }
  }
  // Windows writes "ICMP" for ICMPv6 too.
  f.ip_protocol = *ip_protocol == 1 && f.src.address.is_v6() ? 58 : *ip_protocol;

  std::string_view size = Get(Field::kSize);
  uint64_t bytes = 0;
  if (!ParseOptionalNumber(size, bytes)) {
    return Skip("pfirewall.bad_number",
                [&] { return fmt::format("size {} is not a number", Quote(size)); });
  }
  std::string_view pid = Get(Field::kPid);
  uint32_t pid_value = 0;
  if (pid != "-" && !ParseNumber(pid, pid_value)) {
    return Skip("pfirewall.bad_number",
                [&] { return fmt::format("pid {} is not a number", Quote(pid)); });
  }
  f.pid = pid == "-" ? std::nullopt : std::optional<uint32_t>(pid_value);

  f.tcp_flags = 0;
  std::string_view flags = Get(Field::kTcpFlags);
  if (flags != "-") {
    for (char c : flags) {
      uint8_t bit = TcpFlagBit(c);
      if (bit == 0) {
        NoteOnce(noted_flags_, "pfirewall.tcp_flags",
                 fmt::format("tcpflags {} has letters other than FSRPAUEC; they are ignored",
                             Quote(flags)));
      }
      f.tcp_flags |= bit;
    }
  }

  std::string_view path = Get(Field::kPath);
  if (path == "SEND") {
    f.local_side = LocalSide::kSource;
  } else if (path == "RECEIVE") {
    f.local_side = LocalSide::kDestination;
  } else {
    f.local_side = LocalSide::kUnknown;
    if (path != "-" && path != "FORWARD" && path != "UNKNOWN") {
      NoteOnce(noted_path_, "pfirewall.unknown_path",
               fmt::format("path {} is not SEND, RECEIVE, FORWARD or UNKNOWN; which side is "
                           "local is left open",
                           Quote(path)));
    }
  }
  Deliver(kind, path == "-", bytes);
}

void LineReader::Finish() {
  // Windows writes every firewall log in local time; a log without the
  // header that says so (cut by findstr, or its header lost) is one too,
  // and --log-timezone must convert it, read from the file or the database.
  if (!time_format_seen_ && stats_.rows > 0) stats_.local_time = true;
  for (const Suppressed& s : suppressed_) {
    if (s.more == 0) continue;
    diagnostics_.SkipLines(name_, s.first_more_line, s.id,
                           fmt::format("{} more row(s) skipped for this reason after the first "
                                       "{}, not listed one by one",
                                       s.more, s.listed),
                           s.more);
  }
  if (stats_.closes > 0) {
    diagnostics_.Note(name_, first_close_line_, "pfirewall.close",
                      fmt::format("{} CLOSE row(s) (Windows XP) not read as flows: they end "
                                  "connections that their OPEN rows counted",
                                  stats_.closes));
  }
}

}  // namespace highport::ingest::pfirewall
