// Adding one evidence file to the database so that nothing is counted twice
// and nothing is lost, whatever happened before:
//
//   - the same file again (under any name): nothing to do;
//   - a firewall log that has grown: only the rows after the stored ones;
//   - a firewall log whose last ingest was killed: the rows after the last
//     committed batch (each batch is one transaction with the line it reached);
//   - a capture or an inventory that has grown, or whose ingest was killed:
//     read again whole, replacing what was stored (a TCP connection may span
//     the old end of a capture, so a capture cannot be resumed in the middle);
//   - anything else: a new source.
//
// "The same file" means: the first N bytes hash as the stored source's N
// bytes did (store/fingerprint.h). A firewall log's half-written last line
// is left for the next ingest.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ingest/traffic_load.h"
#include "model/diagnostics.h"
#include "model/result.h"
#include "store/evidence_store.h"

namespace highport::store {

enum class IngestOutcome : uint8_t {
  kNew,        // a file the database did not know
  kUnchanged,  // read before to its end, and no byte more since
  kGrown,      // read before; the new part was added
  kResumed,    // an earlier ingest stopped midway; completed now
  kReplaced,   // a capture or inventory read again whole
};
std::string_view IngestOutcomeName(IngestOutcome outcome);  // "new", "unchanged", ...

struct IngestReport {
  std::string path;
  ingest::EvidenceKind kind = ingest::EvidenceKind::kCapture;
  IngestOutcome outcome = IngestOutcome::kNew;
  uint64_t records = 0;          // rows or packets read in this run
  uint64_t skipped = 0;          // records the reader could not read (findings)
  uint64_t stored = 0;           // observations and registrations added by this run
  uint64_t already_stored = 0;   // observations read again but stored before
  uint64_t held_back_bytes = 0;  // a half-written last line, left for next time
  bool local_time = false;
};

struct IngestOptions {
  size_t batch_size = 20000;  // observations per transaction
  std::string name;           // what the database calls the source; empty: the path
  std::function<void(uint64_t done, uint64_t total)> progress;
  // Every observation, registration and lost-event count this run stores
  // also goes here (none of what was stored before).
  ingest::TrafficSink* also = nullptr;
  // The file is whole (standard input, spooled: the pipe ended), so a
  // firewall log's last line without a line end is a row, not one still
  // being written: it is stored, not held back for a next ingest that a
  // pipe never has.
  bool whole = false;
  // Captures: the run's NetFlow templates from earlier files and from the
  // database (LoadTemplates; ingest/netflow.h); a capture's own are stored.
  ingest::RememberedTemplates* netflow_templates = nullptr;
};

// Detects the file's kind and adds it. Fails when the file cannot be read,
// is of no known kind, or the database cannot be written; bad records are
// findings in `diagnostics`.
Result<IngestReport> IngestFile(EvidenceStore& store, const std::string& path,
                                const IngestOptions& options, Diagnostics& diagnostics);

// The database's NetFlow templates into `into`, oldest source first (a
// later definition replaces an earlier one). Returns how many were read.
Result<size_t> LoadTemplates(EvidenceStore& store, ingest::RememberedTemplates& into);

// The stored sources whose stored bytes are where this file begins (the same
// file, read before up to then, under any name): a reader that takes the
// file and the database together reads the file, and leaves these out of
// the database's replay, so that nothing counts twice. (An older, shorter
// copy of a stored log is not found: only the stored prefix's hash is kept.)
Result<std::vector<SourceRow>> StoredPrefixesOf(EvidenceStore& store, const std::string& path,
                                                ingest::EvidenceKind kind);

}  // namespace highport::store
