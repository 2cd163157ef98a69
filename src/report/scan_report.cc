#include "report/scan_report.h"

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "report/table.h"

namespace highport::report {
namespace {

using Json = nlohmann::ordered_json;

std::vector<uint16_t> PortsIn(const ScanHostReport& h, std::string_view state) {
  std::vector<uint16_t> out;
  for (const ScannedPort& p : h.ports) {
    if (p.state == state) out.push_back(p.port);
  }
  return out;
}

std::string ServiceName(uint16_t port, const catalog::Catalog& catalog) {
  const catalog::PortEntry* known = catalog.FindPort(Proto::kTcp, port);
  return known ? known->name : std::string();
}

// The IANA class, and "dynamic" for a port of the host's dynamic range, where
// RPC servers and outgoing connections take their ports.
std::string ClassOf(uint16_t port, const PortRange& dynamic) {
  if (dynamic.Contains(port)) return "dynamic";
  return std::string(PortClassName(IanaPortClass(port)));
}

std::string HostLabel(const ScanHostReport& h) {
  std::string label = h.host;
  if (!h.address.empty() && h.address != h.host) label += fmt::format(" ({})", h.address);
  return label;
}

}  // namespace

std::vector<std::string> PortRanges(const std::vector<uint16_t>& ports) {
  std::vector<std::string> out;
  for (size_t i = 0; i < ports.size();) {
    size_t j = i;
    while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
    out.push_back(PortRange{ports[i], ports[j]}.ToString());
    i = j + 1;
  }
  return out;
}

std::string ScanTable(const std::vector<ScanHostReport>& hosts, const catalog::Catalog& catalog) {
  std::string out;
  for (const ScanHostReport& h : hosts) {
    if (!out.empty()) out += "\n";
    if (!h.error.empty()) {
      out += fmt::format("Host {}: not scanned: {}\n", HostLabel(h), h.error);
      continue;
    }
    std::vector<uint16_t> open = PortsIn(h, "open"), closed = PortsIn(h, "closed"),
                          filtered = PortsIn(h, "filtered"), errors = PortsIn(h, "error");
    out += fmt::format("Host {}, scanned from {}: {} port(s) in {:.1f} s: {} open, {} closed, {} filtered",
                       HostLabel(h), h.source_address.empty() ? "?" : h.source_address, h.ports.size(),
                       h.elapsed_ms / 1000.0, open.size(), closed.size(), filtered.size());
    if (!errors.empty()) out += fmt::format(", {} not tried (local errors)", errors.size());
    out += "\n";
    if (!open.empty()) {
      TextTable table({"PORT", "STATE", "SERVICE", "CLASS"}, 60);
      for (uint16_t p : open) {
        std::string name = ServiceName(p, catalog);
        table.AddRow({fmt::format("tcp/{}", p), "open", name.empty() ? "-" : name, ClassOf(p, h.dynamic_range)});
      }
      out += "\n" + table.Render();
    }
    // A handful of filtered ports among closed ones is worth seeing by number.
    if (!filtered.empty() && filtered.size() <= 20) {
      out += fmt::format("  filtered: {}\n", fmt::join(PortRanges(filtered), ", "));
    }
    if (!errors.empty()) {
      for (const ScannedPort& p : h.ports) {
        if (p.state == "error") {
          out += fmt::format("  local error, first at tcp/{}: {}\n", p.port, p.why);
          break;
        }
      }
    }
  }
  return out;
}

Json ScanJson(const std::vector<ScanHostReport>& hosts, const catalog::Catalog& catalog) {
  Json out = Json::array();
  for (const ScanHostReport& h : hosts) {
    Json open = Json::array();
    for (const ScannedPort& p : h.ports) {
      if (p.state != "open") continue;
      std::string name = ServiceName(p.port, catalog);
      open.push_back({{"port", p.port},
                      {"service", name.empty() ? Json(nullptr) : Json(name)},
                      {"class", ClassOf(p.port, h.dynamic_range)}});
    }
    std::vector<uint16_t> closed = PortsIn(h, "closed");
    std::vector<uint16_t> filtered_ports = PortsIn(h, "filtered");
    // Every filtered port by number is too much for a firewalled host: ranges.
    out.push_back({{"host", h.host},
                   {"address", h.address},
                   {"source_address", h.source_address},
                   {"error", h.error.empty() ? Json(nullptr) : Json(h.error)},
                   {"dynamic_range", h.dynamic_range.ToString()},
                   {"probed", h.ports.size()},
                   {"open", open},
                   {"closed", closed.size()},
                   {"filtered", filtered_ports.size()},
                   {"errors", PortsIn(h, "error").size()},
                   {"closed_ports", PortRanges(closed)},
                   {"filtered_ports", PortRanges(filtered_ports)},
                   {"elapsed_ms", h.elapsed_ms}});
  }
  return out;
}

std::string ScanCsv(const std::vector<ScanHostReport>& hosts, const catalog::Catalog& catalog) {
  std::string out = CsvRow({"host", "address", "source_address", "port", "state", "why", "service", "class"});
  for (const ScanHostReport& h : hosts) {
    if (!h.error.empty()) {
      out += CsvRow({h.host, h.address, h.source_address, "", "not scanned", h.error, "", ""});
      continue;
    }
    for (const ScannedPort& p : h.ports) {
      out += CsvRow({h.host, h.address, h.source_address, std::to_string(p.port), p.state, p.why,
                     ServiceName(p.port, catalog), ClassOf(p.port, h.dynamic_range)});
    }
  }
  return out;
}

std::string VerifyTable(const std::vector<VerifyHostReport>& hosts) {
  std::string out;
  for (const VerifyHostReport& h : hosts) {
    const plan::HostVerification& v = h.result;
    if (!out.empty()) out += "\n";
    std::vector<std::string> checks;
    for (plan::VerifyCheck c : v.checks) checks.emplace_back(plan::VerifyCheckName(c));
    out += fmt::format("Host {} ({}), scanned from {}: {}\n", v.host, v.address,
                       v.source_address.empty() ? "?" : v.source_address,
                       v.Matches() ? "matches the plan" : fmt::format("{} difference(s)", v.differences.size()));
    out += fmt::format("  checks: {}\n", checks.empty() ? "none" : fmt::format("{}", fmt::join(checks, ", ")));
    out += fmt::format("  scan: {} port(s) probed, {} open; endpoint mapper: {}", h.probed, h.open, h.epm_status);
    if (h.epm_status == "ok") out += fmt::format(", {} entries", h.epm_entries);
    else if (!h.epm_detail.empty()) out += fmt::format(" ({})", h.epm_detail);
    out += "\n";
    for (const plan::Difference& d : v.differences) {
      out += fmt::format("  DIFF {} [{}]: {}\n", plan::VerifyCheckName(d.check), plan::DifferenceKindName(d.kind),
                         d.text);
    }
    for (const std::string& n : v.notes) out += fmt::format("  note: {}\n", n);
  }
  return out;
}

Json VerifyJson(const std::vector<VerifyHostReport>& hosts) {
  Json out = Json::array();
  for (const VerifyHostReport& h : hosts) {
    const plan::HostVerification& v = h.result;
    Json checks = Json::array();
    for (plan::VerifyCheck c : v.checks) checks.push_back(plan::VerifyCheckName(c));
    Json differences = Json::array();
    for (const plan::Difference& d : v.differences) {
      differences.push_back({{"check", plan::VerifyCheckName(d.check)},
                             {"kind", plan::DifferenceKindName(d.kind)},
                             {"port", d.port == 0 ? Json(nullptr) : Json(d.port)},
                             {"text", d.text}});
    }
    out.push_back({{"argument", h.argument},
                   {"host", v.host},
                   {"address", v.address},
                   {"source_address", v.source_address},
                   {"matches", v.Matches()},
                   {"checks", checks},
                   {"probed", h.probed},
                   {"open", h.open},
                   {"epm", {{"status", h.epm_status}, {"detail", h.epm_detail}, {"entries", h.epm_entries}}},
                   {"differences", differences},
                   {"notes", v.notes}});
  }
  return out;
}

}  // namespace highport::report
