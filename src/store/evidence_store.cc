#include "store/evidence_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "SQLiteCpp/SQLiteCpp.h"
#include <sqlite3.h>
#include "fmt/format.h"
#include "ingest/traffic_load.h"
#include "store/schema.h"

namespace highport::store {
namespace {

// PRAGMA application_id: "hpdb". Tells a highport database from another
// program's SQLite file before anything is written to it.
constexpr int kApplicationId = 0x68706462;

int64_t I(uint64_t value) { return static_cast<int64_t>(value); }

// A stored enum value, clamped into the enum's range (the file may have been edited).
template <typename Enum>
Enum Small(const SQLite::Column& column, int max) {
  return static_cast<Enum>(std::clamp(column.getInt(), 0, max));
}

template <typename Fn>
auto Guard(const std::string& path, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Error{fmt::format("{}: {}", path, e.what())};
  }
}

SourceRow ReadSource(SQLite::Statement& q) {
  SourceRow s;
  s.id = q.getColumn(0).getInt64();
  s.kind = q.getColumn(1).getString();
  s.path = q.getColumn(2).getString();
  s.prefix_bytes = static_cast<uint64_t>(q.getColumn(3).getInt64());
  s.prefix_hash = q.getColumn(4).getString();
  s.done_line = static_cast<uint64_t>(q.getColumn(5).getInt64());
  s.complete = q.getColumn(6).getInt() != 0;
  s.records = static_cast<uint64_t>(q.getColumn(7).getInt64());
  s.stored = static_cast<uint64_t>(q.getColumn(8).getInt64());
  s.skipped = static_cast<uint64_t>(q.getColumn(9).getInt64());
  s.local_time = q.getColumn(10).getInt() != 0;
  return s;
}

// Parameters 1-9 of an INSERT or UPDATE of `source`, in the column order
// kind, path, prefix_bytes, prefix_hash, done_line, complete, records, stored, skipped.
void BindSource(SQLite::Statement& q, const SourceRow& s) {
  q.bind(1, s.kind);
  q.bind(2, s.path);
  q.bind(3, I(s.prefix_bytes));
  q.bind(4, s.prefix_hash);
  q.bind(5, I(s.done_line));
  q.bind(6, s.complete ? 1 : 0);
  q.bind(7, I(s.records));
  q.bind(8, I(s.stored));
  q.bind(9, I(s.skipped));
  q.bind(10, s.local_time ? 1 : 0);
}

void UpdateSource(SQLite::Database& db, const SourceRow& s) {
  SQLite::Statement q(db,
                      "UPDATE source SET kind=?, path=?, prefix_bytes=?, prefix_hash=?, done_line=?, "
                      "complete=?, records=?, stored=?, skipped=?, local_time=?, last_ingest=? "
                      "WHERE id=?");
  BindSource(q, s);
  q.bind(11, UtcTimestamp());
  q.bind(12, s.id);
  q.exec();
}

void InsertFlows(SQLite::Database& db, int64_t source_id, const std::vector<FlowObservation>& flows) {
  if (flows.empty()) return;
  SQLite::Statement q(db,
                      "INSERT INTO observation (source_id, src, src_port, dst, dst_port, "
                      "transport, ip_protocol, first_us, last_us, packets, bytes, connections, "
                      "tcp_flags, initiator, evidence, action, local_side, pid, line, packet, "
                      "offset, one_direction) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const FlowObservation& f : flows) {
    q.bind(1, source_id);
    q.bind(2, f.src.address.ToString());
    q.bind(3, f.src.port);
    q.bind(4, f.dst.address.ToString());
    q.bind(5, f.dst.port);
    q.bind(6, static_cast<int>(f.src.proto));
    q.bind(7, f.ip_protocol);
    q.bind(8, f.first_us);
    q.bind(9, f.last_us);
    q.bind(10, I(f.packets));
    q.bind(11, I(f.bytes));
    q.bind(12, I(f.connections));
    q.bind(13, f.tcp_flags);
    q.bind(14, static_cast<int>(f.initiator));
    q.bind(15, static_cast<int>(f.initiator_evidence));
    q.bind(16, static_cast<int>(f.action));
    q.bind(17, static_cast<int>(f.local_side));
    if (f.pid) {
      q.bind(18, *f.pid);
    } else {
      q.bind(18);
    }
    q.bind(19, I(f.source.line));
    q.bind(20, I(f.source.packet));
    q.bind(21, I(f.source.offset));
    q.bind(22, f.one_direction ? 1 : 0);
    q.exec();
    q.reset();
  }
}

void InsertRegistrations(SQLite::Database& db, int64_t source_id,
                         const std::vector<RpcRegistration>& registrations) {
  if (registrations.empty()) return;
  SQLite::Statement q(db, "INSERT INTO rpc_registration VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const RpcRegistration& r : registrations) {
    q.bind(1, source_id);
    q.bind(2, r.host);
    q.bind(3, r.uuid);
    q.bind(4, r.version_major);
    q.bind(5, r.version_minor);
    q.bind(6, r.annotation);
    q.bind(7, r.protocol);
    if (r.endpoint) {
      q.bind(8, r.endpoint->address.ToString());
      q.bind(9, static_cast<int>(r.endpoint->proto));
      q.bind(10, r.endpoint->port);
    } else {
      q.bind(8);
      q.bind(9);
      q.bind(10);
    }
    q.bind(11, r.address_text);
    q.bind(12, r.pipe);
    q.bind(13, r.binding);
    q.bind(14, I(r.source.line));
    q.bind(15, I(r.source.packet));
    q.bind(16, I(r.source.offset));
    q.exec();
    q.reset();
  }
}

void InsertLost(SQLite::Database& db, int64_t source_id,
                const std::vector<std::pair<uint64_t, SourceRef>>& lost) {
  if (lost.empty()) return;
  SQLite::Statement q(db, "INSERT INTO lost_events VALUES (?,?,?,?)");
  for (const auto& [count, where] : lost) {
    q.bind(1, source_id);
    q.bind(2, I(count));
    q.bind(3, I(where.line));
    q.bind(4, I(where.packet));
    q.exec();
    q.reset();
  }
}

// An address the database holds; a row written by hand that does not parse
// is replaced by the unspecified address rather than dropped, and counted.
IpAddress ParseStored(std::string_view text, uint64_t& bad) {
  std::optional<IpAddress> address = IpAddress::Parse(text);
  if (address) return *address;
  ++bad;
  return IpAddress();
}

// An address column of the observations: consecutive rows mostly name the
// same hosts, so a text is parsed once for each run of it (parsing every
// row's two addresses was a tenth of a replay).
class StoredAddresses {
 public:
  const IpAddress& Read(const SQLite::Column& column, uint64_t& bad) {
    const char* data = column.getText();
    const std::string_view text(data, static_cast<size_t>(column.getBytes()));
    if (!read_ || text != text_) {
      text_.assign(text);
      const uint64_t before = bad;
      address_ = ParseStored(text, bad);
      bad_ = bad != before;
      read_ = true;
    } else if (bad_) {
      ++bad;  // counted per row, as the first time
    }
    return address_;
  }

 private:
  bool read_ = false;
  bool bad_ = false;
  std::string text_;
  IpAddress address_;
};

// " WHERE column NOT IN (1,2)" for the sources left out, or "" (ids are
// integers: nothing to quote).
std::string LeftOutClause(const std::set<int64_t>& leave_out, std::string_view column) {
  if (leave_out.empty()) return "";
  std::string ids;
  for (int64_t id : leave_out) ids += fmt::format("{}{}", ids.empty() ? "" : ",", id);
  return fmt::format(" WHERE {} NOT IN ({})", column, ids);
}

// Every stored endpoint-mapper answer, oldest source first, to `take`;
// returns how many there were.
template <class Take>
uint64_t ReadRegistrations(SQLite::Database& db, const std::string& where, uint64_t& bad_addresses,
                           Take&& take) {
  SQLite::Statement q(db,
                      "SELECT s.path, r.host, r.uuid, r.version_major, r.version_minor, "
                      "r.annotation, r.protocol, r.address, r.transport, r.port, r.address_text, "
                      "r.pipe, r.binding, r.line, r.packet, r.offset FROM rpc_registration r "
                      "JOIN source s ON s.id = r.source_id" + where +
                          " ORDER BY r.source_id, r.rowid");
  uint64_t count = 0;
  while (q.executeStep()) {
    RpcRegistration r;
    r.source.file = q.getColumn(0).getString();
    r.host = q.getColumn(1).getString();
    r.uuid = q.getColumn(2).getString();
    r.version_major = static_cast<uint16_t>(q.getColumn(3).getInt());
    r.version_minor = static_cast<uint16_t>(q.getColumn(4).getInt());
    r.annotation = q.getColumn(5).getString();
    r.protocol = q.getColumn(6).getString();
    if (!q.getColumn(7).isNull()) {
      Endpoint e;
      e.address = ParseStored(q.getColumn(7).getString(), bad_addresses);
      e.proto = q.getColumn(8).getInt() == 1 ? Proto::kUdp : Proto::kTcp;
      e.port = static_cast<uint16_t>(q.getColumn(9).getInt());
      r.endpoint = e;
    }
    r.address_text = q.getColumn(10).getString();
    r.pipe = q.getColumn(11).getString();
    r.binding = q.getColumn(12).getString();
    r.source.line = static_cast<uint64_t>(q.getColumn(13).getInt64());
    r.source.packet = static_cast<uint64_t>(q.getColumn(14).getInt64());
    r.source.offset = static_cast<uint64_t>(q.getColumn(15).getInt64());
    take(r);
    ++count;
  }
  return count;
}

}  // namespace

std::string UtcTimestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

EvidenceStore::EvidenceStore(std::string path, std::unique_ptr<SQLite::Database> db)
    : path_(std::move(path)), db_(std::move(db)) {}

EvidenceStore::~EvidenceStore() = default;

Result<std::unique_ptr<EvidenceStore>> EvidenceStore::Open(const std::string& path, bool create) {
  if (struct stat st {}; !create && ::stat(path.c_str(), &st) != 0) {
    return Error{fmt::format("{}: no such database (highport ingest and highport collect make one)",
                             path)};
  }
  return Guard(path, [&]() -> Result<std::unique_ptr<EvidenceStore>> {
    // Another highport (a running collector) may hold the write lock for a
    // batch: wait for it rather than fail. A connection is only ever used by
    // one thread (the reader's second thread never reaches the sink), so
    // SQLite need not lock its own mutex around every call: that was a fifth
    // of an ingest and an eighth of a replay.
    auto db = std::make_unique<SQLite::Database>(
        path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX, 10'000);
    std::unique_ptr<EvidenceStore> store(new EvidenceStore(path, std::move(db)));
    Result<bool> migrated = store->Migrate();
    if (!migrated) return migrated.error();
    return store;
  });
}

void EvidenceStore::set_busy_timeout(int milliseconds) { db_->setBusyTimeout(milliseconds); }

Result<bool> EvidenceStore::Migrate() {
  SQLite::Database& db = *db_;
  // Reading the header first also tells a file that is not SQLite at all.
  // (One statement, one snapshot: another highport making the database at
  // this moment must not be seen half, its tables but not yet its id.)
  int application_id = 0, version = 0, tables = 0;
  {
    SQLite::Statement header(db,
                             "SELECT (SELECT application_id FROM pragma_application_id), "
                             "(SELECT user_version FROM pragma_user_version), "
                             "(SELECT count(*) FROM sqlite_schema)");
    header.executeStep();
    application_id = header.getColumn(0).getInt();
    version = header.getColumn(1).getInt();
    tables = header.getColumn(2).getInt();
  }
  if (application_id != kApplicationId && (application_id != 0 || tables > 0)) {
    return Error{fmt::format("{}: a SQLite database, but not one of highport's", path_)};
  }
  if (version > CurrentSchemaVersion()) {
    return Error{fmt::format("{}: written by a newer highport (schema {}; this one knows up to {})",
                             path_, version, CurrentSchemaVersion())};
  }
  // WAL: readers (flows --db) and one writer (ingest, collect) at the same
  // time; NORMAL sync is still safe against a killed process.
  // (Turning a new database to WAL needs it alone, and SQLite answers
  // "locked" at once rather than wait when another highport opens it at the
  // same moment: a collector started beside an ingest. Tried again, bounded.)
  for (int tries = 1;; ++tries) {
    try {
      db.exec("PRAGMA journal_mode=WAL");
      break;
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() != SQLITE_BUSY || tries == 200) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  db.exec("PRAGMA synchronous=NORMAL");
  for (const Migration& m : Migrations()) {
    if (m.version <= version) continue;
    // Two highports opening a new database at once (two ingests started
    // together) both read version 0 above: each migration takes the write
    // lock first and reads the version again under it, so only one runs it.
    SQLite::Transaction transaction(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    version = db.execAndGet("PRAGMA user_version").getInt();
    if (m.version <= version) continue;
    db.exec(std::string(m.sql));
    db.exec(fmt::format("PRAGMA user_version = {}", m.version));
    db.exec(fmt::format("PRAGMA application_id = {}", kApplicationId));
    transaction.commit();
    version = m.version;
  }
  schema_version_ = version;
  return true;
}

Result<std::vector<SourceRow>> EvidenceStore::Sources(std::string_view kind) {
  return Guard(path_, [&]() -> Result<std::vector<SourceRow>> {
    SQLite::Statement q(*db_,
                        "SELECT id, kind, path, prefix_bytes, prefix_hash, done_line, complete, "
                        "records, stored, skipped, local_time FROM source WHERE ?1 = '' OR kind = ?1 ORDER BY id");
    q.bind(1, std::string(kind));
    std::vector<SourceRow> rows;
    while (q.executeStep()) rows.push_back(ReadSource(q));
    return rows;
  });
}

Result<SourceRow> EvidenceStore::AddSource(SourceRow source) {
  return Guard(path_, [&]() -> Result<SourceRow> {
    SQLite::Statement q(*db_,
                        "INSERT INTO source (kind, path, prefix_bytes, prefix_hash, done_line, "
                        "complete, records, stored, skipped, local_time, first_ingest, last_ingest) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    std::string now = UtcTimestamp();
    BindSource(q, source);
    q.bind(11, now);
    q.bind(12, now);
    q.exec();
    source.id = db_->getLastInsertRowid();
    return source;
  });
}

Result<bool> EvidenceStore::ResetSource(const SourceRow& source) {
  return Guard(path_, [&]() -> Result<bool> {
    SQLite::Transaction transaction(*db_);
    for (const char* table :
         {"observation", "rpc_registration", "lost_events", "inventory", "netflow_template"}) {
      SQLite::Statement q(*db_, fmt::format("DELETE FROM {} WHERE source_id = ?", table));
      q.bind(1, source.id);
      q.exec();
    }
    UpdateSource(*db_, source);
    transaction.commit();
    return true;
  });
}

Result<bool> EvidenceStore::Commit(const Batch& batch, const SourceRow& source) {
  return Guard(path_, [&]() -> Result<bool> {
    SQLite::Transaction transaction(*db_);
    InsertFlows(*db_, source.id, batch.flows);
    InsertRegistrations(*db_, source.id, batch.registrations);
    InsertLost(*db_, source.id, batch.lost);
    UpdateSource(*db_, source);
    transaction.commit();
    return true;
  });
}

Result<bool> EvidenceStore::PutInventory(const SourceRow& source, std::string_view content) {
  return Guard(path_, [&]() -> Result<bool> {
    SQLite::Transaction transaction(*db_);
    SQLite::Statement q(*db_, "INSERT OR REPLACE INTO inventory (source_id, content) VALUES (?, ?)");
    q.bind(1, source.id);
    q.bind(2, content.data(), static_cast<int>(content.size()));
    q.exec();
    UpdateSource(*db_, source);
    transaction.commit();
    return true;
  });
}

Result<bool> EvidenceStore::PutTemplates(const SourceRow& source,
                                         const std::vector<ingest::StoredTemplate>& defined,
                                         const std::vector<ingest::StoredTemplate>& withdrawn) {
  return Guard(path_, [&]() -> Result<bool> {
    SQLite::Transaction transaction(*db_);
    SQLite::Statement clear(*db_, "DELETE FROM netflow_template WHERE source_id = ?");
    clear.bind(1, source.id);
    clear.exec();
    SQLite::Statement forget(*db_,
                             "DELETE FROM netflow_template WHERE exporter = ? AND exporter_port = ? "
                             "AND template_key = ?");
    for (const ingest::StoredTemplate& t : withdrawn) {
      forget.bind(1, t.exporter.address.ToString());
      forget.bind(2, t.exporter.port);
      forget.bind(3, static_cast<int64_t>(t.key));
      forget.exec();
      forget.reset();
    }
    SQLite::Statement q(*db_, "INSERT INTO netflow_template VALUES (?,?,?,?,?,?,?)");
    for (const ingest::StoredTemplate& t : defined) {
      q.bind(1, source.id);
      q.bind(2, t.exporter.address.ToString());
      q.bind(3, t.exporter.port);
      q.bind(4, static_cast<int64_t>(t.key));
      q.bind(5, t.options ? 1 : 0);
      q.bind(6, t.fields.data(), static_cast<int>(t.fields.size()));
      q.bind(7, t.defined_us);
      q.exec();
      q.reset();
    }
    transaction.commit();
    return true;
  });
}

Result<std::vector<EvidenceStore::TemplateRow>> EvidenceStore::Templates() {
  return Guard(path_, [&]() -> Result<std::vector<TemplateRow>> {
    std::vector<TemplateRow> rows;
    SQLite::Statement q(*db_,
                        "SELECT s.path, t.exporter, t.exporter_port, t.template_key, t.options, "
                        "t.fields, t.defined_us FROM netflow_template t JOIN source s ON s.id = "
                        "t.source_id ORDER BY t.defined_us, t.source_id");
    while (q.executeStep()) {
      // A row edited by hand into nonsense is left out, not guessed at.
      const std::optional<IpAddress> address = IpAddress::Parse(q.getColumn(1).getString());
      const int64_t port = q.getColumn(2).getInt64();
      if (!address || port < 0 || port > 65535) continue;
      TemplateRow& row = rows.emplace_back();
      row.path = q.getColumn(0).getString();
      row.stored.exporter = {*address, Proto::kUdp, static_cast<uint16_t>(port)};
      row.stored.key = static_cast<uint64_t>(q.getColumn(3).getInt64());
      row.stored.options = q.getColumn(4).getInt() != 0;
      const SQLite::Column fields = q.getColumn(5);
      const auto* bytes = static_cast<const uint8_t*>(fields.getBlob());
      row.stored.fields.assign(bytes, bytes + fields.getBytes());
      row.stored.defined_us = q.getColumn(6).getInt64();
    }
    return rows;
  });
}

Result<std::vector<StoredInventory>> EvidenceStore::Inventories() {
  return Guard(path_, [&]() -> Result<std::vector<StoredInventory>> {
    std::vector<StoredInventory> inventories;
    SQLite::Statement q(*db_,
                        "SELECT s.path, i.content FROM inventory i JOIN source s ON s.id = "
                        "i.source_id ORDER BY i.source_id");
    while (q.executeStep()) {
      const SQLite::Column content = q.getColumn(1);
      inventories.push_back({q.getColumn(0).getString(),
                             std::string(static_cast<const char*>(content.getBlob()),
                                         static_cast<size_t>(content.getBytes()))});
    }
    return inventories;
  });
}

Result<std::vector<RpcRegistration>> EvidenceStore::Registrations(const std::set<int64_t>& leave_out,
                                                                  uint64_t* bad_addresses) {
  return Guard(path_, [&]() -> Result<std::vector<RpcRegistration>> {
    std::vector<RpcRegistration> registrations;
    uint64_t bad = 0;
    ReadRegistrations(*db_, LeftOutClause(leave_out, "r.source_id"), bad,
                      [&](const RpcRegistration& r) { registrations.push_back(r); });
    if (bad_addresses) *bad_addresses += bad;
    return registrations;
  });
}

Result<ReplayStats> EvidenceStore::Replay(ingest::TrafficSink& sink,
                                          const ReplayOptions& options) {
  ingest::TrafficSink* local_time_sink = options.local_time_sink;
  const std::string where = LeftOutClause(options.leave_out, "source_id");
  return Guard(path_, [&]() -> Result<ReplayStats> {
    ReplayStats stats;
    uint64_t bad_addresses = 0;
    // One read transaction: a collector committing meanwhile is not seen halfway.
    SQLite::Transaction snapshot(*db_, SQLite::TransactionBehavior::DEFERRED);
    std::map<int64_t, std::string> paths;
    std::set<int64_t> local_time;  // sources whose times are local
    std::set<int64_t> firewall_logs;
    uint64_t expected = 0;  // observations (and registrations) stored, for the progress
    {
      SQLite::Statement q(*db_,
                          "SELECT id, path, complete, kind, local_time, stored FROM source ORDER BY id");
      while (q.executeStep()) {
        paths[q.getColumn(0).getInt64()] = q.getColumn(1).getString();
        if (q.getColumn(4).getInt() != 0) local_time.insert(q.getColumn(0).getInt64());
        if (q.getColumn(3).getString() == ingest::EvidenceKindName(ingest::EvidenceKind::kFirewallLog)) {
          firewall_logs.insert(q.getColumn(0).getInt64());
        }
        if (options.leave_out.count(q.getColumn(0).getInt64())) continue;
        ++stats.sources;
        expected += static_cast<uint64_t>(q.getColumn(5).getInt64());
        if (q.getColumn(2).getInt() == 0 && q.getColumn(3).getString() != "collector") {
          stats.incomplete.push_back(q.getColumn(1).getString());
        }
      }
    }
    if (options.registrations) {
      stats.registrations = ReadRegistrations(*db_, LeftOutClause(options.leave_out, "r.source_id"),
                                              bad_addresses, [&](const RpcRegistration& r) {
        sink.OnRpcRegistration(r);
      });
    }
    {
      SQLite::Statement q(*db_, "SELECT source_id, count, line, packet FROM lost_events" + where +
                                    " ORDER BY source_id, rowid");
      while (q.executeStep()) {
        SourceRef where;
        where.file = paths[q.getColumn(0).getInt64()];
        where.line = static_cast<uint64_t>(q.getColumn(2).getInt64());
        where.packet = static_cast<uint64_t>(q.getColumn(3).getInt64());
        sink.OnLostEvents(static_cast<uint64_t>(q.getColumn(1).getInt64()), where);
      }
    }
    SQLite::Statement q(*db_,
                        "SELECT source_id, src, src_port, dst, dst_port, transport, ip_protocol, "
                        "first_us, last_us, packets, bytes, connections, tcp_flags, initiator, "
                        "evidence, action, local_side, pid, line, packet, offset, one_direction "
                        "FROM observation" + where + " ORDER BY source_id, rowid");
    FlowObservation f;
    int64_t current_source = -1;
    ingest::TrafficSink* to = &sink;
    bool local = false;
    bool firewall_log = false;
    // The columns are taken once (each getColumn() copies a shared pointer)
    // and read again for every row.
    std::vector<SQLite::Column> c;
    StoredAddresses src_addresses, dst_addresses;
    while (q.executeStep()) {
      if (c.empty()) {
        for (int i = 0; i < q.getColumnCount(); ++i) c.push_back(q.getColumn(i));
      }
      int64_t source_id = c[0].getInt64();
      if (source_id != current_source) {
        current_source = source_id;
        f.source.file = paths[source_id];
        local = local_time.count(source_id) > 0;
        to = local && local_time_sink ? local_time_sink : &sink;
        firewall_log = firewall_logs.count(source_id) > 0;
      }
      stats.firewall_log_observations += firewall_log;
      Proto proto = c[5].getInt() == 1 ? Proto::kUdp : Proto::kTcp;
      f.src = Endpoint{src_addresses.Read(c[1], bad_addresses), proto,
                       static_cast<uint16_t>(c[2].getInt())};
      f.dst = Endpoint{dst_addresses.Read(c[3], bad_addresses), proto,
                       static_cast<uint16_t>(c[4].getInt())};
      f.ip_protocol = static_cast<uint8_t>(c[6].getInt());
      f.first_us = c[7].getInt64();
      f.last_us = c[8].getInt64();
      f.packets = static_cast<uint64_t>(c[9].getInt64());
      f.bytes = static_cast<uint64_t>(c[10].getInt64());
      f.connections = static_cast<uint64_t>(c[11].getInt64());
      f.tcp_flags = static_cast<uint8_t>(c[12].getInt());
      f.initiator = Small<Initiator>(c[13], 2);
      f.initiator_evidence = Small<InitiatorEvidence>(c[14], 3);
      f.action = Small<TrafficAction>(c[15], 2);
      f.local_side = Small<LocalSide>(c[16], 2);
      f.pid = c[17].isNull() ? std::nullopt : std::optional<uint32_t>(c[17].getUInt());
      f.source.line = static_cast<uint64_t>(c[18].getInt64());
      f.source.packet = static_cast<uint64_t>(c[19].getInt64());
      f.source.offset = static_cast<uint64_t>(c[20].getInt64());
      f.one_direction = c[21].getInt() != 0;
      to->OnFlow(f);
      if ((++stats.observations & 0xffff) == 0 && options.progress) {
        options.progress(stats.observations, std::max(expected, stats.observations));
      }
      stats.local_time = stats.local_time || (local && !local_time_sink);
    }
    snapshot.commit();
    stats.bad_addresses = bad_addresses;
    return stats;
  });
}

}  // namespace highport::store
