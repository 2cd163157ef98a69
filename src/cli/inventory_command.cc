// highport inventory FILE... | --live
// Reads socket inventories and process lists of one host, joins them, and
// prints every listener with its owner, its port class and a verdict.
#include <cstdio>

#include "CLI/CLI.hpp"
#include "analysis/inventory.h"
#include "catalog/catalog.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "fmt/format.h"
#include "ingest/live_source.h"
#include "ingest/load.h"
#include "report/inventory_report.h"
#include "text/json_text.h"

namespace highport::cli {
namespace {

struct InventoryOptions {
  std::vector<std::string> files;
  bool live = false;
  std::string host;
  std::string input_format;  // empty: detect per file
  std::string encoding = "auto";
  std::string dynamic_range;  // empty: from the inputs, else the Windows default
  bool legacy = false;
  std::string format = "table";
  std::string output;
};

std::string InputFormatHelp() {
  std::string help = "force the input format instead of detecting it:";
  for (const ingest::FormatInfo& f : ingest::InventoryFormats()) {
    help += fmt::format("\n  {}: {}", f.name, f.description);
  }
  return help;
}

void Setup(CLI::App& app, InventoryOptions& o) {
  app.description(
      "Lists what listens on a host, which process and service own it, whether the port is "
      "static or dynamic, and what can be done about it.\n"
      "Inputs (format detected per file, '-' is standard input): netstat -ano/-anob (any "
      "language, UTF-16/CP850/CP1252), tasklist /svc (table, csv, list), Get-NetTCPConnection | "
      "Export-Csv, ss -tulpn. Give netstat and tasklist together to name each PID's services.\n"
      "Exit: 0 nothing to act on, 1 listeners to act on (dynamic RPC ports, ...), 2 usage or "
      "input error.");
  app.add_option("files", o.files, "socket inventories and process lists of one host");
  app.add_flag("--live", o.live, "this machine, now (Linux: /proc)");
  app.add_option("--host", o.host, "the host's name, for the report");
  app.add_option("--input-format", o.input_format, InputFormatHelp())
      ->check(CLI::IsMember([] {
        std::vector<std::string> names;
        for (const ingest::FormatInfo& f : ingest::InventoryFormats()) names.emplace_back(f.name);
        return names;
      }()));
  app.add_option("--encoding", o.encoding,
                 "auto, utf-8, utf-16le, utf-16be, cp1252 (ANSI) or cp850 (OEM)")
      ->capture_default_str();
  app.add_option("--dynamic-range", o.dynamic_range,
                 "the host's TCP dynamic port range, START-END (default 49152-65535, as "
                 "`netsh int ipv4 show dynamicport tcp` reports)");
  app.add_flag("--legacy", o.legacy, "the host uses the pre-Vista dynamic range 1025-5000");
  app.add_option("--format", o.format, "table, json or csv")
      ->check(CLI::IsMember(kRecordFormats))
      ->capture_default_str();
  app.add_option("-o,--output", o.output, "write to this file instead of standard output");
}

int Run(const InventoryOptions& o) {
  if (o.files.empty() && !o.live) {
    fmt::print(stderr, "highport inventory: give input files or --live (see --help)\n");
    return kExitUsage;
  }
  Host host;
  host.name = o.host;
  if (o.legacy) {
    host.tcp_dynamic_range = kLegacyWindowsDynamicRange;
    host.dynamic_range_known = true;
  }
  if (!o.dynamic_range.empty()) {
    std::optional<PortRange> range = ParsePortRange(o.dynamic_range);
    if (!range || range->first == 0) {
      fmt::print(stderr, "highport inventory: --dynamic-range: '{}' is not START-END\n",
                 o.dynamic_range);
      return kExitUsage;
    }
    host.tcp_dynamic_range = *range;
    host.dynamic_range_known = true;
  }
  ingest::LoadOptions load;
  if (!o.input_format.empty()) load.format = ingest::ParseInputFormat(o.input_format);
  std::optional<text::Encoding> encoding = text::ParseEncoding(o.encoding);
  if (!encoding) {
    fmt::print(stderr, "highport inventory: --encoding: unknown encoding '{}'\n", o.encoding);
    return kExitUsage;
  }
  load.encoding = *encoding;
  load.format_option = true;

  Diagnostics diagnostics;
  std::vector<ingest::SocketInventory> inputs;
  bool input_error = false;
  for (const std::string& file : o.files) {
    Result<ingest::LoadedInventory> loaded = ingest::LoadInventory(file, load, diagnostics);
    if (!loaded) {
      fmt::print(stderr, "highport inventory: {}\n", loaded.error().message);
      input_error = true;
      continue;
    }
    inputs.push_back(std::move(loaded->inventory));
  }
  if (o.live) {
    Result<std::unique_ptr<ingest::LiveSource>> source = ingest::MakeLiveSource();
    Result<ingest::SocketInventory> live =
        source ? (*source)->Read(diagnostics) : Result<ingest::SocketInventory>(source.error());
    if (!live) {
      fmt::print(stderr, "highport inventory: --live: {}\n", live.error().message);
      input_error = true;
    } else {
      inputs.push_back(std::move(*live));
    }
  }
  // A range stated by an input (netsh, /proc) counts unless the user gave one.
  if (!host.dynamic_range_known) {
    for (const ingest::SocketInventory& input : inputs) {
      if (input.tcp_dynamic_range) {
        host.tcp_dynamic_range = *input.tcp_dynamic_range;
        host.dynamic_range_known = true;
      }
    }
  }

  const catalog::Catalog& catalog = catalog::Catalog::Get();
  analysis::HostInventory inventory = analysis::BuildInventory(inputs, std::move(host), catalog);

  PrintFindings(diagnostics);
  std::string content;
  if (o.format == "json") {
    content = text::JsonText(report::InventoryJson(inventory, diagnostics), 2) + "\n";
  } else if (o.format == "csv") {
    content = report::InventoryCsv(inventory);
  } else {
    content = report::InventoryTable(inventory, diagnostics);
  }
  if (Result<bool> written = WriteOutput(o.output, content); !written) {
    fmt::print(stderr, "highport inventory: {}\n", written.error().message);
    return kExitUsage;
  }
  if (input_error) return kExitUsage;
  for (const analysis::InventoryEntry& e : inventory.entries) {
    if (e.verdict.severity == analysis::Severity::kAct) return kExitFindings;
  }
  return kExitOk;
}

}  // namespace

int RunInventory(std::vector<std::string> args) {
  CLI::App app;
  InventoryOptions options;
  Setup(app, options);
  if (std::optional<int> stop = ParseCommandLine(app, args)) return *stop;
  return Run(options);
}

}  // namespace highport::cli
