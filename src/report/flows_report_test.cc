#include "report/flows_report.h"

#include <gtest/gtest.h>

#include <random>

#include "analysis/testing.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "report/flows_summary.h"
#include "report/table.h"
#include "report/testing_time.h"
#include "text/json_text.h"
#include "text/strings.h"

namespace highport::report {
namespace {

// What FormatTime printed before it computed the date itself.
using testing::ByGmtime;

TEST(FormatTime, EqualsGmtimeAtTheEdgesAndAtRandom) {
  EXPECT_EQ(FormatTime(0), "1970-01-01 00:00:00");
  EXPECT_EQ(FormatTime(951'782'400'000'000), "2000-02-29 00:00:00");  // a leap day of a century
  EXPECT_EQ(FormatTime(253'402'300'799'999'999), "9999-12-31 23:59:59");
  const int64_t edges[] = {0, 1, 999'999, 1'000'000, 86'399'999'999, 86'400'000'000,
                           951'868'799'000'000, 4'107'542'399'000'000,  // 2100-02-28 23:59:59
                           253'402'300'799'999'999, 253'402'300'800'000'000,  // year 10000
                           -1, -1'000'000, -86'400'000'001, INT64_MAX / 2};
  for (int64_t us : edges) EXPECT_EQ(FormatTime(us), ByGmtime(us)) << us;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const int64_t us = static_cast<int64_t>(rng() % 253'402'300'800'000'000ULL);
    ASSERT_EQ(FormatTime(us), ByGmtime(us)) << us;
  }
}

TEST(CsvRow, QuotesOnlyWhatNeedsIt) {
  std::string out = "x\r\n";
  AppendCsvRow(out, {"", "plain", "a,b", "\"", "cr\r", "lf\n"});
  EXPECT_EQ(out, "x\r\n,plain,\"a,b\",\"\"\"\",\"cr\r\",\"lf\n\"\r\n");
  EXPECT_EQ(CsvField("10.0.0.1"), "10.0.0.1");
}

// What FlowsCsv wrote before it streamed: a vector of field strings per row.
std::string CsvByFields(const FlowsReport& r) {
  std::string out = CsvRow({"class", "client", "server", "proto", "port", "dynamic", "server_by",
                            "what", "first_seen", "last_seen", "connections", "allowed", "dropped",
                            "attempts", "packets", "bytes", "evidence"});
  for (const analysis::FlowEntry& e : r.flows) {
    std::vector<std::string> evidence;
    for (const SourceRef& s : e.evidence) evidence.push_back(s.ToString());
    std::string what;
    if (!e.interfaces.empty()) {
      what = fmt::format("RPC: {}", fmt::join(e.interfaces, ", "));
    } else if (!e.service.empty()) {
      what = e.service;
    } else if (auto o = r.owners.find({e.key.server, e.key.proto, e.key.port}); o != r.owners.end()) {
      what = o->second;
    }
    AppendCsvRow(out, {std::string(analysis::FlowClassName(e.flow_class)), e.key.client.ToString(),
                       e.key.server.ToString(), std::string(ProtoName(e.key.proto)),
                       std::to_string(e.key.port), e.dynamic ? "yes" : "no",
                       std::string(analysis::ServerRuleName(e.rule)), what, FormatTime(e.first_us),
                       FormatTime(e.last_us), std::to_string(e.connections), std::to_string(e.allowed),
                       std::to_string(e.dropped), std::to_string(e.attempts), std::to_string(e.packets),
                       std::to_string(e.bytes), fmt::format("{}", fmt::join(evidence, " "))});
  }
  return out;
}

// Two interfaces on port 49701 of `server`, one with an annotation a CSV
// field must quote.
void RegisterTwoInterfaces(analysis::FlowTable& table, const char* server) {
  RpcRegistration r;
  r.uuid = "12345678-1234-abcd-ef00-01234567cffb";
  r.version_major = 1;
  r.protocol = "ncacn_ip_tcp";
  r.endpoint = Endpoint{*IpAddress::Parse(server), Proto::kTcp, 49701};
  table.OnRpcRegistration(r);
  r.uuid = "aaaaaaaa-1234-abcd-ef00-01234567cffb";
  r.annotation = "Frs2 \"Service\", with a comma";
  table.OnRpcRegistration(r);
}

void Feed(analysis::FlowTable& table) {
  FlowObservation f;
  f.ip_protocol = 6;
  f.connections = 1;
  f.packets = 3;
  f.bytes = 180;
  for (int i = 0; i < 300; ++i) {
    f.src = {IpAddress::V4(0x0a000200u + static_cast<uint32_t>(i % 11)), Proto::kTcp,
             static_cast<uint16_t>(50000 + i)};
    f.dst = {*IpAddress::Parse(i % 2 ? "10.0.0.5" : "fd00::5"), Proto::kTcp,
             static_cast<uint16_t>(i % 4 == 0 ? 445 : 49700 + i % 7)};
    f.action = i % 9 == 0 ? TrafficAction::kDropped : TrafficAction::kAllowed;
    f.first_us = f.last_us = (1'700'000'000 + i) * int64_t{1'000'000};
    // File names a CSV field must quote and a JSON string must escape; and
    // pairs of one length (8 to 32 bytes: the writers compare those inline
    // with the last one) that differ only inside, one of them to quote.
    const char* files[] = {"pfirewall.log", "a,b.log", "say \"hi\".log", "Protokoll-ä.log",
                           "tab\there.log", "fw-2024-03-01-a,b.log", "fw-2024-03-01-a_b.log",
                           "logs/firewall/pfirewall-1\".log", "logs/firewall/pfirewall-1_.log"};
    f.source = {files[i % 9], static_cast<uint64_t>(i) + 1, 0, 0};
    table.OnFlow(f);
  }
  RegisterTwoInterfaces(table, "10.0.0.5");
}

// From kSummaryThreadMin flows on, the per-server summaries are gathered on
// a second thread beside the writer: the same text as the tree's, which
// gathers them on its own, for records and compact flows.
TEST(FlowsReport, SummariesGatheredBesideTheWriterAgree) {
  analysis::FlowTable records_table(analysis::testing::TestCatalog(), {});
  analysis::FlowTable compact_table(analysis::testing::TestCatalog(), {});
  for (analysis::FlowTable* table : {&records_table, &compact_table}) {
    FlowObservation f;
    f.ip_protocol = 6;
    f.connections = 1;
    f.packets = 2;
    f.bytes = 120;
    f.action = TrafficAction::kAllowed;
    for (uint32_t i = 0; i < 3 * kSummaryThreadMin; ++i) {
      f.src = {IpAddress::V4(0x0a010000u + i % 1500), Proto::kTcp, static_cast<uint16_t>(50000 + i % 9000)};
      f.dst = {IpAddress::V4(0x0a000005u + i % 13), Proto::kTcp,
               static_cast<uint16_t>(i % 5 == 0 ? 445 : 49700 + i % 61)};
      f.first_us = f.last_us = (1'700'000'000 + i) * int64_t{1'000'000};
      f.source = {"pfirewall.log", i + 1, 0, 0};
      table->OnFlow(f);
    }
    RegisterTwoInterfaces(*table, "10.0.0.5");
  }
  FlowsReport records;
  records.flows = records_table.Finish();
  const analysis::FinishedFlows compact = compact_table.FinishCompact();
  FlowsReport streamed;
  streamed.compact = &compact;
  ASSERT_GE(compact.size(), kSummaryThreadMin);
  ASSERT_EQ(compact.size(), records.flows.size());
  const Diagnostics none;
  const std::string json = FlowsJson(records, none).dump(2) + "\n";
  EXPECT_EQ(FlowsJsonText(streamed, none), json);
  EXPECT_EQ(FlowsJsonText(records, none), json);
  const std::string table = FlowsTable(streamed);
  EXPECT_EQ(table, FlowsTable(records));
  EXPECT_NE(table.find("Per server:"), std::string::npos);
  EXPECT_NE(table.find(" flows between 13 servers "), std::string::npos);
}

// The streamed writers, fed the compact flows in small blocks, write what
// the tree, the per-row fields and the records wrote.
TEST(FlowsReport, StreamedWritersAgreeWithTheTreeAndTheRecords) {
  analysis::FlowTable records_table(analysis::testing::TestCatalog(), {});
  analysis::FlowTable compact_table(analysis::testing::TestCatalog(), {});
  Feed(records_table);
  Feed(compact_table);
  FlowsReport records;
  records.flows = records_table.Finish();
  const analysis::FinishedFlows compact = compact_table.FinishCompact();
  for (FlowsReport* r : {&records}) {
    r->peak_rpc_concurrency = records_table.peak_rpc_concurrency();
    r->observations = 300;
    r->lost_events = 2;
    r->skipped = 1;
    r->local_time = true;
    r->owners[{*IpAddress::Parse("10.0.0.5"), Proto::kTcp, 49703}] = "svchost.exe (Winmgmt)";
  }
  FlowsReport streamed = records;
  streamed.flows.clear();
  streamed.compact = &compact;
  ASSERT_GT(compact.size(), 20u);
  Diagnostics diagnostics;
  diagnostics.SkipLine("x.log", 3, "fw.row", "bad \"row\"");

  // Blocks handed on as they fill, the rest left in the string.
  size_t flushes = 0;
  auto Collect = [&](auto&& write) {
    std::string all;
    std::string out;
    write(out, [&](std::string& block) {
      all += block;
      block.clear();
      ++flushes;
    });
    return all + out;
  };
  const std::string csv = Collect([&](std::string& out, const FlushText& flush) {
    WriteFlowsCsv(streamed, out, flush);
  });
  EXPECT_EQ(csv, CsvByFields(records));
  EXPECT_EQ(csv, FlowsCsv(records));
  EXPECT_NE(csv.find("\"a,b.log:"), std::string::npos);
  EXPECT_NE(csv.find(",fw-2024-03-01-a_b.log:"), std::string::npos);
  EXPECT_NE(csv.find("\"fw-2024-03-01-a,b.log:"), std::string::npos);
  EXPECT_NE(csv.find("\"RPC: netlogon, Frs2 \"\"Service\"\", with a comma\""), std::string::npos);

  const std::string json = Collect([&](std::string& out, const FlushText& flush) {
    WriteFlowsJson(streamed, diagnostics, out, flush);
  });
  EXPECT_EQ(json, FlowsJson(records, diagnostics).dump(2) + "\n");
  EXPECT_EQ(json, FlowsJson(streamed, diagnostics).dump(2) + "\n");
  EXPECT_EQ(json, FlowsJsonText(records, diagnostics));
  EXPECT_NE(json.find("say \\\"hi\\\".log"), std::string::npos);
  EXPECT_NE(json.find("tab\\there.log"), std::string::npos);
  EXPECT_NE(json.find("\"owner\": \"svchost.exe (Winmgmt)\""), std::string::npos);

  const std::string table = Collect([&](std::string& out, const FlushText& flush) {
    WriteFlowsTable(streamed, out, flush);
  });
  EXPECT_EQ(table, FlowsTable(records));
  EXPECT_NE(table.find("Times are the firewall log's local time."), std::string::npos);
  EXPECT_NE(table.find("RPC: netlogon, Frs2 \"Service\", with a comma"), std::string::npos);

  // The empty report, in every format.
  analysis::FlowTable empty_table(analysis::testing::TestCatalog(), {});
  const analysis::FinishedFlows none = empty_table.FinishCompact();
  FlowsReport empty_records, empty_streamed;
  empty_streamed.compact = &none;
  const Diagnostics no_findings;
  EXPECT_EQ(Collect([&](std::string& o, const FlushText& f) {
              WriteFlowsJson(empty_streamed, no_findings, o, f);
            }),
            FlowsJson(empty_records, no_findings).dump(2) + "\n");
  EXPECT_EQ(FlowsCsv(empty_streamed), FlowsCsv(empty_records));
  EXPECT_EQ(FlowsTable(empty_streamed), FlowsTable(empty_records));
  EXPECT_GT(flushes, 0u);  // the large texts were handed on in blocks
}

// One TCP connection 10.0.0.9:50000 -> 10.0.0.5:445, its source to be set.
FlowObservation SmbConnection() {
  FlowObservation f;
  f.ip_protocol = 6;
  f.connections = 1;
  f.src = {*IpAddress::Parse("10.0.0.9"), Proto::kTcp, 50000};
  f.dst = {*IpAddress::Parse("10.0.0.5"), Proto::kTcp, 445};
  return f;
}

// The line under a problematic or low-source flow's row: its evidence,
// each file named once for the references after it that are in it too.
std::string EvidenceLine(const analysis::FlowEntry& e, size_t indent) {
  std::string line = std::string(indent, ' ') + "seen in ";
  for (size_t k = 0; k < e.evidence.size(); ++k) {
    std::string ref = e.evidence[k].ToString();
    if (k > 0 && e.evidence[k].file == e.evidence[k - 1].file) ref.erase(0, e.evidence[k].file.size());
    line += (k > 0 ? ", " : "") + ref;
  }
  return line + "\n";
}

// The table's rows as the general TableLayout lays out `cells` of each flow
// (the header line first), with each flagged flow's evidence line, to hold
// the writer's straight rows to.
template <class Cells>
std::string LaidOutRows(const std::vector<analysis::FlowEntry>& flows, Cells cells) {
  TableLayout layout({"CLASS", "CLIENT", "SERVER", "PORT", "CONNECTIONS", "FIRST SEEN",
                      "LAST SEEN", "SERVER BY", "WHAT"},
                     40);
  for (const analysis::FlowEntry& e : flows) layout.Measure(cells(e));
  std::string out;
  layout.AppendHeader(out);
  for (const analysis::FlowEntry& e : flows) {
    layout.AppendRow(cells(e), out);
    const bool flagged = e.flow_class == analysis::FlowClass::kProblematic ||
                         e.flow_class == analysis::FlowClass::kLowSource;
    if (flagged && !e.evidence.empty()) out += EvidenceLine(e, layout.widths()[0] + 2);
  }
  return out;
}

// "Problematic flows first, each with its evidence": in the table, the
// first rows or packets of a problematic or low-source flow are listed
// under its row; a fine flow's are not (JSON and CSV have them all).
TEST(FlowsReport, TableListsTheEvidenceOfFlaggedFlowsUnderTheirRow) {
  analysis::FlowTable table(analysis::testing::TestCatalog(), {});
  FlowObservation f = SmbConnection();
  f.source = {"dc01/pfirewall.log", 17, 0, 0};
  table.OnFlow(f);  // fine: tcp/445
  f.dst.port = 49670;
  table.OnFlow(f);  // problematic, three references in two files
  f.source = {"dc01/pfirewall.log", 18, 0, 0};
  table.OnFlow(f);
  f.source = {"core.pcap", 0, 9, 54};
  table.OnFlow(f);
  f.dst.port = 445;
  f.src = {*IpAddress::Parse("10.0.0.7"), Proto::kTcp, 1000};  // low-source
  f.source = {"fs01/pfirewall.log", 3, 0, 0};
  table.OnFlow(f);
  FlowsReport r;
  r.flows = table.Finish();
  ASSERT_EQ(r.flows.size(), 3u);
  const std::string text = FlowsTable(r);
  const std::string problematic = "seen in dc01/pfirewall.log:17, :18, core.pcap:packet 9+54\n";
  const size_t at = text.find(problematic);
  ASSERT_NE(at, std::string::npos) << text;
  // Under its own row, indented to the CLIENT column.
  const size_t row = text.rfind("\nproblematic ", at);
  ASSERT_NE(row, std::string::npos);
  EXPECT_EQ(text.find('\n', row + 1) + 1 + std::string("problematic  ").size(), at) << text;
  EXPECT_NE(text.find("seen in fs01/pfirewall.log:3\n"), std::string::npos) << text;
  EXPECT_EQ(text.find(":17\n"), std::string::npos) << "the fine flow's evidence is listed";
  size_t lists = 0;
  for (size_t at = text.find("seen in "); at != std::string::npos; at = text.find("seen in ", at + 1)) {
    ++lists;
  }
  EXPECT_EQ(lists, 2u);
}

// With firewall rows among the evidence, the table says beside the peaks
// that a log's rows are instants; without them, or without a peak, it does not.
TEST(FlowsReport, PeaksFromFirewallRowsSayTheyAreALowerBound) {
  analysis::FlowTable table(analysis::testing::TestCatalog(), {});
  Feed(table);
  FlowsReport r;
  r.flows = table.Finish();
  r.peak_rpc_concurrency = table.peak_rpc_concurrency();
  ASSERT_FALSE(r.peak_rpc_concurrency.empty());
  const std::string note = "\"at once\" counts the\n  connections opened in the same second";
  EXPECT_EQ(FlowsTable(r).find(note), std::string::npos);
  r.instants = true;
  const std::string with = FlowsTable(r);
  const size_t at = with.find(note);
  ASSERT_NE(at, std::string::npos);
  EXPECT_LT(with.find("Per server:"), at);
  r.peak_rpc_concurrency.clear();
  EXPECT_EQ(FlowsTable(r).find(note), std::string::npos);
}

// The table's rows, written straight (AppendTableRow), as the general layout
// (TableLayout over FlowTableCells) writes them: rows with zones (which take
// the general path), cells to cut, a non-ASCII owner, a What ending in spaces.
TEST(FlowsReport, TableRowsAgreeWithTheGeneralLayout) {
  analysis::FlowTable table(analysis::testing::TestCatalog(), {});
  Feed(table);
  FlowObservation f = SmbConnection();
  f.src.address = *IpAddress::Parse("fe80::1%eth0");
  table.OnFlow(f);
  f = SmbConnection();
  f.dst.port = 49777;
  f.action = TrafficAction::kDropped;
  for (int i = 0; i < 3; ++i) table.OnFlow(f);
  f.dst.port = 49778;
  f.connections = 0;
  f.packets = 1;
  f.ip_protocol = 17;  // udp: a second protocol on the server
  f.src.proto = f.dst.proto = Proto::kUdp;
  table.OnFlow(f);
  FlowsReport r;
  r.flows = table.Finish();
  // A connection count whose cell (with the attempts) is cut at 40.
  r.flows.back().connections = UINT64_MAX;
  r.flows.back().attempts = UINT64_MAX - 1;
  r.owners[{*IpAddress::Parse("10.0.0.5"), Proto::kTcp, 49777}] = "Überwachung.exe  ";

  const std::string expected =
      LaidOutRows(r.flows, [&](const analysis::FlowEntry& e) { return FlowTableCells(e, r.owners); });

  const std::string text = FlowsTable(r);
  const size_t rows = text.find("CLASS");
  ASSERT_NE(rows, std::string::npos);
  EXPECT_EQ(text.substr(rows, expected.size()), expected);
  EXPECT_NE(text.find("fe80::1%eth0"), std::string::npos);
  EXPECT_NE(text.find("…"), std::string::npos);
  EXPECT_NE(text.find("Überwachung.exe\n"), std::string::npos);
}

// The writers keep the last server's text: addresses of one family after
// the other with the same bytes (10.0.0.5 and a00:5::) must not share it.
TEST(FlowsReport, KeptServerTextIsOnlyTheSameAddresses) {
  analysis::FlowTable table(analysis::testing::TestCatalog(), {});
  FlowObservation f = SmbConnection();
  // Sorted by server: the last IPv4 server, then the first IPv6 one.
  const char* servers[][2] = {{"10.0.0.4", "10.0.0.9"}, {"10.0.0.5", "10.0.0.9"},
                              {"a00:5::", "a00:9::"}, {"a00:6::", "a00:9::"}};
  for (const auto& [server, client] : servers) {
    f.dst.address = *IpAddress::Parse(server);
    f.src.address = *IpAddress::Parse(client);
    table.OnFlow(f);
  }
  FlowsReport r;
  r.flows = table.Finish();
  const Diagnostics none;
  const std::string csv = FlowsCsv(r);
  EXPECT_EQ(csv, CsvByFields(r));
  EXPECT_EQ(FlowsJsonText(r, none), FlowsJson(r, none).dump(2) + "\n");
  const std::string text = FlowsTable(r);
  for (const char* server : {"10.0.0.4", "10.0.0.5", "a00:5::", "a00:6::"}) {
    EXPECT_NE(csv.find(std::string(",") + server + ",tcp,445,"), std::string::npos) << server;
    EXPECT_NE(text.find(std::string("  ") + server + "  "), std::string::npos) << server;
  }
}

// Evidence as the streamed CSV writes it, against SourceRef::ToString().
TEST(FlowsReport, CsvEvidenceIsSourceRefToString) {
  analysis::FlowTable table(analysis::testing::TestCatalog(), {});
  FlowObservation f = SmbConnection();
  const SourceRef refs[] = {{"w.pcap", 5, UINT64_MAX, UINT64_MAX}, {"c.pcap", 0, 7, 40},
                            {"n", 0, 0, 0}, {"f.log", 12, 0, 0}};
  std::string expected;
  for (const SourceRef& s : refs) {
    f.source = s;
    table.OnFlow(f);
  }
  for (size_t i = 0; i < 3; ++i) expected += (i ? " " : "") + refs[i].ToString();
  FlowsReport r;
  r.flows = table.Finish();
  const std::string csv = FlowsCsv(r);
  EXPECT_NE(csv.find("," + expected + "\r\n"), std::string::npos) << csv;
  EXPECT_EQ(SourceRef({"w.pcap", 5, UINT64_MAX, UINT64_MAX}).ToString(),
            "w.pcap:packet 18446744073709551615+18446744073709551615");
}

// A file name is whatever bytes the file system holds: one that is no UTF-8
// (Latin-1 "bad\xe9.log") used to abort the JSON writer (nlohmann type_error
// 316). Both JSON writers now write U+FFFD for the byte and agree.
TEST(FlowsReport, JsonWritesAFileNameThatIsNoUtf8WithAReplacementCharacter) {
  analysis::FlowTable table(analysis::testing::TestCatalog(), {});
  FlowObservation f = SmbConnection();
  f.source = {"bad\xe9.log", 12, 0, 0};
  table.OnFlow(f);
  FlowsReport r;
  r.flows = table.Finish();
  Diagnostics diagnostics;
  std::string json;
  ASSERT_NO_THROW(json = FlowsJsonText(r, diagnostics));
  EXPECT_NE(json.find("\"bad\xef\xbf\xbd.log:12\""), std::string::npos) << json;
  EXPECT_EQ(json, text::JsonText(FlowsJson(r, diagnostics), 2) + "\n");
}

// The table's cells of a record, by hand: ToString(), FormatTime(), fmt.
std::vector<std::string> CellsByHand(const analysis::FlowEntry& e, const ListenerOwners& owners) {
  std::string connections = std::to_string(e.connections);
  if (e.attempts > 0) {
    connections += fmt::format(" (+{} {})", e.attempts, e.dropped > 0 ? "dropped" : "unanswered");
  }
  std::string what;
  if (!e.interfaces.empty()) {
    what = fmt::format("RPC: {}", fmt::join(e.interfaces, ", "));
  } else if (!e.service.empty()) {
    what = e.service;
  } else if (auto o = owners.find({e.key.server, e.key.proto, e.key.port}); o != owners.end()) {
    what = o->second;
  }
  return {std::string(analysis::FlowClassName(e.flow_class)), e.key.client.ToString(),
          e.key.server.ToString(), fmt::format("{}/{}", ProtoName(e.key.proto), e.key.port),
          connections, FormatTime(e.first_us), FormatTime(e.last_us),
          std::string(analysis::ServerRuleName(e.rule)), what};
}

// The writers read the compact flows through FinishedFlows::View() and
// Evidence(), never a built record: what they write must be what the
// records (Finish()) give the tree, the per-row fields and a table laid out
// from cells made by hand. Flows with 1 and 3 evidence records, wide
// evidence (line, packet and offset), interfaces, a service, neither, an
// owner, IPv6 with zones (the table's general layout, the summaries' sets);
// and records with no evidence, which take the same code through FlowRef::Of.
TEST(FlowsReport, RowsThroughTheViewAgreeWithTheRecords) {
  auto feed = [](analysis::FlowTable& table, bool zones) {
    FlowObservation f = SmbConnection();  // 445: the catalog's SMB
    f.source = {"one.log", 4, 0, 0};
    table.OnFlow(f);  // one evidence record
    f.dst.port = 49701;  // interfaces (registered below)
    for (const SourceRef& s : {SourceRef{"w,1.pcap", 5, 7, uint64_t{1} << 40},
                               SourceRef{"c.pcap", 0, 7, 40}, SourceRef{"f \"q\".log", 12, 0, 0},
                               SourceRef{"dropped.log", 13, 0, 0}}) {
      f.source = s;
      table.OnFlow(f);  // three kept, the fourth not
    }
    f.dst.port = 49703;  // neither: an owner names it
    f.source = {"packets.pcap", 0, UINT64_MAX, 65535};
    table.OnFlow(f);
    f.dst.port = 49704;  // nothing at all
    f.action = TrafficAction::kDropped;
    f.source = {"Protokoll-ä.log", 9, 0, 0};
    table.OnFlow(f);
    f.src.address = *IpAddress::Parse("2001:db8::9");
    f.dst.address = *IpAddress::Parse("2001:db8::5");
    table.OnFlow(f);
    if (zones) {
      f = SmbConnection();
      f.src.address = *IpAddress::Parse("fe80::9%eth0");
      f.dst.address = *IpAddress::Parse("fe80::5%lö");
      f.source = {"zoned.pcap", 0, 3, 2};
      table.OnFlow(f);
      f.dst.port = 49701;
      table.OnFlow(f);
    }
    RegisterTwoInterfaces(table, "10.0.0.5");
    if (zones) RegisterTwoInterfaces(table, "fe80::5%lö");
  };
  const Diagnostics none;
  for (bool zones : {false, true}) {
    SCOPED_TRACE(zones ? "with zones" : "without zones");
    analysis::FlowTable records_table(analysis::testing::TestCatalog(), {});
    analysis::FlowTable compact_table(analysis::testing::TestCatalog(), {});
    feed(records_table, zones);
    feed(compact_table, zones);
    FlowsReport records;
    records.flows = records_table.Finish();
    records.owners[{*IpAddress::Parse("10.0.0.5"), Proto::kTcp, 49703}] = "svchost.exe (Winmgmt)";
    const analysis::FinishedFlows compact = compact_table.FinishCompact();
    FlowsReport viewed = records;
    viewed.flows.clear();
    viewed.compact = &compact;
    size_t one = 0, three = 0, wide = 0, interfaces = 0, service = 0, neither = 0, zoned = 0;
    for (const analysis::FlowEntry& e : records.flows) {
      one += e.evidence.size() == 1;
      three += e.evidence.size() == 3;
      for (const SourceRef& s : e.evidence) wide += s.line != 0 && s.packet != 0 && s.offset != 0;
      interfaces += !e.interfaces.empty();
      service += !e.service.empty();
      neither += e.interfaces.empty() && e.service.empty();
      zoned += !e.key.client.zone().empty();
    }
    EXPECT_GT(one, 0u);
    EXPECT_GT(three, 0u);
    EXPECT_GT(wide, 0u);
    EXPECT_GT(interfaces, 0u);
    EXPECT_GT(service, 0u);
    EXPECT_GT(neither, 0u);
    EXPECT_EQ(zoned > 0, zones);

    EXPECT_EQ(FlowsCsv(viewed), CsvByFields(records));
    EXPECT_EQ(FlowsJsonText(viewed, none), FlowsJson(records, none).dump(2) + "\n");
    EXPECT_EQ(ServerSummaries(viewed), ServerSummariesBySets(records));
    const std::string expected = LaidOutRows(
        records.flows, [&](const analysis::FlowEntry& e) { return CellsByHand(e, records.owners); });
    const std::string text = FlowsTable(viewed);
    const size_t rows = text.find("CLASS");
    ASSERT_NE(rows, std::string::npos);
    EXPECT_EQ(text.substr(rows, expected.size()), expected);
    EXPECT_EQ(text, FlowsTable(records));
    EXPECT_EQ(text.find("fe80::5%lö") != std::string::npos, zones);

    // Records without evidence (FlowRef::Of), beside the rest.
    for (analysis::FlowEntry& e : records.flows) e.evidence.clear();
    EXPECT_EQ(FlowsCsv(records), CsvByFields(records));
    EXPECT_EQ(FlowsJsonText(records, none), FlowsJson(records, none).dump(2) + "\n");
    EXPECT_NE(FlowsJsonText(records, none).find("\"evidence\": [],"), std::string::npos);
  }
}

// A table laid out from measured rows is TextTable's, cut cells and all.
TEST(TableLayout, LaysOutAsTextTableDoes) {
  const std::vector<std::vector<std::string>> rows = {
      {"ABHÖREN", "a long cell that will be cut", "x"}, {"", "b", "the last column runs on and on"}, {"1"}};
  TextTable table({"STATE", "CELL", "LAST"}, 12);
  TableLayout layout({"STATE", "CELL", "LAST"}, 12);
  for (const auto& row : rows) {
    table.AddRow(row);
    layout.Measure(row);
  }
  std::string out;
  layout.AppendHeader(out);
  for (const auto& row : rows) layout.AppendRow(row, out);
  EXPECT_EQ(out, table.Render());
  EXPECT_NE(out.find("a long cell…"), std::string::npos);
}

}  // namespace
}  // namespace highport::report

namespace highport::report {
namespace {

// The table's first pass measures widths without making the cells: they
// must be the cells' widths, for every kind of cell.
TEST(FlowTableWidths, EqualTheCellsWidths) {
  std::mt19937_64 rng(23);
  const std::vector<std::string> names = {"", "MS-DRSR", "Überwachung (ABHÖREN)", "svchost.exe",
                                          std::string(60, 'x') + "…é", "a,b \"q\""};
  ListenerOwners owners;
  owners[{IpAddress::V4(0x0a000001), Proto::kTcp, 49152}] = "svchost.exe (Winmgmt) ÄÖÜ";
  for (int i = 0; i < 20000; ++i) {
    analysis::FlowEntry e;
    auto address = [&](IpAddress& a) {
      switch (rng() % 4) {
        case 0: a = IpAddress::V4(static_cast<uint32_t>(rng())); break;
        case 1: a = IpAddress::V4(0x0a000001); break;
        case 2: {
          std::array<uint8_t, 16> b{};
          for (auto& byte : b) byte = rng() % 3 == 0 ? static_cast<uint8_t>(rng()) : 0;
          a = IpAddress::V6(b);
          break;
        }
        default: {
          std::array<uint8_t, 16> b{0xfe, 0x80};
          b[15] = 1;
          a = IpAddress::V6(b, rng() % 2 ? "eth0" : "lö");
        }
      }
    };
    address(e.key.client);
    address(e.key.server);
    e.key.proto = rng() % 2 ? Proto::kTcp : Proto::kUdp;
    e.key.port = rng() % 2 ? 49152 : static_cast<uint16_t>(rng());
    e.connections = rng() >> (rng() % 64);
    e.attempts = rng() % 2 ? 0 : rng() >> (rng() % 64);
    e.dropped = rng() % 2;
    const int64_t times[] = {0, -1, -2'000'000, 1'700'000'000'000'000,
                             253'402'300'800'000'000, INT64_MAX, INT64_MIN,
                             static_cast<int64_t>(rng() >> 8)};
    e.first_us = times[rng() % std::size(times)];
    e.last_us = times[rng() % std::size(times)];
    e.rule = static_cast<analysis::ServerRule>(rng() % analysis::kServerRules);
    e.flow_class = static_cast<analysis::FlowClass>(rng() % 4);
    for (size_t n = rng() % 3; n > 0; --n) e.interfaces.push_back(names[rng() % names.size()]);
    e.service = rng() % 2 ? names[rng() % names.size()] : "";
    const std::vector<std::string> cells = FlowTableCells(e, owners);
    const std::array<size_t, 9> widths = FlowTableWidths(e, owners);
    ASSERT_EQ(cells.size(), widths.size());
    for (size_t c = 0; c < cells.size(); ++c) {
      ASSERT_EQ(widths[c], text::DisplayWidth(cells[c])) << i << " column " << c << ": " << cells[c];
    }
  }
}

}  // namespace
}  // namespace highport::report
