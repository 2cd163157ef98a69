// highport verify plan.json HOST... [--check ports,rpc,minimise,firewall]
// Scans each host and asks its endpoint mapper again, then compares what is
// open and registered with what the plan expects (plan/verify.h). Exit 0
// when every host matches, 1 on drift, 2 on a usage or input error.
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "catalog/catalog.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "cli/scan_support.h"
#include "fmt/format.h"
#include "model/ip_address.h"
#include "model/port_list.h"
#include "net/epm_client.h"
#include "plan/plan_json.h"
#include "plan/verify.h"
#include "report/scan_report.h"
#include "text/json_text.h"

namespace highport::cli {
namespace {

struct VerifyOptions {
  std::string plan;
  std::vector<std::string> hosts;
  std::string checks = "all";
  std::string ports;  // added to what the plan says
  ScanFlags scan;
  uint16_t epm_port = 135;
  std::string format = "table";
  std::string output;
};

void Setup(CLI::App& app, VerifyOptions& o) {
  app.description(
      "Scans each HOST and asks its endpoint mapper again, then compares with the plan: every "
      "open port expected (its static listeners, 135, 593, pinned ports, the planned range), "
      "every dynamic RPC registration inside the planned range and each pinned interface on its "
      "pin, no minimised service listening, no port open to the scanner's address unless the "
      "allow-list allows it. HOST is a host of the plan, by name or address.\n"
      "Scanned: those ports, the catalog's Windows service ports, the host's old dynamic range "
      "(49152-65535 unless the plan says), and -p.\n"
      "Exit: 0 every host matches the plan, 1 differences, 2 usage or input error.");
  app.add_option("plan", o.plan, "plan.json ('-' is standard input)")->required();
  app.add_option("hosts", o.hosts, "hosts of the plan to verify, by name or address")->required();
  app.add_option("--check", o.checks, "the checks: ports,rpc,minimise,firewall or all")
      ->capture_default_str();
  app.add_option("-p,--ports", o.ports, "more ports to scan: 8080,9000-9100");
  AddScanFlags(app, o.scan);
  app.add_option("--epm-port", o.epm_port, "the endpoint mapper's TCP port (tests)")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("--format", o.format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("-o,--output", o.output, "write to this file instead of standard output");
}

// The address to scan for a host argument: the argument when it is an
// address, else the plan host's first address, else the name to resolve.
std::string ScanAddress(const std::string& argument, const plan::HostEntry& host) {
  if (IpAddress::Parse(argument)) return argument;
  return host.addresses.empty() ? argument : host.addresses.front();
}

plan::EpmFindings AskEndpointMapper(const net::ScanHostResult& scan, const net::EpmHostResult* epm,
                                    uint16_t epm_port) {
  plan::EpmFindings f;
  if (epm == nullptr) {
    // The scan already saw that nothing answers there: no second wait.
    f.asked = true;
    f.status = "error";
    for (const net::PortResult& p : scan.ports) {
      if (p.port == epm_port) f.detail = fmt::format("tcp/{} is {} ({})", epm_port, net::PortStateName(p.state), p.why);
    }
    return f;
  }
  f.asked = true;
  f.status = std::string(net::HostStatusName(epm->status));
  f.detail = epm->detail;
  f.registrations = net::ToRegistrations(*epm);
  return f;
}

int Run(const VerifyOptions& o) {
  Result<plan::VerifyChecks> checks = plan::ParseVerifyChecks(o.checks);
  if (!checks) {
    fmt::print(stderr, "highport verify: --check: {}\n", checks.error().message);
    return kExitUsage;
  }
  std::vector<PortRange> extra;
  if (!o.ports.empty()) {
    Result<std::vector<PortRange>> parsed = ParsePortList(o.ports);
    if (!parsed) {
      fmt::print(stderr, "highport verify: -p: {}\n", parsed.error().message);
      return kExitUsage;
    }
    extra = *parsed;
  }
  Result<plan::Plan> plan = ReadPlan(o.plan);
  if (!plan) {
    fmt::print(stderr, "highport verify: {}\n", plan.error().message);
    return kExitUsage;
  }

  std::vector<const plan::HostEntry*> hosts;
  std::vector<net::ScanRequest> requests;
  size_t probes = 0;
  for (const std::string& argument : o.hosts) {
    const plan::HostEntry* host = plan::FindPlanHost(*plan, argument);
    if (host == nullptr) {
      std::vector<std::string> known;
      for (const plan::HostEntry& h : plan->hosts) {
        known.push_back(h.addresses.empty() ? h.name
                                            : fmt::format("{} ({})", h.name, fmt::join(h.addresses, ", ")));
      }
      fmt::print(stderr, "highport verify: '{}' is not a host of {}; it has: {}\n", argument, o.plan,
                 known.empty() ? "no host" : fmt::format("{}", fmt::join(known, "; ")));
      return kExitUsage;
    }
    std::vector<PortRange> ranges = plan::PortsToVerify(*plan, *host);
    ranges.insert(ranges.end(), extra.begin(), extra.end());
    ranges.push_back({o.epm_port, o.epm_port});
    // The Windows service ports of the catalog too: a static service that
    // appeared since the plan is as much drift as a dynamic one.
    for (uint16_t p : DefaultScanPorts(catalog::Catalog::Get(), host->tcp_ephemeral.value_or(kWindowsDynamicRange))) {
      ranges.push_back({p, p});
    }
    hosts.push_back(host);
    requests.push_back({ScanAddress(argument, *host), ExpandPorts(ranges)});
    probes += requests.back().ports.size();
  }
  if (probes > o.scan.max_probes) {
    fmt::print(stderr, "highport verify: {} probes, more than --max-probes {}\n", probes, o.scan.max_probes);
    return kExitUsage;
  }

  std::vector<net::ScanHostResult> scans =
      net::ScanPorts(requests, ToScanOptions(o.scan), MakeScanProgress("verify", probes));

  // The endpoint mapper of each host whose port answered; one lookup for all.
  std::vector<net::Target> targets;
  std::vector<size_t> target_of(scans.size(), SIZE_MAX);
  for (size_t i = 0; i < scans.size(); ++i) {
    bool open = false;
    for (const net::PortResult& p : scans[i].ports) open = open || (p.port == o.epm_port && p.state == net::PortState::kOpen);
    if (!open || scans[i].address.empty()) continue;
    target_of[i] = targets.size();
    targets.push_back({scans[i].address, o.epm_port});
  }
  net::EpmClientOptions epm_options;
  epm_options.connect_timeout = ToScanOptions(o.scan).connect_timeout * 2;
  epm_options.read_timeout = std::chrono::milliseconds(5000);
  epm_options.host_deadline = std::chrono::milliseconds(60000);
  std::vector<net::EpmHostResult> lookups = net::LookupEndpointMappers(targets, epm_options);

  const catalog::Catalog& catalog = catalog::Catalog::Get();
  std::vector<report::VerifyHostReport> reports;
  bool drift = false;
  for (size_t i = 0; i < scans.size(); ++i) {
    const net::ScanHostResult& s = scans[i];
    if (!s.error.empty()) {
      fmt::print(stderr, "highport verify: {}: {}\n", o.hosts[i], s.error);
      return kExitUsage;
    }
    plan::ScanFindings scan;
    scan.address = s.address;
    scan.source_address = s.source_address;
    for (const net::PortResult& p : s.ports) {
      scan.probed.push_back(p.port);
      if (p.state == net::PortState::kOpen) scan.open.push_back(p.port);
    }
    const net::EpmHostResult* lookup = target_of[i] == SIZE_MAX ? nullptr : &lookups[target_of[i]];
    plan::EpmFindings epm = AskEndpointMapper(s, lookup, o.epm_port);
    report::VerifyHostReport r;
    r.argument = o.hosts[i];
    r.result = plan::VerifyHost(*plan, *hosts[i], scan, epm, *checks, catalog);
    if (o.epm_port != 135) {
      r.result.notes.push_back(fmt::format("the endpoint mapper was asked on tcp/{} (--epm-port)", o.epm_port));
    }
    if (size_t errors = s.Count(net::PortState::kError); errors > 0) {
      r.result.notes.push_back(fmt::format("{} port(s) could not be tried (local errors); their state is unknown", errors));
    }
    r.probed = scan.probed.size();
    r.open = scan.open.size();
    r.epm_status = epm.status;
    r.epm_detail = epm.detail;
    r.epm_entries = lookup ? lookup->entries.size() : 0;
    drift = drift || !r.result.Matches();
    reports.push_back(std::move(r));
  }
  std::string content =
      o.format == "json" ? text::JsonText(report::VerifyJson(reports), 2) + "\n" : report::VerifyTable(reports);
  if (Result<bool> written = WriteOutput(o.output, content); !written) {
    fmt::print(stderr, "highport verify: {}\n", written.error().message);
    return kExitUsage;
  }
  return drift ? kExitFindings : kExitOk;
}

}  // namespace

int RunVerify(std::vector<std::string> args) {
  CLI::App app;
  VerifyOptions options;
  Setup(app, options);
  if (std::optional<int> stop = ParseCommandLine(app, args)) return *stop;
  return Run(options);
}

}  // namespace highport::cli
