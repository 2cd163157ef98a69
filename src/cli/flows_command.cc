// highport flows FILE... [--problematic] [--server ADDR]
// Reads traffic evidence (captures, NetFlow/IPFIX inside captures, Windows
// Firewall logs) and socket inventories of the servers, decides which side
// of each conversation is the server, classifies the server ports after the
// third seed's table and prints the flows, problematic ones first, then per
// server the static ports, the dynamic ports in use and their clients.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "CLI/CLI.hpp"
#include "analysis/flow_table.h"
#include "analysis/host_knowledge.h"
#include "catalog/catalog.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "fmt/format.h"
#include "ingest/load.h"
#include "ingest/traffic_load.h"
#include "report/flows_report.h"

namespace highport::cli {
namespace {

struct FlowsOptions {
  std::vector<std::string> files;
  bool problematic = false;
  std::string server;
  std::string dynamic_range;
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
  app.add_option("files", o.files, "evidence files")->required();
  app.add_flag("--problematic", o.problematic, "only flows to dynamic server ports");
  app.add_option("--server", o.server, "only flows to this server address");
  app.add_option("--dynamic-range", o.dynamic_range,
                 "the servers' TCP dynamic port range where no input states it, START-END "
                 "(default 49152-65535)");
  app.add_option("--format", o.format, "table, json or csv")
      ->check(CLI::IsMember(kRecordFormats))
      ->capture_default_str();
  app.add_option("-o,--output", o.output, "write to this file instead of standard output");
}

// Standard input is read twice (detection, then the reader): spool it to a file.
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

int Run(const FlowsOptions& o) {
  std::optional<IpAddress> only_server;
  if (!o.server.empty()) {
    only_server = IpAddress::Parse(o.server);
    if (!only_server) {
      fmt::print(stderr, "highport flows: --server: '{}' is not an address\n", o.server);
      return kExitUsage;
    }
  }
  Diagnostics diagnostics;
  bool input_error = false;
  std::vector<std::string> spooled;
  // Inventories first: their listeners decide which side is the server.
  std::vector<std::pair<std::string, ingest::EvidenceKind>> traffic;
  std::vector<ingest::SocketInventory> inventories;
  for (const std::string& given : o.files) {
    std::string path = given;
    if (given == "-") {
      Result<std::string> spool = SpoolStdin();
      if (!spool) {
        fmt::print(stderr, "highport flows: {}\n", spool.error().message);
        return kExitUsage;
      }
      path = *spool;
      spooled.push_back(path);
    }
    Result<ingest::EvidenceKind> kind = ingest::DetectEvidence(path);
    if (!kind) {
      fmt::print(stderr, "highport flows: {}\n", kind.error().message);
      input_error = true;
      continue;
    }
    if (*kind != ingest::EvidenceKind::kInventory) {
      traffic.emplace_back(path, *kind);
      continue;
    }
    Result<ingest::LoadedInventory> loaded = ingest::LoadInventory(path, {}, diagnostics);
    if (!loaded) {
      fmt::print(stderr, "highport flows: {} (nor a capture or a firewall log)\n",
                 loaded.error().message);
      input_error = true;
      continue;
    }
    inventories.push_back(std::move(loaded->inventory));
  }

  analysis::HostKnowledge knowledge = analysis::KnowledgeFromInventories(inventories);
  if (!o.dynamic_range.empty()) {
    std::optional<PortRange> range = ParsePortRange(o.dynamic_range);
    if (!range || range->first == 0) {
      fmt::print(stderr, "highport flows: --dynamic-range: '{}' is not START-END\n", o.dynamic_range);
      return kExitUsage;
    }
    knowledge.default_dynamic_range = *range;
  }
  analysis::FlowTable table(catalog::Catalog::Get(), std::move(knowledge));
  for (const ingest::SocketInventory& inv : inventories) {
    for (const RpcRegistration& r : inv.rpc_registrations) table.OnRpcRegistration(r);
  }
  report::FlowsReport report;
  for (const auto& [path, kind] : traffic) {
    Result<ingest::TrafficFileStats> read = ingest::ReadTrafficFile(path, kind, table, diagnostics);
    if (!read) {
      fmt::print(stderr, "highport flows: {}\n", read.error().message);
      input_error = true;
      continue;
    }
    report.skipped += read->skipped;
    report.local_time = report.local_time || read->local_time;
  }
  for (const std::string& path : spooled) std::remove(path.c_str());

  for (analysis::FlowEntry& e : table.Finish()) {
    if (o.problematic && e.flow_class != analysis::FlowClass::kProblematic) continue;
    if (only_server && e.key.server != *only_server) continue;
    report.flows.push_back(std::move(e));
  }
  report.peak_rpc_concurrency = table.peak_rpc_concurrency();
  report.observations = table.observations();
  report.lost_events = table.lost_events();
  report.unported = table.unported();

  PrintFindings(diagnostics);
  std::string content;
  if (o.format == "json") {
    content = report::FlowsJson(report, diagnostics).dump(2) + "\n";
  } else if (o.format == "csv") {
    content = report::FlowsCsv(report);
  } else {
    content = report::FlowsTable(report);
  }
  if (Result<bool> written = WriteOutput(o.output, content); !written) {
    fmt::print(stderr, "highport flows: {}\n", written.error().message);
    return kExitUsage;
  }
  if (input_error) return kExitUsage;
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
