// The evidence database: opening (schema, refusals), fingerprints, and the
// promise of file_ingest.h: the same file counts once, a grown log adds only
// its new rows, a half-written last line waits, an interrupted ingest is
// completed, and what comes back out equals what the readers gave.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "SQLiteCpp/SQLiteCpp.h"
#include "fmt/format.h"
#include "gtest/gtest.h"
#include "ingest/collecting_sink.h"
#include "ingest/local_time.h"
#include "ingest/traffic_load.h"
#include "store/evidence_store.h"
#include "store/file_ingest.h"
#include "store/fingerprint.h"
#include "store/schema.h"
#include "store/store_sink.h"

namespace highport::store {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("highport-store-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  void Write(const std::string& name, const std::string& bytes, bool append = false) const {
    std::ofstream out(Path(name), std::ios::binary | (append ? std::ios::app : std::ios::trunc));
    out << bytes;
  }
  std::unique_ptr<EvidenceStore> OpenDb(const std::string& name = "t.db") const {
    Result<std::unique_ptr<EvidenceStore>> db = EvidenceStore::Open(Path(name));
    EXPECT_TRUE(db) << (db ? "" : db.error().message);
    return db ? std::move(*db) : nullptr;
  }
  IngestReport Ingest(EvidenceStore& db, const std::string& name, size_t batch = 3) {
    IngestOptions options;
    options.batch_size = batch;
    Diagnostics diagnostics;
    Result<IngestReport> r = IngestFile(db, Path(name), options, diagnostics);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r : IngestReport{};
  }

  fs::path dir_;
};

constexpr std::string_view kHeader =
    "#Version: 1.5\n#Software: Microsoft Windows Firewall\n#Time Format: Local\n"
    "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn "
    "tcpack tcpwin icmptype icmpcode info path\n\n";

// Row i: a distinct connection from 10.0.0.<i%200> to the DC's port 49670 + i%7.
std::string Rows(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) {
    out += fmt::format("2024-05-01 10:{:02}:{:02} ALLOW TCP 10.0.0.{} 10.0.1.5 {} {} 0 - 0 0 0 - - - SEND\n",
                       (i / 60) % 60, i % 60, i % 200 + 1, 50000 + i, 49670 + i % 7);
  }
  return out;
}

// What the reader gives straight from the file, to compare with the database.
std::vector<FlowObservation> ReadDirect(const std::string& path) {
  ingest::CollectingSink sink;
  Diagnostics diagnostics;
  Result<ingest::EvidenceKind> kind = ingest::DetectEvidence(path);
  EXPECT_TRUE(kind);
  EXPECT_TRUE(ingest::ReadTrafficFile(path, *kind, sink, diagnostics));
  return sink.flows;
}

std::vector<FlowObservation> ReadStored(EvidenceStore& db) {
  ingest::CollectingSink sink;
  Result<ReplayStats> replayed = db.Replay(sink);
  EXPECT_TRUE(replayed) << (replayed ? "" : replayed.error().message);
  return sink.flows;
}

// Field by field, the source's file name included.
void ExpectSameObservations(const std::vector<FlowObservation>& a,
                            const std::vector<FlowObservation>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(fmt::format("observation {}", i));
    EXPECT_EQ(a[i].src, b[i].src);
    EXPECT_EQ(a[i].dst, b[i].dst);
    EXPECT_EQ(a[i].ip_protocol, b[i].ip_protocol);
    EXPECT_EQ(a[i].first_us, b[i].first_us);
    EXPECT_EQ(a[i].last_us, b[i].last_us);
    EXPECT_EQ(a[i].packets, b[i].packets);
    EXPECT_EQ(a[i].bytes, b[i].bytes);
    EXPECT_EQ(a[i].connections, b[i].connections);
    EXPECT_EQ(a[i].tcp_flags, b[i].tcp_flags);
    EXPECT_EQ(a[i].initiator, b[i].initiator);
    EXPECT_EQ(a[i].initiator_evidence, b[i].initiator_evidence);
    EXPECT_EQ(a[i].action, b[i].action);
    EXPECT_EQ(a[i].local_side, b[i].local_side);
    EXPECT_EQ(a[i].pid, b[i].pid);
    EXPECT_EQ(a[i].one_direction, b[i].one_direction);
    EXPECT_EQ(a[i].source.file, b[i].source.file);
    EXPECT_EQ(a[i].source.line, b[i].source.line);
    EXPECT_EQ(a[i].source.packet, b[i].source.packet);
  }
}

TEST_F(StoreTest, NewDatabaseHasTheCurrentSchemaInWalMode) {
  auto db = OpenDb();
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schema_version(), CurrentSchemaVersion());
  SQLite::Database raw(Path("t.db"));
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), CurrentSchemaVersion());
  // Opening again migrates nothing and keeps what is there.
  ASSERT_TRUE(db->AddSource(SourceRow{0, "capture", "a.pcap", 10, "00", 0, true, 1, 1, 0}));
  db.reset();
  auto again = OpenDb();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->Sources()->size(), 1u);
}

TEST_F(StoreTest, ANewDatabaseOpenedByManyAtOnceIsMadeOnce) {
  // An ingest and a collector started together on a database not there yet.
  constexpr int kOpeners = 6;
  std::vector<std::thread> openers;
  std::vector<std::string> errors(kOpeners);
  for (int i = 0; i < kOpeners; ++i) {
    openers.emplace_back([&, i] {
      auto db = EvidenceStore::Open(Path("together.db"));
      if (!db) errors[i] = db.error().message;
    });
  }
  for (std::thread& t : openers) t.join();
  for (const std::string& e : errors) EXPECT_EQ(e, "");
  SQLite::Database raw(Path("together.db"));
  EXPECT_EQ(raw.execAndGet("PRAGMA user_version").getInt(), CurrentSchemaVersion());
  EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST_F(StoreTest, RefusesWhatIsNotItsDatabase) {
  Write("text.db", "this is not a database, just text that is long enough to be read\n");
  Result<std::unique_ptr<EvidenceStore>> text = EvidenceStore::Open(Path("text.db"));
  ASSERT_FALSE(text);
  EXPECT_NE(text.error().message.find("text.db"), std::string::npos);
  {
    SQLite::Database other(Path("other.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE TABLE mine (x)");
  }
  Result<std::unique_ptr<EvidenceStore>> other = EvidenceStore::Open(Path("other.db"));
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("not one of highport's"), std::string::npos);
  {
    auto db = OpenDb("newer.db");
    ASSERT_TRUE(db);
  }
  {
    SQLite::Database raw(Path("newer.db"), SQLite::OPEN_READWRITE);
    raw.exec(fmt::format("PRAGMA user_version = {}", CurrentSchemaVersion() + 1));
  }
  Result<std::unique_ptr<EvidenceStore>> newer = EvidenceStore::Open(Path("newer.db"));
  ASSERT_FALSE(newer);
  EXPECT_NE(newer.error().message.find("newer highport"), std::string::npos);
}

// A database written at schema 1 (before one_direction) opens, is migrated,
// and keeps its rows; their new column reads as the default.
TEST_F(StoreTest, AnOlderDatabaseIsMigratedAndKeepsItsRows) {
  {
    SQLite::Database raw(Path("v1.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec(std::string(Migrations()[0].sql));
    raw.exec("PRAGMA user_version = 1");
    raw.exec("PRAGMA application_id = 1752196194");  // "hpdb"
    raw.exec("INSERT INTO source (kind, path, prefix_bytes, prefix_hash, first_ingest, last_ingest) "
             "VALUES ('capture', 'old.pcap', 10, 'ab', 'x', 'x')");
    raw.exec("INSERT INTO observation VALUES (1, '10.0.0.7', 51000, '10.0.1.5', 49671, 0, 6, 1, 2, "
             "3, 400, 1, 2, 1, 1, 0, 0, NULL, 0, 1, 0)");
  }
  auto db = OpenDb("v1.db");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schema_version(), CurrentSchemaVersion());
  std::vector<FlowObservation> rows = ReadStored(*db);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].dst.port, 49671);
  EXPECT_EQ(rows[0].bytes, 400u);
  EXPECT_FALSE(rows[0].one_direction);
}

// Schema 2 knew nothing of local times: its firewall logs are marked local
// (Windows writes no other time format), its captures are not.
TEST_F(StoreTest, FirewallLogsOfASchema2DatabaseAreMarkedLocal) {
  {
    SQLite::Database raw(Path("v2.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec(std::string(Migrations()[0].sql));
    raw.exec(std::string(Migrations()[1].sql));
    raw.exec("PRAGMA user_version = 2");
    raw.exec("PRAGMA application_id = 1752196194");
    raw.exec("INSERT INTO source (kind, path, prefix_bytes, prefix_hash, first_ingest, last_ingest) "
             "VALUES ('firewall-log', 'pfirewall.log', 10, 'ab', 'x', 'x'), "
             "('capture', 'c.pcap', 10, 'cd', 'x', 'x')");
  }
  auto db = OpenDb("v2.db");
  ASSERT_TRUE(db);
  Result<std::vector<SourceRow>> sources = db->Sources();
  ASSERT_TRUE(sources);
  ASSERT_EQ(sources->size(), 2u);
  EXPECT_TRUE((*sources)[0].local_time);
  EXPECT_FALSE((*sources)[1].local_time);
}

// A log's local times are stored as written and marked; --log-timezone's
// sink converts them when they are read back, and only theirs.
TEST_F(StoreTest, StoredLocalTimesAreConvertedWhenAZoneIsGiven) {
  Write("pfirewall.log", std::string(kHeader) + Rows(0, 5));
  Write("utc.log", std::string(kHeader).replace(kHeader.find("Local"), 5, "UTC") + Rows(5, 7));
  auto db = OpenDb();
  Ingest(*db, "pfirewall.log");
  Ingest(*db, "utc.log");
  Result<std::vector<SourceRow>> sources = db->Sources();
  ASSERT_TRUE(sources);
  ASSERT_EQ(sources->size(), 2u);
  EXPECT_TRUE((*sources)[0].local_time);
  EXPECT_FALSE((*sources)[1].local_time);

  ingest::CollectingSink as_written;
  Result<ReplayStats> plain = db->Replay(as_written);
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->local_time);  // the caller must say the times are local

  Result<ingest::LogTimeZone> zone = ingest::LogTimeZone::Parse("+02:00");
  ASSERT_TRUE(zone);
  ingest::CollectingSink converted;
  ingest::LocalTimeSink to_utc(converted, *zone);
  Result<ReplayStats> replayed = db->Replay(converted, {.local_time_sink = &to_utc});
  ASSERT_TRUE(replayed);
  EXPECT_FALSE(replayed->local_time);
  ASSERT_EQ(converted.flows.size(), 7u);
  ASSERT_EQ(as_written.flows.size(), 7u);
  constexpr int64_t kTwoHours = int64_t{2} * 3600 * 1000000;
  for (size_t i = 0; i < 7; ++i) {
    SCOPED_TRACE(converted.flows[i].source.file);
    int64_t shift = i < 5 ? kTwoHours : 0;  // utc.log's rows stay
    EXPECT_EQ(converted.flows[i].first_us, as_written.flows[i].first_us - shift);
    EXPECT_EQ(converted.flows[i].last_us, as_written.flows[i].last_us - shift);
  }
}

TEST_F(StoreTest, ReadersDoNotMakeADatabase) {
  Result<std::unique_ptr<EvidenceStore>> db = EvidenceStore::Open(Path("none.db"), /*create=*/false);
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("no such database"), std::string::npos);
  EXPECT_FALSE(fs::exists(Path("none.db")));
}

TEST_F(StoreTest, MigrationsAreNumberedOneByOne) {
  int expected = 1;
  for (const Migration& m : Migrations()) EXPECT_EQ(m.version, expected++);
}

TEST_F(StoreTest, PrefixHashesAreThoseOfTheBytes) {
  Write("f", "abcdefgh\nijk");
  Write("g", "abcd");
  auto f = HashPrefixes(Path("f"), 12, {4, 9, 99});
  auto g = HashPrefixes(Path("g"), 4, {});
  ASSERT_TRUE(f && g);
  EXPECT_EQ(f->size(), 3u);  // 4, 9, 12; 99 is past the end
  EXPECT_EQ(f->at(4), g->at(4));
  EXPECT_NE(f->at(9), f->at(12));
  EXPECT_EQ(*CompleteLinesLength(Path("f"), 12), 9u);
  EXPECT_EQ(*CompleteLinesLength(Path("g"), 4), 0u);
  // UTF-16LE keeps the NUL after its line feed.
  Write("u", std::string("\xFF\xFE" "a\0\n\0b\0", 8));
  EXPECT_EQ(*CompleteLinesLength(Path("u"), 8), 6u);
  // So does UTF-16LE without a byte order mark (the log reader reads it:
  // an ASCII character, then NUL), whole lines only: the NUL kept.
  Write("n", std::string("a\0\n\0b\0\n\0", 8));
  EXPECT_EQ(*CompleteLinesLength(Path("n"), 8), 8u);
  EXPECT_EQ(*CompleteLinesLength(Path("n"), 6), 4u);
}

TEST_F(StoreTest, TheSameLogTwiceCountsOnce) {
  Write("pfirewall.log", std::string(kHeader) + Rows(0, 10));
  auto db = OpenDb();
  IngestReport first = Ingest(*db, "pfirewall.log");
  EXPECT_EQ(first.outcome, IngestOutcome::kNew);
  EXPECT_EQ(first.stored, 10u);
  IngestReport second = Ingest(*db, "pfirewall.log");
  EXPECT_EQ(second.outcome, IngestOutcome::kUnchanged);
  EXPECT_EQ(second.stored, 0u);
  // Renamed by the rotation, it is still the same file.
  fs::copy_file(Path("pfirewall.log"), Path("pfirewall.log.old"));
  EXPECT_EQ(Ingest(*db, "pfirewall.log.old").outcome, IngestOutcome::kUnchanged);
  ExpectSameObservations(ReadStored(*db), ReadDirect(Path("pfirewall.log")));
}

// Replay parses an address text once for each run of it: an address that no
// longer parses (the file was edited) is still counted once per row, and
// the rows around it keep their own addresses.
TEST_F(StoreTest, BadStoredAddressesAreCountedPerRow) {
  Write("pfirewall.log", std::string(kHeader) + Rows(0, 6));
  const std::vector<FlowObservation> direct = ReadDirect(Path("pfirewall.log"));
  {
    auto db = OpenDb();
    Ingest(*db, "pfirewall.log");
  }
  {
    SQLite::Database raw(Path("t.db"), SQLite::OPEN_READWRITE);
    raw.exec("UPDATE observation SET src = 'no address' WHERE rowid IN "
             "(SELECT rowid FROM observation ORDER BY rowid LIMIT 2)");
    raw.exec("UPDATE observation SET dst = '10.0.1.5x' WHERE rowid = "
             "(SELECT rowid FROM observation ORDER BY rowid LIMIT 1 OFFSET 3)");
  }
  auto db = OpenDb();
  ingest::CollectingSink sink;
  Result<ReplayStats> replayed = db->Replay(sink);
  ASSERT_TRUE(replayed) << replayed.error().message;
  EXPECT_EQ(replayed->bad_addresses, 3u);
  ASSERT_EQ(sink.flows.size(), direct.size());
  for (size_t i = 0; i < direct.size(); ++i) {
    EXPECT_EQ(sink.flows[i].src.address, i < 2 ? IpAddress() : direct[i].src.address) << i;
    EXPECT_EQ(sink.flows[i].dst.address, i == 3 ? IpAddress() : direct[i].dst.address) << i;
  }
}

TEST_F(StoreTest, AGrownLogAddsOnlyItsNewRows) {
  Write("pfirewall.log", std::string(kHeader) + Rows(0, 7));
  auto db = OpenDb();
  EXPECT_EQ(Ingest(*db, "pfirewall.log").stored, 7u);
  Write("pfirewall.log", Rows(7, 20), /*append=*/true);
  IngestReport grown = Ingest(*db, "pfirewall.log");
  EXPECT_EQ(grown.outcome, IngestOutcome::kGrown);
  EXPECT_EQ(grown.stored, 13u);
  EXPECT_EQ(grown.already_stored, 7u);
  ExpectSameObservations(ReadStored(*db), ReadDirect(Path("pfirewall.log")));
  EXPECT_EQ((*db->Sources())[0].stored, 20u);
}

// The log copied each day into a folder of that day: the rows stored from
// day1's copy stay day1's; day2's copy adds its new rows as a source of its
// own, and a day3 copy again; a killed run of such a copy resumes.
TEST_F(StoreTest, ACopyGrownInAnotherFolderAddsASourceOfItsOwn) {
  fs::create_directories(Path("day1"));
  fs::create_directories(Path("day2"));
  fs::create_directories(Path("day3"));
  Write("day1/pfirewall.log", std::string(kHeader) + Rows(0, 7));
  Write("day2/pfirewall.log", std::string(kHeader) + Rows(0, 12));
  Write("day3/pfirewall.log", std::string(kHeader) + Rows(0, 20));
  auto db = OpenDb();
  EXPECT_EQ(Ingest(*db, "day1/pfirewall.log").stored, 7u);
  IngestReport day2 = Ingest(*db, "day2/pfirewall.log");
  EXPECT_EQ(day2.outcome, IngestOutcome::kGrown);
  EXPECT_EQ(day2.stored, 5u);
  EXPECT_EQ(day2.already_stored, 7u);
  EXPECT_EQ(Ingest(*db, "day2/pfirewall.log").outcome, IngestOutcome::kUnchanged);
  EXPECT_EQ(Ingest(*db, "day3/pfirewall.log").stored, 8u);
  std::vector<FlowObservation> stored = ReadStored(*db);
  ASSERT_EQ(stored.size(), 20u);
  std::map<std::string, size_t> by_file;
  for (const FlowObservation& f : stored) ++by_file[f.source.file];
  EXPECT_EQ(by_file, (std::map<std::string, size_t>{{Path("day1/pfirewall.log"), 7},
                                                    {Path("day2/pfirewall.log"), 5},
                                                    {Path("day3/pfirewall.log"), 8}}));
  // Each row once, at the line it has in every copy.
  std::set<uint64_t> lines;
  for (const FlowObservation& f : stored) EXPECT_TRUE(lines.insert(f.source.line).second) << f.source.line;
}

// The same bytes under another path are another inventory (one host at one
// moment per folder); the same path again is the same one.
TEST_F(StoreTest, AnInventoryUnderAnotherPathIsAnotherInventory) {
  const std::string netsh =
      "\r\nProtocol tcp Dynamic Port Range\r\n---------------------------------\r\n"
      "Start Port      : 10000\r\nNumber of Ports : 10000\r\n";
  fs::create_directories(Path("dc01"));
  fs::create_directories(Path("dc02"));
  Write("dc01/netsh.txt", netsh);
  Write("dc02/netsh.txt", netsh);
  auto db = OpenDb();
  EXPECT_EQ(Ingest(*db, "dc01/netsh.txt").outcome, IngestOutcome::kNew);
  EXPECT_EQ(Ingest(*db, "dc02/netsh.txt").outcome, IngestOutcome::kNew);
  EXPECT_EQ(Ingest(*db, "dc02/netsh.txt").outcome, IngestOutcome::kUnchanged);
  Result<std::vector<StoredInventory>> inventories = db->Inventories();
  ASSERT_TRUE(inventories);
  std::set<std::string> paths;
  for (const StoredInventory& i : *inventories) paths.insert(i.path);
  EXPECT_EQ(paths, (std::set<std::string>{Path("dc01/netsh.txt"), Path("dc02/netsh.txt")}));
}

TEST_F(StoreTest, AHalfWrittenLastLineWaitsForTheNextIngest) {
  std::string rows = Rows(0, 5);
  std::string cut = rows.substr(0, rows.size() - 20);  // row 5 without its end
  Write("pfirewall.log", std::string(kHeader) + cut);
  auto db = OpenDb();
  IngestReport first = Ingest(*db, "pfirewall.log");
  EXPECT_EQ(first.stored, 4u);
  EXPECT_EQ(first.held_back_bytes, rows.size() - 20 - (rows.rfind('\n', rows.size() - 21) + 1));
  Write("pfirewall.log", rows.substr(rows.size() - 20), /*append=*/true);
  IngestReport second = Ingest(*db, "pfirewall.log");
  EXPECT_EQ(second.outcome, IngestOutcome::kGrown);
  EXPECT_EQ(second.stored, 1u);
  ExpectSameObservations(ReadStored(*db), ReadDirect(Path("pfirewall.log")));
}

TEST_F(StoreTest, ALogWithoutAWholeLineIsNoSourceYet) {
  Write("pfirewall.log", "#Software: Microsoft Windows Firewall");  // still being written
  auto db = OpenDb();
  IngestReport r = Ingest(*db, "pfirewall.log");
  EXPECT_EQ(r.stored, 0u);
  EXPECT_EQ(r.held_back_bytes, 37u);
  EXPECT_TRUE(db->Sources()->empty());
}

TEST_F(StoreTest, AnotherLogWithTheSameHeaderIsAnotherSource) {
  Write("a.log", std::string(kHeader));
  Write("b.log", std::string(kHeader) + Rows(0, 3));
  auto db = OpenDb();
  EXPECT_EQ(Ingest(*db, "a.log").stored, 0u);
  // b.log begins with every byte of a.log: it is a.log grown, and nothing of it is lost.
  IngestReport b = Ingest(*db, "b.log");
  EXPECT_EQ(b.stored, 3u);
  Write("c.log", std::string(kHeader) + Rows(100, 104));
  IngestReport c = Ingest(*db, "c.log");
  EXPECT_EQ(c.outcome, IngestOutcome::kNew);
  EXPECT_EQ(c.stored, 4u);
  EXPECT_EQ(ReadStored(*db).size(), 7u);
}

// An ingest killed after some batches: the source row says how far it got
// (complete = 0, done_line); the next ingest stores the rest, once.
TEST_F(StoreTest, AnInterruptedIngestIsCompletedOnce) {
  Write("pfirewall.log", std::string(kHeader) + Rows(0, 30));
  auto db = OpenDb();
  // Simulate the killed run: its first two batches of 4 rows were committed.
  Result<uint64_t> length = CompleteLinesLength(Path("pfirewall.log"),
                                                fs::file_size(Path("pfirewall.log")));
  Result<std::map<uint64_t, std::string>> hash = HashPrefixes(Path("pfirewall.log"), *length, {});
  SourceRow row{0, "firewall-log", Path("pfirewall.log"), *length, hash->at(*length), 0, false, 0, 0, 0};
  row = *db->AddSource(row);
  {
    std::vector<FlowObservation> all = ReadDirect(Path("pfirewall.log"));
    StoreSink sink(*db, row, 4);
    for (size_t i = 0; i < 10; ++i) sink.OnFlow(all[i]);  // 8 committed, 2 lost with the process
  }
  EXPECT_EQ(ReadStored(*db).size(), 8u);
  IngestReport resumed = Ingest(*db, "pfirewall.log");
  EXPECT_EQ(resumed.outcome, IngestOutcome::kResumed);
  EXPECT_EQ(resumed.already_stored, 8u);
  EXPECT_EQ(resumed.stored, 22u);
  ExpectSameObservations(ReadStored(*db), ReadDirect(Path("pfirewall.log")));
  EXPECT_TRUE((*db->Sources())[0].complete);
}

// ingest counts the flows of what it stored (StoreSink's `also`): a batch
// whose commit failed is not in the database, and is not counted either.
TEST_F(StoreTest, OnlyCommittedBatchesGoOnToAlso) {
  Write("pfirewall.log", std::string(kHeader) + Rows(0, 12));
  auto db = OpenDb();
  SourceRow row = *db->AddSource(SourceRow{0, "firewall-log", Path("pfirewall.log"), 1, "ab", 0, false, 0, 0, 0});
  std::vector<FlowObservation> all = ReadDirect(Path("pfirewall.log"));
  ingest::CollectingSink also;
  StoreSink sink(*db, row, 4, 0, &also);
  for (size_t i = 0; i < 6; ++i) sink.OnFlow(all[i]);
  EXPECT_EQ(also.flows.size(), 4u);  // the first batch, committed; two wait
  {
    // Another connection takes the table away: the next commit fails.
    SQLite::Database other(Path("t.db"), SQLite::OPEN_READWRITE);
    other.exec("DROP TABLE observation");
  }
  for (size_t i = 6; i < 12; ++i) sink.OnFlow(all[i]);
  EXPECT_FALSE(sink.Flush());
  EXPECT_EQ(also.flows.size(), 4u);
  EXPECT_EQ(sink.stored(), 4u);
}

// A log copied at two moments: the later copy begins with the earlier one's
// whole lines (not with its half-written last line), and so may the next
// day's .old; a log that only shares the header begins with none.
TEST_F(StoreTest, EarlierCopiesAreFoundByTheirWholeLines) {
  const std::string day1 = std::string(kHeader) + Rows(0, 10) + "2024-05-01 10:00:10 ALLOW TCP 10.0.0";
  const std::string day2 = std::string(kHeader) + Rows(0, 25);
  Write("day1.log", day1);
  Write("day2.log", day2);
  Write("day3.log.old", day2 + Rows(25, 30));
  Write("other.log", std::string(kHeader) + Rows(100, 120));
  Write("same-as-day2.log", day2);
  const std::vector<std::string> paths = {Path("day3.log.old"), Path("day2.log"), Path("day1.log"),
                                          Path("other.log"), Path("same-as-day2.log")};
  const std::vector<std::optional<EarlierCopy>> earlier = FindEarlierCopies(paths);
  ASSERT_EQ(earlier.size(), paths.size());
  const uint64_t header_lines = 5;
  ASSERT_TRUE(earlier[0]);
  EXPECT_EQ(earlier[0]->index, 1u);  // the longest one it begins with: day2
  EXPECT_EQ(earlier[0]->lines, header_lines + 25);
  ASSERT_TRUE(earlier[1]);
  EXPECT_EQ(earlier[1]->index, 2u);
  EXPECT_EQ(earlier[1]->lines, header_lines + 10);  // day1's half line is day2's line 16
  EXPECT_FALSE(earlier[2]);
  EXPECT_FALSE(earlier[3]);
  // Two copies with the same lines: the one given first is the earlier.
  ASSERT_TRUE(earlier[4]);
  EXPECT_EQ(earlier[4]->index, 1u);
  EXPECT_EQ(earlier[4]->lines, header_lines + 25);
  EXPECT_FALSE(FindEarlierCopies({Path("day2.log"), Path("missing.log")})[0]);
  // A log just rotated holds only the header every log begins with: it is
  // no earlier copy of another host's log.
  Write("rotated.log", std::string(kHeader));
  EXPECT_FALSE(FindEarlierCopies({Path("rotated.log"), Path("other.log")})[1]);
}

TEST_F(StoreTest, ACaptureIsReadAgainWholeWhenItGrew) {
  std::string pcap = std::string(HIGHPORT_SOURCE_DIR) + "/src/ingest/testdata/capture/netns_lo_ethernet.pcap";
  fs::copy_file(pcap, Path("c.pcap"));
  auto db = OpenDb();
  IngestReport first = Ingest(*db, "c.pcap");
  EXPECT_EQ(first.outcome, IngestOutcome::kNew);
  EXPECT_EQ(first.stored, 2u);
  EXPECT_EQ(Ingest(*db, "c.pcap").outcome, IngestOutcome::kUnchanged);
  // The same capture with its packets once more at the end (a longer capture).
  std::ifstream in(pcap, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Write("c.pcap", bytes.substr(24), /*append=*/true);
  IngestReport again = Ingest(*db, "c.pcap");
  EXPECT_EQ(again.outcome, IngestOutcome::kReplaced);
  ExpectSameObservations(ReadStored(*db), ReadDirect(Path("c.pcap")));
}

TEST_F(StoreTest, ARotatedCaptureIngestedLaterReadsWithTheStoredTemplate) {
  const std::string data = std::string(HIGHPORT_SOURCE_DIR) + "/src/ingest/testdata/capture/";
  fs::copy_file(data + "netflow_v9_rotated_1.pcap", Path("hour1.pcap"));
  fs::copy_file(data + "netflow_v9_rotated_2.pcap", Path("hour2.pcap"));
  // One ingest per file, as cron runs them: each run its own memory.
  auto ingest = [&](EvidenceStore& db, const std::string& name) {
    ingest::RememberedTemplates templates;
    EXPECT_TRUE(LoadTemplates(db, templates));
    IngestOptions options;
    options.netflow_templates = &templates;
    Diagnostics diagnostics;
    Result<IngestReport> r = IngestFile(db, Path(name), options, diagnostics);
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? r->stored : 0;
  };
  auto first_source_of = [](EvidenceStore& db) { return db.Sources("capture")->at(0); };
  auto db = OpenDb();
  EXPECT_EQ(ingest(*db, "hour1.pcap"), 2u);
  Result<std::vector<EvidenceStore::TemplateRow>> rows = db->Templates();
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].path, Path("hour1.pcap"));
  EXPECT_EQ((*rows)[0].stored.exporter.ToString(), "192.0.2.1:40000");
  EXPECT_EQ(ingest(*db, "hour2.pcap"), 2u);  // its two records, with hour 1's template
  // Without the stored template, hour 2's records wait in vain.
  auto fresh = OpenDb("fresh.db");
  EXPECT_EQ(ingest(*fresh, "hour2.pcap"), 0u);
  // A withdrawal stored by another source forgets the template, whichever
  // source defined it.
  ingest::StoredTemplate withdrawn = (*rows)[0].stored;
  SourceRow second = db->Sources("capture")->at(1);
  ASSERT_TRUE(db->PutTemplates(second, {}, {withdrawn}));
  rows = db->Templates();
  ASSERT_TRUE(rows);
  EXPECT_TRUE(rows->empty());
  ASSERT_TRUE(db->PutTemplates(first_source_of(*db), {withdrawn}));
  // A source read again forgets what it defined before.
  SourceRow first = first_source_of(*db);
  ASSERT_TRUE(db->ResetSource(first));
  rows = db->Templates();
  ASSERT_TRUE(rows);
  for (const EvidenceStore::TemplateRow& row : *rows) EXPECT_NE(row.path, Path("hour1.pcap"));
}

TEST_F(StoreTest, InventoriesAreKeptWholeAndCountOnce) {
  Write("netstat.txt",
        "\nActive Connections\n\n  Proto  Local Address          Foreign Address        State           PID\n"
        "  TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       912\n"
        "  TCP    0.0.0.0:49667          0.0.0.0:0              LISTENING       640\n");
  auto db = OpenDb();
  IngestReport first = Ingest(*db, "netstat.txt");
  EXPECT_EQ(first.kind, ingest::EvidenceKind::kInventory);
  EXPECT_EQ(first.records, 2u);
  EXPECT_EQ(Ingest(*db, "netstat.txt").outcome, IngestOutcome::kUnchanged);
  Result<std::vector<StoredInventory>> stored = db->Inventories();
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 1u);
  std::ifstream in(Path("netstat.txt"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ((*stored)[0].content, bytes);
}

TEST_F(StoreTest, RegistrationsAndLostEventsComeBack) {
  auto db = OpenDb();
  SourceRow row = *db->AddSource(SourceRow{0, "capture", "x.pcap", 1, "ab", 0, false, 0, 0, 0});
  StoreSink sink(*db, row, 100);
  RpcRegistration r;
  r.host = "10.0.1.5";
  r.uuid = "e1af8308-5d1f-11c9-91a4-08002b14a0fa";
  r.version_major = 3;
  r.protocol = "ncacn_ip_tcp";
  r.endpoint = Endpoint{*IpAddress::Parse("10.0.1.5"), Proto::kTcp, 49667};
  r.binding = "ncacn_ip_tcp:10.0.1.5[49667]";
  r.source.packet = 7;
  sink.OnRpcRegistration(r);
  sink.OnLostEvents(12, SourceRef{"x.pcap", 0, 9, 0});
  ASSERT_TRUE(sink.Flush());
  ingest::CollectingSink out;
  ASSERT_TRUE(db->Replay(out));
  ASSERT_EQ(out.registrations.size(), 1u);
  EXPECT_EQ(out.registrations[0].uuid, r.uuid);
  EXPECT_EQ(out.registrations[0].endpoint, r.endpoint);
  EXPECT_EQ(out.registrations[0].source.packet, 7u);
  EXPECT_EQ(out.registrations[0].source.file, "x.pcap");
  EXPECT_EQ(out.lost, 12u);

  // Alone, for a reader that needs them before its files' traffic; and a
  // replay that leaves them out, so that they are not given twice.
  Result<std::vector<RpcRegistration>> alone = db->Registrations();
  ASSERT_TRUE(alone);
  ASSERT_EQ(alone->size(), 1u);
  EXPECT_EQ((*alone)[0].uuid, r.uuid);
  EXPECT_EQ((*alone)[0].version_major, 3);
  EXPECT_EQ((*alone)[0].host, r.host);
  EXPECT_EQ((*alone)[0].endpoint, r.endpoint);
  EXPECT_EQ((*alone)[0].binding, r.binding);
  EXPECT_EQ((*alone)[0].source.ToString(), "x.pcap:packet 7+0");
  Result<std::vector<RpcRegistration>> none = db->Registrations({row.id});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty()) << "a source left out gave its registrations";
  ingest::CollectingSink rest;
  Result<ReplayStats> replayed = db->Replay(rest, {.registrations = false});
  ASSERT_TRUE(replayed);
  EXPECT_TRUE(rest.registrations.empty());
  EXPECT_EQ(replayed->registrations, 0u);
  EXPECT_EQ(rest.lost, 12u);
}

}  // namespace
}  // namespace highport::store
