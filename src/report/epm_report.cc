#include "report/epm_report.h"

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "report/table.h"

namespace highport::report {
namespace {

std::string Version(const analysis::RpcInterfaceGroup& g) {
  return fmt::format("{}.{}", g.version_major, g.version_minor);
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  return fmt::format("{}", fmt::join(items, separator));
}

std::string HostLabel(const EpmHostReport& h) {
  std::string label = h.port ? fmt::format("{}:{}", h.host, h.port) : h.host;
  if (!h.address.empty() && h.address != h.host) label += fmt::format(" ({})", h.address);
  return label;
}

std::string PortClassText(const analysis::RpcTcpPort& p) {
  if (!p.dynamic) return "endpoint mapper";
  return p.in_dynamic_range ? "dynamic" : "RPC, outside the dynamic range";
}

void AppendHostTable(std::string& out, const EpmHostReport& h) {
  const analysis::RpcHostMap& m = h.map;
  out += fmt::format("Host {}: {}", HostLabel(h), h.status);
  if (h.status != "ok") {
    out += fmt::format(" ({})", h.detail);
    if (m.entries == 0) {
      out += "\n";
      return;
    }
    out += ", what arrived before that:";
  } else {
    out += ":";
  }
  out += fmt::format(" {} entries, {} interfaces, {} TCP ports, {} of them dynamic in {}",
                     m.entries, m.interfaces.size(), m.tcp_ports.size(), m.DynamicPortsInRange(),
                     m.dynamic_range.ToString());
  if (h.elapsed_ms > 0) out += fmt::format(" ({:.0f} ms)", h.elapsed_ms);
  out += "\n\n";
  for (const analysis::RpcInterfaceGroup& g : m.interfaces) {
    const catalog::RpcInterfaceEntry* k = g.known;
    out += fmt::format("  {} v{}  {}", g.Name(), Version(g), g.uuid);
    if (k) {
      if (!k->protocol.empty() && k->protocol != "-") out += fmt::format("  [{}]", k->protocol);
      if (!k->process.empty() && k->process != "-") out += fmt::format("  {}", k->process);
      out += fmt::format("\n      {}", k->description);
    }
    std::vector<std::string> annotations;
    for (const std::string& a : g.annotations) {
      if (!a.empty() && (!k || a != k->name)) annotations.push_back(fmt::format("\"{}\"", a));
    }
    if (!annotations.empty()) out += fmt::format("\n      annotation: {}", Join(annotations, ", "));
    out += "\n";
    // Local endpoints cannot be reached from the network: counted, not listed
    // (the JSON and CSV keep them).
    size_t local = 0;
    for (const RpcRegistration& b : g.bindings) {
      if (b.protocol == "ncalrpc") {
        ++local;
        continue;
      }
      out += fmt::format("      {}\n", b.binding);
    }
    if (local > 0) out += fmt::format("      ncalrpc: {} local endpoint(s), not reachable from the network\n", local);
  }
  if (!m.tcp_ports.empty()) {
    out += "\n";
    TextTable table({"TCP PORT", "CLASS", "INTERFACES"}, 60);
    for (const analysis::RpcTcpPort& p : m.tcp_ports) {
      std::string interfaces = Join(p.interfaces, ", ");
      if (p.known_service && p.dynamic) {
        interfaces += fmt::format(" (port also listed for {})", p.known_service->name);
      }
      table.AddRow({std::to_string(p.port) + (p.http ? " (http)" : ""), PortClassText(p),
                    interfaces});
    }
    out += table.Render();
  }
  for (const std::string& note : h.notes) out += fmt::format("  note: {}\n", note);
}

}  // namespace

std::string EpmTable(const std::vector<EpmHostReport>& hosts) {
  std::string out;
  size_t ok = 0;
  for (const EpmHostReport& h : hosts) {
    if (!out.empty()) out += "\n";
    AppendHostTable(out, h);
    ok += h.status == "ok";
  }
  if (hosts.size() > 1) out += fmt::format("\n{} host(s) asked, {} answered completely.\n", hosts.size(), ok);
  return out;
}

nlohmann::json EpmJson(const std::vector<EpmHostReport>& hosts) {
  nlohmann::json out = nlohmann::json::array();
  for (const EpmHostReport& h : hosts) {
    const analysis::RpcHostMap& m = h.map;
    nlohmann::json interfaces = nlohmann::json::array();
    for (const analysis::RpcInterfaceGroup& g : m.interfaces) {
      nlohmann::json bindings = nlohmann::json::array();
      for (const RpcRegistration& b : g.bindings) {
        nlohmann::json binding = {{"protocol", b.protocol}, {"binding", b.binding}};
        if (b.endpoint) {
          binding["address"] = b.endpoint->address.ToString();
          binding["port"] = b.endpoint->port;
        } else if (!b.address_text.empty()) {
          binding["address"] = b.address_text;
        }
        if (!b.pipe.empty()) binding["pipe"] = b.pipe;
        bindings.push_back(std::move(binding));
      }
      const catalog::RpcInterfaceEntry* k = g.known;
      interfaces.push_back({
          {"uuid", g.uuid},
          {"version", Version(g)},
          {"name", g.Name()},
          {"known", k != nullptr},
          {"protocol_doc", k ? nlohmann::json(k->protocol) : nlohmann::json(nullptr)},
          {"description", k ? nlohmann::json(k->description) : nlohmann::json(nullptr)},
          {"process", k ? nlohmann::json(k->process) : nlohmann::json(nullptr)},
          {"services", k ? nlohmann::json(k->services) : nlohmann::json::array()},
          {"annotation", g.annotations.empty() ? std::string() : g.annotations.front()},
          {"bindings", std::move(bindings)},
      });
    }
    nlohmann::json ports = nlohmann::json::array();
    for (const analysis::RpcTcpPort& p : m.tcp_ports) {
      nlohmann::json port = {{"port", p.port},
                             {"dynamic", p.dynamic},
                             {"in_dynamic_range", p.in_dynamic_range},
                             {"http", p.http},
                             {"interfaces", p.interfaces}};
      if (p.known_service) port["also_listed_for"] = p.known_service->name;
      ports.push_back(std::move(port));
    }
    nlohmann::json host = {
        {"host", h.host},
        {"port", h.port},
        {"status", h.status},
        {"detail", h.detail},
        {"source", h.source},
        {"dynamic_range", m.dynamic_range.ToString()},
        {"entries", m.entries},
        {"interfaces", std::move(interfaces)},
        {"tcp_ports", std::move(ports)},
        {"notes", h.notes},
    };
    if (!h.address.empty()) host["address"] = h.address;
    if (h.source == "epm") {
      host["calls"] = h.calls;
      host["elapsed_ms"] = h.elapsed_ms;
    }
    out.push_back(std::move(host));
  }
  return out;
}

std::string EpmCsv(const std::vector<EpmHostReport>& hosts) {
  std::string out = CsvRow({"host", "status", "uuid", "version", "name", "protocol_doc", "process",
                            "annotation", "protocol", "address", "port", "pipe", "dynamic",
                            "binding"});
  for (const EpmHostReport& h : hosts) {
    if (h.map.interfaces.empty()) {
      out += CsvRow({h.host, h.status, "", "", "", "", "", "", "", "", "", "", "", ""});
      continue;
    }
    for (const analysis::RpcInterfaceGroup& g : h.map.interfaces) {
      for (const RpcRegistration& b : g.bindings) {
        std::string dynamic;
        if (b.endpoint && b.endpoint->proto == Proto::kTcp) {
          for (const analysis::RpcTcpPort& p : h.map.tcp_ports) {
            if (p.port == b.endpoint->port) dynamic = p.dynamic ? "yes" : "no";
          }
        }
        out += CsvRow({h.host, h.status, g.uuid, Version(g), g.Name(),
                       g.known ? g.known->protocol : "", g.known ? g.known->process : "",
                       b.annotation, b.protocol,
                       b.endpoint ? b.endpoint->address.ToString() : b.address_text,
                       b.endpoint ? std::to_string(b.endpoint->port) : "", b.pipe, dynamic,
                       b.binding});
      }
    }
  }
  return out;
}

}  // namespace highport::report
