// highport flows [FILE...] [--db DB] [--problematic] [--server ADDR]
// Reads traffic evidence (captures, NetFlow/IPFIX inside captures, Windows
// Firewall logs) and socket inventories of the servers, decides which side
// of each conversation is the server, classifies the server ports after the
// third seed's table and prints the flows, problematic ones first, then per
// server the static ports, the dynamic ports in use and their clients.
#include <set>

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
      "inventory, then TCP handshake or IPFIX direction, then the firewall log, then port "
      "classes), and whether the server port is static or dynamic: client high -> server static "
      "is fine, a source port below 1024 is rare, high -> fixed high port is restricted, high -> "
      "dynamic port is problematic.\n"
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

int Run(const FlowsOptions& o) {
  std::optional<IpAddress> only_server;
  if (!o.server.empty()) {
    only_server = IpAddress::Parse(o.server);
    if (!only_server) {
      fmt::print(stderr, "highport flows: --server: '{}' is not an address\n", o.server);
      return kExitUsage;
    }
  }
  if (o.files.empty() && o.db.empty()) {
    fmt::print(stderr, "highport flows: give evidence files, --db DB, or both\n");
    return kExitUsage;
  }
  Result<Evidence> gathered = GatherEvidence("flows", {o.files, o.db, o.dynamic_range, o.log_timezone});
  if (!gathered) {
    fmt::print(stderr, "highport flows: {}\n", gathered.error().message);
    return kExitUsage;
  }
  Evidence& evidence = *gathered;
  analysis::FlowTable& table = *evidence.table;

  report::FlowsReport report;
  report.skipped = evidence.skipped;
  report.local_time = evidence.local_time;
  // Filtered in place: a million flows are not worth a second copy.
  report.flows = table.Finish();
  std::erase_if(report.flows, [&](const analysis::FlowEntry& e) {
    return (o.problematic && e.flow_class != analysis::FlowClass::kProblematic) ||
           (only_server && e.key.server != *only_server);
  });
  std::set<IpAddress> servers;
  for (const analysis::FlowEntry& e : report.flows) servers.insert(e.key.server);
  report.peak_rpc_concurrency = table.peak_rpc_concurrency();
  report.observations = table.observations();
  report.lost_events = table.lost_events();
  report.unported = table.unported();
  report.owners = ListenerOwnersOf(evidence.inventories);

  PrintFindings(evidence.diagnostics);
  std::string content;
  if (o.format == "json") {
    content = report::FlowsJson(report, evidence.diagnostics).dump(2) + "\n";
  } else if (o.format == "csv") {
    content = report::FlowsCsv(report);
  } else {
    content = report::FlowsTable(report);
  }
  if (Result<bool> written = WriteOutput(o.output, content); !written) {
    fmt::print(stderr, "highport flows: {}\n", written.error().message);
    return kExitUsage;
  }
  PrintEvidenceSummary("flows", evidence, report.flows.size(), servers.size());
  if (evidence.input_error) return kExitUsage;
  for (const analysis::FlowEntry& e : report.flows) {
    if (e.flow_class == analysis::FlowClass::kProblematic) return kExitFindings;
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
