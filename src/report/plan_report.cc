#include "report/plan_report.h"

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "plan/allow_list.h"
#include "report/table.h"

namespace highport::report {
namespace {

std::string Ports(const std::vector<PortRange>& ports) {
  std::vector<std::string> parts;
  for (const PortRange& p : ports) parts.push_back(p.ToString());
  return fmt::format("{}", fmt::join(parts, ","));
}

}  // namespace

std::string PlanSummaryText(const plan::Plan& plan) {
  std::string out;
  std::vector<std::string> hosts;
  for (const plan::HostEntry& h : plan.hosts) {
    hosts.push_back(fmt::format("{} ({}, {})", h.name, plan::RoleName(h.role),
                                plan::PlatformName(h.platform)));
  }
  out += fmt::format("plan for {} host(s): {}\n", plan.hosts.size(), fmt::join(hosts, ", "));

  if (!plan.ranges.empty()) {
    TextTable t({"RPC RANGE", "HOSTS", "PORTS", "PEAK", "RESTART", "KEPT CLEAR OF"}, 60);
    for (const plan::RpcRangeProposal& r : plan.ranges) {
      std::vector<std::string> avoided;
      for (const plan::PortConflict& c : r.avoided) avoided.push_back(fmt::format("{} {}", c.port, c.what));
      t.AddRow({r.range.ToString(), fmt::format("{}", fmt::join(r.hosts, ",")),
                std::to_string(r.range.size()), std::to_string(r.observed_peak), r.restart,
                avoided.empty() ? "-" : fmt::format("{}", fmt::join(avoided, "; "))});
    }
    out += "\n" + t.Render();
  }
  if (!plan.pins.empty()) {
    TextTable t({"PIN", "HOST", "SERVICE", "PORT", "HOW", "RESTART"});
    for (const plan::PinProposal& p : plan.pins) {
      t.AddRow({p.id, p.host, p.display_name.empty() ? p.service : p.display_name,
                fmt::format("tcp/{}", p.port), std::string(plan::PinKindName(p.kind)), p.restart});
    }
    out += "\n" + t.Render();
  }
  if (!plan.minimise.empty()) {
    TextTable t({"STOP", "HOST", "SERVICE", "LISTENERS", "ACTION"});
    for (const plan::MinimiseProposal& m : plan.minimise) {
      t.AddRow({m.id, m.host, m.display_name.empty() ? m.service : m.display_name,
                fmt::format("{}", fmt::join(m.listeners, ",")),
                std::string(plan::MinimiseActionName(m.action))});
    }
    out += "\n" + t.Render();
  }
  const plan::FirewallPlan& f = plan.firewall;
  out += fmt::format("\nfirewall: {} rule(s) allow {} of {} observed flow(s) ({:.0f}%)\n",
                     f.rules.size(), f.covered_flows, f.allowed_flows, f.coverage * 100);
  if (f.outside_flows > 0) out += plan::OutsideSummary(f) + "\n";
  if (!f.rules.empty()) {
    TextTable t({"RULE", "SERVERS", "PORTS", "CLIENTS", "FLOWS"}, 60);
    for (const plan::FirewallRule& r : f.rules) {
      std::string keyword(plan::RuleKeywordName(r.keyword));
      t.AddRow({r.id, fmt::format("{}", fmt::join(r.servers, ",")),
                fmt::format("{}/{}{}", ProtoName(r.proto), Ports(r.ports),
                            keyword.empty() ? "" : " (" + keyword + ")"),
                fmt::format("{}", fmt::join(r.clients, ",")), std::to_string(r.flows)});
    }
    out += t.Render();
  }
  if (!f.uncovered.empty()) {
    out += fmt::format("{} observed flow(s) the rules would block:\n", f.uncovered.size());
    size_t shown = 0;
    for (const plan::UncoveredFlow& u : f.uncovered) {
      if (++shown > 20) {
        out += fmt::format("  ... and {} more (plan.json: /firewall/uncovered)\n", f.uncovered.size() - 20);
        break;
      }
      out += fmt::format("  {} -> {} {}/{}: {}\n", u.client, u.server, ProtoName(u.proto), u.port,
                         u.reason);
    }
  }
  if (!plan.warnings.empty()) {
    out += "\nwarnings:\n";
    for (const std::string& w : plan.warnings) out += "  " + w + "\n";
  }
  return out;
}

}  // namespace highport::report
