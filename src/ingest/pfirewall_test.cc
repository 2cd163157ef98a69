#include "ingest/pfirewall.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "ingest/collecting_sink.h"
#include "ingest/pfirewall_row.h"
#include "text/document.h"

namespace highport::ingest {
namespace {

const std::string kFixtures = HIGHPORT_SOURCE_DIR "/src/ingest/testdata/pfirewall/";
const std::string kCorpus = HIGHPORT_SHARED_DIR "/corpus/pfirewall/";

const char* const kAllFixtures[] = {
    "standard17.log",    "pid18.log",          "xp_open_close.log",   "noheader.log",
    "reordered_fields.log", "concatenated.log", "bad_rows.log",       "lossy_derivative.log",
    "protocols_flags.log", "bad_fields.log",   "crlf_bom_nul.log",    "utf16le_bom.log",
    "utf16be_bom.log",
};

std::string FixtureBytes(const std::string& name) {
  Result<std::string> bytes = text::ReadFileBytes(kFixtures + name);
  EXPECT_TRUE(bytes) << bytes.error().message;
  return bytes ? *bytes : std::string();
}

struct Read {
  CollectingSink sink;
  Diagnostics diagnostics;
  PfirewallStats stats;

  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const Finding& f : diagnostics.findings()) out.push_back(f.ToString());
    return out;
  }
  const FlowObservation& flow(size_t i) const { return sink.flows.at(i); }
};

std::unique_ptr<Read> ReadText(std::string_view bytes, std::string name = "fw.log",
                               size_t chunk = 0) {
  auto r = std::make_unique<Read>();
  r->stats = chunk == 0 ? ReadPfirewallText(name, bytes, r->sink, r->diagnostics)
                        : ReadPfirewallTextChunked(name, bytes, chunk, r->sink, r->diagnostics);
  return r;
}

std::unique_ptr<Read> ReadFixture(const std::string& name, size_t chunk = 0) {
  return ReadText(FixtureBytes(name), name, chunk);
}

std::string_view Name(LocalSide s) {
  switch (s) {
    case LocalSide::kSource: return "src";
    case LocalSide::kDestination: return "dst";
    default: return "?";
  }
}

// One line per observation, so that a failure shows the whole record.
std::string Describe(const FlowObservation& f) {
  return fmt::format(
      "{}:{} {} {} -> {} ip{} {} conn={} pk={} b={} flags={:#04x} init={} local={} pid={} t={}",
      f.source.file, f.source.line, ProtoName(f.src.proto), f.src.ToString(), f.dst.ToString(),
      f.ip_protocol, f.action == TrafficAction::kDropped ? "dropped" : "allowed", f.connections,
      f.packets, f.bytes, f.tcp_flags,
      f.initiator == Initiator::kSource && f.initiator_evidence == InitiatorEvidence::kFirewallPath
          ? "src/path"
          : (f.initiator == Initiator::kUnknown && f.initiator_evidence == InitiatorEvidence::kNone
                 ? "none"
                 : "other"),
      Name(f.local_side), f.pid ? std::to_string(*f.pid) : "-", f.first_us / 1000000);
}

std::vector<std::string> DescribeAll(const Read& r, bool with_file = true) {
  std::vector<std::string> out;
  for (const FlowObservation& f : r.sink.flows) {
    std::string d = Describe(f);
    out.push_back(with_file ? d : d.substr(d.find(':')));
  }
  return out;
}

// Every row is exactly one of the kinds the stats count.
void ExpectRowsAddUp(const PfirewallStats& s) {
  EXPECT_EQ(s.rows, s.flows + s.dropped_packets + s.lost_event_rows + s.closes + s.skipped);
}

TEST(PfirewallProbe, ClaimsFirewallLogs) {
  EXPECT_EQ(ProbePfirewall(FixtureBytes("standard17.log")), 100);
  EXPECT_EQ(ProbePfirewall(FixtureBytes("utf16le_bom.log")), 100);
  EXPECT_EQ(ProbePfirewall(FixtureBytes("utf16be_bom.log")), 100);
  EXPECT_EQ(ProbePfirewall(FixtureBytes("crlf_bom_nul.log")), 100);
  EXPECT_EQ(ProbePfirewall(FixtureBytes("protocols_flags.log")), 95);  // #Fields only
  EXPECT_EQ(ProbePfirewall(FixtureBytes("noheader.log")), 85);         // rows only
  // The lossy copy is still recognised, so that the reader can say what is wrong with it.
  EXPECT_EQ(ProbePfirewall(FixtureBytes("lossy_derivative.log")), 85);
}

TEST(PfirewallProbe, RefusesOtherInputs) {
  const char* netstat =
      "\nActive Connections\n\n  Proto  Local Address          Foreign Address        State"
      "           PID\n  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       "
      "1024\n";
  const char* ss = "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
                   "tcp   LISTEN 0      128    0.0.0.0:22         0.0.0.0:*\n";
  const char* w3c = "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time "
                    "s-ip cs-method\n2024-01-01 00:00:00 10.0.0.1 GET\n";
  for (const char* other : {netstat, ss, w3c, "", "\n\n", "2024-01-01"}) {
    EXPECT_EQ(ProbePfirewall(other), 0) << other;
  }
}

TEST(PfirewallDate, DaysFromCivilAndTimeOfDay) {
  int64_t days = -1;
  ASSERT_TRUE(pfirewall::ParseDateDays("1970-01-01", days));
  EXPECT_EQ(days, 0);
  ASSERT_TRUE(pfirewall::ParseDateDays("2000-02-29", days));
  EXPECT_EQ(days, 11016);
  ASSERT_TRUE(pfirewall::ParseDateDays("1969-12-31", days));
  EXPECT_EQ(days, -1);
  for (const char* bad : {"2023-02-29", "1900-02-29", "2023-04-31", "2023-00-10", "2023-1-10",
                          "2023/01/10", "2023-01-1x", "-"}) {
    EXPECT_FALSE(pfirewall::ParseDateDays(bad, days)) << bad;
  }
  int64_t micros = -1;
  ASSERT_TRUE(pfirewall::ParseTimeMicros("23:59:59", micros));
  EXPECT_EQ(micros, 86399000000);
  ASSERT_TRUE(pfirewall::ParseTimeMicros("00:00:01.25", micros));
  EXPECT_EQ(micros, 1250000);
  for (const char* bad : {"24:00:00", "12:60:00", "12:00:60", "1:00:00", "12:00:00.", "12-00-00",
                          "12:00:00.1234567"}) {
    EXPECT_FALSE(pfirewall::ParseTimeMicros(bad, micros)) << bad;
  }
}

TEST(PfirewallAddress, FastIpv4PathAgreesWithIpAddressParse) {
  for (const char* text : {"0.0.0.0", "10.20.30.40", "255.255.255.255", "192.168.1.10055",
                           "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256", "1..2.3", "a.b.c.d",
                           "::1", "fe80::1c2b:3a4d:5e6f:7081", "ff02::fb", "2001:db8::1%12",
                           "::ffff:10.0.0.1", "fe80:::1", "-", "host.example"}) {
    IpAddress fast;
    bool ok = pfirewall::ParseAddress(text, fast);
    std::optional<IpAddress> slow = IpAddress::Parse(text);
    EXPECT_EQ(ok, slow.has_value()) << text;
    if (ok && slow) {
      EXPECT_EQ(fast, *slow) << text;
    }
  }
}

// What ParseV6 stood for before it had its own parser: inet_pton on a
// terminated copy of the text.
bool InetPton6(std::string_view t, std::array<uint8_t, 16>& out) {
  char buffer[48];
  if (t.empty() || t.size() >= sizeof buffer || t.front() == '[') return false;
  if (t.find(':') == std::string_view::npos || t.find('%') != std::string_view::npos) return false;
  std::memcpy(buffer, t.data(), t.size());
  buffer[t.size()] = '\0';
  return inet_pton(AF_INET6, buffer, out.data()) == 1;
}

// ParseV6 must take exactly what inet_pton takes, and make the same bytes of
// it: hand-picked edge cases, then thousands of generated addresses (groups
// of 0-5 digits, "::" anywhere, IPv4 tails with odd octets), each also with
// a character inserted, removed or replaced.
TEST(PfirewallAddress, ParseV6AgreesWithInetPton) {
  std::vector<std::string> texts = {
      "::", "::1", "1::", ":::", "1:::2", "::1::", ":1::", "1::2:", "1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7", "1:2:3:4:5:6:7::8",
      "::ffff:10.0.0.1", "::10.0.0.1", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
      "::1.2.3.4.5", "::1.2.3", "::01.2.3.4", "::1.2.3.04", "::0.0.0.0", "::256.1.1.1",
      "::1.2.3.4:5", "::1.2.3.", "::.1.2.3", "::1a.2.3.4", "::ffff1.2.3.4", "12345::",
      "fFfF::AbCd", "fe80::1%eth0", "[::1]", "::1 ", "::g", "1.2.3.4", ":", "", "0:0::0:0",
      std::string("::1\0%x", 6), std::string("::1\0zz", 6), std::string("\0::1", 4),
      std::string("1::\0", 4), "1:2:3:4:5:6:7:8:", ":1:2:3:4:5:6:7:8",
      "::1111:2222:3333:4444:5555:6666:7777", "0000:0000:0000:0000:0000:0000:0000:0000",
      "fd00:1::1a:f3", "::ffff:1.2.3.4:1"};
  uint64_t state = 42;
  auto next = [&] {  // splitmix64
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  auto below = [&](uint64_t n) { return static_cast<size_t>(next() % n); };
  const std::string hex = "0123456789abcdefABCDEF";
  const std::string odd = std::string("0123456789aF:.%[]gx \0", 22);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const size_t groups = 1 + below(9);
    const size_t gap = below(groups + 2);  // where "::" goes, if below groups + 1
    for (size_t g = 0; g < groups; ++g) {
      if (g == gap) text += "::";
      else if (g > 0) text += ':';
      const size_t digits = below(10) == 0 ? 5 : 1 + below(4);
      for (size_t d = 0; d < digits; ++d) text += hex[below(hex.size())];
    }
    if (gap == groups) text += "::";
    if (below(4) == 0) {  // an IPv4 tail in place of the last group
      const size_t colon = text.rfind(':');
      text.resize(colon == std::string::npos ? 0 : colon + 1);
      const size_t octets = below(8) == 0 ? 3 + below(3) : 4;
      for (size_t o = 0; o < octets; ++o) {
        if (o > 0) text += '.';
        const unsigned octet = below(3) == 0 ? static_cast<unsigned>(below(300))
                                             : static_cast<unsigned>(below(10));
        text += below(10) == 0 ? fmt::format("0{}", octet) : fmt::format("{}", octet);
      }
    }
    texts.push_back(text);
    std::string changed = text;
    const size_t at = below(text.size() + 1);
    switch (below(3)) {
      case 0: changed.insert(at, 1, odd[below(odd.size())]); break;
      case 1:
        if (at < changed.size()) changed.erase(at, 1);
        break;
      default:
        if (at < changed.size()) changed[at] = odd[below(odd.size())];
    }
    texts.push_back(changed);
  }
  size_t accepted = 0;
  for (const std::string& text : texts) {
    std::array<uint8_t, 16> fast{};
    std::array<uint8_t, 16> slow{};
    const bool fast_ok = pfirewall::ParseV6(text, fast);
    const bool slow_ok = InetPton6(text, slow);
    ASSERT_EQ(fast_ok, slow_ok) << '"' << text << '"';
    if (slow_ok) {
      ++accepted;
      EXPECT_EQ(fast, slow) << text;
    }
  }
  // Both kinds in numbers, or the test says little.
  EXPECT_GT(accepted, texts.size() / 10);
  EXPECT_LT(accepted, texts.size() * 9 / 10);
}

// Every field of every observation, every finding and the counts, as text.
std::vector<std::string> Summary(const CollectingSink& sink, const Diagnostics& diagnostics,
                                 const PfirewallStats& stats) {
  std::vector<std::string> out;
  for (const FlowObservation& f : sink.flows) {
    out.push_back(fmt::format("{} us={}/{} src={} dst={} ev={} action={}", Describe(f), f.first_us,
                              f.last_us, static_cast<int>(f.src.proto),
                              static_cast<int>(f.dst.proto),
                              static_cast<int>(f.initiator_evidence), static_cast<int>(f.action)));
  }
  for (const Finding& f : diagnostics.findings()) out.push_back(f.ToString());
  for (const SourceRef& where : sink.lost_where) out.push_back("lost at " + where.ToString());
  out.push_back(fmt::format("lines={} rows={} flows={} dropped={} lost={}/{} closes={} skipped={}",
                            stats.lines, stats.rows, stats.flows, stats.dropped_packets,
                            stats.lost_event_rows, stats.lost_events, stats.closes,
                            stats.skipped));
  return out;
}

// Lines through one LineReader, with the fast path on or off.
std::vector<std::string> ReadLines(const std::vector<std::string>& lines, bool fast) {
  CollectingSink sink;
  Diagnostics diagnostics;
  PfirewallStats stats;
  {
    pfirewall::LineReader reader("fw.log", sink, diagnostics, stats);
    reader.set_fast_path(fast);
    for (const std::string& line : lines) reader.Line(line);
    reader.Finish();
  }
  return Summary(sink, diagnostics, stats);
}

// Text through PfirewallParser in pieces of `chunk` bytes, with two threads
// for whole lines of `parallel_min` bytes or more (0: one thread).
std::vector<std::string> ReadWithThreads(std::string_view text, size_t chunk,
                                         size_t parallel_min) {
  CollectingSink sink;
  Diagnostics diagnostics;
  PfirewallParser parser("fw.log", sink, diagnostics);
  parser.set_parallel_min(parallel_min);
  for (size_t at = 0; at < text.size(); at += chunk) parser.Feed(text.substr(at, chunk));
  PfirewallStats stats = parser.Finish();
  return Summary(sink, diagnostics, stats);
}

const std::string kSampleRows[] = {
    "2024-03-01 10:00:00 ALLOW TCP 10.1.2.3 10.1.0.10 50000 135 0 - 0 0 0 - - - RECEIVE",
    "2024-03-01 10:00:00 DROP TCP 10.1.2.3 10.1.0.10 50001 49664 52 S 123456789 0 64240 - - - "
    "RECEIVE 4",
    "2024-02-29 23:59:59 ALLOW UDP 10.1.0.10 10.1.0.1 53000 53 0 - - - - - - - SEND\r",
    "2024-03-01 10:00:01 ALLOW ICMP fd00:1::a fd00:1::b - - 0 - - - - 8 0 - FORWARD",
    "2024-03-01 10:00:01 OPEN TCP 10.1.2.3 10.1.0.10 50000 445 0 - 0 0 0 - - - -",
    "2024-03-01 10:00:02 OPEN-INBOUND UDP 255.255.255.255 0.0.0.0 1 65535 1500 FSRPAUEC - - - - "
    "- - UNKNOWN",
    "2024-03-01 10:00:02 INFO-EVENTS-LOST - - - - - - - - - - - - 12 -",
};
const std::vector<std::vector<std::string>> kSampleHeaders = {
    {},
    {"#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn "
     "tcpack tcpwin icmptype icmpcode info path"},
    {"#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn "
     "tcpack tcpwin icmptype icmpcode info path pid"},
};
const char kMutationBytes[] = {' ', '\t', '\0', '\r', '-', '0', '1', '5', '9', '.', ':', 'A', 'S', 'x'};

// The fast path (pfirewall_fast.cc) must only change the speed: each row
// below, and each with any one byte replaced by a byte that matters to a
// parser, reads the same with it and without it, under each header.
TEST(PfirewallReader, FastPathAgreesWithTheGeneralPath) {
  for (const std::vector<std::string>& header : kSampleHeaders) {
    for (const std::string& row : kSampleRows) {
      for (size_t at = 0; at < row.size(); ++at) {
        std::vector<std::string> lines = header;
        lines.push_back(row);
        lines.push_back(row);  // the same date and time again: the caches
        for (char byte : kMutationBytes) {
          std::string changed = row;
          changed[at] = byte;
          lines.push_back(changed);
          lines.push_back(row);
        }
        ASSERT_EQ(ReadLines(lines, true), ReadLines(lines, false)) << row << " at " << at;
      }
    }
  }
}

// The time of day is read by the fast path eight bytes at once: every byte
// of it replaced by every byte value, and every hour, minute and second
// from 00 to 99, read as the general path reads them.
TEST(PfirewallReader, FastTimeOfDayAgreesWithTheGeneralPath) {
  const std::string row = kSampleRows[0];  // the time is bytes 11 to 18
  std::vector<std::string> lines;
  for (size_t at = 11; at < 19; ++at) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string changed = row;
      changed[at] = static_cast<char>(byte);
      lines.push_back(changed);
    }
  }
  for (size_t at : {11, 14, 17}) {
    for (int value = 0; value < 100; ++value) {
      std::string changed = row;
      changed.replace(at, 2, fmt::format("{:02}", value));
      lines.push_back(changed);
    }
  }
  lines.push_back("2024-03-01 10:00:00.5 ALLOW TCP 10.1.2.3 10.1.0.10 50000 135 0 - 0 0 0 - - - "
                  "RECEIVE");
  for (const std::string& line : lines) {
    ASSERT_EQ(ReadLines({line, row, line}, true), ReadLines({line, row, line}, false)) << line;
  }
}

// What a ParsedRow holds, for comparing two of them.
std::string DescribeRow(const pfirewall::ParsedRow& r) {
  return fmt::format("us={} bytes={} src={}/{} dst={}/{} v6={}{} pid={}/{}/{} proto={} flags={} "
                     "kind={} side={} dash={}",
                     r.us, r.bytes, r.src_v4, r.src_port, r.dst_v4, r.dst_port, r.src_v6,
                     r.dst_v6, r.pid, r.has_pid, r.pid_field, r.ip_protocol, r.tcp_flags,
                     static_cast<int>(r.kind), static_cast<int>(r.local_side), r.path_dash);
}

// ScanFast (lines cut and read in one pass, where they lie) must find the
// same line ends as memchr and read exactly the rows ParseFast reads, the
// same way: each sample row and each mutation, at every offset from the
// start of a 64-byte window and with every amount of text after it (so that
// some lines are too near the end of the buffer for the one pass).
TEST(PfirewallReader, ScanFastAgreesWithMemchrAndParseFast) {
  const pfirewall::FastLayout layouts[] = {{true, false, 17}, {true, true, 18}};
  std::vector<std::string> rows;
  for (const std::string& row : kSampleRows) {
    rows.push_back(row);
    for (size_t at = 0; at < row.size(); at += 3) {
      for (char byte : kMutationBytes) {
        std::string changed = row;
        changed[at] = byte;
        rows.push_back(changed);
      }
    }
  }
  rows.push_back(std::string(kSampleRows[0]) + " ");     // a trailing space
  rows.push_back(std::string(kSampleRows[0]) + "\r\r");  // two CRs
  rows.push_back(std::string(300, '1'));                 // longer than the fast path takes
  size_t scanned = 0;
  for (const pfirewall::FastLayout& layout : layouts) {
    for (size_t offset : {0, 1, 17, 63}) {
      for (size_t after : {0, 40, 200}) {
        for (const std::string& row : rows) {
          std::string text = std::string(offset, 'x') + "\n" + row + "\n" +
                             std::string(after, 'y') + (after > 0 ? "\n" : "");
          const char* p = text.data() + offset + 1;
          const char* end = text.data() + text.size();
          pfirewall::FastCache scan_cache, exact_cache;
          pfirewall::ParsedRow scanned_row, exact_row;
          bool parsed = false;
          size_t length = pfirewall::ScanFast(p, end, layout, scan_cache, scanned_row, parsed);
          const size_t line_length =
              size_t(static_cast<const char*>(std::memchr(p, '\n', size_t(end - p))) - p);
          bool exact = pfirewall::ParseFast(std::string_view(p, line_length), layout, exact_cache,
                                            exact_row);
          if (length == pfirewall::kLineEndUnknown) {
            EXPECT_FALSE(parsed) << row;
            continue;
          }
          ++scanned;
          ASSERT_EQ(length, line_length) << row;
          if (parsed) {
            ASSERT_TRUE(exact) << row;
            EXPECT_EQ(DescribeRow(scanned_row), DescribeRow(exact_row)) << row;
          }
          // Not read in one pass although ParseFast reads it: only a trailing space.
          if (exact && !parsed) {
            EXPECT_EQ(p[line_length - 1], ' ') << row;
          }
        }
      }
    }
  }
  EXPECT_GT(scanned, rows.size() * 4);  // most lines were read in one pass
}

// ScanFast with AVX2 (chosen at run time where the CPU has it) must read
// exactly what the SSE2 build reads: the same line ends, the same rows, the
// same refusals, over the sample rows, every one-byte mutation of them, and
// random lines of row-like bytes of many lengths (many separators, more
// tokens than a row has, lines across several 64-byte windows) and rows
// with random addresses, at every offset of a window.
TEST(PfirewallReader, Avx2ScanAgreesWithSse2Scan) {
  if (!pfirewall::CpuHasAvx2()) GTEST_SKIP() << "this CPU has no AVX2";
  std::vector<std::string> rows;
  for (const std::string& row : kSampleRows) {
    rows.push_back(row);
    for (size_t at = 0; at < row.size(); ++at) {
      for (char byte : kMutationBytes) {
        std::string changed = row;
        changed[at] = byte;
        rows.push_back(changed);
      }
    }
  }
  uint64_t random = 11;
  auto below = [&random](uint64_t n) {
    random = random * 6364136223846793005ULL + 1442695040888963407ULL;
    return (random >> 33) % n;
  };
  for (int i = 0; i < 3000; ++i) {
    std::string row = kSampleRows[below(6)];
    for (uint64_t n = below(4); n > 0; --n) {  // tokens doubled, dropped, or bytes changed
      const size_t at = below(row.size());
      switch (below(3)) {
        case 0: row.insert(at, row.substr(at, below(30))); break;
        case 1: row.erase(at, below(12)); break;
        default: row[at] = kMutationBytes[below(sizeof kMutationBytes)]; break;
      }
    }
    rows.push_back(row);
  }
  // Addresses of every shape (octets of 1 to 3 digits, with leading zeros
  // and above 255), each way IPv4 is read with AVX2 and with SSE2.
  for (int i = 0; i < 3000; ++i) {
    std::string address;
    for (int octet = 0; octet < 4; ++octet) {
      if (octet > 0) address += '.';
      static const char* const kEdges[] = {"255", "256", "254", "259", "260", "299", "300", "0",
                                           "00", "010", "199", "200", "99", "100"};
      if (below(4) == 0) {
        address += kEdges[below(std::size(kEdges))];
        continue;
      }
      for (uint64_t digits = 1 + below(3); digits > 0; --digits) {
        address += static_cast<char>('0' + (below(3) == 0 ? below(3) : below(10)));
      }
    }
    if (below(3) == 0) {  // a digit, dot or other byte more or less: octets of 4, 3 or 5 octets
      static const char kBytes[] = "0123456789..:x";
      const size_t at = below(address.size() + 1);
      if (below(2) == 0) {
        address.insert(at, 1, kBytes[below(sizeof kBytes - 1)]);
      } else if (at < address.size()) {
        address.erase(at, 1);
      }
    }
    rows.push_back("2024-03-01 10:00:00 ALLOW TCP " + address + " 10.1.0.10 50000 135 0 - 0 0 0 "
                   "- - - RECEIVE");
    rows.push_back("2024-03-01 10:00:00 ALLOW UDP 10.1.0.10 " + address + " 53000 53 0 - - - - "
                   "- - - SEND");
  }
  const pfirewall::FastLayout layouts[] = {{true, false, 17}, {true, true, 18}};
  size_t read = 0;
  for (const pfirewall::FastLayout& layout : layouts) {
    for (const std::string& row : rows) {
      for (size_t offset : {0, 5, 63}) {
        std::string text = std::string(offset, 'x') + "\n" + row + "\n" + kSampleRows[0] + "\n" +
                           std::string(below(300), 'y') + "\n";
        const char* p = text.data() + offset + 1;
        const char* end = text.data() + text.size();
        pfirewall::FastCache sse2_cache, avx2_cache;
        pfirewall::ParsedRow sse2_row, avx2_row;
        bool sse2_parsed = false;
        bool avx2_parsed = false;
        const size_t sse2 =
            pfirewall::ScanFastSse2(p, end, layout, sse2_cache, sse2_row, sse2_parsed);
        const size_t avx2 =
            pfirewall::ScanFastAvx2(p, end, layout, avx2_cache, avx2_row, avx2_parsed);
        ASSERT_EQ(sse2, avx2) << row;
        ASSERT_EQ(sse2_parsed, avx2_parsed) << row;
        if (sse2_parsed) {
          ++read;
          ASSERT_EQ(DescribeRow(sse2_row), DescribeRow(avx2_row)) << row;
        }
      }
    }
  }
  EXPECT_GT(read, rows.size() / 2);  // most of them are rows the fast path reads
}

// ScanRows (many lines in one call, OneByOne) must read exactly the rows
// that ScanFast reads line by line, the same way, and stop at the first
// line ScanFast does not read, with the length ScanFast gives it: over the
// sample rows, their mutations, blank and header lines, with batches of
// every few sizes, with SSE2 and (where the CPU has it) AVX2.
TEST(PfirewallReader, ScanRowsAgreesWithScanFast) {
  std::string text;
  for (const std::string& row : kSampleRows) {
    for (size_t at = 0; at < row.size(); at += 2) {
      text += row + "\n" + row + "\n";
      for (char byte : {'\t', '-', '5', ':', 'x'}) {
        std::string changed = row;
        changed[at] = byte;
        text += changed + "\n";
      }
    }
    text += "\n" + kSampleHeaders[1][0] + "\n";
  }
  struct Scanners {
    pfirewall::ScanRowsFn rows;
    pfirewall::ScanFastFn fast;
  };
  std::vector<Scanners> scanners = {{pfirewall::ScanRowsSse2, pfirewall::ScanFastSse2}};
  if (pfirewall::CpuHasAvx2()) {
    scanners.push_back({pfirewall::ScanRowsAvx2, pfirewall::ScanFastAvx2});
  }
  // A batch's records are filled again: what a field left unset held (the
  // IPv4 of an IPv6 side, pid when there is none) is no part of the row.
  auto meaning = [](pfirewall::ParsedRow r) {
    if (r.src_v6) r.src_v4 = 0;
    if (r.dst_v6) r.dst_v4 = 0;
    if (!r.has_pid) r.pid = 0;
    return fmt::format("{} {} {}", DescribeRow(r),
                       r.src_v6 ? fmt::format("{}", fmt::join(r.src_v6_bytes, ".")) : "",
                       r.dst_v6 ? fmt::format("{}", fmt::join(r.dst_v6_bytes, ".")) : "");
  };
  const pfirewall::FastLayout layout{true, false, 17};
  for (const Scanners& scan : scanners) {
    for (size_t capacity : {1, 3, 32}) {
      const char* p = text.data();
      const char* end = p + text.size();
      pfirewall::FastCache rows_cache, fast_cache;
      std::vector<pfirewall::ParsedRow> rows(capacity);
      size_t read = 0;
      size_t stops = 0;
      while (p < end) {
        const pfirewall::ScannedRows got =
            scan.rows(p, end, layout, rows_cache, rows.data(), capacity);
        ASSERT_LE(got.rows, capacity);
        const char* q = p;
        for (size_t i = 0; i < got.rows; ++i) {
          pfirewall::ParsedRow row;
          bool parsed = false;
          const size_t length = scan.fast(q, end, layout, fast_cache, row, parsed);
          ASSERT_TRUE(parsed) << std::string_view(q, 40);
          ASSERT_EQ(meaning(row), meaning(rows[i]));
          q += length + 1;
        }
        ASSERT_EQ(size_t(q - p), got.bytes);
        read += got.rows;
        p = q;
        if (got.rows == capacity || p >= end) continue;
        ++stops;
        pfirewall::ParsedRow row;
        bool parsed = false;
        const size_t length = scan.fast(p, end, layout, fast_cache, row, parsed);
        ASSERT_FALSE(parsed);
        ASSERT_EQ(length, got.next_length) << std::string_view(p, 40);
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
        p = nl + 1;
      }
      EXPECT_GT(read, 500u);  // both kinds seen, many times
      EXPECT_GT(stops, 100u);
    }
  }
}

// The second thread (pfirewall_batch.cc) must only change the speed too: a
// log of the rows above and their mutations, with #Fields lines that change
// the layout here and there (so some come in the part the reader's own
// thread reads, some in the part read ahead), blank lines and a
// reordered header, reads as the general path reads it line by line,
// whatever the pieces it comes in.
// The rows above and their mutations, with #Fields lines that change the
// layout here and there, blank lines and a reordered header.
std::vector<std::string> MutatedLog() {
  const std::vector<std::string> headers = {
      kSampleHeaders[1][0], kSampleHeaders[2][0],
      "#Fields: time date action protocol dst-ip src-ip dst-port src-port size tcpflags tcpsyn "
      "tcpack tcpwin icmptype icmpcode info path",
      "#Fields: date time protocol src-ip",  // unusable: rows skipped
      "", "#Version: 1.5"};
  std::vector<std::string> lines;
  uint64_t random = 7;
  auto below = [&random](uint64_t n) {
    random = random * 6364136223846793005ULL + 1442695040888963407ULL;
    return (random >> 33) % n;
  };
  for (const std::string& row : kSampleRows) {
    for (size_t at = 0; at < row.size(); ++at) {
      for (char byte : kMutationBytes) {
        std::string changed = row;
        changed[at] = byte;
        lines.push_back(changed);
        for (uint64_t n = below(4); n > 0; --n) lines.push_back(kSampleRows[below(7)]);
        if (below(300) == 0) lines.push_back(headers[below(headers.size())]);
      }
    }
  }
  return lines;
}

TEST(PfirewallReader, TwoThreadsAgreeWithOne) {
  const std::vector<std::string> lines = MutatedLog();
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  const std::vector<std::string> expected = ReadLines(lines, false);
  ASSERT_GT(text.size(), size_t{1} << 20);  // more than one piece
  EXPECT_EQ(ReadWithThreads(text, text.size(), 0), expected);
  for (size_t chunk : {text.size(), size_t{300000}, size_t{65536}, size_t{4093}}) {
    EXPECT_EQ(ReadWithThreads(text, chunk, 1), expected) << "chunk " << chunk;
  }
}

// A file larger than a window is mapped a window ahead on a thread of its
// own (mapped_windows.cc); windows end anywhere in a line, and pieces of a
// window go to one or two threads. Whatever the sizes, it reads as the text.
TEST(PfirewallReader, ReadsAFileThroughManyWindows) {
  const std::vector<std::string> lines = MutatedLog();
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  const std::string path =
      (std::filesystem::temp_directory_path() / fmt::format("highport_windows_{}.log", ::getpid()))
          .string();
  std::ofstream(path, std::ios::binary) << text;
  const std::vector<std::string> expected = ReadWithThreads(text, text.size(), 0);
  struct Sizes {
    uint64_t window;
    size_t chunk, parallel_min;
  };
  for (const Sizes& sizes : {Sizes{12288, 4093, 0}, Sizes{65536, size_t{4} << 20, 1024},
                             Sizes{uint64_t{1} << 20, 300000, 1}}) {
    CollectingSink sink;
    Diagnostics diagnostics;
    PfirewallFileOptions options;
    options.window_size = sizes.window;
    options.chunk_size = sizes.chunk;
    options.parallel_min = sizes.parallel_min;
    Result<PfirewallStats> stats = ReadPfirewallFile(path, sink, diagnostics, options);
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->bytes, text.size());
    for (FlowObservation& f : sink.flows) f.source.file = "fw.log";
    std::vector<std::string> got = Summary(sink, diagnostics, *stats);
    for (std::string& line : got) {
      for (size_t at; (at = line.find(path)) != std::string::npos;) line.replace(at, path.size(), "fw.log");
    }
    EXPECT_EQ(got, expected) << "window " << sizes.window << ", chunk " << sizes.chunk;
  }
  std::filesystem::remove(path);
}

// A line far longer than a block (overlong, or NUL padding before more
// rows) is read on the reader's thread between runs of blocks for both.
TEST(PfirewallReader, TwoThreadsReadAroundHugeLines) {
  const std::vector<std::string> lines = MutatedLog();
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) {
    text += lines[i] + "\n";
    if (i == 3000) text += std::string(200000, 'x') + "\n";
    if (i == 9000) text += std::string(300000, '\0') + "\n";
  }
  const std::vector<std::string> expected = ReadWithThreads(text, text.size(), 0);
  EXPECT_EQ(std::count_if(expected.begin(), expected.end(),
                          [](const std::string& s) {
                            return s.find("line longer than 64 KiB") != std::string::npos;
                          }),
            1);  // the line of 'x'; the NULs say nothing
  for (size_t chunk : {text.size(), size_t{1} << 20, size_t{300000}}) {
    EXPECT_EQ(ReadWithThreads(text, chunk, 1), expected) << "chunk " << chunk;
  }
}

// Text through one LineReader with two threads, in calls of whole lines of
// about `chunk` bytes cut into blocks of `block`; the second thread calls
// `pause` before each block it reads.
std::vector<std::string> ReadWithPausingWorker(std::string_view text, size_t chunk, size_t block,
                                               std::function<void(size_t)> pause,
                                               pfirewall::LineReader::BlockCounts& counts) {
  CollectingSink sink;
  Diagnostics diagnostics;
  PfirewallStats stats;
  {
    pfirewall::LineReader reader("fw.log", sink, diagnostics, stats);
    reader.set_parallel_min(1);
    reader.set_block_size(block);
    reader.set_worker_pause(std::move(pause));
    for (size_t at = 0; at < text.size();) {
      const size_t end = text.find('\n', std::min(at + chunk, text.size()) - 1) + 1;
      reader.Lines(text.substr(at, end - at));
      at = end;
    }
    reader.Finish();
    counts = reader.block_counts();
  }
  return Summary(sink, diagnostics, stats);
}

// While the second thread is busy on the block the reader's thread must
// deliver next, the reader's thread reads later blocks ahead itself: so
// blocks are finished out of order, the ring of slots fills up, and a slot
// the second thread still fills (a block of the run before, which the
// reader's thread read itself meanwhile) is not written twice. The #Fields
// lines of the log fall in blocks of every kind, some read ahead by the
// reader's thread. All must read as the general path reads it.
TEST(PfirewallReader, ReadAheadOnEitherThreadAgrees) {
  const std::vector<std::string> lines = MutatedLog();
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  const std::vector<std::string> expected = ReadLines(lines, false);
  // Small blocks, so that a call holds many more than the ring's slots.
  for (size_t chunk : {size_t{40000}, text.size()}) {
    pfirewall::LineReader::BlockCounts counts;
    auto pause = [](size_t index) {
      if (index % 40 == 3) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    };
    EXPECT_EQ(ReadWithPausingWorker(text, chunk, 300, pause, counts), expected) << "chunk " << chunk;
    EXPECT_GT(counts.from_worker + counts.read_ahead + counts.one_by_one, 64u) << "chunk " << chunk;
  }
  // A worker that sleeps on the first block it takes: the reader's thread
  // reads ahead the blocks after it, which hold a #Fields line that changes
  // the layout, and the rows under the old layout read ahead are dropped.
  // The worker is started by a first call and given time to wait for work;
  // a busy machine may still not run it in time: bounded tries until the
  // reader's thread read ahead once.
  std::vector<std::string> fields_late;
  for (int i = 0; i < 20000; ++i) fields_late.push_back(kSampleRows[i % 7]);
  fields_late.push_back(kSampleHeaders[2][0]);
  for (int i = 0; i < 200; ++i) fields_late.push_back(kSampleRows[i % 7] + " 77");
  std::string late_text;
  for (const std::string& line : fields_late) late_text += line + "\n";
  const size_t head = late_text.find('\n', 4000) + 1;  // the first call
  const std::vector<std::string> late_expected = ReadLines(fields_late, false);
  uint64_t read_ahead = 0;
  for (int attempt = 0; attempt < 20 && read_ahead == 0; ++attempt) {
    CollectingSink sink;
    Diagnostics diagnostics;
    PfirewallStats stats;
    {
      pfirewall::LineReader reader("fw.log", sink, diagnostics, stats);
      reader.set_parallel_min(1);
      reader.set_block_size(late_text.size() / 16);
      auto armed = std::make_shared<std::atomic<bool>>(false);
      reader.set_worker_pause([armed](size_t) {
        if (armed->exchange(false)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      });
      reader.Lines(std::string_view(late_text).substr(0, head));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      armed->store(true);
      reader.Lines(std::string_view(late_text).substr(head));
      reader.Finish();
      read_ahead += reader.block_counts().read_ahead;
    }
    EXPECT_EQ(Summary(sink, diagnostics, stats), late_expected);
  }
  EXPECT_GT(read_ahead, 0u);
}

// A #Fields line voids what was read ahead under the old layout, but the
// blocks after the one that holds it are read by two threads again: the
// header at the start of every log must not leave the rest of the first
// call (a whole 4 MB log) to the reader's thread alone. Blocks read one by
// one after a layout change are not counted in block_counts(), so the
// count of blocks is what tells.
TEST(PfirewallReader, AHeaderDoesNotEndTheTwoThreads) {
  std::vector<std::string> lines = {"#Version: 1.5", "#Software: Microsoft Windows Firewall",
                                    "#Time Format: Local", kSampleHeaders[2][0]};
  for (int i = 0; i < 20000; ++i) lines.push_back(kSampleRows[i % 3] + (i % 3 == 1 ? "" : " 77"));
  lines.push_back(kSampleHeaders[1][0]);  // a second header halfway, in the same call
  for (int i = 0; i < 20000; ++i) lines.push_back(kSampleRows[i % 7]);
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  const std::vector<std::string> expected = ReadLines(lines, false);
  constexpr size_t kBlocks = 32;
  pfirewall::LineReader::BlockCounts counts;
  EXPECT_EQ(ReadWithPausingWorker(text, text.size(), text.size() / kBlocks, nullptr, counts),
            expected);
  // All but the two blocks that hold a header (read one by one from it on).
  EXPECT_GE(counts.from_worker + counts.read_ahead + counts.one_by_one, kBlocks - 2);
}

// The table of recent addresses keys on the text's 16 bytes, zeros past
// its end: addresses of every length 7-15 that are prefixes of one another
// ("1.2.3.4", "1.2.3.45", "1.2.3.456" is no address), in many orders, must
// read as the general path reads them, by ParseFast and by ScanFast.
TEST(PfirewallReader, RecentAddressesTellPrefixesApart) {
  const std::vector<std::string> addresses = {
      "1.2.3.4",        "1.2.3.45",        "1.2.3.45",        "1.2.3.255",     "1.2.3.256",
      "1.2.34.5",       "10.2.3.4",        "10.20.3.4",       "10.20.30.4",    "10.20.30.40",
      "100.20.30.40",   "100.200.30.40",   "100.200.34.40",   "100.200.255.40", "100.200.255.41",
      "100.200.255.255", "255.255.255.255", "255.255.255.25", "255.255.255.2", "255.255.25.2"};
  std::vector<std::string> lines;
  uint64_t random = 11;
  auto below = [&random](uint64_t n) {
    random = random * 6364136223846793005ULL + 1442695040888963407ULL;
    return (random >> 33) % n;
  };
  std::set<std::string> seen;
  for (int k = 0; k < 3000; ++k) {
    const std::string& src = addresses[below(addresses.size())];
    const std::string& dst = addresses[below(addresses.size())];
    seen.insert(src);
    lines.push_back(fmt::format("2024-03-01 10:00:0{} ALLOW TCP {} {} {} 135 0 - 0 0 0 - - - {}",
                                k % 10, src, dst, 50000 + k, k % 2 == 0 ? "SEND" : "RECEIVE"));
  }
  ASSERT_EQ(seen.size(), addresses.size() - 1);  // each one, many times over
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  const std::vector<std::string> expected = ReadLines(lines, false);
  EXPECT_EQ(ReadLines(lines, true), expected);
  EXPECT_EQ(ReadWithThreads(text, text.size(), 0), expected);
  // The general path too: "1.2.3.256" is no address, and its rows say so.
  EXPECT_NE(std::find_if(expected.begin(), expected.end(),
                         [](const std::string& s) { return s.find("1.2.3.256") != std::string::npos; }),
            expected.end());
}

// Numbers of one character (the size of most rows, "0") take a shortcut
// in the fast path: every such port and size, digits and not, must read as
// the general path reads them, by ParseFast and by ScanFast.
TEST(PfirewallReader, OneCharacterNumbersReadAsTheGeneralPathReadsThem) {
  const std::string characters = "0123456789-/:xA";
  std::vector<std::string> lines;
  for (char a : characters) {
    for (char b : characters) {
      lines.push_back(fmt::format("2024-03-01 10:00:00 ALLOW TCP 10.1.2.3 10.1.0.10 {} 135 {} - 0 0 0 "
                                  "- - - RECEIVE",
                                  a, b));
      lines.push_back(fmt::format("2024-03-01 10:00:01 DROP UDP 10.1.2.3 10.1.0.10 5000 {} {} - - - "
                                  "- - - - SEND",
                                  a, b));
    }
  }
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  const std::vector<std::string> expected = ReadLines(lines, false);
  EXPECT_EQ(ReadLines(lines, true), expected);
  EXPECT_EQ(ReadWithThreads(text, text.size(), 0), expected);
  // Digits and "-" read as rows; the others are bad rows (findings), read on.
  EXPECT_EQ(expected.back().substr(0, 20), "lines=450 rows=450 f") << expected.back();
}

TEST(PfirewallReader, ReadsTheStandardHeader) {
  auto r = ReadFixture("standard17.log");
  EXPECT_EQ(r->stats.lines, 16u);
  EXPECT_EQ(r->stats.rows, 11u);
  EXPECT_EQ(r->stats.flows, 7u);
  EXPECT_EQ(r->stats.dropped_packets, 3u);
  EXPECT_EQ(r->stats.lost_event_rows, 1u);
  EXPECT_EQ(r->stats.lost_events, 12u);
  EXPECT_EQ(r->stats.skipped, 0u);
  EXPECT_EQ(r->stats.headers, 1u);
  EXPECT_EQ(r->stats.version, "1.5");
  EXPECT_EQ(r->stats.software, "Microsoft Windows Firewall");
  EXPECT_TRUE(r->stats.local_time);
  ExpectRowsAddUp(r->stats);
  EXPECT_EQ(r->messages(),
            std::vector<std::string>{
                "standard17.log:3: note: timestamps are the logging host's local time without a "
                "zone (#Time Format: Local); they are read as UTC unless --log-timezone names their zone"});
  EXPECT_EQ(r->sink.lost, 12u);
  ASSERT_EQ(r->sink.lost_where.size(), 1u);
  EXPECT_EQ(r->sink.lost_where[0].ToString(), "standard17.log:15");

  const std::vector<std::string> expected = {
      "standard17.log:6 tcp 10.20.30.40:51234 -> 10.20.1.5:135 ip6 allowed conn=1 pk=1 b=0 "
      "flags=0x00 init=src/path local=src pid=- t=1678786013",
      "standard17.log:7 tcp 10.20.30.40:51235 -> 10.20.1.5:49671 ip6 allowed conn=1 pk=1 b=0 "
      "flags=0x00 init=src/path local=src pid=- t=1678786013",
      "standard17.log:8 udp [2001:db8:10:20::40]:60012 -> [2001:db8:10:1::5]:53 ip17 allowed "
      "conn=1 pk=1 b=0 flags=0x00 init=src/path local=src pid=- t=1678786014",
      "standard17.log:9 udp [fe80::1c2b:3a4d:5e6f:7081]:5353 -> [ff02::fb]:5353 ip17 dropped "
      "conn=0 pk=1 b=101 flags=0x00 init=none local=dst pid=- t=1678786015",
      "standard17.log:10 tcp 198.51.100.7:44321 -> 10.20.30.40:3389 ip6 dropped conn=0 pk=1 b=52 "
      "flags=0x02 init=none local=dst pid=- t=1678786016",
      "standard17.log:11 tcp 10.20.1.5:0 -> 10.20.30.40:0 ip1 allowed conn=1 pk=1 b=0 "
      "flags=0x00 init=src/path local=dst pid=- t=1678786017",
      // Windows writes ICMP for ICMPv6 too: the addresses tell.
      "standard17.log:12 tcp [fe80::a:b:c:d]:0 -> [ff02::16]:0 ip58 allowed conn=1 pk=1 b=0 "
      "flags=0x00 init=src/path local=src pid=- t=1678786017",
      "standard17.log:13 tcp 10.20.30.1:0 -> 224.0.0.1:0 ip2 allowed conn=1 pk=1 b=0 "
      "flags=0x00 init=src/path local=dst pid=- t=1678786018",
      "standard17.log:14 tcp [::1]:50001 -> [::1]:47001 ip6 allowed conn=1 pk=1 b=0 "
      "flags=0x00 init=src/path local=dst pid=- t=1678786021",
      "standard17.log:16 tcp 10.20.30.41:55000 -> 10.20.30.40:445 ip6 dropped conn=0 pk=1 b=40 "
      "flags=0x11 init=none local=dst pid=- t=1678786023",
  };
  EXPECT_EQ(DescribeAll(*r), expected);
  EXPECT_EQ(r->flow(0).first_us, 1678786013000000);
  EXPECT_EQ(r->flow(0).last_us, r->flow(0).first_us);
}

TEST(PfirewallReader, ReadsThePidField) {
  auto r = ReadFixture("pid18.log");
  EXPECT_EQ(r->stats.rows, 6u);
  EXPECT_EQ(r->stats.flows, 2u);
  EXPECT_EQ(r->stats.dropped_packets, 2u);
  EXPECT_EQ(r->stats.lost_event_rows, 2u);  // one with 17 tokens, one with 16
  EXPECT_EQ(r->stats.lost_events, 7u);
  EXPECT_EQ(r->stats.skipped, 0u);
  ExpectRowsAddUp(r->stats);
  ASSERT_EQ(r->sink.flows.size(), 4u);
  EXPECT_EQ(r->flow(0).pid, 11188u);
  EXPECT_EQ(r->flow(0).local_side, LocalSide::kSource);
  EXPECT_EQ(r->flow(1).pid, 4u);
  EXPECT_EQ(r->flow(1).tcp_flags, 0x02);
  EXPECT_EQ(r->flow(1).bytes, 64u);
  EXPECT_EQ(r->flow(2).pid, 1320u);
  EXPECT_EQ(r->flow(2).dst.port, 135);
  EXPECT_FALSE(r->flow(3).pid);  // "-"
  EXPECT_EQ(r->flow(3).src.proto, Proto::kUdp);
}

TEST(PfirewallReader, ReadsWindowsXpOpenAndClose) {
  auto r = ReadFixture("xp_open_close.log");
  EXPECT_EQ(r->stats.rows, 7u);
  EXPECT_EQ(r->stats.flows, 3u);
  EXPECT_EQ(r->stats.closes, 2u);
  EXPECT_EQ(r->stats.dropped_packets, 1u);
  EXPECT_EQ(r->stats.lost_events, 2u);
  ExpectRowsAddUp(r->stats);
  ASSERT_EQ(r->sink.flows.size(), 4u);
  // OPEN: opened by this host (path "-" in XP logs); OPEN-INBOUND: by the remote src.
  EXPECT_EQ(r->flow(0).local_side, LocalSide::kSource);
  EXPECT_EQ(r->flow(0).initiator, Initiator::kSource);
  EXPECT_EQ(r->flow(0).connections, 1u);
  EXPECT_EQ(r->flow(1).local_side, LocalSide::kDestination);
  EXPECT_EQ(r->flow(1).initiator, Initiator::kSource);
  EXPECT_EQ(r->flow(1).dst.port, 139);
  EXPECT_EQ(r->flow(2).src.proto, Proto::kUdp);
  EXPECT_EQ(r->flow(3).action, TrafficAction::kDropped);
  EXPECT_EQ(r->flow(3).ip_protocol, 1);
  EXPECT_EQ(r->flow(3).src.port, 0);
  EXPECT_EQ(r->messages().back(),
            "xp_open_close.log:8: note: 2 CLOSE row(s) (Windows XP) not read as flows: they end "
            "connections that their OPEN rows counted");
  EXPECT_EQ(r->diagnostics.skipped(), 0u);
}

TEST(PfirewallReader, ReadsAFileWithoutHeader) {
  auto r = ReadFixture("noheader.log");
  EXPECT_EQ(r->stats.rows, 4u);
  EXPECT_EQ(r->stats.flows, 2u);
  EXPECT_EQ(r->stats.dropped_packets, 1u);
  EXPECT_EQ(r->stats.lost_events, 9u);
  EXPECT_EQ(r->stats.headers, 0u);
  EXPECT_TRUE(r->stats.local_time);  // as Windows writes every log: --log-timezone converts it
  EXPECT_TRUE(r->diagnostics.empty()) << ::testing::PrintToString(r->messages());
  ASSERT_EQ(r->sink.flows.size(), 3u);
  EXPECT_FALSE(r->flow(0).pid);       // 17 tokens
  EXPECT_EQ(r->flow(1).pid, 884u);    // an 18th token is the pid
  EXPECT_EQ(r->flow(1).dst.port, 49668);
  EXPECT_EQ(r->flow(2).pid, 4u);
}

TEST(PfirewallReader, FollowsTheOrderOfFields) {
  auto r = ReadFixture("reordered_fields.log");
  EXPECT_TRUE(r->diagnostics.empty()) << ::testing::PrintToString(r->messages());
  EXPECT_FALSE(r->stats.local_time);  // #Time Format: UTC
  EXPECT_EQ(DescribeAll(*r),
            (std::vector<std::string>{
                "reordered_fields.log:4 tcp 10.1.1.1:50000 -> 10.1.1.2:5985 ip6 allowed conn=1 "
                "pk=1 b=0 flags=0x00 init=src/path local=src pid=2216 t=1735787045",
                "reordered_fields.log:5 tcp 10.1.1.9:61000 -> 10.1.1.1:5665 ip6 dropped conn=0 "
                "pk=1 b=0 flags=0x00 init=none local=dst pid=- t=1735787046"}));
}

TEST(PfirewallReader, TakesHeadersAgainInTheMiddle) {
  auto r = ReadFixture("concatenated.log");
  EXPECT_EQ(r->stats.headers, 2u);
  EXPECT_EQ(r->stats.rows, 4u);
  EXPECT_EQ(r->stats.flows, 3u);
  EXPECT_EQ(r->stats.skipped, 1u);
  ASSERT_EQ(r->sink.flows.size(), 3u);
  EXPECT_EQ(r->flow(2).pid, 676u);
  EXPECT_EQ(r->flow(2).source.line, 11u);
  // The local-time note comes once per file, the row without its pid is refused.
  EXPECT_EQ(r->messages(),
            (std::vector<std::string>{
                "concatenated.log:3: note: timestamps are the logging host's local time without "
                "a zone (#Time Format: Local); they are read as UTC unless --log-timezone names their zone",
                "concatenated.log:12: row has 17 fields, the #Fields header names 18 (a copy with "
                "its '-' fields removed?)"}));
}

TEST(PfirewallReader, ReportsBadRowsAndGoesOn) {
  auto r = ReadFixture("bad_rows.log");
  EXPECT_EQ(r->stats.rows, 12u);
  EXPECT_EQ(r->stats.skipped, 11u);
  EXPECT_EQ(r->stats.flows, 1u);
  ExpectRowsAddUp(r->stats);
  ASSERT_EQ(r->sink.flows.size(), 1u);
  EXPECT_EQ(r->flow(0).source.line, 16u);
  EXPECT_EQ(r->diagnostics.skipped(), 11u);
  std::vector<std::string> expected = {
      "bad_rows.log:3: note: timestamps are the logging host's local time without a zone (#Time "
      "Format: Local); they are read as UTC unless --log-timezone names their zone",
      "bad_rows.log:5: destination address '192.168.1.10055' is not an IP address",
      "bad_rows.log:6: destination port '70000' is not a port number",
      "bad_rows.log:7: date '2022-13-20' is not a date (YYYY-MM-DD)",
      "bad_rows.log:8: time '25:33:58' is not a time of day (HH:MM:SS)",
      "bad_rows.log:9: unknown action 'REJECT'",
      "bad_rows.log:10: row has 10 fields, the #Fields header names 17 (a copy with its '-' "
      "fields removed?)",
      "bad_rows.log:11: protocol 'XTP' is not TCP, UDP, ICMP, ICMPv6 or a number 0-255",
      "bad_rows.log:12: size 'big' is not a number",
      "bad_rows.log:13: INFO-EVENTS-LOST row without a count: info is 'many'",
      "bad_rows.log:14: row has 18 fields, the #Fields header names 17",
      "bad_rows.log:15: source address 'host.example' is not an IP address",
  };
  EXPECT_EQ(r->messages(), expected);
  EXPECT_EQ(r->diagnostics.findings()[1].id, "pfirewall.bad_address");
  EXPECT_EQ(r->diagnostics.findings()[6].id, "pfirewall.field_count");
}

TEST(PfirewallReader, RefusesTheCopyWithoutDashes) {
  auto r = ReadFixture("lossy_derivative.log");
  EXPECT_EQ(r->stats.rows, 2u);
  EXPECT_EQ(r->stats.skipped, 2u);
  EXPECT_TRUE(r->sink.flows.empty());
  EXPECT_EQ(r->messages().front(),
            "lossy_derivative.log:1: row has 10 fields, a log without #Fields has 17 (18 with "
            "pid) (a copy with its '-' fields removed?)");
}

TEST(PfirewallReader, ReadsProtocolNumbersAndFlags) {
  auto r = ReadFixture("protocols_flags.log");
  EXPECT_EQ(r->stats.dropped_packets, 4u);
  EXPECT_EQ(r->stats.flows, 3u);
  EXPECT_EQ(r->stats.skipped, 0u);
  ASSERT_EQ(r->sink.flows.size(), 7u);
  EXPECT_EQ(r->flow(0).ip_protocol, 6);
  EXPECT_EQ(r->flow(0).tcp_flags, 0x3F);  // FSRPAU
  EXPECT_EQ(r->flow(0).dst.port, 22);
  EXPECT_EQ(r->flow(0).first_us, int64_t{1709208000} * 1000000);  // 29 February 2024
  EXPECT_EQ(r->flow(1).src.proto, Proto::kUdp);
  EXPECT_EQ(r->flow(1).dst.port, 161);
  EXPECT_EQ(r->flow(2).ip_protocol, 1);
  EXPECT_EQ(r->flow(3).ip_protocol, 58);
  EXPECT_EQ(r->flow(4).ip_protocol, 47);
  EXPECT_EQ(r->flow(4).local_side, LocalSide::kUnknown);  // FORWARD
  EXPECT_EQ(r->flow(4).dst.port, 0);
  EXPECT_EQ(r->flow(5).ip_protocol, 58);
  EXPECT_EQ(r->flow(5).local_side, LocalSide::kUnknown);  // UNKNOWN
  EXPECT_EQ(r->flow(6).tcp_flags, 0x12);
  EXPECT_EQ(r->messages(),
            std::vector<std::string>{
                "protocols_flags.log:8: note: path 'SIDEWAYS' is not SEND, RECEIVE, FORWARD or "
                "UNKNOWN; which side is local is left open"});
}

TEST(PfirewallReader, SkipsRowsUnderAnUnusableHeader) {
  auto r = ReadFixture("bad_fields.log");
  EXPECT_EQ(r->stats.rows, 3u);
  EXPECT_EQ(r->stats.skipped, 2u);
  EXPECT_EQ(r->stats.flows, 1u);
  ASSERT_EQ(r->sink.flows.size(), 1u);
  EXPECT_EQ(r->flow(0).src.ToString(), "10.0.0.1:40002");
  std::vector<std::string> messages = r->messages();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0],
            "bad_fields.log:1: #Fields names no src-ip: the rows up to the next #Fields line "
            "are skipped");
  EXPECT_EQ(messages[1], "bad_fields.log:2: no usable #Fields header above this row");
}

TEST(PfirewallReader, CrlfBomAndNulPaddingReadLikeThePlainFile) {
  auto plain = ReadFixture("standard17.log");
  auto padded = ReadFixture("crlf_bom_nul.log");
  EXPECT_EQ(padded->stats.encoding, text::Encoding::kUtf8);
  EXPECT_EQ(padded->stats.lines, plain->stats.lines);
  EXPECT_EQ(padded->stats.rows, plain->stats.rows);
  EXPECT_EQ(padded->stats.skipped, 0u);
  EXPECT_EQ(DescribeAll(*padded, false), DescribeAll(*plain, false));
  EXPECT_EQ(padded->diagnostics.findings().size(), plain->diagnostics.findings().size());
}

TEST(PfirewallReader, DecodesUtf16WithBom) {
  auto plain = ReadFixture("pid18.log");
  for (const char* name : {"utf16le_bom.log", "utf16be_bom.log"}) {
    auto wide = ReadFixture(name);
    EXPECT_EQ(wide->stats.encoding, name[5] == 'l' ? text::Encoding::kUtf16Le
                                                   : text::Encoding::kUtf16Be)
        << name;
    EXPECT_EQ(wide->stats.rows, plain->stats.rows) << name;
    EXPECT_EQ(wide->stats.lost_events, plain->stats.lost_events) << name;
    EXPECT_EQ(DescribeAll(*wide, false), DescribeAll(*plain, false)) << name;
  }
}

TEST(PfirewallReader, ChunksGiveTheSameResultAsWholeText) {
  for (const char* name : kAllFixtures) {
    auto whole = ReadFixture(name);
    for (size_t chunk : {1, 2, 3, 5, 7, 64, 4096}) {
      auto chunked = ReadFixture(name, chunk);
      EXPECT_EQ(DescribeAll(*chunked), DescribeAll(*whole)) << name << " chunk " << chunk;
      EXPECT_EQ(chunked->messages(), whole->messages()) << name << " chunk " << chunk;
      EXPECT_EQ(chunked->stats.rows, whole->stats.rows) << name << " chunk " << chunk;
      EXPECT_EQ(chunked->stats.lines, whole->stats.lines) << name << " chunk " << chunk;
      EXPECT_EQ(chunked->sink.lost, whole->sink.lost) << name << " chunk " << chunk;
    }
  }
}

TEST(PfirewallReader, ReadsFilesInChunks) {
  auto whole = ReadFixture("standard17.log");
  for (size_t chunk : {size_t{3}, size_t{1} << 20}) {
    CollectingSink sink;
    Diagnostics diagnostics;
    Result<PfirewallStats> stats =
        ReadPfirewallFileChunked(kFixtures + "standard17.log", chunk, sink, diagnostics);
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->rows, whole->stats.rows);
    EXPECT_EQ(stats->bytes, FixtureBytes("standard17.log").size());
    ASSERT_EQ(sink.flows.size(), whole->sink.flows.size());
    EXPECT_EQ(sink.flows[3].source.ToString(), kFixtures + "standard17.log:9");
  }
  CollectingSink sink;
  Diagnostics diagnostics;
  Result<PfirewallStats> missing = ReadPfirewallFile("/nonexistent/pfirewall.log", sink,
                                                     diagnostics);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "/nonexistent/pfirewall.log: No such file or directory");
}

TEST(PfirewallReader, CutAtEveryLengthDoesNotCrash) {
  for (const char* name : kAllFixtures) {
    std::string bytes = FixtureBytes(name);
    for (size_t length = 0; length <= bytes.size(); ++length) {
      auto r = ReadText(std::string_view(bytes).substr(0, length), name);
      ExpectRowsAddUp(r->stats);
      for (const FlowObservation& f : r->sink.flows) {
        ASSERT_GE(f.source.line, 1u);
        ASSERT_LE(f.source.line, r->stats.lines);
      }
    }
  }
}

TEST(PfirewallReader, SkipsOverlongLinesAndIgnoresNulPadding) {
  std::string row = "2024-01-01 00:00:00 ALLOW TCP 10.0.0.1 10.0.0.2 40000 80 0 - 0 0 0 - - - SEND\n";
  std::string text = row + std::string(70000, 'x') + "\n" + row + std::string(300000, '\0');
  for (size_t chunk : {size_t{0}, size_t{4096}}) {
    auto r = ReadText(text, "long.log", chunk);
    EXPECT_EQ(r->stats.flows, 2u);
    EXPECT_EQ(r->stats.skipped, 1u);
    EXPECT_EQ(r->messages(),
              std::vector<std::string>{"long.log:2: line longer than 64 KiB; skipped"});
  }
}

TEST(PfirewallReader, ListsTheFirstHundredFindingsOfAKind) {
  std::string text;
  for (int i = 0; i < 250; ++i) {
    text += "2024-01-01 00:00:00 ALLOW TCP 10.0.0.1 10.0.0.256 40000 80 0 - 0 0 0 - - - SEND\n";
  }
  auto r = ReadText(text, "many.log");
  EXPECT_EQ(r->stats.skipped, 250u);
  ASSERT_EQ(r->diagnostics.findings().size(), 101u);
  EXPECT_EQ(r->messages().back(),
            "many.log:101: 150 more row(s) skipped for this reason after the first 100, not "
            "listed one by one");
}

// The real samples of ../shared/corpus/pfirewall (see PROVENANCE.md). The
// expected counts come from awk, not from this reader:
//   rows:  awk 'NF>0 && $1 !~ /^#/' F | wc -l
//   allow: awk '$3=="ALLOW"' F | wc -l        drop: awk '$3=="DROP"' F | wc -l
//   lost:  awk '$3=="INFO-EVENTS-LOST"{n++; s+=$16} END{print n, s}' F
//   bad:   grep -c '192\.168\.1\.10055' F    (all 17 are DROP rows:
//          grep '192\.168\.1\.10055' F | awk '$3=="DROP"' | wc -l)
struct CorpusCase {
  const char* file;
  uint64_t rows, allow, drop, lost_rows, lost_events, skipped;
};

void PrintTo(const CorpusCase& c, std::ostream* os) { *os << c.file; }

class PfirewallCorpus : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(PfirewallCorpus, CountsMatchAwk) {
  const CorpusCase& c = GetParam();
  std::string path = kCorpus + c.file;
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "../shared/corpus is not here; corpus test skipped";
  }
  CollectingSink sink;
  Diagnostics diagnostics;
  Result<PfirewallStats> stats = ReadPfirewallFile(path, sink, diagnostics);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->rows, c.rows);
  EXPECT_EQ(stats->flows, c.allow);
  EXPECT_EQ(stats->dropped_packets, c.drop - c.skipped);
  EXPECT_EQ(stats->lost_event_rows, c.lost_rows);
  EXPECT_EQ(stats->lost_events, c.lost_events);
  EXPECT_EQ(sink.lost, c.lost_events);
  EXPECT_EQ(stats->skipped, c.skipped);
  EXPECT_EQ(stats->headers, 1u);
  EXPECT_TRUE(stats->local_time);
  ExpectRowsAddUp(*stats);
  for (const Finding& f : diagnostics.findings()) {
    if (f.severity != Finding::Severity::kNote) {
      EXPECT_EQ(f.id, "pfirewall.bad_address");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Real, PfirewallCorpus,
    ::testing::Values(CorpusCase{"betahydri_pfirewall.log", 16809, 5119, 11688, 2, 8, 0},
                      CorpusCase{"pmbibe_pfirewall.log", 46405, 38199, 8205, 1, 4, 0},
                      CorpusCase{"rafaelnett_pfirewall_lab_vm.log", 267, 211, 56, 0, 0, 17},
                      CorpusCase{"wykesprojects_pfirewall_SYNTHETIC.log", 120, 60, 60, 0, 0, 0}),
    [](const ::testing::TestParamInfo<CorpusCase>& info) {
      std::string name = info.param.file;
      return name.substr(0, name.find('_'));
    });

}  // namespace
}  // namespace highport::ingest
