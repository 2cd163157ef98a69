// highport plan [FILE...] [--db DB] [--host H]... [--group NAME=H1,H2]... -o plan.json
// highport plan --diff OLD NEW
// Builds the hardening plan from the evidence (socket inventories, endpoint-
// mapper listings, captures, firewall logs, the database) and writes it as
// plan.json for review; prints what it proposes. --diff shows what changed
// between two plans, proposal by proposal.
#include <fstream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/evidence_input.h"
#include "cli/pipeline.h"
#include "cli/output.h"
#include "fmt/format.h"
#include "plan/plan_diff.h"
#include "plan/plan_json.h"
#include "report/plan_report.h"

namespace highport::cli {
namespace {

struct PlanOptions {
  std::vector<std::string> files;
  std::string db;
  PlanFlags plan;
  std::string dynamic_range;
  std::string log_timezone;
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
  AddPlanFlags(app, o.plan);
  app.add_option("--dynamic-range", o.dynamic_range,
                 "the servers' TCP dynamic port range where no input states it, START-END");
  AddLogTimezoneFlag(app, o.log_timezone);
  app.add_option("-o,--output", o.output, "write plan.json here (default: standard output)");
  app.add_option("--diff", o.diff, "OLD NEW: show what changed between two plans")
      ->expected(2);
}

int RunDiff(const PlanOptions& o) {
  Result<plan::Plan> before = ReadPlan(o.diff[0]);
  Result<plan::Plan> after = ReadPlan(o.diff[1]);
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

int Run(const PlanOptions& o) {
  if (!o.diff.empty()) return RunDiff(o);
  if (o.files.empty() && o.db.empty()) {
    fmt::print(stderr, "highport plan: give evidence files, --db DB, or both\n");
    return kExitUsage;
  }
  std::vector<std::string> inputs = o.files;
  if (!o.db.empty()) inputs.push_back(o.db);
  Result<plan::PlannerOptions> options = PlannerOptionsFrom(o.plan, std::move(inputs));
  if (!options) {
    fmt::print(stderr, "highport plan: {}\n", options.error().message);
    return kExitUsage;
  }
  Result<AnalysedEvidence> analysed = AnalyseEvidence("plan", {o.files, o.db, o.dynamic_range, o.log_timezone});
  if (!analysed) {
    fmt::print(stderr, "highport plan: {}\n", analysed.error().message);
    return kExitUsage;
  }
  const Evidence& evidence = analysed->evidence;
  Result<plan::Plan> built = PlanFromEvidence(*analysed, *options);
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
  PrintEvidenceSummary("plan", evidence, analysed->flows.size(), built->hosts.size());
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
