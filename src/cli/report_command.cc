// highport report [FILE...] [--db DB] [--plan plan.json] [plan flags] -o report.html
// Gathers the evidence as `plan` does, builds the plan (or reads a reviewed
// plan.json, refusing a bad one as `emit` does), and writes one self-
// contained HTML page: summary, server cards, map, charts, problematic flows,
// firewall rules and coverage (report/html_report.h, docs/report.md).
#include <algorithm>
#include <fstream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/evidence_input.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "fmt/format.h"
#include "plan/plan_json.h"
#include "report/html_report.h"

namespace highport::cli {
namespace {

struct ReportOptions {
  std::vector<std::string> files;
  std::string db;
  std::string plan;
  PlanFlags plan_flags;
  std::string dynamic_range;
  std::string log_timezone;
  std::string output;
};

void Setup(CLI::App& app, ReportOptions& o) {
  app.description(
      "Writes one self-contained HTML report (it opens from disk and makes no request): a "
      "summary, a card per server (role, listeners, static and dynamic ports, RPC interfaces, "
      "clients, what the plan proposes), a map of servers, ports and client groups, port-class "
      "charts, the problematic flows (sortable, filterable), and the plan's firewall rules with "
      "their coverage. The plan is built from the evidence with the same flags as `highport "
      "plan`, or read from --plan.\n"
      "Inputs as for `highport plan`. Exit: 0 report written, 2 usage or input error.");
  app.add_option("files", o.files, "evidence files ('-': standard input)");
  app.add_option("--db", o.db, "also read the evidence stored in this database");
  app.add_option("--plan", o.plan, "show this plan.json (reviewed, perhaps edited) instead of "
                                   "building one; the plan flags do not apply then");
  AddPlanFlags(app, o.plan_flags);
  app.add_option("--dynamic-range", o.dynamic_range,
                 "the servers' TCP dynamic port range where no input states it, START-END");
  AddLogTimezoneFlag(app, o.log_timezone);
  app.add_option("-o,--output", o.output, "write the report here ('-': standard output)")
      ->required();
}

bool PlanFlagGiven(const CLI::App& app) {
  for (const char* flag : {"--host", "--group", "--role", "--range", "--min-ports", "--max-prefix"}) {
    if (app.count(flag) > 0) return true;
  }
  return false;
}

int Run(const ReportOptions& o, bool plan_flags_given) {
  if (o.files.empty() && o.db.empty()) {
    fmt::print(stderr, "highport report: give evidence files, --db DB, or both\n");
    return kExitUsage;
  }
  if (!o.plan.empty() && plan_flags_given) {
    fmt::print(stderr, "highport report: --plan shows a plan as it is; the plan flags (--host, "
                       "--group, --role, --range, --min-ports, --max-prefix) build one instead\n");
    return kExitUsage;
  }
  std::vector<std::string> inputs = o.files;
  if (!o.db.empty()) inputs.push_back(o.db);
  Result<plan::PlannerOptions> options = PlannerOptionsFrom(o.plan_flags, std::move(inputs));
  if (!options) {
    fmt::print(stderr, "highport report: {}\n", options.error().message);
    return kExitUsage;
  }
  // A bad plan.json is refused before the evidence is read.
  std::optional<plan::Plan> given;
  if (!o.plan.empty()) {
    Result<plan::Plan> read = ReadPlan(o.plan);
    if (!read) {
      fmt::print(stderr, "highport report: {}\n", read.error().message);
      return kExitUsage;
    }
    given = std::move(*read);
  }
  Result<AnalysedEvidence> analysed = AnalyseEvidence("report", {o.files, o.db, o.dynamic_range, o.log_timezone});
  if (!analysed) {
    fmt::print(stderr, "highport report: {}\n", analysed.error().message);
    return kExitUsage;
  }
  const Evidence& evidence = analysed->evidence;
  if (!given) {
    Result<plan::Plan> built = PlanFromEvidence(*analysed, *options);
    if (!built) {
      fmt::print(stderr, "highport report: {}\n", built.error().message);
      return kExitUsage;
    }
    given = std::move(*built);
  }

  const report::HtmlReportInput input = ReportInputOf(*analysed, *given);
  const report::HtmlReport rendered = report::RenderHtmlReport(input);
  if (!rendered.map_error.empty()) {
    // Only the map is lost: every other part of the page is whole.
    fmt::print(stderr, "highport report: the report has no map: {}\n", rendered.map_error);
  }
  const std::string& page = rendered.page;
  if (Result<bool> written = WriteOutput(o.output, page); !written) {
    fmt::print(stderr, "highport report: {}\n", written.error().message);
    return kExitUsage;
  }
  PrintEvidenceSummary("report", evidence, analysed->flows.size(), given->hosts.size());
  if (o.output != "-") {
    fmt::print("report written to {} ({} KiB); open it in a browser\n", o.output,
               (page.size() + 1023) / 1024);
  }
  return evidence.input_error ? kExitUsage : kExitOk;
}

}  // namespace

int RunReport(std::vector<std::string> args) {
  CLI::App app;
  ReportOptions options;
  Setup(app, options);
  if (std::optional<int> stop = ParseCommandLine(app, args)) return *stop;
  return Run(options, PlanFlagGiven(app));
}

}  // namespace highport::cli
