// highport flows [FILE...] [--db DB] [--problematic] [--server ADDR]
// Reads traffic evidence (captures, NetFlow/IPFIX inside captures, Windows
// Firewall logs) and socket inventories of the servers, decides which side
// of each conversation is the server, classifies the server ports after the
// third seed's table and prints the flows, problematic ones first, then per
// server the static ports, the dynamic ports in use and their clients.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>

#include "CLI/CLI.hpp"
#include "analysis/flow_table.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/evidence_input.h"
#include "cli/pipeline.h"
#include "cli/output.h"
#include "fmt/format.h"
#include "report/flows_report.h"

namespace highport::cli {
namespace {

struct FlowsOptions {
  std::vector<std::string> files;
  std::string db;
  bool problematic = false;
  std::string server;
  std::string dynamic_range;
  std::string log_timezone;
  std::string format = "table";
  std::string output;
};

void Setup(CLI::App& app, FlowsOptions& o) {
  app.description(
      "Classifies the flows that traffic evidence shows: which side is the server (listener "
      "inventory, unless the traffic's own TCP handshake, IPFIX direction or firewall row says "
      "otherwise, then port classes), and whether the server port is static or dynamic: client high -> server static "
      "is fine, a source port below 1024 is rare, high -> fixed high port is restricted, high -> "
      "dynamic port is problematic, and a host's connection to itself is local.\n"
      "Inputs, detected per file ('-' is standard input): pcap/pcapng captures (with endpoint-"
      "mapper answers and NetFlow v5/v9/IPFIX export packets inside), Windows Firewall logs "
      "(pfirewall.log, .old), and the servers' socket inventories (netstat, ss, rpcdump, ...).\n"
      "Exit: 0 no problematic flow, 1 problematic flows, 2 usage or input error.");
  app.add_option("files", o.files, "evidence files ('-': standard input)");
  app.add_option("--db", o.db, "also read the evidence stored in this database (highport ingest, "
                               "highport collect)");
  app.add_flag("--problematic", o.problematic, "only flows to dynamic server ports");
  app.add_option("--server", o.server, "only flows to this server address");
  app.add_option("--dynamic-range", o.dynamic_range,
                 "the servers' TCP dynamic port range where no input states it, START-END "
                 "(default 49152-65535)");
  AddLogTimezoneFlag(app, o.log_timezone);
  app.add_option("--format", o.format, "table, json or csv")
      ->check(CLI::IsMember(kRecordFormats))
      ->capture_default_str();
  app.add_option("-o,--output", o.output, "write to this file instead of standard output");
}

// The report written block by block while it is made (WriteOutput's
// messages): a million flows are never one string in memory.
Result<bool> StreamOutput(const std::string& path,
                          const std::function<void(std::string&, const report::FlushText&)>& write) {
  const bool to_stdout = path.empty() || path == "-";
  std::FILE* file = to_stdout ? stdout : std::fopen(path.c_str(), "wb");
  if (file == nullptr) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  bool written = true;
  const report::FlushText flush = [&](std::string& block) {
    if (written && std::fwrite(block.data(), 1, block.size(), file) != block.size()) written = false;
    block.clear();
  };
  std::string block;
  write(block, flush);
  flush(block);
  if (to_stdout) {
    // A full disk behind `> report.json` must not pass for a whole report.
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) written = false;
    if (!written) return Error{fmt::format("standard output: write failed: {}", std::strerror(errno))};
    return true;
  }
  if (std::fclose(file) != 0) written = false;
  if (!written) return Error{fmt::format("{}: write failed", path)};
  return true;
}

int Run(const FlowsOptions& o) {
  std::optional<IpAddress> only_server;
  if (!o.server.empty()) {
    only_server = IpAddress::Parse(o.server);
    if (!only_server) {
      fmt::print(stderr, "highport flows: --server: '{}' is not an address\n", o.server);
      return kExitUsage;
    }
    // As netstat writes it (fe80::1%12, ::ffff:10.0.0.5): traffic carries no
    // zone, and a mapped address is the IPv4 host.
    only_server = only_server->Unmapped();
    if (!only_server->zone().empty()) only_server = IpAddress::V6(only_server->bytes());
  }
  if (o.files.empty() && o.db.empty()) {
    fmt::print(stderr, "highport flows: give evidence files, --db DB, or both\n");
    return kExitUsage;
  }
  // CSV has a row per flow and no per-server part: no peak to find.
  Result<Evidence> gathered = GatherEvidence(
      "flows", {o.files, o.db, o.dynamic_range, o.log_timezone, /*peaks=*/o.format != "csv"});
  if (!gathered) {
    fmt::print(stderr, "highport flows: {}\n", gathered.error().message);
    return kExitUsage;
  }
  Evidence& evidence = *gathered;
  analysis::FlowTable& table = *evidence.table;

  report::FlowsReport report;
  report.skipped = evidence.skipped;
  report.local_time = evidence.local_time;
  report.utc_too = evidence.packets > 0 || evidence.stored > evidence.stored_rows;
  report.instants = evidence.rows > 0 || evidence.stored_rows > 0;
  // Kept compact and filtered in place: each record is built only while it
  // is printed, so a million flows are never a million FlowEntry records.
  analysis::FinishedFlows flows = table.FinishCompact();
  flows.EraseIf([&](analysis::FlowClass flow_class, const IpAddress& server) {
    return (o.problematic && flow_class != analysis::FlowClass::kProblematic) ||
           (only_server && server != *only_server &&
            !(server.is_v4_mapped() && server.Unmapped() == *only_server));
  });
  report.compact = &flows;
  if (only_server && flows.empty()) {
    fmt::print(stderr, "highport flows: no flow{} has server {} in this evidence\n",
               o.problematic ? " that is problematic" : "", only_server->ToString());
  }
  const size_t servers = flows.CountServers();
  report.peak_rpc_concurrency = table.peak_rpc_concurrency();
  report.observations = table.observations();
  report.lost_events = table.lost_events();
  report.shared_connections = table.shared_connections();
  report.unported = table.unported();
  report.owners = ListenerOwnersOf(evidence.inventories, table.server_pids());

  PrintFindings(evidence.diagnostics);
  Result<bool> written = StreamOutput(o.output, [&](std::string& out, const report::FlushText& flush) {
    if (o.format == "json") {
      report::WriteFlowsJson(report, evidence.diagnostics, out, flush);
    } else if (o.format == "csv") {
      report::WriteFlowsCsv(report, out, flush);
    } else {
      report::WriteFlowsTable(report, out, flush);
    }
  });
  if (!written) {
    fmt::print(stderr, "highport flows: {}\n", written.error().message);
    return kExitUsage;
  }
  PrintEvidenceSummary("flows", evidence, flows.size(), servers);
  if (evidence.input_error) return kExitUsage;
  for (size_t i = 0; i < flows.size(); ++i) {
    if (flows.flow_class(i) == analysis::FlowClass::kProblematic) return kExitFindings;
  }
  return kExitOk;
}

}  // namespace

int RunFlows(std::vector<std::string> args) {
  CLI::App app;
  FlowsOptions options;
  Setup(app, options);
  if (std::optional<int> stop = ParseCommandLine(app, args)) return *stop;
  return Run(options);
}

}  // namespace highport::cli
