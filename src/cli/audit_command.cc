// highport audit [EVIDENCE_DIR | FILE...] [--db DB] -o OUT_DIR
// The whole pipeline in one step, for the administrator who wants to know
// where they stand: read every piece of evidence it recognises, classify the
// flows, build the plan, write every format that applies it, and the report.
// OUT_DIR gets:
//   plan.json      the plan, for review and for `highport verify`
//   apply/         every emitted format, README.txt first
//   flows.json     the classified flows (docs/flows.md), flows.csv for a spreadsheet
//   report.html    the report
// and a short summary is printed. Nothing here decides anything the single
// commands do not: it calls the same functions in the same order.
#include <filesystem>
#include <fstream>
#include <set>

#include "CLI/CLI.hpp"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/evidence_input.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "emit/formats.h"
#include "fmt/format.h"
#include "plan/plan_json.h"
#include "report/flows_report.h"
#include "report/html_report.h"
#include "report/plan_report.h"

namespace highport::cli {
namespace {

namespace fs = std::filesystem;

struct AuditOptions {
  std::vector<std::string> inputs;
  std::string db;
  PlanFlags plan;
  std::string dynamic_range;
  std::string log_timezone;
  std::string output;
};

void Setup(CLI::App& app, AuditOptions& o) {
  app.description(
      "The whole pipeline in one step: reads every file it recognises under the given "
      "directories (and the files and database given), classifies the flows, builds the plan, "
      "writes every format that applies it and the report. OUT_DIR gets plan.json, apply/ "
      "(start with apply/README.txt), flows.json, flows.csv and report.html.\n"
      "Files in a directory that are no evidence highport reads are named and left out.\n"
      "Exit: 0 everything written (the findings are in the report), 2 usage or input error.");
  app.add_option("inputs", o.inputs, "evidence directories and files ('-': standard input)");
  app.add_option("--db", o.db, "also read the evidence stored in this database");
  AddPlanFlags(app, o.plan);
  app.add_option("--dynamic-range", o.dynamic_range,
                 "the servers' TCP dynamic port range where no input states it, START-END");
  AddLogTimezoneFlag(app, o.log_timezone);
  app.add_option("-o,--output", o.output, "the directory to write into (made if missing)")
      ->required();
}

// apply/ is replaced whole: a file left from an older plan could otherwise be
// applied by mistake. It is removed only when highport wrote it.
Result<bool> ClearApplyDirectory(const fs::path& apply) {
  std::error_code ec;
  if (!fs::exists(apply, ec)) return true;
  std::ifstream readme(apply / "README.txt");
  std::string first;
  std::getline(readme, first);
  if (first.rfind("highport:", 0) != 0) {
    return Error{fmt::format("{} exists and was not written by highport (no README.txt of "
                             "ours); move it away or choose another -o",
                             apply.string())};
  }
  fs::remove_all(apply, ec);
  if (ec) return Error{fmt::format("{}: cannot remove the old files: {}", apply.string(),
                                   ec.message())};
  return true;
}

report::FlowsReport FlowsReportOf(AnalysedEvidence& analysed) {
  const analysis::FlowTable& table = *analysed.evidence.table;
  report::FlowsReport flows;
  flows.flows = analysed.flows;
  flows.peak_rpc_concurrency = table.peak_rpc_concurrency();
  flows.observations = table.observations();
  flows.lost_events = table.lost_events();
  flows.shared_connections = table.shared_connections();
  flows.unported = table.unported();
  flows.skipped = analysed.evidence.skipped;
  flows.local_time = analysed.evidence.local_time;
  flows.utc_too = analysed.evidence.packets > 0 || analysed.evidence.stored > analysed.evidence.stored_rows;
  flows.owners = ListenerOwnersOf(analysed.evidence.inventories, table.server_pids());
  return flows;
}

std::string Percent(double fraction) { return fmt::format("{:.0f}%", fraction * 100); }

// What an administrator reads first: where they stand, in a few lines.
std::string AuditSummary(const AnalysedEvidence& analysed, const plan::Plan& plan) {
  std::set<IpAddress> servers;
  size_t problematic = 0;
  std::set<IpAddress> problematic_servers;
  for (const analysis::FlowEntry& e : analysed.flows) {
    servers.insert(e.key.server);
    if (e.flow_class == analysis::FlowClass::kProblematic) {
      ++problematic;
      problematic_servers.insert(e.key.server);
    }
  }
  std::string out;
  out += fmt::format("hosts:        {} in the plan, {} server address(es) with traffic\n",
                     plan.hosts.size(), servers.size());
  out += fmt::format("flows:        {} classified, {} problematic (high -> dynamic port) on {} "
                     "server(s)\n",
                     analysed.flows.size(), problematic, problematic_servers.size());
  for (const plan::RpcRangeProposal& r : plan.ranges) {
    out += fmt::format("RPC range:    {}-{} for {} (peak {} concurrent, {} port(s))\n",
                       r.range.first, r.range.last, fmt::join(r.hosts, ", "), r.observed_peak,
                       r.range.size());
  }
  if (plan.ranges.empty()) out += "RPC range:    none proposed (no Windows or Samba host)\n";
  out += fmt::format("pins:         {} service(s) on static ports\n", plan.pins.size());
  out += fmt::format("to stop:      {} service(s) the hosts' roles do not need\n",
                     plan.minimise.size());
  out += fmt::format("firewall:     {} rule(s) allow {} of {} observed flow(s) ({}); {} "
                     "uncovered\n",
                     plan.firewall.rules.size(), plan.firewall.covered_flows,
                     plan.firewall.allowed_flows, Percent(plan.firewall.coverage),
                     plan.firewall.uncovered.size());
  if (plan.firewall.outside_flows > 0) {
    out += fmt::format("              {}\n", plan::OutsideSummary(plan.firewall));
  }
  if (!plan.warnings.empty()) {
    out += fmt::format("warnings:     {} (see plan.json and the report)\n", plan.warnings.size());
  }
  return out;
}

int Run(const AuditOptions& o) {
  if (o.inputs.empty() && o.db.empty()) {
    fmt::print(stderr, "highport audit: give an evidence directory, files, --db DB, or both\n");
    return kExitUsage;
  }
  std::vector<std::string> recorded = o.inputs;
  if (!o.db.empty()) recorded.push_back(o.db);
  Result<plan::PlannerOptions> options = PlannerOptionsFrom(o.plan, std::move(recorded));
  if (!options) {
    fmt::print(stderr, "highport audit: {}\n", options.error().message);
    return kExitUsage;
  }
  const fs::path out(o.output);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) {
    fmt::print(stderr, "highport audit: {}: {}\n", o.output, ec.message());
    return kExitUsage;
  }
  Result<AnalysedEvidence> analysed = AnalyseEvidence("audit", {o.inputs, o.db, o.dynamic_range, o.log_timezone});
  if (!analysed) {
    fmt::print(stderr, "highport audit: {}\n", analysed.error().message);
    return kExitUsage;
  }
  Result<plan::Plan> plan = PlanFromEvidence(*analysed, *options);
  if (!plan) {
    fmt::print(stderr, "highport audit: {}\n", plan.error().message);
    return kExitUsage;
  }

  const report::HtmlReport page = report::RenderHtmlReport(ReportInputOf(*analysed, *plan));
  if (!page.map_error.empty()) {
    // Only the map is lost: the plan, the files that apply it and the flows are whole.
    fmt::print(stderr, "highport audit: report.html has no map: {}\n", page.map_error);
  }
  report::FlowsReport flows = FlowsReportOf(*analysed);
  const emit::EmittedFiles apply = emit::WriteAll(*plan);
  std::vector<std::pair<fs::path, std::string>> files = {
      {out / "report.html", page.page},
      {out / "plan.json", plan::PlanToText(*plan)},
      {out / "flows.json", report::FlowsJsonText(flows, analysed->evidence.diagnostics)},
      {out / "flows.csv", report::FlowsCsv(flows)},
  };
  for (const auto& [path, content] : files) {
    if (Result<bool> written = WriteOutput(path.string(), content); !written) {
      fmt::print(stderr, "highport audit: {}\n", written.error().message);
      return kExitUsage;
    }
  }
  Result<bool> written = ClearApplyDirectory(out / "apply");
  if (written) written = WriteEmittedFiles((out / "apply").string(), apply);
  if (!written) {
    fmt::print(stderr, "highport audit: {}\n", written.error().message);
    return kExitUsage;
  }

  fmt::print("{}", AuditSummary(*analysed, *plan));
  fmt::print("\nwritten to {}/:\n", o.output);
  fmt::print("  report.html   the report: open it in a browser (it needs no network)\n");
  fmt::print("  plan.json     the plan: review it, then apply, then `highport verify {} HOST...`\n",
             (out / "plan.json").string());
  fmt::print("  apply/        {} file(s) that apply it; start with apply/README.txt\n",
             apply.size());
  fmt::print("  flows.json    the classified flows (flows.csv for a spreadsheet)\n");
  std::set<IpAddress> servers;
  for (const analysis::FlowEntry& e : analysed->flows) servers.insert(e.key.server);
  PrintEvidenceSummary("audit", analysed->evidence, analysed->flows.size(), servers.size());
  return analysed->evidence.input_error ? kExitUsage : kExitOk;
}

}  // namespace

int RunAudit(std::vector<std::string> args) {
  CLI::App app;
  AuditOptions options;
  Setup(app, options);
  if (std::optional<int> stop = ParseCommandLine(app, args)) return *stop;
  return Run(options);
}

}  // namespace highport::cli
