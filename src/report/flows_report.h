// `highport flows` output: the classified flows, problematic ones first, each
// with its evidence; then per server the static ports, the dynamic ports in
// use with the clients that use them, and the peak of concurrent connections
// to dynamic RPC ports (what an RPC port range must be sized for). JSON shape
// in docs/flows.md; CSV has one row per flow.
#pragma once

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "analysis/flow_table.h"
#include "model/diagnostics.h"
#include "nlohmann/json.hpp"

namespace highport::report {

// Who listens on (server address, protocol, port), from the servers'
// inventories: "svchost.exe (Winmgmt)".
using ListenerOwners = std::map<std::tuple<IpAddress, Proto, uint16_t>, std::string>;

struct FlowsReport {
  std::vector<analysis::FlowEntry> flows;
  // When set, the flows are these instead of `flows`, each record built only
  // while it is printed (FlowTable::FinishCompact()).
  const analysis::FinishedFlows* compact = nullptr;
  std::map<IpAddress, uint64_t> peak_rpc_concurrency;
  uint64_t observations = 0;
  uint64_t lost_events = 0;
  // Connections two inputs both reported, counted once (FlowTable::shared_connections).
  uint64_t shared_connections = 0;
  uint64_t unported = 0;   // ICMP and other protocols
  uint64_t skipped = 0;    // input records that could not be read
  bool local_time = false; // a firewall log wrote local time without a zone
  bool utc_too = false;    // and captures or NetFlow gave UTC times beside it
  // Firewall log rows were read: connections without a duration, which the
  // peak counts as instants (the table says so beside the peaks).
  bool instants = false;
  ListenerOwners owners;   // names what no endpoint mapper or catalog entry does
};

// Calls f(const FlowEntry&) for every flow of the report in order, from the
// records or built one at a time into one reused record.
template <class F>
void ForEachFlow(const FlowsReport& r, F&& f) {
  if (r.compact == nullptr) {
    for (const analysis::FlowEntry& e : r.flows) f(e);
    return;
  }
  analysis::FlowEntry e;
  for (size_t i = 0; i < r.compact->size(); ++i) {
    r.compact->Get(i, e);
    f(e);
  }
}

// One flow as the writers read it, without copies: the compact flows' view
// (FinishedFlows::View; Get() built every address, name and evidence
// string, about 450 instructions a flow, most of which a writer never
// needed), or a record's fields by reference. Valid while its source is.
struct FlowRef {
  analysis::FlowView v;  // interfaces: nullptr or empty for none
  // The record's evidence; else the compact flow's, v.evidence of `views`,
  // each looked up once (a writer reads each up to three times).
  const std::vector<SourceRef>* records = nullptr;
  std::array<analysis::EvidenceView, 3> views;
  analysis::EvidenceView Evidence(size_t k) const {
    if (records == nullptr) return views[k];
    const SourceRef& s = (*records)[k];
    return {s.file, s.line, s.packet, s.offset};
  }
  bool has_interfaces() const { return v.interfaces != nullptr && !v.interfaces->empty(); }
  static FlowRef Of(const analysis::FlowEntry& e);
};

// Which flows' evidence ForEachFlowRef looks up: every flow's (JSON, CSV),
// none (passes that only count or measure), or only the flows the table
// flags (problematic and low-source: it lists their evidence under the row).
enum class EvidenceFor : uint8_t { kAll, kNone, kFlagged };
inline bool IsFlagged(analysis::FlowClass c) {
  return c == analysis::FlowClass::kProblematic || c == analysis::FlowClass::kLowSource;
}

// Calls f(const FlowRef&) for every flow of the report in order, as ForEachFlow.
// A compact flow's evidence is looked up only as kEvidence asks; the others'
// FlowRef says they have none.
template <EvidenceFor kEvidence = EvidenceFor::kAll, class F>
void ForEachFlowRef(const FlowsReport& r, F&& f) {
  if (r.compact == nullptr) {
    for (const analysis::FlowEntry& e : r.flows) f(FlowRef::Of(e));
    return;
  }
  FlowRef ref;
  // A few flows ahead: far enough for a cache miss, near enough to stay in
  // cache. Half as far ahead, the counters fetched then are in, and what
  // they point at (addresses, evidence) is fetched in turn.
  constexpr size_t kAhead = 16;
  const size_t n = r.compact->size();
  for (size_t i = 0; i < std::min(kAhead, n); ++i) r.compact->Prefetch(i);
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) r.compact->Prefetch(i + kAhead);
    if (i + kAhead / 2 < n) r.compact->PrefetchPointees(i + kAhead / 2);
    r.compact->View(i, ref.v);
    // A key keeps at most three evidence rows (a two-bit count).
    const bool wanted = kEvidence == EvidenceFor::kAll ||
                        (kEvidence == EvidenceFor::kFlagged && IsFlagged(ref.v.flow_class));
    ref.v.evidence = wanted ? std::min<uint32_t>(ref.v.evidence, ref.views.size()) : 0;
    for (uint32_t k = 0; k < ref.v.evidence; ++k) r.compact->Evidence(i, k, ref.views[k]);
    f(static_cast<const FlowRef&>(ref));
  }
}

// From this many flows on, the JSON and table writers gather the per-server
// summaries on a second thread while they write the flows (below it, the
// thread would cost more than the pass).
inline constexpr size_t kSummaryThreadMin = 2048;

// "2021-06-22 12:19:44" from microseconds since the epoch (UTC, or the log's local time).
std::string FormatTime(int64_t us);
void AppendTime(std::string& out, int64_t us);  // FormatTime(us), appended

std::string FlowsTable(const FlowsReport& report);
// The table's cells of one flow, and their text::DisplayWidth()s computed
// without making them (the table's first pass only measures).
std::vector<std::string> FlowTableCells(const analysis::FlowEntry& e, const ListenerOwners& owners);
std::array<size_t, 9> FlowTableWidths(const analysis::FlowEntry& e, const ListenerOwners& owners);
nlohmann::json FlowsJson(const FlowsReport& report, const Diagnostics& diagnostics);
// FlowsJson(...).dump(2) + "\n", written without the tree.
std::string FlowsJsonText(const FlowsReport& report, const Diagnostics& diagnostics);
std::string FlowsCsv(const FlowsReport& report);

// The same texts streamed: appended to `out`, with flush(out) called whenever
// it holds a block (flush writes and clears it), so that a report of a
// million flows is never one string. The last block stays in `out`.
// WriteFlowsJson writes FlowsJson(...).dump(2) + "\n".
using FlushText = std::function<void(std::string&)>;
void WriteFlowsTable(const FlowsReport& report, std::string& out, const FlushText& flush);
void WriteFlowsJson(const FlowsReport& report, const Diagnostics& diagnostics, std::string& out,
                    const FlushText& flush);
void WriteFlowsCsv(const FlowsReport& report, std::string& out, const FlushText& flush);

}  // namespace highport::report
