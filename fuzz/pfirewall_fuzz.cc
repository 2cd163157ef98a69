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

void CheckSameFlows(const highport::ingest::CollectingSink& a_sink,
                    const highport::ingest::CollectingSink& b_sink) {
  Check(a_sink.flows.size() == b_sink.flows.size());
  for (size_t i = 0; i < a_sink.flows.size(); ++i) {
    const highport::FlowObservation& a = a_sink.flows[i];
    const highport::FlowObservation& b = b_sink.flows[i];
    Check(a.src == b.src && a.dst == b.dst && a.first_us == b.first_us &&
          a.source.line == b.source.line && a.tcp_flags == b.tcp_flags && a.pid == b.pid &&
          a.action == b.action && a.bytes == b.bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  int score = highport::ingest::ProbePfirewall(bytes);
  Check(score >= 0 && score <= 100);

  highport::ingest::CollectingSink whole_sink;
  highport::Diagnostics whole_diagnostics;
  highport::ingest::PfirewallStats whole =
      highport::ingest::ReadPfirewallText("fuzz.log", bytes, whole_sink, whole_diagnostics);
  CheckConsistent(whole, whole_sink, whole_diagnostics);

  size_t chunk = size == 0 ? 1 : 1 + data[0] % 13;
  highport::ingest::CollectingSink chunked_sink;
  highport::Diagnostics chunked_diagnostics;
  highport::ingest::PfirewallStats chunked = highport::ingest::ReadPfirewallTextChunked(
      "fuzz.log", bytes, chunk, chunked_sink, chunked_diagnostics);
  CheckConsistent(chunked, chunked_sink, chunked_diagnostics);
  Check(chunked.rows == whole.rows && chunked.lines == whole.lines &&
        chunked.skipped == whole.skipped && chunked.flows == whole.flows &&
        chunked.lost_events == whole.lost_events);
  Check(chunked_diagnostics.findings().size() == whole_diagnostics.findings().size());
  CheckSameFlows(whole_sink, chunked_sink);

  // Two threads: from 1 byte on, a Feed's lines are cut into blocks (at
  // least eight) that both threads read; fed in two pieces, so that a
  // header line may fall in either run.
  highport::ingest::CollectingSink parallel_sink;
  highport::Diagnostics parallel_diagnostics;
  highport::ingest::PfirewallParser parser("fuzz.log", parallel_sink, parallel_diagnostics);
  parser.set_parallel_min(1);
  const size_t half = size == 0 ? 0 : data[size - 1] % (size + 1);
  parser.Feed(bytes.substr(0, half));
  parser.Feed(bytes.substr(half));
  highport::ingest::PfirewallStats parallel = parser.Finish();
  CheckConsistent(parallel, parallel_sink, parallel_diagnostics);
  Check(parallel.rows == whole.rows && parallel.lines == whole.lines &&
        parallel.skipped == whole.skipped && parallel.flows == whole.flows &&
        parallel.lost_events == whole.lost_events);
  Check(parallel_diagnostics.findings().size() == whole_diagnostics.findings().size());
  CheckSameFlows(whole_sink, parallel_sink);
  return 0;
}
