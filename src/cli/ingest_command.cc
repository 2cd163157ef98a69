// highport ingest FILE... [--db DB]
// Adds evidence files of any supported kind to the evidence database, so that
// weeks of firewall logs, captures and inventories from many hosts add up.
// Safe to repeat: the same file counts once, a grown log adds only its new
// rows, and an ingest that was killed is completed (store/file_ingest.h).
#include <cstdio>

#include "CLI/CLI.hpp"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/evidence_input.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "fmt/format.h"
#include "store/evidence_store.h"
#include "store/file_ingest.h"

namespace highport::cli {
namespace {

struct IngestCommandOptions {
  std::vector<std::string> files;
  std::string db = "highport.db";
  size_t batch = 20000;
};

void Setup(CLI::App& app, IngestCommandOptions& o) {
  app.description(
      "Adds evidence to the database: captures (pcap/pcapng, with endpoint-mapper answers and "
      "NetFlow/IPFIX export packets inside), Windows Firewall logs and socket inventories "
      "(netstat, ss, tasklist, rpcdump, ...), detected per file; '-' is standard input.\n"
      "Safe to repeat: a file read before counts once, a log that has grown adds only its new "
      "rows, an ingest that was interrupted is completed. A firewall log's unfinished last line "
      "waits for the next ingest.\n"
      "Exit: 0 every file stored, 2 some file could not be read or stored (the others are).");
  app.add_option("files", o.files, "evidence files")->required();
  app.add_option("--db", o.db, "the evidence database (created if missing)")->capture_default_str();
  app.add_option("--batch", o.batch, "observations per transaction")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
}

std::string Line(const store::IngestReport& r) {
  if (r.outcome == store::IngestOutcome::kUnchanged) {
    return fmt::format("{}: {}, unchanged: nothing new ({} item(s) stored before)", r.path,
                       ingest::EvidenceKindName(r.kind), r.already_stored);
  }
  std::string text = fmt::format("{}: {}, {}: {} record(s) read, {} stored", r.path,
                                 ingest::EvidenceKindName(r.kind), store::IngestOutcomeName(r.outcome),
                                 r.records, r.stored);
  if (r.already_stored > 0) text += fmt::format(", {} stored before", r.already_stored);
  if (r.skipped > 0) text += fmt::format(", {} skipped", r.skipped);
  if (r.held_back_bytes > 0) {
    text += fmt::format(", {} byte(s) of an unfinished last line left for next time",
                        r.held_back_bytes);
  }
  return text;
}

int Run(const IngestCommandOptions& o) {
  Result<std::unique_ptr<store::EvidenceStore>> opened = store::EvidenceStore::Open(o.db);
  if (!opened) {
    fmt::print(stderr, "highport ingest: {}\n", opened.error().message);
    return kExitUsage;
  }
  store::EvidenceStore& db = **opened;
  Diagnostics diagnostics;
  ProgressBar progress;
  bool failed = false;
  uint64_t records = 0, stored = 0, skipped = 0;
  for (const std::string& given : o.files) {
    std::string path = given;
    std::string spooled;
    store::IngestOptions options;
    options.batch_size = o.batch;
    if (given == "-") {
      Result<std::string> spool = SpoolStdin();
      if (!spool) {
        fmt::print(stderr, "highport ingest: {}\n", spool.error().message);
        failed = true;
        continue;
      }
      path = spooled = *spool;
      options.name = "<stdin>";
    }
    if (progress.enabled()) {
      progress.Start(given);
      options.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
    }
    Result<store::IngestReport> report = store::IngestFile(db, path, options, diagnostics);
    progress.Clear();
    if (!spooled.empty()) std::remove(spooled.c_str());
    if (!report) {
      fmt::print(stderr, "highport ingest: {}\n", report.error().message);
      failed = true;
      continue;
    }
    if (!spooled.empty()) report->path = "<stdin>";
    fmt::print("{}\n", Line(*report));
    records += report->records;
    stored += report->stored;
    skipped += report->skipped;
  }
  std::fflush(stdout);
  PrintFindings(diagnostics);
  fmt::print(stderr, "highport ingest: {} file(s) into {}: {} record(s) read, {} stored, {} skipped\n",
             o.files.size(), o.db, records, stored, skipped);
  return failed ? kExitUsage : kExitOk;
}

}  // namespace

int RunIngest(std::vector<std::string> args) {
  CLI::App app;
  IngestCommandOptions options;
  Setup(app, options);
  if (std::optional<int> stop = ParseCommandLine(app, args)) return *stop;
  return Run(options);
}

}  // namespace highport::cli
