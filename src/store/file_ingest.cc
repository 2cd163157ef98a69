#include "store/file_ingest.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fmt/format.h"
#include "ingest/load.h"
#include "store/fingerprint.h"
#include "store/store_sink.h"
#include "text/decode.h"

namespace highport::store {
namespace {

using ingest::EvidenceKind;

// The stored source this file continues, if any: the one with the longest
// prefix whose hash equals the file's bytes there.
struct Match {
  std::optional<SourceRow> source;
  std::string hash;  // of the whole prefix being ingested now
};

// The stored sources of `kind` whose stored bytes are where the file's first
// `length` bytes begin (an empty prefix says nothing: every file starts with
// it). With `length_hash`, also the hash of those `length` bytes; without,
// the file is read only as far as the longest stored prefix.
Result<std::vector<SourceRow>> SourcesBeginning(EvidenceStore& store, const std::string& path,
                                                EvidenceKind kind, uint64_t length,
                                                std::string* length_hash) {
  Result<std::vector<SourceRow>> known = store.Sources(ingest::EvidenceKindName(kind));
  if (!known) return known.error();
  std::vector<uint64_t> boundaries;
  uint64_t longest = 0;
  for (const SourceRow& s : *known) {
    if (s.prefix_bytes == 0 || s.prefix_bytes > length) continue;
    boundaries.push_back(s.prefix_bytes);
    longest = std::max(longest, s.prefix_bytes);
  }
  std::vector<SourceRow> held;
  const uint64_t read = length_hash ? length : longest;
  if (read == 0) return held;
  Result<std::map<uint64_t, std::string>> hashes = HashPrefixes(path, read, boundaries);
  if (!hashes) return hashes.error();
  if (length_hash) *length_hash = hashes->at(length);
  for (const SourceRow& s : *known) {
    if (s.prefix_bytes == 0 || s.prefix_bytes > length) continue;
    if (hashes->at(s.prefix_bytes) == s.prefix_hash) held.push_back(s);
  }
  return held;
}

// An inventory is one host at one moment, told by its folder: the same
// bytes under another path (a process list unchanged since yesterday, the
// same netsh output on every host) are another inventory, and only a
// stored source of the same name is this file again.
Result<Match> FindSource(EvidenceStore& store, const std::string& path, EvidenceKind kind,
                         uint64_t length, const std::string& name) {
  Match match;
  Result<std::vector<SourceRow>> held = SourcesBeginning(store, path, kind, length, &match.hash);
  if (!held) return held.error();
  for (const SourceRow& s : *held) {
    if (kind == EvidenceKind::kInventory && s.path != name) continue;
    if (!match.source || s.prefix_bytes > match.source->prefix_bytes) match.source = s;
  }
  return match;
}

// The firewall log, from its start, into the store; rows up to the stored
// line are read again (the header must be) but not stored twice.
Result<IngestReport> IngestTraffic(EvidenceStore& store, SourceRow& source, uint64_t skip_line,
                                   IngestReport report, const IngestOptions& options,
                                   Diagnostics& diagnostics) {
  Diagnostics local;
  StoreSink sink(store, source, options.batch_size, skip_line, options.also);
  ingest::TrafficReadOptions read_options;
  read_options.byte_limit = source.prefix_bytes;
  read_options.progress = options.progress;
  read_options.netflow_templates = options.netflow_templates;
  read_options.whole = options.whole;
  Result<ingest::TrafficFileStats> read =
      ingest::ReadTrafficFile(report.path, report.kind, sink, local, read_options);
  if (!read) return read.error();
  // Findings about lines read before were reported then.
  for (const Finding& f : local.findings()) {
    if (f.where.line == 0 || f.where.line > skip_line) diagnostics.Report(f);
  }
  source.records = read->records;
  source.skipped = read->skipped;
  source.complete = true;
  source.local_time = read->local_time;  // stored with the last batch, below
  if (report.kind == EvidenceKind::kFirewallLog) {
    // Every line of the prefix is read now, the last ones without rows too.
    source.done_line = std::max(source.done_line, read->lines);
  }
  Result<bool> flushed = sink.Flush();
  if (!flushed) return flushed.error();
  // The NetFlow templates it defined, for a later capture of the same
  // export that begins before the exporter sends them again.
  if (report.kind == EvidenceKind::kCapture && options.netflow_templates != nullptr) {
    Result<bool> kept = store.PutTemplates(source, options.netflow_templates->DefinedIn(report.path),
                                           options.netflow_templates->WithdrawnIn(report.path));
    if (!kept) return kept.error();
  }
  report.records = read->records;
  report.skipped = read->skipped;
  report.local_time = read->local_time;
  report.stored = sink.stored();
  report.already_stored = sink.already_stored();
  return report;
}

Result<IngestReport> IngestInventory(EvidenceStore& store, SourceRow& source, IngestReport report,
                                     Diagnostics& diagnostics) {
  Result<std::string> bytes = text::ReadFileBytes(report.path);
  if (!bytes) return bytes.error();
  if (bytes->size() != source.prefix_bytes) {
    return Error{fmt::format("{}: changed while being read", report.path)};
  }
  // Read now, so that a file of no known format is refused here and not at
  // every later analysis; the bytes are what is kept.
  const size_t skipped_before = diagnostics.skipped();
  Result<ingest::LoadedInventory> loaded =
      ingest::LoadInventoryBytes(report.path, *bytes, {}, diagnostics);
  if (!loaded) return loaded.error();
  // The inventory is kept whole: its rows count as records, the file as one stored item.
  source.records = loaded->inventory.lines_read;
  source.skipped = diagnostics.skipped() - skipped_before;
  source.stored = 1;
  source.complete = true;
  Result<bool> put = store.PutInventory(source, *bytes);
  if (!put) return put.error();
  report.records = source.records;
  report.skipped = source.skipped;
  report.stored = 1;
  return report;
}

}  // namespace

Result<size_t> LoadTemplates(EvidenceStore& store, ingest::RememberedTemplates& into) {
  Result<std::vector<EvidenceStore::TemplateRow>> rows = store.Templates();
  if (!rows) return rows.error();
  size_t restored = 0;
  for (const EvidenceStore::TemplateRow& row : *rows) restored += into.Restore(row.stored, row.path);
  return restored;
}

Result<std::vector<SourceRow>> StoredPrefixesOf(EvidenceStore& store, const std::string& path,
                                                EvidenceKind kind) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  return SourcesBeginning(store, path, kind, static_cast<uint64_t>(st.st_size), nullptr);
}

std::string_view IngestOutcomeName(IngestOutcome outcome) {
  switch (outcome) {
    case IngestOutcome::kNew: return "new";
    case IngestOutcome::kUnchanged: return "unchanged";
    case IngestOutcome::kGrown: return "grown";
    case IngestOutcome::kResumed: return "resumed";
    case IngestOutcome::kReplaced: return "replaced";
  }
  return "new";
}

Result<IngestReport> IngestFile(EvidenceStore& store, const std::string& path,
                                const IngestOptions& options, Diagnostics& diagnostics) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  if (!S_ISREG(st.st_mode)) return Error{fmt::format("{}: not a regular file", path)};
  Result<EvidenceKind> kind = ingest::DetectEvidence(path);
  if (!kind) return kind.error();

  IngestReport report;
  report.path = path;
  report.kind = *kind;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t length = size;
  if (*kind == EvidenceKind::kFirewallLog && !options.whole) {
    Result<uint64_t> complete = CompleteLinesLength(path, size);
    if (!complete) return complete.error();
    length = *complete;
    report.held_back_bytes = size - length;
    // Not one whole line yet: nothing to store, and no source to remember
    // (an empty prefix would match every file).
    if (length == 0) {
      report.outcome = IngestOutcome::kUnchanged;
      return report;
    }
  }
  const std::string name = options.name.empty() ? path : options.name;
  Result<Match> match = FindSource(store, path, *kind, length, name);
  if (!match) return match.error();
  // A log copied at two moments (day1/pfirewall.log, then the same log grown
  // in day2/): the rows stored from the first copy stay that copy's (its
  // folder is the moment they were logged in); the new rows are a source of
  // the new copy's, which begins where the first one's lines end.
  if (match->source && *kind == EvidenceKind::kFirewallLog && match->source->complete &&
      match->source->path != name && match->source->prefix_bytes < length) {
    const SourceRow& earlier = *match->source;
    SourceRow source;
    source.kind = earlier.kind;
    source.path = name;
    source.prefix_bytes = length;
    source.prefix_hash = match->hash;
    source.done_line = earlier.done_line;
    source.local_time = earlier.local_time;
    Result<SourceRow> added = store.AddSource(source);
    if (!added) return added.error();
    source = *added;
    // A first copy with no row (only the header every log has) makes this no grown copy.
    report.outcome = earlier.stored > 0 ? IngestOutcome::kGrown : IngestOutcome::kNew;
    return IngestTraffic(store, source, earlier.done_line, report, options, diagnostics);
  }
  SourceRow source;
  uint64_t skip_line = 0;
  if (!match->source && *kind == EvidenceKind::kInventory) {
    // A file of no known format (notes.txt named on its own) is refused
    // before it becomes a source: else the database keeps an unfinished one
    // that every later analysis reports and no ingest can complete.
    Result<std::string> bytes = text::ReadFileBytes(path);
    if (!bytes) return bytes.error();
    Diagnostics said_when_stored;
    Result<ingest::LoadedInventory> loaded =
        ingest::LoadInventoryBytes(path, *bytes, {}, said_when_stored);
    if (!loaded) return loaded.error();
  }
  if (!match->source) {
    source.kind = std::string(ingest::EvidenceKindName(*kind));
    source.path = name;
    source.prefix_bytes = length;
    source.prefix_hash = match->hash;
    Result<SourceRow> added = store.AddSource(source);
    if (!added) return added.error();
    source = *added;
    report.outcome = IngestOutcome::kNew;
  } else {
    source = *match->source;
    if (source.complete && source.prefix_bytes == length) {
      report.outcome = IngestOutcome::kUnchanged;
      report.already_stored = source.stored;
      return report;
    }
    report.outcome = source.complete ? IngestOutcome::kGrown : IngestOutcome::kResumed;
    source.path = name;
    source.prefix_bytes = length;
    source.prefix_hash = match->hash;
    source.complete = false;
    if (*kind == EvidenceKind::kFirewallLog) {
      skip_line = source.done_line;
    } else {
      // Read again whole: forget what the earlier read stored.
      report.outcome = IngestOutcome::kReplaced;
      source.done_line = 0;
      source.records = source.stored = source.skipped = 0;
      Result<bool> reset = store.ResetSource(source);
      if (!reset) return reset.error();
    }
  }
  if (*kind == EvidenceKind::kInventory) return IngestInventory(store, source, report, diagnostics);
  return IngestTraffic(store, source, skip_line, report, options, diagnostics);
}

}  // namespace highport::store
