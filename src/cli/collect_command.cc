// highport collect --listen ADDR:PORT [--db DB]
// A live NetFlow v5/v9 and IPFIX collector: routers, firewalls and exporters
// such as softflowd send their flow records here, and they go into the
// evidence database in batches (one transaction a second), where
// `highport flows --db` and the other analyses find them.
#include <algorithm>
#include <cstdio>

#include "CLI/CLI.hpp"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "fmt/format.h"
#include "ingest/netflow.h"
#include "net/udp_collector.h"
#include "store/evidence_store.h"
#include "store/file_ingest.h"
#include "store/store_sink.h"

namespace highport::cli {
namespace {

struct CollectOptions {
  std::string listen;
  std::string db = "highport.db";
  double duration = 0;
  double idle = 0;
  uint64_t max_datagrams = 0;
  size_t batch = 20000;
};

void Setup(CLI::App& app, CollectOptions& o) {
  app.description(
      "Receives NetFlow v5, v9 and IPFIX export datagrams over UDP and stores their flow records "
      "in the evidence database, for `highport flows --db` and the other analyses. Templates are "
      "kept per exporter, observation domain and template id; data ahead of its template is held "
      "briefly; exporters are untrusted and capped.\n"
      "Runs until SIGINT/SIGTERM (Ctrl-C), --duration, --idle or --max-datagrams; what was "
      "received is committed once a second and at the end.\n"
      "Exit: 0 stopped as asked, 2 usage error or the socket or database failed.");
  app.add_option("--listen", o.listen,
                 "UDP address and port to receive on: 0.0.0.0:2055, [::]:4739, 127.0.0.1:0 (any "
                 "free port; the one chosen is printed)")
      ->required();
  app.add_option("--db", o.db, "the evidence database (created if missing)")->capture_default_str();
  app.add_option("--duration", o.duration, "stop after this many seconds")->check(CLI::NonNegativeNumber);
  app.add_option("--idle", o.idle, "stop after this many seconds without a datagram, once one came")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-datagrams", o.max_datagrams, "stop after this many datagrams");
  app.add_option("--batch", o.batch, "flow records per transaction, at most")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

int Run(const CollectOptions& o) {
  // The socket first: a wrong --listen must not leave a new database behind.
  Result<std::unique_ptr<net::UdpCollector>> bound = net::UdpCollector::Bind(o.listen);
  if (!bound) {
    fmt::print(stderr, "highport collect: {}\n", bound.error().message);
    return kExitUsage;
  }
  Result<std::unique_ptr<store::EvidenceStore>> opened = store::EvidenceStore::Open(o.db);
  if (!opened) {
    fmt::print(stderr, "highport collect: {}\n", opened.error().message);
    return kExitUsage;
  }
  store::EvidenceStore& db = **opened;
  net::UdpCollector& collector = **bound;
  std::string local = collector.local_endpoint().ToString();

  // One source per run: records are numbered by datagram within it.
  store::SourceRow source;
  source.kind = "collector";
  source.path = fmt::format("collect@{} {}", local, store::UtcTimestamp());
  // Two runs started in the same second (a collector restarted in a loop)
  // must not share a name: the evidence "collect@... packet 12" names one.
  if (Result<std::vector<store::SourceRow>> runs = db.Sources("collector"); runs) {
    const std::string first = source.path;
    for (int n = 2; std::any_of(runs->begin(), runs->end(),
                                [&](const store::SourceRow& r) { return r.path == source.path; });
         ++n) {
      source.path = fmt::format("{} #{}", first, n);
    }
  }
  Result<store::SourceRow> added = db.AddSource(source);
  if (!added) {
    fmt::print(stderr, "highport collect: {}\n", added.error().message);
    return kExitUsage;
  }
  source = *added;
  store::StoreSink sink(db, source, o.batch);
  // A commit that fails (the database held by another program for longer
  // than the busy timeout) is tried again at each tick, its records kept:
  // up to a million (some 150 MB), then collecting stops rather than
  // receive on and store nothing.
  constexpr size_t kMaxHeldRecords = 1'000'000;
  sink.KeepFailedBatches(kMaxHeldRecords);
  db.set_busy_timeout(200);
  ingest::NetflowDecoder decoder;
  // Templates outlive a run: a collector restarted (an upgrade, a reboot)
  // reads an exporter's data with the templates an earlier run stored, as
  // ingest does for rotated captures, instead of dropping it until the
  // exporter sends them again (Cisco: every 30 minutes).
  ingest::RememberedTemplates templates;
  if (Result<size_t> loaded = store::LoadTemplates(db, templates); !loaded) {
    fmt::print(stderr, "highport collect: {}\n", loaded.error().message);
  }
  decoder.set_remembered(&templates);
  uint64_t templates_stored_at = 0;  // the decoder's templates + withdrawals when last stored
  Diagnostics diagnostics;
  uint64_t not_netflow = 0;
  bool store_failed = false;

  // Findings go out as they come (a collector runs for weeks), not kept.
  // False when storing failed for good.
  auto flush = [&]() -> bool {
    PrintFindings(diagnostics, 20);
    diagnostics = Diagnostics{};
    if (sink.pending() == 0 && source.records == 0) return true;
    const bool was_retrying = sink.retrying();
    Result<bool> ok = sink.Flush();
    // (A restart forgets templates: stored too, or the next run recalls them.)
    const uint64_t template_changes =
        decoder.stats().templates + decoder.stats().withdrawn + decoder.stats().restarts;
    if (ok && template_changes != templates_stored_at) {
      Result<bool> kept = db.PutTemplates(source, templates.DefinedIn(source.path),
                                          templates.WithdrawnIn(source.path));
      if (kept) templates_stored_at = template_changes;
    }
    if (ok && was_retrying) {
      fmt::print(stderr, "highport collect: storing again; the records held meanwhile are stored\n");
    } else if (!ok && sink.retrying() && !was_retrying) {
      fmt::print(stderr, "highport collect: {}; {} record(s) held, tried again\n",
                 ok.error().message, sink.pending());
    } else if (!ok && !sink.retrying() && !store_failed) {
      fmt::print(stderr, "highport collect: {}; {} record(s) could not be stored: collecting stops\n",
                 ok.error().message, sink.pending());
      store_failed = true;
    }
    return !store_failed;
  };

  fmt::print(stderr, "highport collect: listening on {} (receive buffer {} KiB), storing into {}\n",
             local, collector.receive_buffer_bytes() / 1024, o.db);
  std::fflush(stderr);
  net::CollectorLimits limits;
  limits.duration = Millis(o.duration);
  limits.idle = Millis(o.idle);
  limits.max_datagrams = o.max_datagrams;
  net::CollectorRun run = collector.Run(
      limits,
      [&](const Endpoint& from, std::span<const uint8_t> payload, int64_t arrival_us) {
        ++source.records;
        SourceRef where{source.path, 0, source.records, 0};
        // (A damaged export packet goes to the decoder, which says where.)
        if (!ingest::LooksLikeNetflow(payload) && !ingest::ClaimsNetflowVersion(payload)) {
          if (++not_netflow <= 20) {
            diagnostics.Report(Finding{Finding::Severity::kWarning, "collect.not_netflow", where,
                                       fmt::format("a datagram from {} is not NetFlow or IPFIX",
                                                   from.ToString())});
          }
          ++source.skipped;
          return;
        }
        decoder.Decode(from, payload, arrival_us, where, sink, diagnostics);
      },
      [&](std::string& error) {
        if (flush()) return true;
        error = "storing failed";
        return false;
      });
  decoder.Finish(sink, diagnostics);
  source.complete = true;
  flush();
  // The last records wait for the database a while longer: nothing comes
  // in any more, and they are all this run has not stored.
  db.set_busy_timeout(10'000);
  for (int tries = 0; tries < 3 && sink.retrying() && !store_failed; ++tries) flush();
  if (sink.retrying() && !store_failed) {
    fmt::print(stderr, "highport collect: {} record(s) held could not be stored before the end\n",
               sink.pending());
    store_failed = true;
  }

  const ingest::NetflowStats& s = decoder.stats();
  // Data that came before its template was held (unknown_template counts
  // those sets); only what never found its template was dropped.
  fmt::print(stderr,
             "highport collect: stopped ({}): {} datagram(s), {} byte(s); {} flow record(s) "
             "stored, {} template(s), {} options record(s); {} data set(s) held until their "
             "template came; dropped: {} malformed, {} data set(s) whose template never came, "
             "{} template(s) over the template cap, {} datagram(s) over the exporter cap; {} "
             "sequence gap(s); {} datagram(s) not NetFlow\n",
             net::CollectorStopName(run.stop), run.datagrams, run.bytes, sink.stored(), s.templates,
             s.options_records, s.unknown_template - std::min(s.unknown_template, s.pending_dropped),
             s.malformed, s.pending_dropped, s.templates_dropped, s.exporters_dropped,
             s.sequence_gaps, not_netflow);
  if (run.stop == net::CollectorStop::kError && !store_failed) {
    fmt::print(stderr, "highport collect: receiving failed: {}\n", run.error);
    return kExitUsage;
  }
  return store_failed ? kExitUsage : kExitOk;
}

}  // namespace

int RunCollect(std::vector<std::string> args) {
  CLI::App app;
  CollectOptions options;
  Setup(app, options);
  if (std::optional<int> stop = ParseCommandLine(app, args)) return *stop;
  return Run(options);
}

}  // namespace highport::cli
