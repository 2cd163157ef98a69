// Windows Firewall logs: the probe, the whole-text reader, the streaming
// reader fed in small chunks (size from the first byte), and the reader with
// its second thread (every call cut into blocks, as a big log is), which
// must all agree.
#include <cstdlib>
#include <string_view>

#include "ingest/collecting_sink.h"
#include "ingest/pfirewall.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckConsistent(const highport::ingest::PfirewallStats& s,
                     const highport::ingest::CollectingSink& sink,
                     const highport::Diagnostics& diagnostics) {
  Check(s.rows == s.flows + s.dropped_packets + s.lost_event_rows + s.closes + s.skipped);
  Check(sink.flows.size() == s.flows + s.dropped_packets);
  Check(sink.lost == s.lost_events);
  for (const highport::FlowObservation& f : sink.flows) {
    Check(f.source.line >= 1 && f.source.line <= s.lines);
  }
  for (const highport::Finding& f : diagnostics.findings()) Check(f.where.line <= s.lines);
}

// What one reading of the bytes gave.
struct Reading {
  highport::ingest::CollectingSink sink;
  highport::Diagnostics diagnostics;
  highport::ingest::PfirewallStats stats;
};

// Another reading of the same bytes must give what the whole-text one gave.
void CheckSame(const Reading& whole, const Reading& other) {
  CheckConsistent(other.stats, other.sink, other.diagnostics);
  const highport::ingest::PfirewallStats& a = whole.stats;
  const highport::ingest::PfirewallStats& b = other.stats;
  Check(a.rows == b.rows && a.lines == b.lines && a.skipped == b.skipped && a.flows == b.flows &&
        a.lost_events == b.lost_events);
  Check(whole.diagnostics.findings().size() == other.diagnostics.findings().size());
  Check(whole.sink.flows.size() == other.sink.flows.size());
  for (size_t i = 0; i < whole.sink.flows.size(); ++i) {
    const highport::FlowObservation& x = whole.sink.flows[i];
    const highport::FlowObservation& y = other.sink.flows[i];
    Check(x.src == y.src && x.dst == y.dst && x.first_us == y.first_us &&
          x.source.line == y.source.line && x.tcp_flags == y.tcp_flags && x.pid == y.pid &&
          x.action == y.action && x.bytes == y.bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  int score = highport::ingest::ProbePfirewall(bytes);
  Check(score >= 0 && score <= 100);

  Reading whole;
  whole.stats = highport::ingest::ReadPfirewallText("fuzz.log", bytes, whole.sink, whole.diagnostics);
  CheckConsistent(whole.stats, whole.sink, whole.diagnostics);

  size_t chunk = size == 0 ? 1 : 1 + data[0] % 13;
  Reading chunked;
  chunked.stats = highport::ingest::ReadPfirewallTextChunked("fuzz.log", bytes, chunk, chunked.sink,
                                                             chunked.diagnostics);
  CheckSame(whole, chunked);

  // Two threads: from 1 byte on, a Feed's lines are cut into blocks (at
  // least eight) that both threads read; fed in two pieces, so that a
  // header line may fall in either run.
  Reading parallel;
  highport::ingest::PfirewallParser parser("fuzz.log", parallel.sink, parallel.diagnostics);
  parser.set_parallel_min(1);
  const size_t half = size == 0 ? 0 : data[size - 1] % (size + 1);
  parser.Feed(bytes.substr(0, half));
  parser.Feed(bytes.substr(half));
  parallel.stats = parser.Finish();
  CheckSame(whole, parallel);
  return 0;
}
