// What the parts of a capture reader share: the file name, the sink, the
// options, the counters and the findings, with a cap on how many findings
// are listed one by one (a damaged capture of millions of packets must not
// make millions of findings: memory grows with flows, not with input).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/capture.h"

namespace highport::ingest::capture_internal {

class CaptureContext {
 public:
  CaptureContext(std::string file, TrafficSink& sink, Diagnostics& diagnostics,
                 CaptureOptions options)
      : file(std::move(file)), sink(sink), diagnostics(diagnostics), options(std::move(options)) {}

  // "file:packet N+B: reason", id "capture.<what>"; counted beyond max_findings.
  void Warn(std::string_view id, uint64_t packet, uint64_t offset, std::string reason) {
    if (listed_ >= options.max_findings) {
      ++stats.findings_not_listed;
      return;
    }
    ++listed_;
    diagnostics.Report(Finding{Finding::Severity::kWarning, std::string(id),
                               SourceRef{file, 0, packet, offset}, std::move(reason)});
  }

  const std::string file;
  TrafficSink& sink;
  Diagnostics& diagnostics;
  const CaptureOptions options;
  CaptureStats stats;
  size_t epm_streams_live = 0;

 private:
  size_t listed_ = 0;
};

}  // namespace highport::ingest::capture_internal
