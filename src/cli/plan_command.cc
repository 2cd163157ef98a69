// highport plan [FILE...] [--db DB] [--host H]... [--group NAME=H1,H2]... -o plan.json
// highport plan --diff OLD NEW
// Builds the hardening plan from the evidence (socket inventories, endpoint-
// mapper listings, captures, firewall logs, the database) and writes it as
// plan.json for review; prints what it proposes. --diff shows what changed
// between two plans, proposal by proposal.
#include <ctime>
#include <fstream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "catalog/catalog.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/evidence_input.h"
#include "cli/output.h"
#include "fmt/format.h"
#include "plan/plan_diff.h"
#include "plan/plan_json.h"
#include "plan/planner.h"
#include "report/plan_report.h"
#include "store/evidence_store.h"

namespace highport::cli {
namespace {

struct PlanOptions {
  std::vector<std::string> files;
  std::string db;
  std::vector<std::string> hosts;
  std::vector<std::string> groups;
  std::string role;
  std::string range = "auto";
  uint32_t min_ports = 100;
  std::string max_prefix;
  std::string dynamic_range;
  std::string output;
  std::vector<std::string> diff;
};

void Setup(CLI::App& app, PlanOptions& o) {
  app.description(
      "Builds the hardening plan from the evidence and writes it as plan.json: per group of hosts "
      "the RPC port range (sized from the observed peak, clear of the ports in use) and static "
      "ports for the services that can be pinned (NTDS, Netlogon, FRS, DFSR, certificate "
      "services, WMI, Samba interfaces); per host the network services its role does not need; "
      "and a firewall allow-list built from the observed flows. Every proposal carries its "
      "evidence and a risk note. Review it, then `highport emit plan.json --format all -o DIR`.\n"
      "Inputs as for `highport flows`, plus `highport epm --format json` output.\n"
      "Exit: 0 plan written, 2 usage or input error. With --diff: 0 same, 1 different.");
  app.add_option("files", o.files, "evidence files ('-': standard input)");
  app.add_option("--db", o.db, "also read the evidence stored in this database");
  // One value per flag, so that `--host dc01 evidence/*` leaves the files alone.
  app.add_option("--host", o.hosts, "plan only for this host (name or address; repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--group", o.groups,
                 "NAME=H1,H2: these hosts share one RPC range and the same pinned ports "
                 "(repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--role", o.role, "dc, member, workstation or isolated: what the hosts are for "
                                   "(default: detected per host from its listeners)")
      ->check(CLI::IsMember({"dc", "member", "workstation", "isolated"}));
  app.add_option("--range", o.range, "auto, or START-END: the RPC port range to propose")
      ->capture_default_str();
  app.add_option("--min-ports", o.min_ports,
                 "the smallest RPC range (Microsoft: 100; down to 10 with a warning)")
      ->check(CLI::Range(10, 65535))
      ->capture_default_str();
  app.add_option("--max-prefix", o.max_prefix,
                 "the widest client block of a firewall rule, V4[,V6] (default 24,64)");
  app.add_option("--dynamic-range", o.dynamic_range,
                 "the servers' TCP dynamic port range where no input states it, START-END");
  app.add_option("-o,--output", o.output, "write plan.json here (default: standard output)");
  app.add_option("--diff", o.diff, "OLD NEW: show what changed between two plans")
      ->expected(2);
}

std::string Now() {
  // SOURCE_DATE_EPOCH (reproducible builds) pins the time for tests and examples.
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
    std::time_t t = std::strtoll(epoch, nullptr, 10);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
  }
  return store::UtcTimestamp();
}

Result<plan::Plan> ReadPlanFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: cannot read", path)};
  std::stringstream text;
  text << in.rdbuf();
  return plan::PlanFromText(text.str(), path);
}

int RunDiff(const PlanOptions& o) {
  Result<plan::Plan> before = ReadPlanFile(o.diff[0]);
  Result<plan::Plan> after = ReadPlanFile(o.diff[1]);
  for (const auto* r : {&before, &after}) {
    if (!*r) {
      fmt::print(stderr, "highport plan: {}\n", r->error().message);
      return kExitUsage;
    }
  }
  std::vector<plan::PlanChange> changes = plan::DiffPlans(*before, *after);
  std::string text = plan::DiffText(changes, o.diff[0], o.diff[1]);
  if (Result<bool> written = WriteOutput(o.output, text); !written) {
    fmt::print(stderr, "highport plan: {}\n", written.error().message);
    return kExitUsage;
  }
  return changes.empty() ? kExitOk : kExitFindings;
}

Result<plan::PlannerOptions> PlannerOptionsFrom(const PlanOptions& o) {
  plan::PlannerOptions p;
  p.hosts = o.hosts;
  for (const std::string& g : o.groups) {
    auto group = plan::ParseGroup(g);
    if (!group) return Error{fmt::format("--group: '{}' is not NAME=HOST1,HOST2", g)};
    p.groups.push_back(std::move(*group));
  }
  if (!o.role.empty()) p.role = plan::ParseRole(o.role);
  if (o.range != "auto") {
    auto range = ParsePortRange(o.range);
    if (!range || range->first < 1025 || range->size() < 10) {
      return Error{fmt::format("--range: '{}' is not START-END with START >= 1025 and at least "
                               "10 ports",
                               o.range)};
    }
    p.range = range;
  }
  p.min_ports = o.min_ports;
  if (!o.max_prefix.empty()) {
    int v4 = 0, v6 = 64;
    char comma = 0;
    std::istringstream in(o.max_prefix);
    in >> v4;
    if (in >> comma) in >> v6;
    if (in.fail() || !in.eof() || v4 < 8 || v4 > 32 || v6 < 16 || v6 > 128 ||
        (comma != 0 && comma != ',')) {
      return Error{fmt::format("--max-prefix: '{}' is not V4[,V6] (8-32, 16-128)", o.max_prefix)};
    }
    p.allow.max_prefix_v4 = v4;
    p.allow.max_prefix_v6 = v6;
  }
  p.generator = fmt::format("highport {}", HIGHPORT_VERSION);
  p.created = Now();
  p.inputs = o.files;
  if (!o.db.empty()) p.inputs.push_back(o.db);
  return p;
}

int Run(const PlanOptions& o) {
  if (!o.diff.empty()) return RunDiff(o);
  if (o.files.empty() && o.db.empty()) {
    fmt::print(stderr, "highport plan: give evidence files, --db DB, or both\n");
    return kExitUsage;
  }
  Result<plan::PlannerOptions> options = PlannerOptionsFrom(o);
  if (!options) {
    fmt::print(stderr, "highport plan: {}\n", options.error().message);
    return kExitUsage;
  }
  Result<Evidence> gathered = GatherEvidence("plan", {o.files, o.db, o.dynamic_range});
  if (!gathered) {
    fmt::print(stderr, "highport plan: {}\n", gathered.error().message);
    return kExitUsage;
  }
  Evidence& evidence = *gathered;
  analysis::FlowTable& table = *evidence.table;
  const std::vector<analysis::FlowEntry> flows = table.Finish();
  PrintFindings(evidence.diagnostics);
  Result<plan::Plan> built = plan::BuildPlan(
      {&evidence.inventories, &flows, &table.peak_rpc_concurrency(), &table.rpc_ports(),
       &catalog::Catalog::Get()},
      *options);
  if (!built) {
    fmt::print(stderr, "highport plan: {}\n", built.error().message);
    return kExitUsage;
  }
  if (Result<bool> written = WriteOutput(o.output, plan::PlanToText(*built)); !written) {
    fmt::print(stderr, "highport plan: {}\n", written.error().message);
    return kExitUsage;
  }
  // The summary goes where the plan does not.
  std::FILE* summary = (o.output.empty() || o.output == "-") ? stderr : stdout;
  fmt::print(summary, "{}", report::PlanSummaryText(*built));
  if (!o.output.empty() && o.output != "-") {
    fmt::print(summary, "plan written to {}; next: highport emit {} --format all -o DIR\n",
               o.output, o.output);
  }
  PrintEvidenceSummary("plan", evidence, flows.size(), built->hosts.size());
  return evidence.input_error ? kExitUsage : kExitOk;
}

}  // namespace

int RunPlan(std::vector<std::string> args) {
  CLI::App app;
  PlanOptions options;
  Setup(app, options);
  if (std::optional<int> stop = ParseCommandLine(app, args)) return *stop;
  return Run(options);
}

}  // namespace highport::cli
