#include "report/html_report.h"

#include <algorithm>

#include "fmt/format.h"
#include "report/report_assets.h"
#include "report/report_model.h"
#include "report/report_sections.h"

namespace highport::report {
namespace {

// The page may load nothing: no fonts, scripts, styles or images from
// anywhere, itself included. Inline style and script are the report's own.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'";

std::string Header(const HtmlReportInput& in) {
  std::string meta = fmt::format("generated {}", H(in.generated.empty() ? "-" : in.generated));
  if (in.plan && !in.plan->generator.empty()) {
    meta += fmt::format(" by {}; plan of {}", H(in.plan->generator), H(in.plan->created));
  }
  return fmt::format(
      "<header class=\"page\">\n<div><h1>highport report</h1><p class=\"muted\">{}</p></div>\n"
      "<div class=\"controls\"><button type=\"button\" id=\"theme-toggle\" aria-pressed=\"false\">"
      "Dark theme</button></div>\n</header>\n"
      "<nav class=\"toc controls\"><a href=\"#summary\">Summary</a> <a href=\"#servers\">Servers</a> "
      "<a href=\"#map-section\">Map</a> <a href=\"#charts\">Port classes</a> "
      "<a href=\"#problematic\">Problematic flows</a> <a href=\"#firewall\">Firewall rules</a> "
      "<a href=\"#inputs\">Evidence</a></nav>\n",
      meta);
}

}  // namespace

HtmlReport RenderHtmlReport(const HtmlReportInput& in) {
  static const std::vector<analysis::FlowEntry> kNoFlows;
  const std::vector<analysis::FlowEntry>& flows = in.flows ? *in.flows : kNoFlows;
  std::vector<ServerView> servers = BuildServerViews(
      {in.inventories, in.flows, in.peaks, in.rpc_ports, in.plan, in.catalog});
  // Servers outside the network come last (report_model.h); the map shows
  // the network, so it stops before them.
  const auto first_outside = std::find_if(servers.begin(), servers.end(),
                                          [](const ServerView& s) { return s.outside; });
  const std::span<const ServerView> mapped(servers.begin(), first_outside);
  Result<MapSvg> map = in.draw_map ? in.draw_map(mapped, in.map) : RenderMapSvg(mapped, in.map);
  HtmlReport report;
  if (!map) report.map_error = map.error().message;

  ReportData data{in, flows, servers, {}};
  for (const ServerView& s : servers) {
    for (const IpAddress& a : s.address_set) data.server_names.emplace(a, s.name);
  }
  std::string page = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"color-scheme\" content=\"light dark\">\n"
      "<title>highport report</title>\n<style>\n{}</style>\n</head>\n<body>\n",
      kContentSecurityPolicy, k_report_css);
  page += Header(in);
  page += "<main>\n";
  page += SummarySection(data);
  page += ServerCardsSection(data);
  page += map ? MapSection(*map) : NoMapSection(report.map_error);
  page += ChartsSection(data);
  page += ProblematicFlowsSection(data);
  page += FirewallSection(data);
  page += InputsSection(data);
  page += "</main>\n<script>\n";
  page += k_report_js;
  page += "</script>\n</body>\n</html>\n";
  report.page = std::move(page);
  return report;
}

}  // namespace highport::report
