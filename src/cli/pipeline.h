// The steps that `plan`, `report` and `audit` share, so that the same flags
// mean the same thing everywhere and audit's files equal the single commands':
// the planner's flags, evidence through the flow table, the plan built from
// it, and the report's input.
#pragma once

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "analysis/flow_table.h"
#include "cli/evidence_input.h"
#include "model/result.h"
#include "plan/plan.h"
#include "plan/planner.h"
#include "report/flows_report.h"
#include "report/html_report.h"

namespace highport::cli {

struct PlanFlags {
  std::vector<std::string> hosts;
  std::vector<std::string> groups;
  std::string role;
  std::string range = "auto";
  uint32_t min_ports = 100;
  std::string max_prefix;
  std::vector<std::string> internal;
};

// --host, --group, --role, --range, --min-ports, --max-prefix, --internal.
void AddPlanFlags(CLI::App& app, PlanFlags& flags);

// Checks the flags' values (usage errors name the flag). `inputs` are the
// files and databases the evidence comes from, recorded in the plan.
Result<plan::PlannerOptions> PlannerOptionsFrom(const PlanFlags& flags,
                                                std::vector<std::string> inputs);

// The plan's creation time: now, or SOURCE_DATE_EPOCH (reproducible builds,
// tests, the bundled example) when it is set.
std::string PlanTimestamp();

// Evidence that has been through the flow table: what plan, report and audit
// all start from.
struct AnalysedEvidence {
  Evidence evidence;
  std::vector<analysis::FlowEntry> flows;
};

// GatherEvidence, then the flow table's final records; findings are printed.
Result<AnalysedEvidence> AnalyseEvidence(std::string_view command,
                                         const EvidenceOptions& options);

Result<plan::Plan> PlanFromEvidence(const AnalysedEvidence& analysed,
                                    const plan::PlannerOptions& options);

// Who listens on each (server address, protocol, port) the inventories show:
// "svchost.exe (Winmgmt)", joining netstat's PIDs with tasklist's services
// of the same host (plan/host_facts groups them). Then what a firewall
// log's pid column says (`server_pids`, FlowTable::server_pids()), each pid
// joined with the process list of the log's own folder; a pid no list names
// stays "pid 1234". A port with more than one owner over time lists each:
// "lsass.exe (Netlogon) or pid 5120".
report::ListenerOwners ListenerOwnersOf(const std::vector<ingest::SocketInventory>& inventories,
                                        const std::vector<analysis::ServerPid>& server_pids);

// A plan.json (reviewed, maybe edited by hand) read back strictly; "-" is
// standard input. Errors name the file and, for a bad plan, the JSON pointer.
Result<plan::Plan> ReadPlan(const std::string& path);

// The report of this evidence and plan; both must outlive the result.
report::HtmlReportInput ReportInputOf(const AnalysedEvidence& analysed, const plan::Plan& plan);

}  // namespace highport::cli
