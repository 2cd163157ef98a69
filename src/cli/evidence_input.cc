#include "cli/evidence_input.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>
#include <system_error>
#include <tuple>

#include "analysis/host_knowledge.h"
#include "analysis/moved_ports.h"
#include "catalog/catalog.h"
#include "cli/progress.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "ingest/load.h"
#include "ingest/local_time.h"
#include "ingest/traffic_load.h"
#include "store/evidence_store.h"
#include "store/file_ingest.h"
#include "store/fingerprint.h"
#include "text/document.h"
#include "text/strings.h"

namespace highport::cli {
namespace {

// Removes the spooled copies of standard input however the reading ends.
struct Spooled {
  std::vector<std::string> paths;
  ~Spooled() {
    for (const std::string& p : paths) std::remove(p.c_str());
  }
};

// The same file given twice (`dc01/* all/*`, a copy of a log under another
// name) must not count its connections twice. Files of the same size whose
// first 64 KiB hash alike are compared whole; only identical ones are
// skipped, and only within one `scope`: an inventory's is its folder (two
// hosts, or two moments of one, may well have byte-identical netsh output or
// process lists, and each folder needs its own), traffic's is everything.
class DuplicateFiles {
 public:
  // The earlier file with the same content in the same scope, or "".
  std::string SeenAs(const std::string& path, const std::string& scope) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec || size == 0) return "";
    // (Not more than the file holds: a shorter file would be an error, and
    // two copies of a small capture were read twice.)
    Result<std::map<uint64_t, std::string>> head =
        store::HashPrefixes(path, std::min(size, kHead), {});
    if (!head || head->empty()) return "";
    const auto key = std::make_tuple(scope, size, head->begin()->second);
    auto [it, fresh] = seen_.try_emplace(key, path);
    if (fresh) return "";
    if (size > kHead && WholeHash(path) != WholeHash(it->second)) return "";
    return it->second;
  }

 private:
  static constexpr uint64_t kHead = 64 * 1024;
  static std::string WholeHash(const std::string& path) {
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    Result<std::map<uint64_t, std::string>> hash = store::HashPrefixes(path, size, {});
    return hash && !hash->empty() ? hash->rbegin()->second : path;
  }
  std::map<std::tuple<std::string, uint64_t, std::string>, std::string> seen_;
};

// Standard input is read from a spooled copy; findings, evidence and
// messages name it "<stdin>", never the temporary file that is gone when
// the user reads them.
constexpr const char* kStdinName = "<stdin>";

// The message with the spooled copy's path replaced by "<stdin>".
std::string NamedAsGiven(std::string message, const std::string& path, const std::string& name) {
  if (path == name) return message;
  for (size_t at = message.find(path); at != std::string::npos; at = message.find(path, at)) {
    message.replace(at, path.size(), name);
    at += name.size();
  }
  return message;
}

// Gives the next sink every observation as read, its source named `name`
// (a reader names what it read after the path it opened).
class RenamingSink : public ingest::TrafficSink {
 public:
  RenamingSink(ingest::TrafficSink& next, std::string name) : next_(next), name_(std::move(name)) {}
  void OnFlow(const FlowObservation& flow) override {
    flow_ = flow;  // the strings' storage is reused: no allocation per observation
    flow_.source.file = name_;
    next_.OnFlow(flow_);
  }
  void OnRpcRegistration(const RpcRegistration& r) override {
    RpcRegistration renamed = r;
    renamed.source.file = name_;
    next_.OnRpcRegistration(renamed);
  }
  void OnLostEvents(uint64_t count, const SourceRef& where) override {
    SourceRef renamed = where;
    renamed.file = name_;
    next_.OnLostEvents(count, renamed);
  }

 private:
  ingest::TrafficSink& next_;
  std::string name_;
  FlowObservation flow_;
};

// Leaves out what a log's first `through_line` lines say: those are an
// earlier copy's, read in full from that copy (store::FindEarlierCopies).
class SkippingSink : public ingest::TrafficSink {
 public:
  SkippingSink(ingest::TrafficSink& next, uint64_t through_line) : next_(next), through_(through_line) {}
  void OnFlow(const FlowObservation& flow) override {
    if (flow.source.line > through_) {
      next_.OnFlow(flow);
    } else {
      ++left_out_;
    }
  }
  uint64_t left_out() const { return left_out_; }  // rows the earlier copy counts
  void OnRpcRegistration(const RpcRegistration& r) override { next_.OnRpcRegistration(r); }
  void OnLostEvents(uint64_t count, const SourceRef& where) override {
    if (where.line > through_) next_.OnLostEvents(count, where);
  }

 private:
  ingest::TrafficSink& next_;
  uint64_t through_;
  uint64_t left_out_ = 0;
};

// A traffic file to read after the inventories.
struct TrafficInput {
  std::string path;  // where it is read
  std::string name;  // what findings and evidence call it
  ingest::EvidenceKind kind;
  uint64_t skip_through_line = 0;  // an earlier copy's lines, counted there
};

// Firewall logs copied at two moments: the later copy's rows that the
// earlier one holds count once, in the earlier copy (whose folder is the
// moment they were logged in, for the pids' process list too).
void SkipEarlierCopies(std::vector<TrafficInput>& traffic, Diagnostics& diagnostics) {
  std::vector<size_t> logs;
  std::vector<std::string> paths;
  for (size_t i = 0; i < traffic.size(); ++i) {
    if (traffic[i].kind != ingest::EvidenceKind::kFirewallLog) continue;
    logs.push_back(i);
    paths.push_back(traffic[i].path);
  }
  const std::vector<std::optional<store::EarlierCopy>> earlier = store::FindEarlierCopies(paths);
  for (size_t k = 0; k < logs.size(); ++k) {
    if (!earlier[k] || earlier[k]->lines == 0) continue;
    TrafficInput& later = traffic[logs[k]];
    later.skip_through_line = earlier[k]->lines;
    diagnostics.Note(later.name, 0, "input.grown_copy",
                     fmt::format("its first {} line(s) are {} (a copy taken before it grew): "
                                 "their rows count once, there",
                                 earlier[k]->lines, traffic[logs[earlier[k]->index]].name));
  }
}

// Whether two of the traffic sources (files, and the database's sources
// not left out) may have seen the same connection: both ends' logs, a log
// and a capture, NetFlow beside either, captures of two places. One host's
// own log (pfirewall.log and pfirewall.log.old) cannot, nor can the
// captures of one folder, which are taken for one capture point's hours:
// then the flow table keeps no sightings (FlowTable::set_shared_connections:
// 32 bytes a connection, and a sort at the end; two hourly NetFlow captures
// of 1.5 M records each took 142 MB and 2.1 s with them, 11 MB and 0.5 s
// without). Where sightings are kept, the flow table tells packets and
// NetFlow of one folder apart (analysis::ViewpointOf).
bool MaySeeOneConnectionTwice(const std::vector<TrafficInput>& traffic,
                              const std::vector<store::SourceRow>& stored) {
  // (By the name the flow table sees: a file's as given, stdin's "<stdin>".)
  std::set<std::string> viewpoints;
  auto add = [&](const std::string& name, bool firewall_log) {
    viewpoints.insert(analysis::ViewpointOf(
        name, firewall_log ? analysis::Seen::kFirewallLog : analysis::Seen::kPackets));
  };
  for (const TrafficInput& t : traffic) add(t.name, t.kind == ingest::EvidenceKind::kFirewallLog);
  for (const store::SourceRow& s : stored) add(s.path, s.kind == "firewall-log");
  return viewpoints.size() > 1;
}

}  // namespace

Result<std::vector<InputFile>> ExpandInputs(const std::vector<std::string>& given) {
  namespace fs = std::filesystem;
  std::vector<InputFile> files;
  for (const std::string& path : given) {
    std::error_code ec;
    if (path == "-" || !fs::is_directory(path, ec)) {
      files.push_back({path, false});
      continue;
    }
    std::vector<std::string> found;
    fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, ec);
    if (ec) return Error{fmt::format("{}: cannot list the directory: {}", path, ec.message())};
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) return Error{fmt::format("{}: cannot list the directory: {}", path, ec.message())};
      const std::string name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec)) found.push_back(it->path().string());
    }
    // In the order a person numbers files: tcpdump -C writes trace.pcap,
    // trace.pcap1, ... trace.pcap10, and connections that span rotated files
    // are then read in time order.
    std::sort(found.begin(), found.end(), text::NaturalLess);
    for (std::string& f : found) files.push_back({std::move(f), true});
  }
  return files;
}

Result<std::string> SpoolStdin() {
  char path[] = "/tmp/highport-stdin-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return Error{"cannot make a temporary file for standard input"};
  std::FILE* out = fdopen(fd, "wb");
  if (!out) {
    close(fd);
    std::remove(path);
    return Error{"cannot write a temporary file for standard input"};
  }
  char buffer[1 << 16];
  size_t n = 0;
  bool ok = true;
  while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) {
    ok = ok && std::fwrite(buffer, 1, n, out) == n;
  }
  ok = std::fclose(out) == 0 && ok;
  if (!ok) {
    std::remove(path);
    return Error{"cannot spool standard input to a temporary file (disk full?)"};
  }
  return std::string(path);
}

void AddLogTimezoneFlag(CLI::App& app, std::string& zone) {
  app.add_option("--log-timezone", zone,
                 "the zone the firewall logs' local times are in (+01:00, UTC, Europe/Berlin): "
                 "their times become UTC, like NetFlow's and captures'");
}

Result<Evidence> GatherEvidence(std::string_view command, const EvidenceOptions& options) {
  Evidence evidence;
  std::optional<ingest::LogTimeZone> log_zone;
  if (!options.log_timezone.empty()) {
    Result<ingest::LogTimeZone> zone = ingest::LogTimeZone::Parse(options.log_timezone);
    if (!zone) return Error{fmt::format("--log-timezone: {}", zone.error().message)};
    log_zone = std::move(*zone);
  }
  std::optional<PortRange> default_range;
  if (!options.dynamic_range.empty()) {
    default_range = ParsePortRange(options.dynamic_range);
    if (!default_range || default_range->first == 0) {
      return Error{fmt::format("--dynamic-range: '{}' is not START-END", options.dynamic_range)};
    }
  }
  std::unique_ptr<store::EvidenceStore> db;
  if (!options.db.empty()) {
    Result<std::unique_ptr<store::EvidenceStore>> opened = store::EvidenceStore::Open(options.db, /*create=*/false);
    if (!opened) return opened.error();
    db = std::move(*opened);
  }

  Spooled spooled;
  std::vector<TrafficInput> traffic;
  Result<std::vector<InputFile>> inputs = ExpandInputs(options.files);
  if (!inputs) return inputs.error();
  DuplicateFiles duplicates;
  for (const auto& [given, found_in_directory] : *inputs) {
    std::string path = given;
    if (given == "-") {
      Result<std::string> spool = SpoolStdin();
      if (!spool) return spool.error();
      path = *spool;
      spooled.paths.push_back(path);
    }
    const std::string name = given == "-" ? kStdinName : given;
    Result<ingest::EvidenceKind> kind = ingest::DetectEvidence(path);
    if (given != "-" && kind) {
      const std::string scope = *kind == ingest::EvidenceKind::kInventory
                                    ? std::filesystem::path(given).parent_path().string()
                                    : std::string();
      if (std::string first = duplicates.SeenAs(given, scope); !first.empty()) {
        evidence.diagnostics.Note(given, 0, "input.duplicate",
                                  fmt::format("the same content as {}: read once", first));
        continue;
      }
    }
    if (!kind && found_in_directory) {
      evidence.unrecognised.push_back(LeftOutName(path, path));
      continue;
    }
    if (!kind) {
      fmt::print(stderr, "highport {}: {}\n", command,
                 NamedAsGiven(kind.error().message, path, name));
      evidence.input_error = true;
      continue;
    }
    if (*kind != ingest::EvidenceKind::kInventory) {
      traffic.push_back({path, name, *kind, 0});
      continue;
    }
    Result<std::string> bytes = text::ReadFileBytes(path);
    Result<ingest::LoadedInventory> loaded =
        bytes ? ingest::LoadInventoryBytes(name, *bytes, {}, evidence.diagnostics)
              : Result<ingest::LoadedInventory>(bytes.error());
    if (!loaded && found_in_directory) {
      evidence.unrecognised.push_back(path);
      continue;
    }
    if (!loaded) {
      fmt::print(stderr, "highport {}: {} (nor a capture or a firewall log)\n", command,
                 NamedAsGiven(loaded.error().message, path, name));
      evidence.input_error = true;
      continue;
    }
    ++evidence.inputs;
    evidence.inventories.push_back(std::move(loaded->inventory));
  }
  if (db) {
    Result<std::vector<store::StoredInventory>> stored = db->Inventories();
    if (!stored) return stored.error();
    for (const store::StoredInventory& s : *stored) {
      Result<ingest::LoadedInventory> loaded =
          ingest::LoadInventoryBytes(s.path, s.content, {}, evidence.diagnostics);
      if (!loaded) {
        fmt::print(stderr, "highport {}: {}: {}\n", command, options.db, loaded.error().message);
        continue;
      }
      evidence.inventories.push_back(std::move(loaded->inventory));
    }
  }

  SkipEarlierCopies(traffic, evidence.diagnostics);

  // Process lists are joined to the sockets and logs of their folder: two
  // hosts' lists copied flat into one folder name the wrong programs.
  const analysis::FolderProcesses processes(evidence.inventories);
  for (const analysis::FolderProcesses::Conflict& c : processes.conflicts()) {
    evidence.diagnostics.Report(Finding{
        Finding::Severity::kWarning, "input.process_lists_disagree", SourceRef{c.other_file},
        fmt::format("it says pid {} is {}, {} in the same folder says {}: two hosts' (or two "
                    "moments') process lists in one folder, and pids there are named from {}; "
                    "put each host's files in a folder of its own",
                    c.pid, c.other_image, c.first_file, c.first_image, c.first_file)});
  }
  analysis::HostKnowledge knowledge = analysis::KnowledgeFromInventories(evidence.inventories);
  if (default_range) knowledge.default_dynamic_range = *default_range;
  evidence.table =
      std::make_unique<analysis::FlowTable>(catalog::Catalog::Get(), std::move(knowledge));
  evidence.table->set_peaks(options.peaks);
  for (const ingest::SocketInventory& inv : evidence.inventories) {
    for (const RpcRegistration& r : inv.rpc_registrations) evidence.table->OnRpcRegistration(r);
  }
  // A file the database holds too (`flows --db site.db todays-pfirewall.log`
  // after today's ingest) is read from the file, the newer, and its stored
  // copy is left out of the replay: nothing counts twice.
  store::ReplayOptions replay;
  if (db) {
    for (const auto& [path, name, kind, skip] : traffic) {
      Result<std::vector<store::SourceRow>> held = store::StoredPrefixesOf(*db, path, kind);
      if (!held) continue;  // the file's own error comes when it is read
      for (const store::SourceRow& s : *held) {
        replay.leave_out.insert(s.id);
        evidence.diagnostics.Note(name, 0, "input.in_database",
                                  fmt::format("{} holds it too (as {}): read from the file, the "
                                              "stored copy left out",
                                              options.db, s.path));
      }
    }
  }

  std::vector<store::SourceRow> stored_traffic;
  if (db) {
    Result<std::vector<store::SourceRow>> sources = db->Sources();
    if (!sources) return sources.error();
    for (store::SourceRow& s : *sources) {
      if (s.kind != "inventory" && !replay.leave_out.count(s.id)) stored_traffic.push_back(std::move(s));
    }
  }
  evidence.table->set_shared_connections(MaySeeOneConnectionTwice(traffic, stored_traffic));

  // The database's endpoint-mapper answers before any traffic, the files'
  // too: an answer decides which side of a later flow is the server, and
  // `flows --db DB FILE` must not depend on which is read first.
  uint64_t bad_addresses = 0;
  if (db) {
    Result<std::vector<RpcRegistration>> stored = db->Registrations(replay.leave_out, &bad_addresses);
    if (!stored) return stored.error();
    for (const RpcRegistration& r : *stored) evidence.table->OnRpcRegistration(r);
    evidence.stored += stored->size();
  }

  ProgressBar progress;
  // Rotated captures of one export: templates of the captures read before
  // (and stored ones) serve a later capture's data.
  ingest::RememberedTemplates netflow_templates;
  if (db) {
    if (Result<size_t> loaded = store::LoadTemplates(*db, netflow_templates); !loaded) {
      return loaded.error();
    }
  }
  for (const auto& [path, name, kind, skip_through_line] : traffic) {
    ingest::TrafficReadOptions read_options;
    read_options.netflow_templates = &netflow_templates;
    read_options.whole = name == kStdinName;  // the pipe ended: its last line is a row
    if (progress.enabled()) {
      progress.Start(name);
      read_options.progress = [&progress](uint64_t done, uint64_t total) {
        progress.Update(done, total);
      };
    }
    // Firewall logs' local times go through the zone the user named.
    std::optional<ingest::LocalTimeSink> to_utc;
    if (log_zone && kind == ingest::EvidenceKind::kFirewallLog) to_utc.emplace(*evidence.table, *log_zone);
    ingest::TrafficSink* sink = to_utc ? static_cast<ingest::TrafficSink*>(&*to_utc) : evidence.table.get();
    std::optional<RenamingSink> renamed;
    if (name != path) sink = &renamed.emplace(*sink, name);
    std::optional<SkippingSink> skipping;
    if (skip_through_line > 0) sink = &skipping.emplace(*sink, skip_through_line);
    Result<ingest::TrafficFileStats> read =
        ingest::ReadTrafficFile(path, kind, *sink, evidence.diagnostics, read_options);
    evidence.diagnostics.RenameFile(path, name);
    progress.Clear();
    if (!read) {
      fmt::print(stderr, "highport {}: {}\n", command, NamedAsGiven(read.error().message, path, name));
      evidence.input_error = true;
      continue;
    }
    ++evidence.inputs;
    (kind == ingest::EvidenceKind::kCapture ? evidence.packets : evidence.rows) +=
        read->records - (skipping ? std::min(read->records, skipping->left_out()) : 0);
    evidence.skipped += read->skipped;
    evidence.local_time = evidence.local_time || (read->local_time && !to_utc);
  }
  const size_t file_inputs = evidence.inputs;  // before the database's sources are counted
  if (db) {
    // Stored firewall logs keep their local times; the zone applies now, as for files.
    std::optional<ingest::LocalTimeSink> to_utc;
    if (log_zone) to_utc.emplace(*evidence.table, *log_zone);
    replay.local_time_sink = to_utc ? &*to_utc : nullptr;
    replay.registrations = false;  // given before the traffic, above
    if (progress.enabled()) {
      progress.Start(options.db, ProgressBar::Unit::kRecords);
      replay.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
    }
    Result<store::ReplayStats> replayed = db->Replay(*evidence.table, replay);
    progress.Clear();
    if (!replayed) return replayed.error();
    evidence.local_time = evidence.local_time || replayed->local_time;
    evidence.inputs += replayed->sources;
    evidence.stored += replayed->observations + replayed->registrations;
    evidence.stored_rows += replayed->firewall_log_observations;
    for (const std::string& path : replayed->incomplete) {
      evidence.diagnostics.Note(
          path, 0, "store.incomplete",
          path.starts_with("collect@")
              ? "the collector run was stopped before it stored all it received (killed, or the "
                "database refused its last records): what it stored is read"
              : "its last ingest did not finish; run highport ingest on it again");
    }
    bad_addresses += replayed->bad_addresses;
    if (bad_addresses > 0) {
      evidence.diagnostics.Note(options.db, 0, "store.bad_address",
                                fmt::format("{} stored address(es) do not parse and were read "
                                            "as 0.0.0.0; was the database edited by hand?",
                                            bad_addresses));
    }
  }
  // Nothing read at all is no "nothing problematic": a script reading exit
  // 0 would take a wrong folder, or a log in a format nobody reads, for a
  // clean network.
  // Files given beside --db that hold nothing highport reads are the same
  // mistake; and a database that holds no traffic and no inventory (every
  // row its ingest read was skipped) is evidence of nothing too.
  if (!evidence.input_error && db && !options.files.empty() && file_inputs == 0) {
    fmt::print(stderr, "highport {}: no evidence: nothing in {} is a file highport reads\n", command,
               fmt::join(options.files, ", "));
    evidence.input_error = true;
  }
  if (!evidence.input_error && db && evidence.inventories.empty() &&
      evidence.table->observations() == 0) {
    fmt::print(stderr, "highport {}: no traffic and no inventory in {}{}: nothing to analyse\n", command,
               options.db, options.files.empty() ? "" : " nor in the files given");
    evidence.input_error = true;
  }
  if (!evidence.input_error && !db) {
    if (evidence.inputs == 0) {
      fmt::print(stderr, "highport {}: no evidence: nothing in {} is a file highport reads\n",
                 command, fmt::join(options.files, ", "));
      evidence.input_error = true;
    } else if (evidence.inventories.empty() && evidence.table->observations() == 0 &&
               evidence.skipped > 0) {
      fmt::print(stderr, "highport {}: nothing could be read: every record was skipped (the "
                         "findings above say why)\n",
                 command);
      evidence.input_error = true;
    } else if (evidence.inventories.empty() && evidence.table->observations() == 0) {
      // A capture of no packet, a log of headers only, NetFlow whose every
      // record waited in vain for its template: evidence of nothing.
      fmt::print(stderr, "highport {}: no traffic and no inventory in {}: nothing to analyse (a finding "
                         "says why, if one could tell)\n",
                 command, fmt::join(options.files, ", "));
      evidence.input_error = true;
    }
  }
  return evidence;
}

void PrintEvidenceSummary(std::string_view command, const Evidence& evidence, size_t flows,
                          size_t servers) {
  std::vector<std::string> read;
  if (evidence.rows > 0) read.push_back(fmt::format("{} firewall log row(s)", evidence.rows));
  if (evidence.packets > 0) read.push_back(fmt::format("{} packet(s)", evidence.packets));
  if (evidence.stored > 0) read.push_back(fmt::format("{} stored observation(s)", evidence.stored));
  if (read.empty()) read.push_back("no traffic");
  std::string skipped;
  if (evidence.skipped > 0) skipped = fmt::format(" ({} skipped, see above)", evidence.skipped);
  std::string shared;
  if (const uint64_t n = evidence.table ? evidence.table->shared_connections() : 0; n > 0) {
    shared = fmt::format(" ({} connection(s) two inputs both reported, counted once)", n);
  }
  fmt::print(stderr, "highport {}: {} input(s), {}{}; {} flow(s){}, {} server(s)\n", command,
             evidence.inputs, fmt::join(read, ", "), skipped, flows, shared, servers);
  PrintLeftOut(command, evidence.unrecognised);
}

std::string LeftOutName(const std::string& shown, const std::string& path) {
  const std::string_view archive = ingest::ArchiveKindOf(path);
  return archive.empty() ? shown : fmt::format("{} ({}: unpack it first)", shown, archive);
}

void PrintLeftOut(std::string_view command, const std::vector<std::string>& unrecognised) {
  // Named, so that a log in a format highport does not read is not silently
  // missing from the analysis.
  if (unrecognised.empty()) return;
  fmt::print(stderr, "highport {}: {} file(s) in the given directories are not evidence "
                     "highport reads, left out: {}\n",
             command, unrecognised.size(), fmt::join(unrecognised, ", "));
}

}  // namespace highport::cli
