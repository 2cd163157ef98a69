// Windows (Defender) Firewall logs: pfirewall.log and its rotated
// pfirewall.log.old. A log may be a gigabyte, so the reader streams: bytes go
// in as they come (any split), each row becomes a FlowObservation given to the
// sink at once, and memory stays the same whatever the size of the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ingest/traffic_sink.h"
#include "model/diagnostics.h"
#include "model/result.h"
#include "text/decode.h"

namespace highport::ingest {

struct PfirewallStats {
  uint64_t bytes = 0;            // input bytes, before decoding
  uint64_t lines = 0;            // lines, headers and blank lines included
  // Data rows; each is exactly one of the five kinds below it.
  uint64_t rows = 0;
  uint64_t flows = 0;            // connections given to the sink: ALLOW, OPEN, OPEN-INBOUND
  uint64_t dropped_packets = 0;  // DROP rows given to the sink
  uint64_t lost_event_rows = 0;  // INFO-EVENTS-LOST rows
  uint64_t closes = 0;           // CLOSE rows (Windows XP): counted, not flows
  uint64_t skipped = 0;          // rows reported to Diagnostics and skipped
  uint64_t lost_events = 0;      // events the INFO-EVENTS-LOST rows say were not logged
  uint64_t headers = 0;          // #Fields lines
  bool local_time = false;       // "#Time Format: Local", or no such line: timestamps read as if UTC
  std::string version;           // "#Version:" as written ("1.5"), the last one seen
  std::string software;          // "#Software:", the last one seen
  text::Encoding encoding = text::Encoding::kUtf8;
};

// How much the first kilobyte or so looks like a firewall log, 0 to 100.
int ProbePfirewall(std::string_view head);

// A push parser: feed it the bytes of one file in pieces of any size, then
// Finish. UTF-8 (with or without a BOM) or UTF-16 with a BOM, CRLF or LF, NUL
// padding anywhere. Lines longer than 64 KiB are skipped, not kept.
class PfirewallParser {
 public:
  PfirewallParser(std::string name, TrafficSink& sink, Diagnostics& diagnostics);
  ~PfirewallParser();
  PfirewallParser(const PfirewallParser&) = delete;
  PfirewallParser& operator=(const PfirewallParser&) = delete;

  void Feed(std::string_view bytes);
  PfirewallStats Finish();  // reads the last line if it has no newline (see below); call once

  // Whole lines of at least this many bytes in one Feed are read by two
  // threads (256 KiB unless set); 0: one thread. Tests lower it.
  void set_parallel_min(size_t bytes);
  // A last line without a line end is left out, with a note: in a file the
  // firewall is still writing, it is half a row (a pid cut to "21" reads as
  // a row). Off unless set (text handed over whole).
  void set_leave_out_unfinished_last_line(bool on);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

struct PfirewallFileOptions {
  size_t chunk_size = size_t{4} << 20;  // bytes per Feed
  // Read only the first bytes (store/ leaves out a last line still being written).
  uint64_t byte_limit = UINT64_MAX;
  // A last line without a line end is one the firewall is still writing:
  // left out, with a note. Off for input known to be whole (a pipe that ended).
  bool leave_out_unfinished_last_line = true;
  // Called after each chunk with the bytes read so far and the file's size
  // (0 when unknown), for a progress bar.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // As PfirewallParser::set_parallel_min: 0 reads with one thread (the
  // benchmark measures both).
  size_t parallel_min = size_t{256} << 10;
  // Bytes of a regular file mapped at a time (rounded up to whole pages);
  // a file of more than one is mapped ahead on a thread (mapped_windows.h).
  // Tests read files through many small windows.
  uint64_t window_size = uint64_t{4} << 20;
};

// Reads a whole file ("-" is standard input) in chunks of 4 MiB
// (pfirewall_file.cc). Fails only when the file cannot be opened or read;
// bad rows are findings.
Result<PfirewallStats> ReadPfirewallFile(const std::string& path, TrafficSink& sink,
                                         Diagnostics& diagnostics,
                                         const PfirewallFileOptions& options);
Result<PfirewallStats> ReadPfirewallFile(const std::string& path, TrafficSink& sink,
                                         Diagnostics& diagnostics);

// Reads text already in memory (tests, fuzzing, small inputs).
PfirewallStats ReadPfirewallText(std::string_view name, std::string_view bytes,
                                 TrafficSink& sink, Diagnostics& diagnostics);

// The same two with the chunk size as a parameter, so that tests can cut
// lines at every place.
Result<PfirewallStats> ReadPfirewallFileChunked(const std::string& path, size_t chunk_size,
                                                TrafficSink& sink, Diagnostics& diagnostics);
PfirewallStats ReadPfirewallTextChunked(std::string_view name, std::string_view bytes,
                                        size_t chunk_size, TrafficSink& sink,
                                        Diagnostics& diagnostics);

}  // namespace highport::ingest
