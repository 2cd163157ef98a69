// The evidence database (highport.db): SQLite in WAL mode, schema from
// store/schema.h. It keeps what the readers gave (observations, endpoint-
// mapper registrations, lost-event counts, whole socket inventories) per
// source file, so that evidence from many hosts and many log rotations adds
// up over weeks and every analysis can run again on all of it.
//
// Writes come in batches, each one transaction together with the source's
// progress (Commit): a process killed at any moment leaves the database at
// the end of its last batch, and the source row says how far that was, so
// the next ingest completes it (store/file_ingest.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ingest/netflow.h"
#include "ingest/traffic_sink.h"
#include "model/observation.h"
#include "model/records.h"
#include "model/result.h"

namespace SQLite {
class Database;
}

namespace highport::store {

// A file (or a collector run) whose evidence is in the database.
struct SourceRow {
  int64_t id = 0;
  std::string kind;  // "capture", "firewall-log", "inventory", "collector"
  std::string path;
  uint64_t prefix_bytes = 0;
  std::string prefix_hash;  // XXH3-64 of the first prefix_bytes bytes, hex
  uint64_t done_line = 0;   // firewall logs: rows up to this line are stored
  bool complete = false;    // the prefix was read to its end
  uint64_t records = 0;
  uint64_t stored = 0;
  uint64_t skipped = 0;
  bool local_time = false;  // times are the logging host's local time ("#Time Format: Local")
};

// What one transaction adds.
struct Batch {
  std::vector<FlowObservation> flows;
  std::vector<RpcRegistration> registrations;
  std::vector<std::pair<uint64_t, SourceRef>> lost;  // count, where
  bool empty() const { return flows.empty() && registrations.empty() && lost.empty(); }
};

struct StoredInventory {
  std::string path;
  std::string content;
};

struct ReplayStats {
  uint64_t sources = 0;
  uint64_t observations = 0;
  uint64_t registrations = 0;
  uint64_t firewall_log_observations = 0;  // of `observations`: rows of firewall logs
  std::vector<std::string> incomplete;  // sources whose last ingest did not finish
  uint64_t bad_addresses = 0;            // stored addresses that do not parse (edited by hand?)
  // Observations with local times were given to the sink as written (no
  // local-time sink was given to Replay).
  bool local_time = false;
};

struct ReplayOptions {
  // Observations of sources with local times go here instead when given (an
  // ingest::LocalTimeSink that makes them UTC).
  ingest::TrafficSink* local_time_sink = nullptr;
  // False: the caller took them from Registrations() already.
  bool registrations = true;
  // Sources whose observations and lost events are not given (their files
  // are read directly: StoredPrefixesOf, file_ingest.h).
  std::set<int64_t> leave_out;
  // Called now and then with the observations given so far and how many
  // there are (the sources' stored counts), for a progress bar.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

// Now, in UTC, as the database writes times: "2026-11-25T03:16:48Z".
std::string UtcTimestamp();

class EvidenceStore {
 public:
  // Opens or creates the database and brings its schema up to date. Refuses
  // a file that is not SQLite, a SQLite file of another program, and a
  // database written by a newer highport.
  // `create`: make the file when it is not there (ingest, collect); a
  // command that only reads says false and gets an error instead.
  static Result<std::unique_ptr<EvidenceStore>> Open(const std::string& path, bool create = true);
  // How long a statement waits for another program's write lock before it
  // fails (10 s from Open). A collector, which tries again each second with
  // its records kept, waits less: it receives nothing while it waits.
  void set_busy_timeout(int milliseconds);
  ~EvidenceStore();
  EvidenceStore(const EvidenceStore&) = delete;
  EvidenceStore& operator=(const EvidenceStore&) = delete;

  int schema_version() const { return schema_version_; }
  const std::string& path() const { return path_; }

  Result<std::vector<SourceRow>> Sources(std::string_view kind = {});
  // Inserts a source and returns it with its id.
  Result<SourceRow> AddSource(SourceRow source);
  // Forgets everything read from the source and updates its row, in one transaction.
  Result<bool> ResetSource(const SourceRow& source);
  // Adds the batch and updates the source's row (progress), in one transaction.
  Result<bool> Commit(const Batch& batch, const SourceRow& source);
  // Sets the inventory's content and its source row, in one transaction.
  Result<bool> PutInventory(const SourceRow& source, std::string_view content);

  // Replaces the NetFlow templates the source defined, and forgets those it
  // withdrew whichever source defined them (schema version 4).
  Result<bool> PutTemplates(const SourceRow& source,
                            const std::vector<ingest::StoredTemplate>& defined,
                            const std::vector<ingest::StoredTemplate>& withdrawn = {});
  // Every stored template with its source's path, the earliest defined first
  // (a later definition of the same template replaces an earlier one).
  struct TemplateRow {
    std::string path;
    ingest::StoredTemplate stored;
  };
  Result<std::vector<TemplateRow>> Templates();

  // The stored socket inventories, whole, oldest first.
  Result<std::vector<StoredInventory>> Inventories();
  // The stored endpoint-mapper answers, oldest source first: for a reader
  // that needs them before any traffic, its files' included (an answer
  // teaches which side of a flow is the server).
  // Sources in `leave_out` are left out; `bad_addresses` counts stored
  // addresses that do not parse (read as 0.0.0.0), as ReplayStats does.
  Result<std::vector<RpcRegistration>> Registrations(const std::set<int64_t>& leave_out = {},
                                                     uint64_t* bad_addresses = nullptr);
  // Gives every stored registration, observation and lost-event count to
  // the sink (registrations first, then per source in the order they were
  // read), as `options` say.
  Result<ReplayStats> Replay(ingest::TrafficSink& sink, const ReplayOptions& options = {});

 private:
  EvidenceStore(std::string path, std::unique_ptr<SQLite::Database> db);
  Result<bool> Migrate();

  std::string path_;
  std::unique_ptr<SQLite::Database> db_;
  int schema_version_ = 0;
};

}  // namespace highport::store
