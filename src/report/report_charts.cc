// The report's port-class charts: horizontal bars drawn as inline SVG (no
// chart library: the page must make no request). Colours come from the
// page's stylesheet through the bars' classes, so the dark theme and print
// apply to them as well.
#include <algorithm>

#include "fmt/format.h"
#include "report/report_sections.h"

namespace highport::report {
namespace {

struct Bar {
  std::string label;
  std::string cls;  // "problematic", "fine", ...
  uint64_t value = 0;
};

std::string BarChart(std::string_view id, std::string_view title, const std::vector<Bar>& bars) {
  constexpr int kRow = 26, kLabel = 150, kWidth = 480, kBarMax = kWidth - kLabel - 70;
  uint64_t max = 1;
  for (const Bar& b : bars) max = std::max(max, b.value);
  int height = static_cast<int>(bars.size()) * kRow + 4;
  std::string out = fmt::format(
      "<figure class=\"chart\" id=\"{}\"><figcaption>{}</figcaption>\n"
      "<svg viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">\n",
      id, H(title), kWidth, height, H(title));
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    int y = static_cast<int>(i) * kRow + 2;
    int width = b.value == 0 ? 0 : std::max(2, static_cast<int>(kBarMax * b.value / max));
    out += fmt::format(
        "<g class=\"bar {}\"><text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\"><title>{}: {}</title></rect>"
        "<text class=\"value\" x=\"{}\" y=\"{}\">{}</text></g>\n",
        b.cls, kLabel - 8, y + 16, H(b.label), kLabel, y + 3, width, kRow - 8, H(b.label), b.value,
        kLabel + width + 6, y + 16, b.value);
  }
  return out + "</svg></figure>\n";
}

}  // namespace

std::string ChartsSection(const ReportData& d) {
  using analysis::FlowClass;
  std::vector<Bar> flows = {{"problematic", "problematic", 0},
                            {"low source port", "low-source", 0},
                            {"restricted", "restricted", 0},
                            {"fine", "fine", 0},
                            {"local (to itself)", "local", 0}};
  for (const analysis::FlowEntry& e : d.flows) {
    switch (e.flow_class) {
      case FlowClass::kProblematic: ++flows[0].value; break;
      case FlowClass::kLowSource: ++flows[1].value; break;
      case FlowClass::kRestricted: ++flows[2].value; break;
      case FlowClass::kFine: ++flows[3].value; break;
      case FlowClass::kLocal: ++flows[4].value; break;
    }
  }
  std::vector<Bar> ports = {{"well-known (static)", "well-known", 0},
                            {"registered (static)", "registered", 0},
                            {"dynamic, RPC", "dynamic rpc", 0},
                            {"dynamic, other", "dynamic", 0}};
  for (const ServerView& s : d.servers) {
    for (const PortView& p : s.ports) {
      if (p.dynamic) {
        ++ports[p.what.starts_with("RPC:") ? 2 : 3].value;
      } else {
        ++ports[p.port < 1024 ? 0 : 1].value;
      }
    }
  }
  return "<section id=\"charts\">\n<h2>Port classes</h2>\n<div class=\"charts\">\n" +
         BarChart("chart-flows", "Flows by class", flows) +
         BarChart("chart-ports", "Server ports by kind (listening or in use)", ports) +
         "</div>\n</section>\n";
}

}  // namespace highport::report
