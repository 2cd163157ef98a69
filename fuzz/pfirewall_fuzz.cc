// Windows Firewall logs: the probe, the whole-text reader, and the streaming
// reader fed in small chunks (size from the first byte), which must agree.
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
  for (size_t i = 0; i < whole_sink.flows.size(); ++i) {
    const highport::FlowObservation& a = whole_sink.flows[i];
    const highport::FlowObservation& b = chunked_sink.flows[i];
    Check(a.src == b.src && a.dst == b.dst && a.first_us == b.first_us &&
          a.source.line == b.source.line && a.tcp_flags == b.tcp_flags && a.pid == b.pid);
  }
  return 0;
}
