#include "report/html_report.h"

#include <gtest/gtest.h>

#include <regex>

#include "fmt/format.h"

#include "plan/plan_testing.h"
#include "report/report_test_fixture.h"

namespace highport::report {
namespace {

using testing::Count;

// Every URL in the page is an XML namespace name, never something to load.
void ExpectNoExternalReference(const std::string& page) {
  std::regex url("(https?:)?//[A-Za-z0-9.-]+[^\"' <)]*");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), url); it != std::sregex_iterator(); ++it) {
    std::string found = it->str();
    if (found.starts_with("//")) continue;  // a JS or CSS comment
    EXPECT_TRUE(found == "http://www.w3.org/2000/svg" || found == "http://www.w3.org/1999/xlink")
        << "external reference: " << found;
  }
  EXPECT_EQ(page.find(" src="), std::string::npos);
  EXPECT_EQ(page.find("url("), std::string::npos);
  EXPECT_EQ(page.find("@import"), std::string::npos);
}

TEST(HtmlReport, EscapesEvidenceText) {
  testing::Network n = testing::SmallNetwork();
  HtmlReportInput input;
  input.inventories = &n.inventories;
  input.flows = &n.flows;
  input.peaks = &n.peaks;
  Diagnostics diagnostics;
  diagnostics.SkipLine("logs/<img onerror=x>.log", 3, "test.bad", "bad \"row\" <b>");
  input.diagnostics = &diagnostics;
  input.generated = "2026-12-05T12:00:00Z<i>";
  const HtmlReport report = RenderHtmlReport(input);
  const std::string* page = &report.page;
  // The report's own script is the only script element.
  EXPECT_EQ(Count(*page, "<script"), 1u);
  EXPECT_EQ(page->find("<img"), std::string::npos);
  EXPECT_EQ(page->find("<b>"), std::string::npos);
  EXPECT_EQ(page->find("<i>"), std::string::npos);
  // The host name in its card heading, the process name in the listener list.
  EXPECT_NE(page->find("<h3>dc&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;</h3>"), std::string::npos);
  EXPECT_NE(page->find("<code>tcp/49668</code> <span class=\"muted\">on 10.0.0.10</span> "
                       "&lt;script&gt;evil&lt;/script&gt;.exe (NTDS)"),
            std::string::npos);
  EXPECT_NE(page->find("logs/&lt;img onerror=x&gt;.log:3: bad &quot;row&quot; &lt;b&gt;"), std::string::npos);
  EXPECT_NE(page->find("evidence/&lt;b&gt;pfirewall.log:12"), std::string::npos);
  ExpectNoExternalReference(*page);
}

TEST(HtmlReport, SectionsOfTheSamplePlan) {
  plan::Plan plan = plan::testing::SamplePlan();
  HtmlReportInput input;
  input.plan = &plan;
  input.generated = "2026-12-05T12:00:00Z";
  const HtmlReport report = RenderHtmlReport(input);
  const std::string* page = &report.page;
  for (const char* id : {"summary", "servers", "map-section", "map", "charts", "problematic",
                         "firewall", "inputs", "firewall-rules", "uncovered-flows", "theme-toggle"}) {
    EXPECT_NE(page->find(fmt::format("id=\"{}\"", id)), std::string::npos) << id;
  }
  // Summary: the proposed range and the counts of the plan.
  EXPECT_NE(page->find("<dt>Proposed RPC range(s)</dt><dd>5001-5100 <span class=\"muted\">(dcs)"),
            std::string::npos);
  EXPECT_NE(page->find(fmt::format("<dt>Firewall rules</dt><dd>{}</dd>", plan.firewall.rules.size())),
            std::string::npos);
  EXPECT_NE(page->find(fmt::format("<dt>Pinned ports</dt><dd>{}</dd>", plan.pins.size())),
            std::string::npos);
  // A card per host of the plan, with what the plan proposes for it.
  for (const plan::HostEntry& h : plan.hosts) {
    EXPECT_NE(page->find(fmt::format("<h3>{}</h3>", h.name)), std::string::npos) << h.name;
  }
  EXPECT_NE(page->find("pin Active Directory Domain Services to <code>tcp/38901</code>"),
            std::string::npos);
  EXPECT_NE(page->find("RPC range <strong>5001-5100</strong>"), std::string::npos);
  EXPECT_NE(page->find("<span class=\"badge\">dc</span><span class=\"badge\">samba</span>"),
            std::string::npos);
  // Rules and the flow they would block.
  for (const plan::FirewallRule& r : plan.firewall.rules) {
    EXPECT_NE(page->find(fmt::format("<span class=\"rule-id\">{}</span></td>", r.id)), std::string::npos)
        << r.id;
  }
  EXPECT_NE(page->find("<td>10.0.9.9</td><td>10.0.0.20</td>"), std::string::npos);
  for (const std::string& w : plan.warnings) EXPECT_NE(page->find(w), std::string::npos) << w;
  ExpectNoExternalReference(*page);
}

TEST(HtmlReport, ProblematicFlowsTableIsSortableAndFilterable) {
  testing::Network n = testing::SmallNetwork();
  HtmlReportInput input;
  input.inventories = &n.inventories;
  input.flows = &n.flows;
  const HtmlReport report = RenderHtmlReport(input);
  const std::string* page = &report.page;
  size_t table = page->find("<table class=\"sortable data\" id=\"problematic-flows\">");
  ASSERT_NE(table, std::string::npos);
  std::string body = page->substr(table, page->find("</table>", table) - table);
  EXPECT_EQ(Count(body, "<tr><td"), 3u);  // the three problematic flows only
  EXPECT_NE(page->find("data-filter-for=\"problematic-flows\""), std::string::npos);
  // Addresses sort by their bytes: 10.0.0.10 is 0a00000a.
  EXPECT_NE(body.find("data-value=\"40a00000a\""), std::string::npos);
  EXPECT_NE(body.find("<td data-value=\"49668\">tcp/49668</td><td>drsuapi</td>"), std::string::npos);
}

TEST(HtmlReport, RowLimitCountsTheRest) {
  testing::Network n = testing::SmallNetwork();
  HtmlReportInput input;
  input.flows = &n.flows;
  input.max_table_rows = 1;
  const HtmlReport report = RenderHtmlReport(input);
  const std::string* page = &report.page;
  EXPECT_NE(page->find("2 more not listed"), std::string::npos);
}

// A server the plan counts as outside the network (its egress) gets one line
// under the cards, not a card, and no place on the map of the network.
TEST(HtmlReport, ServersOutsideTheNetworkAreListedNotCarded) {
  testing::Network n = testing::SmallNetwork();
  n.flows.push_back(testing::Flow("10.0.1.21", "9.9.9.9", 853, false, 4));
  plan::Plan plan;
  plan.firewall.outside_flows = 1;
  plan.firewall.outside_servers = {"9.9.9.9"};
  HtmlReportInput input;
  input.inventories = &n.inventories;
  input.flows = &n.flows;
  input.plan = &plan;
  const HtmlReport report = RenderHtmlReport(input);
  const std::string* page = &report.page;
  EXPECT_EQ(page->find("<h3>9.9.9.9</h3>"), std::string::npos);
  EXPECT_NE(page->find("<h3 id=\"servers-outside\">Outside the network (1)</h3>"), std::string::npos);
  EXPECT_NE(page->find("<li><code>9.9.9.9</code> <span class=\"muted\">tcp/853"), std::string::npos);
  EXPECT_NE(page->find("1 client(s)</span></li>"), std::string::npos);
  // The network's own servers keep their cards; the tile counts them apart.
  EXPECT_NE(page->find("<h3>dc&lt;script&gt;"), std::string::npos);
  EXPECT_NE(page->find("<dt>Servers</dt><dd>2 <span class=\"muted\">(+1 outside)</span></dd>"),
            std::string::npos);
  const size_t map = page->find("id=\"map\"");
  ASSERT_NE(map, std::string::npos);
  const std::string map_svg = page->substr(map, page->find("</svg>", map) - map);
  EXPECT_EQ(map_svg.find("9.9.9.9"), std::string::npos);
  // The flow itself stays in the evidence the report lists.
  EXPECT_EQ(Count(*page, "<section"), Count(*page, "</section>"));
  ExpectNoExternalReference(*page);
}

// Without its map (Graphviz missing, or a layout that failed) the page is
// still whole: the map's section says why, every other section is there.
TEST(HtmlReport, AMapThatCannotBeDrawnCostsOnlyTheMap) {
  testing::Network n = testing::SmallNetwork();
  plan::Plan plan = plan::testing::SamplePlan();
  HtmlReportInput input;
  input.inventories = &n.inventories;
  input.flows = &n.flows;
  input.plan = &plan;
  const HtmlReport drawn = RenderHtmlReport(input);
  EXPECT_EQ(drawn.map_error, "");
  input.draw_map = [](std::span<const ServerView>, const MapLimits&) -> Result<MapSvg> {
    return Error{"the map needs Graphviz (libgvc, libcgraph), which could not be loaded: <none>"};
  };
  const HtmlReport report = RenderHtmlReport(input);
  EXPECT_EQ(report.map_error,
            "the map needs Graphviz (libgvc, libcgraph), which could not be loaded: <none>");
  const size_t section = report.page.find("<section id=\"map-section\">");
  ASSERT_NE(section, std::string::npos);
  const std::string map_section =
      report.page.substr(section, report.page.find("</section>", section) - section);
  EXPECT_EQ(map_section.find("<svg"), std::string::npos);
  EXPECT_EQ(report.page.find("<figure id=\"map\""), std::string::npos);
  EXPECT_NE(report.page.find("<p class=\"warning\" id=\"map\">The map of servers, ports and client "
                             "groups could not be drawn: the map needs Graphviz (libgvc, libcgraph), "
                             "which could not be loaded: &lt;none&gt;."),
            std::string::npos);
  for (const char* id : {"summary", "servers", "map-section", "charts", "problematic", "firewall",
                         "inputs", "firewall-rules"}) {
    EXPECT_NE(report.page.find(fmt::format("id=\"{}\"", id)), std::string::npos) << id;
  }
  // Everything but the map's section is what the page with its map says.
  auto without_map = [](const std::string& page) {
    const size_t from = page.find("<section id=\"map-section\">");
    const size_t to = page.find("</section>", from);
    return page.substr(0, from) + page.substr(to);
  };
  EXPECT_EQ(without_map(report.page), without_map(drawn.page));
  EXPECT_EQ(Count(report.page, "<section"), Count(report.page, "</section>"));
  ExpectNoExternalReference(report.page);
}

TEST(HtmlReport, EmptyEvidenceStillGivesAPage) {
  const HtmlReport report = RenderHtmlReport({});
  const std::string* page = &report.page;
  EXPECT_TRUE(page->starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
  EXPECT_TRUE(page->ends_with("</html>\n"));
  EXPECT_NE(page->find("No server in the evidence."), std::string::npos);
  EXPECT_NE(page->find("<dt>Servers</dt><dd>0</dd>"), std::string::npos);
  EXPECT_NE(page->find("<dt>Plan</dt><dd><span class=\"none\">none</span></dd>"), std::string::npos);
  EXPECT_NE(page->find("<svg role=\"img\""), std::string::npos);
  // Balanced: every section and table that opens, closes.
  EXPECT_EQ(Count(*page, "<section"), Count(*page, "</section>"));
  EXPECT_EQ(Count(*page, "<table"), Count(*page, "</table>"));
  EXPECT_EQ(Count(*page, "<div"), Count(*page, "</div>"));
  ExpectNoExternalReference(*page);
}

}  // namespace
}  // namespace highport::report
