// The sections of the HTML report (report/html_report.h), each an HTML
// fragment with every untrusted text escaped. Split from the page assembly so
// that each stays small: summary and server cards here, tables in
// report_tables.cc, charts in report_charts.cc.
#pragma once

#include <string>
#include <vector>

#include "report/html_report.h"
#include "report/report_model.h"

namespace highport::report {

// What every section may need, gathered once.
struct ReportData {
  const HtmlReportInput& input;
  const std::vector<analysis::FlowEntry>& flows;
  const std::vector<ServerView>& servers;
  std::map<IpAddress, std::string> server_names;  // address -> host name
};

std::string SummarySection(const ReportData& data);
std::string ServerCardsSection(const ReportData& data);
std::string MapSection(const MapSvg& map);
// The map's section when it could not be drawn: why, and what it would show.
std::string NoMapSection(const std::string& reason);
std::string ChartsSection(const ReportData& data);
std::string ProblematicFlowsSection(const ReportData& data);
std::string FirewallSection(const ReportData& data);
std::string InputsSection(const ReportData& data);

// Shared by the sections.
std::string H(std::string_view text);  // EscapeHtml
// A sort key for an address cell: the bytes in hex, so that 10.0.0.9 sorts before 10.0.0.10.
std::string AddressKey(const IpAddress& address);

}  // namespace highport::report
