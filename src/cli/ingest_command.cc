// highport ingest FILE... [--db DB]
// Adds evidence files of any supported kind to the evidence database, so that
// weeks of firewall logs, captures and inventories from many hosts add up.
// Safe to repeat: the same file counts once, a grown log adds only its new
// rows, and an ingest that was killed is completed (store/file_ingest.h).
#include <cstdio>
#include <filesystem>
#include <memory>

#include "CLI/CLI.hpp"
#include "analysis/host_knowledge.h"
#include "catalog/catalog.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/evidence_input.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "fmt/format.h"
#include "ingest/load.h"
#include "store/evidence_store.h"
#include "store/file_ingest.h"
#include "store/ingest_lock.h"

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
  app.add_option("files", o.files,
                 "evidence files and directories (walked in name order; files in them that are "
                 "no evidence are listed and left out)")
      ->required();
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

// A file to ingest, its kind detected first: inventories are stored before
// traffic, so that the flows counted in the traffic are decided with them.
struct Pending {
  std::string given;  // as named, or found in a directory; "-" for standard input
  std::string path;   // where it is read (standard input: a spooled copy)
};

// Removes the spooled copies of standard input however the run ends.
struct SpooledCopies {
  std::vector<std::string> paths;
  ~SpooledCopies() {
    for (const std::string& p : paths) std::remove(p.c_str());
  }
};

// The flows in what this run stores, decided with every inventory and
// endpoint-mapper answer the database holds (the run's own inventories were
// stored first): the summary's "flows, servers".
Result<std::unique_ptr<analysis::FlowTable>> FlowTableFor(store::EvidenceStore& db) {
  Result<std::vector<store::StoredInventory>> stored = db.Inventories();
  if (!stored) return stored.error();
  std::vector<ingest::SocketInventory> inventories;
  Diagnostics reported_at_their_ingest;
  for (const store::StoredInventory& s : *stored) {
    Result<ingest::LoadedInventory> loaded =
        ingest::LoadInventoryBytes(s.path, s.content, {}, reported_at_their_ingest);
    if (loaded) inventories.push_back(std::move(loaded->inventory));
  }
  auto table = std::make_unique<analysis::FlowTable>(
      catalog::Catalog::Get(), analysis::KnowledgeFromInventories(inventories));
  table->set_peaks(false);
  for (const ingest::SocketInventory& inv : inventories) {
    for (const RpcRegistration& r : inv.rpc_registrations) table->OnRpcRegistration(r);
  }
  Result<std::vector<RpcRegistration>> registrations = db.Registrations();
  if (!registrations) return registrations.error();
  for (const RpcRegistration& r : *registrations) table->OnRpcRegistration(r);
  return table;
}

int Run(const IngestCommandOptions& o) {
  // One ingest into a database at a time (ingest_lock.h says why), taken
  // before the database is opened: two ingests never make a new one together.
  Result<store::IngestLock> lock = store::IngestLock::Take(o.db, [&](long holder) {
    fmt::print(stderr, "highport ingest: another ingest{} is storing into {}; waiting for it to finish\n",
               holder > 0 ? fmt::format(" (pid {})", holder) : "", o.db);
  });
  if (!lock) {
    fmt::print(stderr, "highport ingest: {}\n", lock.error().message);
    return kExitUsage;
  }
  Result<std::unique_ptr<store::EvidenceStore>> opened = store::EvidenceStore::Open(o.db);
  if (!opened) {
    fmt::print(stderr, "highport ingest: {}\n", opened.error().message);
    return kExitUsage;
  }
  store::EvidenceStore& db = **opened;
  Result<std::vector<InputFile>> inputs = ExpandInputs(o.files);
  if (!inputs) {
    fmt::print(stderr, "highport ingest: {}\n", inputs.error().message);
    return kExitUsage;
  }
  bool failed = false;
  SpooledCopies spooled;
  std::vector<Pending> inventories, traffic;
  std::vector<std::string> unrecognised;
  for (const auto& [given, found_in_directory] : *inputs) {
    Pending file{given, given};
    if (given == "-") {
      Result<std::string> spool = SpoolStdin();
      if (!spool) {
        fmt::print(stderr, "highport ingest: {}\n", spool.error().message);
        failed = true;
        continue;
      }
      file.path = *spool;
      spooled.paths.push_back(file.path);
    }
    // A file named on its own that is no evidence fails below, with its
    // reason; one found in a directory (a README beside the logs) is left out.
    Result<ingest::EvidenceKind> kind = ingest::DetectEvidence(file.path);
    if (!kind || *kind != ingest::EvidenceKind::kInventory) {
      if (!kind && found_in_directory) {
        unrecognised.push_back(LeftOutName(given, file.path));
      } else {
        traffic.push_back(std::move(file));
      }
      continue;
    }
    if (found_in_directory) {
      Diagnostics reported_when_stored;
      if (!ingest::LoadInventory(file.path, {}, reported_when_stored)) {
        unrecognised.push_back(given);
        continue;
      }
    }
    inventories.push_back(std::move(file));
  }

  Diagnostics diagnostics;
  ProgressBar progress;
  uint64_t files = 0, records = 0, stored = 0, skipped = 0;
  // Rotated captures of one export: the templates of the captures stored
  // before, and of each capture this run reads, for the ones after it.
  ingest::RememberedTemplates netflow_templates;
  if (Result<size_t> loaded = store::LoadTemplates(db, netflow_templates); !loaded) {
    fmt::print(stderr, "highport ingest: {}\n", loaded.error().message);
  }
  auto ingest_one = [&](const Pending& file, ingest::TrafficSink* also) {
    store::IngestOptions options;
    options.batch_size = o.batch;
    options.netflow_templates = &netflow_templates;
    options.also = also;
    // Stored by its absolute path: a database gathers evidence from many
    // runs and working directories, and site-a/dc01 and site-b/dc01 ingested
    // as "dc01" from each would be one folder, one host, in it.
    if (file.given == "-") {
      options.name = "<stdin>";
      options.whole = true;  // the pipe ended: its last line is a row
    } else {
      std::error_code ec;
      const std::filesystem::path absolute = std::filesystem::absolute(file.given, ec);
      if (!ec) options.name = absolute.lexically_normal().string();
    }
    if (progress.enabled()) {
      progress.Start(file.given);
      options.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
    }
    Result<store::IngestReport> report = store::IngestFile(db, file.path, options, diagnostics);
    if (file.given == "-") diagnostics.RenameFile(file.path, "<stdin>");  // not the spooled copy
    progress.Clear();
    ++files;
    if (!report) {
      fmt::print(stderr, "highport ingest: {}\n", report.error().message);
      failed = true;
      return;
    }
    report->path = file.given == "-" ? "<stdin>" : file.given;
    fmt::print("{}\n", Line(*report));
    records += report->records;
    stored += report->stored;
    skipped += report->skipped;
  };
  for (const Pending& file : inventories) ingest_one(file, nullptr);
  Result<std::unique_ptr<analysis::FlowTable>> table = FlowTableFor(db);
  if (!table) {
    fmt::print(stderr, "highport ingest: {}\n", table.error().message);
    return kExitUsage;
  }
  for (const Pending& file : traffic) ingest_one(file, table->get());
  const analysis::FinishedFlows flows = (*table)->FinishCompact();
  std::fflush(stdout);
  PrintFindings(diagnostics);
  fmt::print(stderr,
             "highport ingest: {} file(s) into {}: {} record(s) read, {} stored, {} skipped; "
             "{} flow(s), {} server(s) in the traffic this run stored\n",
             files, o.db, records, stored, skipped, flows.size(), flows.CountServers());
  PrintLeftOut("ingest", unrecognised);
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
