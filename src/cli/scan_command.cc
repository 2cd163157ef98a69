// highport scan HOST... [-p PORTS] [--rate N] [--timeout S]
// A TCP connect scan: open / closed / filtered per host and port, by default
// over 135, 593, the catalog's Windows service ports and the host's dynamic
// range, where RPC servers take their ports.
#include <cstdio>

#include "CLI/CLI.hpp"
#include "catalog/catalog.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/scan_support.h"
#include "fmt/format.h"
#include "model/port_list.h"
#include "net/targets.h"
#include "report/scan_report.h"
#include "text/json_text.h"

namespace highport::cli {
namespace {

struct ScanCommandOptions {
  std::vector<std::string> hosts;
  std::string ports;
  std::string dynamic_range;
  ScanFlags scan;
  size_t max_hosts = 256;
  std::string format = "table";
  std::string output;
};

void Setup(CLI::App& app, ScanCommandOptions& o) {
  app.description(
      "TCP connect scan: for each host and port, open (connected), closed (refused) or filtered "
      "(no answer, unreachable). Rate-limited and bounded; only the hosts named are touched.\n"
      "HOST is a name, an address or ADDRESS/PREFIX (capped by --max-hosts).\n"
      "Default ports: 135, 593, the Windows service ports of the catalog and the dynamic range.\n"
      "Exit: 0 scanned, 1 a host could not be scanned (or probes failed locally), 2 usage error.");
  app.add_option("hosts", o.hosts, "hosts to scan")->required();
  app.add_option("-p,--ports", o.ports, "ports instead of the default: 135,445,5000-5100");
  app.add_option("--dynamic-range", o.dynamic_range,
                 "the hosts' TCP dynamic range, START-END (default 49152-65535)");
  AddScanFlags(app, o.scan);
  app.add_option("--max-hosts", o.max_hosts, "refuse to scan more hosts than this")
      ->check(CLI::Range(1, 1 << 16))
      ->capture_default_str();
  app.add_option("--format", o.format, "table, json or csv")
      ->check(CLI::IsMember(kRecordFormats))
      ->capture_default_str();
  app.add_option("-o,--output", o.output, "write to this file instead of standard output");
}

int Run(const ScanCommandOptions& o) {
  PortRange dynamic = kWindowsDynamicRange;
  if (!o.dynamic_range.empty()) {
    std::optional<PortRange> parsed = ParsePortRange(o.dynamic_range);
    if (!parsed || parsed->first == 0) {
      fmt::print(stderr, "highport scan: --dynamic-range: '{}' is not START-END\n", o.dynamic_range);
      return kExitUsage;
    }
    dynamic = *parsed;
  }
  const catalog::Catalog& catalog = catalog::Catalog::Get();
  std::vector<uint16_t> ports;
  if (o.ports.empty()) {
    ports = DefaultScanPorts(catalog, dynamic);
  } else {
    Result<std::vector<PortRange>> parsed = ParsePortList(o.ports);
    if (!parsed) {
      fmt::print(stderr, "highport scan: -p: {}\n", parsed.error().message);
      return kExitUsage;
    }
    ports = ExpandPorts(*parsed);
  }
  std::vector<net::ScanRequest> requests;
  for (const std::string& argument : o.hosts) {
    Result<std::vector<net::Target>> parsed = net::ParseTargets(argument, 0, o.max_hosts);
    if (!parsed) {
      fmt::print(stderr, "highport scan: {}\n", parsed.error().message);
      return kExitUsage;
    }
    for (const net::Target& t : *parsed) {
      if (t.port != 0) {
        fmt::print(stderr, "highport scan: '{}': name ports with -p, not HOST:PORT\n", argument);
        return kExitUsage;
      }
      requests.push_back({t.host, ports});
    }
  }
  if (requests.size() > o.max_hosts) {
    fmt::print(stderr, "highport scan: {} hosts named, more than --max-hosts {}\n", requests.size(),
               o.max_hosts);
    return kExitUsage;
  }
  size_t probes = requests.size() * ports.size();
  if (probes > o.scan.max_probes) {
    fmt::print(stderr,
               "highport scan: {} host(s) x {} port(s) = {} probes, more than --max-probes {}; "
               "name fewer hosts or ports, or raise --max-probes\n",
               requests.size(), ports.size(), probes, o.scan.max_probes);
    return kExitUsage;
  }

  std::vector<net::ScanHostResult> results =
      net::ScanPorts(requests, ToScanOptions(o.scan), MakeScanProgress("scan", probes));
  std::vector<report::ScanHostReport> hosts;
  bool incomplete = false;
  for (const net::ScanHostResult& r : results) {
    hosts.push_back(ToReport(r, dynamic));
    incomplete = incomplete || !r.error.empty() || r.Count(net::PortState::kError) > 0;
  }
  std::string content;
  if (o.format == "json") {
    content = text::JsonText(report::ScanJson(hosts, catalog), 2) + "\n";
  } else if (o.format == "csv") {
    content = report::ScanCsv(hosts, catalog);
  } else {
    content = report::ScanTable(hosts, catalog);
  }
  if (Result<bool> written = WriteOutput(o.output, content); !written) {
    fmt::print(stderr, "highport scan: {}\n", written.error().message);
    return kExitUsage;
  }
  return incomplete ? kExitFindings : kExitOk;
}

}  // namespace

int RunScan(std::vector<std::string> args) {
  CLI::App app;
  ScanCommandOptions options;
  Setup(app, options);
  if (std::optional<int> stop = ParseCommandLine(app, args)) return *stop;
  return Run(options);
}

}  // namespace highport::cli
