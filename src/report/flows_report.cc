#include "report/flows_report.h"

#include <chrono>
#include <ctime>
#include <set>

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "report/table.h"

namespace highport::report {
namespace {

using analysis::FlowClass;
using analysis::FlowEntry;

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  return fmt::format("{}", fmt::join(items, separator));
}

// What is behind the server port: the RPC interfaces, else the catalog's
// service, else the process the server's inventory shows listening there
// (WMI's and DCOM's ports are registered with no endpoint mapper).
std::string What(const FlowEntry& e, const ListenerOwners& owners) {
  if (!e.interfaces.empty()) return "RPC: " + Join(e.interfaces, ", ");
  if (!e.service.empty()) return e.service;
  auto owner = owners.find({e.key.server, e.key.proto, e.key.port});
  return owner != owners.end() ? owner->second : "";
}

// The listening process, or null where no inventory of the server says.
nlohmann::json Owner(const FlowEntry& e, const ListenerOwners& owners) {
  auto owner = owners.find({e.key.server, e.key.proto, e.key.port});
  return owner != owners.end() ? nlohmann::json(owner->second) : nlohmann::json(nullptr);
}

std::string Counts(const FlowEntry& e) {
  std::string out = fmt::format("{}", e.connections);
  // Attempts are dropped by a firewall, or SYNs nobody answered (NetFlow, captures).
  if (e.attempts > 0) {
    out += fmt::format(" (+{} {})", e.attempts, e.dropped > 0 ? "dropped" : "unanswered");
  }
  return out;
}

struct ServerSummary {
  std::set<std::pair<Proto, uint16_t>> static_ports;
  std::map<std::pair<Proto, uint16_t>, std::set<IpAddress>> dynamic_ports;  // -> clients
  std::map<std::pair<Proto, uint16_t>, std::string> what;
  std::set<IpAddress> clients;
};

std::map<IpAddress, ServerSummary> Summaries(const std::vector<FlowEntry>& flows,
                                             const ListenerOwners& owners) {
  std::map<IpAddress, ServerSummary> out;
  for (const FlowEntry& e : flows) {
    ServerSummary& s = out[e.key.server];
    std::pair<Proto, uint16_t> port{e.key.proto, e.key.port};
    if (e.dynamic) {
      s.dynamic_ports[port].insert(e.key.client);
    } else {
      s.static_ports.insert(port);
    }
    if (std::string what = What(e, owners); !what.empty()) s.what[port] = std::move(what);
    s.clients.insert(e.key.client);
  }
  return out;
}

std::string PortText(const std::pair<Proto, uint16_t>& p) {
  return fmt::format("{}/{}", ProtoName(p.first), p.second);
}

}  // namespace

// Twice per flow in every report, so without gmtime_r and fmt::format
// (thousands of instructions a call, a sixth of `highport flows` on a large
// capture): the civil date from std::chrono's calendar, the digits by hand.
// Years outside 0-9999 (no log has them) keep the general path, which
// prints them as it always did.
std::string FormatTime(int64_t us) {
  const int64_t seconds = us / 1'000'000;
  constexpr int64_t kDay = 86'400;
  constexpr int64_t kYear10000 = 253'402'300'800;  // 10000-01-01 00:00:00 UTC
  if (seconds >= 0 && seconds < kYear10000) {
    const auto days = std::chrono::sys_days(std::chrono::days(seconds / kDay));
    const std::chrono::year_month_day date(days);
    const int64_t of_day = seconds % kDay;
    std::string text = "0000-00-00 00:00:00";
    auto put = [&](size_t end, unsigned value, size_t digits) {
      for (size_t i = 0; i < digits; ++i, value /= 10) text[end - i] = static_cast<char>('0' + value % 10);
    };
    put(3, static_cast<unsigned>(static_cast<int>(date.year())), 4);
    put(6, static_cast<unsigned>(date.month()), 2);
    put(9, static_cast<unsigned>(date.day()), 2);
    put(12, static_cast<unsigned>(of_day / 3600), 2);
    put(15, static_cast<unsigned>(of_day / 60 % 60), 2);
    put(18, static_cast<unsigned>(of_day % 60), 2);
    return text;
  }
  std::time_t time = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&time, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string FlowsTable(const FlowsReport& r) {
  size_t problematic = 0;
  std::set<IpAddress> servers;
  for (const FlowEntry& e : r.flows) {
    problematic += e.flow_class == FlowClass::kProblematic;
    servers.insert(e.key.server);
  }
  std::string out = fmt::format(
      "{} flows between {} servers and their clients, {} problematic (client high port -> server "
      "dynamic port), from {} observations",
      r.flows.size(), servers.size(), problematic, r.observations);
  if (r.skipped > 0) out += fmt::format("; {} input records skipped (see stderr)", r.skipped);
  out += "\n";
  if (r.lost_events > 0) {
    out += fmt::format("The firewall lost {} events (INFO-EVENTS-LOST): the picture is incomplete.\n",
                       r.lost_events);
  }
  if (r.local_time) out += "Times are the firewall log's local time.\n";
  out += "\n";

  TextTable table({"CLASS", "CLIENT", "SERVER", "PORT", "CONNECTIONS", "FIRST SEEN", "LAST SEEN",
                   "SERVER BY", "WHAT"},
                  40);
  for (const FlowEntry& e : r.flows) {
    table.AddRow({std::string(analysis::FlowClassName(e.flow_class)), e.key.client.ToString(),
                  e.key.server.ToString(), fmt::format("{}/{}", ProtoName(e.key.proto), e.key.port),
                  Counts(e), FormatTime(e.first_us), FormatTime(e.last_us),
                  std::string(analysis::ServerRuleName(e.rule)), What(e, r.owners)});
  }
  out += table.Render();

  out += "\nPer server:\n";
  for (const auto& [server, s] : Summaries(r.flows, r.owners)) {
    out += fmt::format("  {}: {} client(s)", server.ToString(), s.clients.size());
    if (auto it = r.peak_rpc_concurrency.find(server); it != r.peak_rpc_concurrency.end()) {
      out += fmt::format(", at most {} connection(s) to dynamic ports at once", it->second);
    }
    out += "\n";
    std::vector<std::string> statics;
    for (const auto& p : s.static_ports) statics.push_back(PortText(p));
    if (!statics.empty()) out += fmt::format("    static ports: {}\n", Join(statics, ", "));
    for (const auto& [port, clients] : s.dynamic_ports) {
      std::vector<std::string> names;
      for (const IpAddress& c : clients) names.push_back(c.ToString());
      auto what = s.what.find(port);
      out += fmt::format("    dynamic {}{}: used by {}\n", PortText(port),
                         what != s.what.end() ? " (" + what->second + ")" : "", Join(names, ", "));
    }
  }
  return out;
}

nlohmann::json FlowsJson(const FlowsReport& r, const Diagnostics& diagnostics) {
  nlohmann::json flows = nlohmann::json::array();
  for (const FlowEntry& e : r.flows) {
    nlohmann::json evidence = nlohmann::json::array();
    for (const SourceRef& s : e.evidence) evidence.push_back(s.ToString());
    flows.push_back({
        {"class", analysis::FlowClassName(e.flow_class)},
        {"client", e.key.client.ToString()},
        {"server", e.key.server.ToString()},
        {"proto", ProtoName(e.key.proto)},
        {"port", e.key.port},
        {"dynamic", e.dynamic},
        {"server_by", analysis::ServerRuleName(e.rule)},
        {"interfaces", e.interfaces},
        {"service", e.service.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.service)},
        {"owner", Owner(e, r.owners)},
        {"first_seen", FormatTime(e.first_us)},
        {"last_seen", FormatTime(e.last_us)},
        {"connections", e.connections},
        {"allowed", e.allowed},
        {"dropped", e.dropped},
        {"attempts", e.attempts},
        {"packets", e.packets},
        {"bytes", e.bytes},
        {"low_source", e.low_source},
        {"evidence", std::move(evidence)},
    });
  }
  nlohmann::json servers = nlohmann::json::array();
  for (const auto& [server, s] : Summaries(r.flows, r.owners)) {
    nlohmann::json statics = nlohmann::json::array();
    for (const auto& p : s.static_ports) statics.push_back(PortText(p));
    nlohmann::json dynamics = nlohmann::json::array();
    for (const auto& [port, clients] : s.dynamic_ports) {
      nlohmann::json names = nlohmann::json::array();
      for (const IpAddress& c : clients) names.push_back(c.ToString());
      auto what = s.what.find(port);
      dynamics.push_back({{"port", PortText(port)},
                          {"what", what != s.what.end() ? what->second : ""},
                          {"clients", std::move(names)}});
    }
    auto peak = r.peak_rpc_concurrency.find(server);
    servers.push_back({{"server", server.ToString()},
                       {"clients", s.clients.size()},
                       {"static_ports", std::move(statics)},
                       {"dynamic_ports", std::move(dynamics)},
                       {"peak_rpc_concurrency",
                        peak != r.peak_rpc_concurrency.end() ? peak->second : 0}});
  }
  nlohmann::json skipped = nlohmann::json::array();
  for (const Finding& f : diagnostics.findings()) {
    skipped.push_back({{"where", f.where.ToString()}, {"id", f.id}, {"reason", f.reason},
                       {"severity", f.severity == Finding::Severity::kNote ? "note" : "warning"}});
  }
  return {{"observations", r.observations},
          {"lost_events", r.lost_events},
          {"other_protocols", r.unported},
          {"local_time", r.local_time},
          {"flows", std::move(flows)},
          {"servers", std::move(servers)},
          {"findings", std::move(skipped)},
          // Findings beyond the first ones of each kind are counted, not listed.
          {"findings_not_listed", diagnostics.not_kept()}};
}

std::string FlowsCsv(const FlowsReport& r) {
  std::string out = CsvRow({"class", "client", "server", "proto", "port", "dynamic", "server_by",
                            "what", "first_seen", "last_seen", "connections", "allowed", "dropped",
                            "attempts", "packets", "bytes", "evidence"});
  // Room for every row at once: growing by doubling would hold the old and
  // the new copy together, three times the text, at the peak of a large run.
  // What is reserved and never written is never touched, so it costs no memory.
  size_t room = out.size();
  for (const FlowEntry& e : r.flows) {
    room += 256 + e.service.size();
    for (const SourceRef& s : e.evidence) room += s.file.size() + 64;
    for (const std::string& i : e.interfaces) room += i.size() + 8;
  }
  out.reserve(room);
  for (const FlowEntry& e : r.flows) {
    std::vector<std::string> evidence;
    for (const SourceRef& s : e.evidence) evidence.push_back(s.ToString());
    AppendCsvRow(out, {std::string(analysis::FlowClassName(e.flow_class)), e.key.client.ToString(),
                   e.key.server.ToString(), std::string(ProtoName(e.key.proto)),
                   std::to_string(e.key.port), e.dynamic ? "yes" : "no",
                   std::string(analysis::ServerRuleName(e.rule)), What(e, r.owners), FormatTime(e.first_us),
                   FormatTime(e.last_us), std::to_string(e.connections), std::to_string(e.allowed),
                   std::to_string(e.dropped), std::to_string(e.attempts), std::to_string(e.packets),
                   std::to_string(e.bytes), Join(evidence, " ")});
  }
  return out;
}

}  // namespace highport::report
