// The report's tables: problematic flows, firewall rules and the flows they
// would block, and what was read. A table with class "sortable" sorts on a
// click of a header whose data-sort is "num" or "text" (report.js); a cell's
// data-value, where present, is its sort key.
#include <algorithm>

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "plan/allow_list.h"
#include "report/flows_report.h"
#include "report/report_sections.h"

namespace highport::report {
namespace {

using analysis::FlowClass;
using analysis::FlowEntry;

std::string Joined(const std::vector<std::string>& items, std::string_view separator = ", ") {
  return H(fmt::format("{}", fmt::join(items, separator)));
}

std::string Time(int64_t us) { return us == 0 ? "-" : H(FormatTime(us)); }

std::string ServerCell(const ReportData& d, const IpAddress& server) {
  std::string address = server.ToString();
  auto it = d.server_names.find(server);
  std::string text = it != d.server_names.end() && it->second != address
                         ? fmt::format("{} <span class=\"muted\">{}</span>", H(it->second), H(address))
                         : H(address);
  return fmt::format("<td data-value=\"{}\">{}</td>", AddressKey(server), text);
}

// What the server's card says of a port (the listener's process where no
// endpoint mapper or catalog entry names it: WMI's and DCOM's ports).
std::string PortWhat(const ReportData& d, const FlowEntry& e) {
  for (const ServerView& v : d.servers) {
    if (!v.address_set.count(e.key.server)) continue;
    for (const PortView& p : v.ports) {
      if (p.proto == e.key.proto && p.port == e.key.port) return p.what;
    }
  }
  return "";
}

std::string Omitted(size_t total, size_t shown, std::string_view where) {
  if (total <= shown) return {};
  return fmt::format("<p class=\"muted\">{} more not listed ({}).</p>\n", total - shown, H(where));
}

std::string PortsText(const std::vector<PortRange>& ports) {
  std::vector<std::string> parts;
  for (const PortRange& p : ports) parts.push_back(p.ToString());
  return fmt::format("{}", fmt::join(parts, ","));
}

}  // namespace

std::string ProblematicFlowsSection(const ReportData& d) {
  size_t total = 0;
  for (const FlowEntry& e : d.flows) total += e.flow_class == FlowClass::kProblematic;
  std::string out = fmt::format(
      "<section id=\"problematic\">\n<h2>Problematic flows <span class=\"count\">{}</span></h2>\n"
      "<p>Client high port to a server's dynamic port: the flows an RPC range and pinned ports "
      "make fenceable.</p>\n",
      total);
  if (total == 0) return out + "<p class=\"none\">None.</p>\n</section>\n";
  out +=
      "<div class=\"controls\"><label>Filter <input type=\"search\" id=\"problematic-filter\" "
      "data-filter-for=\"problematic-flows\" placeholder=\"address, host, port, interface\" "
      "autocomplete=\"off\"></label> <span class=\"filter-count\" "
      "id=\"problematic-flows-count\"></span></div>\n"
      "<table class=\"sortable data\" id=\"problematic-flows\">\n<thead><tr>"
      "<th data-sort=\"text\">Client</th><th data-sort=\"text\">Server</th>"
      "<th data-sort=\"num\">Port</th><th data-sort=\"text\">RPC interfaces / service</th>"
      "<th data-sort=\"num\">Connections</th><th data-sort=\"num\">Dropped</th>"
      "<th data-sort=\"text\">First seen</th><th data-sort=\"text\">Last seen</th>"
      "<th data-sort=\"text\">Evidence</th></tr></thead>\n<tbody>\n";
  size_t shown = 0;
  for (const FlowEntry& e : d.flows) {
    if (e.flow_class != FlowClass::kProblematic) continue;
    if (++shown > d.input.max_table_rows) break;
    std::string what = !e.interfaces.empty() ? Joined(e.interfaces)
                       : !e.service.empty()   ? H(e.service)
                                              : H(PortWhat(d, e));
    std::string evidence = e.evidence.empty() ? "" : H(e.evidence.front().ToString());
    out += fmt::format(
        "<tr><td data-value=\"{}\">{}</td>{}<td data-value=\"{}\">{}/{}</td><td>{}</td>"
        "<td data-value=\"{}\">{}</td><td data-value=\"{}\">{}</td><td>{}</td><td>{}</td>"
        "<td class=\"source\">{}</td></tr>\n",
        AddressKey(e.key.client), H(e.key.client.ToString()), ServerCell(d, e.key.server),
        e.key.port, ProtoName(e.key.proto), e.key.port, what, e.connections, e.connections,
        e.attempts, e.attempts, Time(e.first_us), Time(e.last_us), evidence);
  }
  out += "</tbody>\n</table>\n";
  out += Omitted(total, d.input.max_table_rows, "highport flows --problematic lists them all");
  return out + "</section>\n";
}

std::string FirewallSection(const ReportData& d) {
  std::string out = "<section id=\"firewall\">\n<h2>Firewall rules</h2>\n";
  const plan::Plan* plan = d.input.plan;
  if (!plan) return out + "<p class=\"none\">No plan.</p>\n</section>\n";
  const plan::FirewallPlan& f = plan->firewall;
  double percent = std::clamp(f.coverage * 100, 0.0, 100.0);
  out += fmt::format(
      "<div class=\"coverage\"><div class=\"meter\" role=\"meter\" aria-valuemin=\"0\" "
      "aria-valuemax=\"100\" aria-valuenow=\"{:.0f}\"><span style=\"width:{:.1f}%\"></span></div>"
      "<p>{} rule(s) allow <strong>{} of {}</strong> observed flow(s) ({:.0f}%); client blocks "
      "at most /{} (IPv6 /{}).</p></div>\n",
      percent, percent, f.rules.size(), f.covered_flows, f.allowed_flows, percent,
      f.max_prefix_v4, f.max_prefix_v6);
  if (f.outside_flows > 0) {
    out += fmt::format("<p class=\"muted\" id=\"firewall-outside\">{}.</p>\n",
                       H(plan::OutsideSummary(f)));
  }
  if (!f.rules.empty()) {
    out +=
        "<table class=\"sortable data\" id=\"firewall-rules\">\n<thead><tr>"
        "<th data-sort=\"text\">Rule</th><th data-sort=\"text\">Servers</th>"
        "<th data-sort=\"text\">Ports</th><th data-sort=\"text\">Clients</th>"
        "<th data-sort=\"text\">Program / service</th><th data-sort=\"num\">Flows</th>"
        "<th data-sort=\"num\">Connections</th></tr></thead>\n<tbody>\n";
    size_t shown = 0;
    for (const plan::FirewallRule& r : f.rules) {
      if (++shown > d.input.max_table_rows) break;
      std::string keyword(plan::RuleKeywordName(r.keyword));
      std::string who = r.program.empty() ? r.service
                        : r.service.empty() ? r.program
                                            : r.program + " (" + r.service + ")";
      out += fmt::format(
          "<tr><td title=\"{}\"><span class=\"rule-id\">{}</span></td><td>{}</td><td>{}</td>"
          "<td>{}</td><td>{}</td><td data-value=\"{}\">{}</td><td data-value=\"{}\">{}</td></tr>\n",
          H(r.name), H(r.id), Joined(r.servers), H(fmt::format("{}/{}{}", ProtoName(r.proto),
                                                               PortsText(r.ports),
                                                               keyword.empty() ? "" : " " + keyword)),
          Joined(r.clients), H(who), r.flows, r.flows, r.connections, r.connections);
    }
    out += "</tbody>\n</table>\n" + Omitted(f.rules.size(), d.input.max_table_rows, "plan.json");
  }
  out += fmt::format("<h3>Flows the rules would block <span class=\"count\">{}</span></h3>\n",
                     f.uncovered.size());
  if (f.uncovered.empty()) {
    out += "<p class=\"none\">None: every observed flow is allowed.</p>\n";
  } else {
    out +=
        "<table class=\"sortable data\" id=\"uncovered-flows\">\n<thead><tr>"
        "<th data-sort=\"text\">Client</th><th data-sort=\"text\">Server</th>"
        "<th data-sort=\"num\">Port</th><th data-sort=\"num\">Connections</th>"
        "<th data-sort=\"text\">Why</th><th data-sort=\"text\">Evidence</th></tr></thead>\n<tbody>\n";
    size_t shown = 0;
    for (const plan::UncoveredFlow& u : f.uncovered) {
      if (++shown > d.input.max_table_rows) break;
      out += fmt::format(
          "<tr><td>{}</td><td>{}</td><td data-value=\"{}\">{}/{}</td><td data-value=\"{}\">{}</td>"
          "<td>{}</td><td class=\"source\">{}</td></tr>\n",
          H(u.client), H(u.server), u.port, ProtoName(u.proto), u.port, u.connections,
          u.connections, H(u.reason), H(u.source));
    }
    out += "</tbody>\n</table>\n" + Omitted(f.uncovered.size(), d.input.max_table_rows, "plan.json");
  }
  if (!plan->warnings.empty()) {
    out += "<h3>Warnings of the plan</h3>\n<ul class=\"warnings\">\n";
    for (const std::string& w : plan->warnings) out += "<li>" + H(w) + "</li>\n";
    out += "</ul>\n";
  }
  return out + "</section>\n";
}

std::string InputsSection(const ReportData& d) {
  const InputCounts& c = d.input.counts;
  std::string out = fmt::format(
      "<section id=\"inputs\">\n<h2>Evidence read</h2>\n<p>{} input(s): {} firewall-log row(s), "
      "{} packet(s), {} stored observation(s); <strong>{}</strong> record(s) skipped.{}</p>\n",
      c.inputs, c.rows, c.packets, c.stored, c.skipped,
      c.local_time ? " A firewall log wrote local time without a zone: times are as written." : "");
  if (d.input.plan && !d.input.plan->inputs.empty()) {
    out += "<details><summary>Inputs of the plan</summary><ul class=\"compact\">";
    for (const std::string& i : d.input.plan->inputs) out += "<li><code>" + H(i) + "</code></li>";
    out += "</ul></details>\n";
  }
  if (d.input.diagnostics && !d.input.diagnostics->findings().empty()) {
    const auto& findings = d.input.diagnostics->findings();
    constexpr size_t kListed = 50;
    out += fmt::format("<details><summary>{} finding(s) of the readers</summary><ul class=\"findings\">",
                       d.input.diagnostics->skipped());
    for (size_t i = 0; i < findings.size() && i < kListed; ++i) {
      out += "<li><code>" + H(findings[i].ToString()) + "</code></li>";
    }
    if (findings.size() > kListed) out += fmt::format("<li>+{} more</li>", findings.size() - kListed);
    out += "</ul></details>\n";
  }
  return out + "</section>\n";
}

}  // namespace highport::report
