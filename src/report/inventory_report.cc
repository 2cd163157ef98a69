#include "report/inventory_report.h"

#include <algorithm>
#include <map>

#include "fmt/format.h"
#include "report/table.h"

namespace highport::report {
namespace {

std::string JoinServices(const std::vector<std::string>& services, std::string_view separator) {
  std::string out;
  for (const std::string& s : services) {
    if (!out.empty()) out += separator;
    out += s;
  }
  return out;
}

std::string Pid(const Listener& l) { return l.pid ? std::to_string(*l.pid) : "-"; }

std::string Process(const Listener& l) {
  if (!l.process.empty()) return l.process;
  return l.owner_unavailable ? "(no access)" : "-";
}

std::string Allocation(const analysis::InventoryEntry& e) {
  return e.dynamic || e.moved ? "dynamic" : "static";
}

}  // namespace

std::string InventoryTable(const analysis::HostInventory& inv, const Diagnostics& diagnostics) {
  std::string out;
  const Host& host = inv.host;
  size_t tcp = 0, udp = 0, dynamic = 0, act = 0;
  for (const analysis::InventoryEntry& e : inv.entries) {
    (e.listener.local.proto == Proto::kTcp ? tcp : udp)++;
    dynamic += e.dynamic || e.moved;
    act += e.verdict.severity == analysis::Severity::kAct;
  }
  out += fmt::format("Host {}: {} listeners ({} TCP, {} UDP), {} on dynamic ports ({}{}), {} to act on\n\n",
                     host.name.empty() ? "(unnamed)" : host.name, inv.entries.size(), tcp, udp,
                     dynamic, host.tcp_dynamic_range.ToString(),
                     host.dynamic_range_known ? "" : ", assumed", act);

  TextTable table({"PROTO", "ADDRESS", "PORT", "CLASS", "PID", "PROCESS", "SERVICES", "!", "VERDICT"}, 44);
  for (const analysis::InventoryEntry& e : inv.entries) {
    const Listener& l = e.listener;
    std::string mark = e.verdict.severity == analysis::Severity::kAct      ? "!!"
                       : e.verdict.severity == analysis::Severity::kReview ? "?"
                                                                           : "";
    std::string port_class = std::string(PortClassName(e.port_class));
    if (e.dynamic) port_class = "dynamic*";
    if (e.moved && !e.dynamic) port_class = "moved*";
    std::string summary = e.verdict.summary;
    if (!e.rpc_interfaces.empty()) summary += " [RPC: " + JoinServices(e.rpc_interfaces, ", ") + "]";
    table.AddRow({std::string(ProtoName(l.local.proto)), l.local.address.ToString(),
                  std::to_string(l.local.port), port_class, Pid(l), Process(l),
                  JoinServices(l.services, ","), mark, summary});
  }
  out += table.Render();
  out += "\n!! act on it   ? review   dynamic* = taken from the host's dynamic range";
  if (std::any_of(inv.entries.begin(), inv.entries.end(), [](const auto& e) { return e.moved && !e.dynamic; })) {
    out += "   moved* = its service was on another port at another moment";
  }
  out += "\n";

  // What to do, grouped: one line per distinct advice, with the ports it covers.
  std::vector<std::pair<std::string, std::vector<std::string>>> actions;
  std::map<std::string, size_t> index;
  for (const analysis::InventoryEntry& e : inv.entries) {
    if (e.verdict.severity == analysis::Severity::kOk || e.verdict.action.empty()) continue;
    auto [it, inserted] = index.try_emplace(e.verdict.action, actions.size());
    if (inserted) actions.push_back({e.verdict.action, {}});
    std::vector<std::string>& ports = actions[it->second].second;
    std::string port = fmt::format("{}/{}", ProtoName(e.listener.local.proto), e.listener.local.port);
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) ports.push_back(port);
  }
  if (!actions.empty()) {
    out += "\nWhat to do:\n";
    for (const auto& [action, ports] : actions) {
      out += fmt::format("  - {}: {}\n", JoinServices(ports, ", "), action);
    }
  }
  if (inv.duplicates > 0) {
    out += fmt::format("\n{} socket(s) listed by more than one input were counted once.\n",
                       inv.duplicates);
  }
  if (diagnostics.skipped() > 0) {
    out += fmt::format("\n{} input line(s) could not be read and were skipped (listed on stderr).\n",
                       diagnostics.skipped());
  }
  return out;
}

nlohmann::json InventoryJson(const analysis::HostInventory& inv, const Diagnostics& diagnostics) {
  nlohmann::json listeners = nlohmann::json::array();
  for (const analysis::InventoryEntry& e : inv.entries) {
    const Listener& l = e.listener;
    nlohmann::json item = {
        {"proto", ProtoName(l.local.proto)},
        {"address", l.local.address.ToString()},
        {"port", l.local.port},
        {"pid", l.pid ? nlohmann::json(*l.pid) : nlohmann::json(nullptr)},
        {"process", l.process.empty() ? nlohmann::json(nullptr) : nlohmann::json(l.process)},
        {"services", l.services},
        {"port_class", PortClassName(e.port_class)},
        {"allocation", Allocation(e)},
        {"state", SocketStateName(l.state)},
        {"verdict",
         {{"id", e.verdict.id},
          {"severity", analysis::SeverityName(e.verdict.severity)},
          {"summary", e.verdict.summary},
          {"action", e.verdict.action}}},
        {"source", {{"file", l.source.file}, {"line", l.source.line}}},
    };
    if (l.owner_unavailable) item["owner_unavailable"] = true;
    if (!e.rpc_interfaces.empty()) item["rpc_interfaces"] = e.rpc_interfaces;
    listeners.push_back(std::move(item));
  }
  nlohmann::json skipped = nlohmann::json::array();
  nlohmann::json notes = nlohmann::json::array();
  for (const Finding& f : diagnostics.findings()) {
    nlohmann::json item = {{"file", f.where.file}, {"line", f.where.line}, {"id", f.id},
                           {"reason", f.reason}};
    (f.severity == Finding::Severity::kNote ? notes : skipped).push_back(std::move(item));
  }
  return {
      {"host", inv.host.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(inv.host.name)},
      {"dynamic_range",
       {{"tcp", inv.host.tcp_dynamic_range.ToString()}, {"known", inv.host.dynamic_range_known}}},
      {"listeners", std::move(listeners)},
      {"skipped", std::move(skipped)},
      {"notes", std::move(notes)},
  };
}

std::string InventoryCsv(const analysis::HostInventory& inv) {
  std::string out = CsvRow({"host", "proto", "address", "port", "pid", "process", "services",
                            "port_class", "allocation", "state", "verdict", "severity", "summary",
                            "action", "source"});
  for (const analysis::InventoryEntry& e : inv.entries) {
    const Listener& l = e.listener;
    out += CsvRow({inv.host.name, std::string(ProtoName(l.local.proto)), l.local.address.ToString(),
                   std::to_string(l.local.port), l.pid ? std::to_string(*l.pid) : "", l.process,
                   JoinServices(l.services, ";"), std::string(PortClassName(e.port_class)),
                   Allocation(e), std::string(SocketStateName(l.state)), e.verdict.id,
                   std::string(analysis::SeverityName(e.verdict.severity)), e.verdict.summary,
                   e.verdict.action, l.source.ToString()});
  }
  return out;
}

}  // namespace highport::report
