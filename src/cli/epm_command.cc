// highport epm HOST[:PORT]... | --from rpcdump.txt
// Asks endpoint mappers (TCP 135) which RPC interface listens on which port,
// or reads what impacket's rpcdump already asked, and prints per host the
// interfaces with their bindings and the TCP ports, dynamic ones marked.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "CLI/CLI.hpp"
#include "analysis/rpc_map.h"
#include "catalog/catalog.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "fmt/format.h"
#include "ingest/load.h"
#include "net/epm_client.h"
#include "net/targets.h"
#include "report/epm_report.h"
#include "text/json_text.h"

namespace highport::cli {
namespace {

struct EpmOptions {
  std::vector<std::string> hosts;
  std::string hosts_file;
  std::vector<std::string> from;  // rpcdump outputs
  std::string host;               // names the host of --from files that do not say it
  double timeout = 3.0;           // seconds, for connecting and for each answer
  size_t concurrency = 32;
  size_t max_hosts = 256;
  std::string map_interface;      // ept_map for one interface instead of a full listing
  std::string dynamic_range;
  std::string format = "table";
  std::string output;
};

void Setup(CLI::App& app, EpmOptions& o) {
  app.description(
      "Asks the RPC endpoint mapper of each host (TCP 135, ept_lookup, anonymous as rpcdump and "
      "PortQry do) which RPC interfaces are registered on which ports, or reads impacket "
      "rpcdump.py output with --from.\n"
      "HOST is a name, an address, ADDRESS/PREFIX for a block (capped by --max-hosts), with an "
      "optional :PORT.\n"
      "Exit: 0 every host answered and no interface sits in the dynamic range, 1 interfaces on "
      "dynamic ports or a host that did not answer completely, 2 usage or input error.");
  app.add_option("hosts", o.hosts, "hosts to ask");
  app.add_option("-i,--input-list", o.hosts_file, "a file with one host per line ('#' comments)");
  app.add_option("--from", o.from, "read impacket rpcdump.py output instead of asking ('-' is stdin)");
  app.add_option("--host", o.host, "with --from: the host's name when the file does not say it");
  app.add_option("--timeout", o.timeout, "seconds to wait for a connection and for each answer")
      ->check(CLI::Range(0.05, 600.0))
      ->capture_default_str();
  app.add_option("--concurrency", o.concurrency, "connections open at most at once")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--max-hosts", o.max_hosts, "refuse to ask more hosts than this")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  app.add_option("--map", o.map_interface,
                 "resolve one interface with ept_map (UUID, optionally UUID:vMAJOR.MINOR) "
                 "instead of listing everything");
  app.add_option("--dynamic-range", o.dynamic_range,
                 "the hosts' TCP dynamic port range, START-END (default 49152-65535)");
  app.add_option("--format", o.format, "table, json or csv")
      ->check(CLI::IsMember(kRecordFormats))
      ->capture_default_str();
  app.add_option("-o,--output", o.output, "write to this file instead of standard output");
}

// "12345778-1234-abcd-ef00-0123456789ab" or "...:v3.0".
std::optional<rpc::SyntaxId> ParseInterface(std::string_view text) {
  rpc::SyntaxId id;
  id.version_major = 1;  // rpcdump and PortQry default
  if (size_t colon = text.find(":v"); colon != std::string_view::npos) {
    unsigned major = 0, minor = 0;
    std::string version(text.substr(colon + 2));
    char tail = 0;
    if (std::sscanf(version.c_str(), "%u.%u%c", &major, &minor, &tail) != 2 || major > 65535 ||
        minor > 65535) {
      return std::nullopt;
    }
    id.version_major = static_cast<uint16_t>(major);
    id.version_minor = static_cast<uint16_t>(minor);
    text = text.substr(0, colon);
  }
  std::optional<rpc::Uuid> uuid = rpc::Uuid::Parse(text);
  if (!uuid) return std::nullopt;
  id.uuid = *uuid;
  return id;
}

// Progress for many hosts on a terminal; nothing when stderr is a file or pipe.
net::EpmProgress MakeProgress(size_t total) {
  if (total < 2 || !isatty(STDERR_FILENO)) return {};
  return [](size_t done, size_t all) {
    fmt::print(stderr, "\repm: {}/{} hosts", done, all);
    if (done == all) fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
  };
}

Result<std::vector<report::EpmHostReport>> ReadRpcdumpFiles(const EpmOptions& o, PortRange range,
                                                            Diagnostics& diagnostics) {
  std::vector<report::EpmHostReport> hosts;
  // Detected, not forced: a netstat given by mistake is an error, not 80 skipped lines.
  ingest::LoadOptions load;
  for (const std::string& file : o.from) {
    Result<ingest::LoadedInventory> loaded = ingest::LoadInventory(file, load, diagnostics);
    if (!loaded) return Error{loaded.error().message};
    // impacket's rpcdump.py, or a listing saved with `highport epm --format json`.
    if (loaded->format != ingest::InputFormat::kRpcdump &&
        loaded->format != ingest::InputFormat::kEpmJson) {
      return Error{fmt::format("{}: neither impacket rpcdump.py output nor highport epm JSON (it "
                               "reads as {})",
                               file, ingest::GetFormatInfo(loaded->format).name)};
    }
    // One report per host the file names (rpcdump can be run over several),
    // in the order they first appear.
    std::vector<std::pair<std::string, std::vector<RpcRegistration>>> by_host;
    for (const RpcRegistration& r : loaded->inventory.rpc_registrations) {
      std::string host = !o.host.empty() ? o.host : !r.host.empty() ? r.host : file;
      auto it = std::find_if(by_host.begin(), by_host.end(),
                             [&](const auto& entry) { return entry.first == host; });
      if (it == by_host.end()) it = by_host.insert(by_host.end(), {host, {}});
      it->second.push_back(r);
    }
    if (by_host.empty()) {  // "No endpoints found": the host is still worth a line
      std::string host = !o.host.empty()                   ? o.host
                         : !loaded->inventory.host.empty() ? loaded->inventory.host
                                                           : file;
      by_host.push_back({host, {}});
    }
    for (const auto& [host, regs] : by_host) {
      report::EpmHostReport h;
      h.host = host;
      h.port = 0;
      h.status = "ok";
      h.source = file;
      h.map = analysis::BuildRpcHostMap(h.host, regs, range, catalog::Catalog::Get());
      hosts.push_back(std::move(h));
    }
  }
  return hosts;
}

int Run(const EpmOptions& o) {
  if (o.hosts.empty() && o.hosts_file.empty() && o.from.empty()) {
    fmt::print(stderr, "highport epm: name hosts to ask, -i FILE, or --from rpcdump.txt (see --help)\n");
    return kExitUsage;
  }
  PortRange range = kWindowsDynamicRange;
  if (!o.dynamic_range.empty()) {
    std::optional<PortRange> parsed = ParsePortRange(o.dynamic_range);
    if (!parsed || parsed->first == 0) {
      fmt::print(stderr, "highport epm: --dynamic-range: '{}' is not START-END\n", o.dynamic_range);
      return kExitUsage;
    }
    range = *parsed;
  }
  net::EpmClientOptions client;
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(std::lround(o.timeout * 1000)));
  client.connect_timeout = timeout;
  client.read_timeout = timeout;
  client.host_deadline = std::max(timeout * 10, std::chrono::milliseconds(30000));
  client.concurrency = o.concurrency;
  if (!o.map_interface.empty()) {
    std::optional<rpc::SyntaxId> id = ParseInterface(o.map_interface);
    if (!id) {
      fmt::print(stderr, "highport epm: --map: '{}' is not UUID or UUID:vMAJOR.MINOR\n",
                 o.map_interface);
      return kExitUsage;
    }
    client.query.kind = rpc::EpmQuery::Kind::kMap;
    client.query.map_interface = *id;
  }

  std::vector<net::Target> targets;
  for (const std::string& argument : o.hosts) {
    Result<std::vector<net::Target>> parsed = net::ParseTargets(argument, 135, o.max_hosts);
    if (!parsed) {
      fmt::print(stderr, "highport epm: {}\n", parsed.error().message);
      return kExitUsage;
    }
    targets.insert(targets.end(), parsed->begin(), parsed->end());
  }
  if (!o.hosts_file.empty()) {
    Result<std::vector<net::Target>> parsed = net::ReadTargetsFile(o.hosts_file, 135, o.max_hosts);
    if (!parsed) {
      fmt::print(stderr, "highport epm: {}\n", parsed.error().message);
      return kExitUsage;
    }
    targets.insert(targets.end(), parsed->begin(), parsed->end());
  }
  if (targets.size() > o.max_hosts) {
    fmt::print(stderr, "highport epm: {} hosts named, more than --max-hosts {}\n", targets.size(),
               o.max_hosts);
    return kExitUsage;
  }

  Diagnostics diagnostics;
  Result<std::vector<report::EpmHostReport>> from_files = ReadRpcdumpFiles(o, range, diagnostics);
  PrintFindings(diagnostics);
  if (!from_files) {
    fmt::print(stderr, "highport epm: {}\n", from_files.error().message);
    return kExitUsage;
  }
  std::vector<report::EpmHostReport> hosts = std::move(*from_files);

  std::vector<net::EpmHostResult> results =
      net::LookupEndpointMappers(targets, client, MakeProgress(targets.size()));
  for (const net::EpmHostResult& r : results) {
    report::EpmHostReport h;
    h.host = r.target.host;
    h.port = r.target.port;
    h.address = r.address;
    h.status = std::string(net::HostStatusName(r.status));
    h.detail = r.detail;
    h.notes = r.notes;
    h.calls = r.calls;
    h.elapsed_ms = static_cast<double>(r.elapsed.count()) / 1000.0;
    h.source = "epm";
    h.map = analysis::BuildRpcHostMap(h.host, net::ToRegistrations(r), range, catalog::Catalog::Get());
    hosts.push_back(std::move(h));
  }

  std::string content;
  if (o.format == "json") {
    content = text::JsonText(report::EpmJson(hosts), 2) + "\n";
  } else if (o.format == "csv") {
    content = report::EpmCsv(hosts);
  } else {
    content = report::EpmTable(hosts);
  }
  if (Result<bool> written = WriteOutput(o.output, content); !written) {
    fmt::print(stderr, "highport epm: {}\n", written.error().message);
    return kExitUsage;
  }
  for (const report::EpmHostReport& h : hosts) {
    if (h.status != "ok" || h.map.DynamicPortsInRange() > 0) return kExitFindings;
  }
  return kExitOk;
}

}  // namespace

int RunEpm(std::vector<std::string> args) {
  CLI::App app;
  EpmOptions options;
  Setup(app, options);
  if (std::optional<int> stop = ParseCommandLine(app, args)) return *stop;
  return Run(options);
}

}  // namespace highport::cli
