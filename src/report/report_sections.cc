#include "report/report_sections.h"

#include <algorithm>
#include <map>

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "report/html_escape.h"

namespace highport::report {
namespace {

using analysis::FlowClass;
using analysis::FlowEntry;

constexpr size_t kCardListMax = 24;  // items per list in a card; the rest counted

std::string Tile(std::string_view label, const std::string& value, std::string_view cls = "") {
  return fmt::format("<div class=\"tile{}{}\"><dt>{}</dt><dd>{}</dd></div>\n",
                     cls.empty() ? "" : " ", cls, H(label), value);
}

// "<li>a</li>..." for at most kCardListMax items (already HTML), then "+N more".
std::string List(const std::vector<std::string>& items, std::string_view empty = "none") {
  if (items.empty()) return fmt::format("<span class=\"none\">{}</span>", H(empty));
  std::string out = "<ul class=\"compact\">";
  for (size_t i = 0; i < items.size() && i < kCardListMax; ++i) out += "<li>" + items[i] + "</li>";
  if (items.size() > kCardListMax) {
    out += fmt::format("<li class=\"more\">+{} more</li>", items.size() - kCardListMax);
  }
  return out + "</ul>";
}

std::string PortItem(const PortView& p) {
  std::string text = fmt::format("<code>{}/{}</code>", ProtoName(p.proto), p.port);
  if (!p.what.empty()) text += " " + H(p.what);
  if (!p.clients.empty()) text += fmt::format(" <span class=\"muted\">{} client(s)</span>", p.clients.size());
  if (p.problematic) text = "<span class=\"bad\">" + text + "</span>";
  return text;
}

// One listening port, on every address it is bound to: "tcp/135 on 0.0.0.0, [::] svchost.exe (RpcSs)".
std::string ListenerItem(const std::vector<const Socket*>& sockets) {
  const Socket& s = *sockets.front();
  std::vector<std::string> addresses;
  for (const Socket* each : sockets) addresses.push_back(each->local.address.ToString());
  std::string text = fmt::format("<code>{}/{}</code> <span class=\"muted\">on {}</span>",
                                 ProtoName(s.local.proto), s.local.port,
                                 H(fmt::format("{}", fmt::join(addresses, ", "))));
  if (!s.process.empty()) text += " " + H(s.process);
  if (!s.services.empty()) text += fmt::format(" ({})", H(fmt::format("{}", fmt::join(s.services, ", "))));
  return text;
}

std::string PlanItems(const ServerView& s) {
  std::vector<std::string> items;
  if (s.range) {
    items.push_back(fmt::format("RPC range <strong>{}</strong> ({} ports, group {}, peak {}; {})",
                                H(s.range->range.ToString()), s.range->range.size(),
                                H(s.range->group), s.range->observed_peak, H(s.range->restart)));
  }
  for (const plan::PinProposal* p : s.pins) {
    items.push_back(fmt::format("pin {} to <code>tcp/{}</code> ({})",
                                H(p->display_name.empty() ? p->service : p->display_name), p->port,
                                H(plan::PinKindName(p->kind))));
  }
  for (const plan::MinimiseProposal* m : s.minimise) {
    items.push_back(fmt::format("{}: {} ({})", H(plan::MinimiseActionName(m->action)),
                                H(m->display_name.empty() ? m->service : m->display_name),
                                H(fmt::format("{}", fmt::join(m->listeners, ", ")))));
  }
  for (const plan::FirewallRule* r : s.rules) {
    items.push_back(fmt::format("allow <span class=\"rule-id\">{}</span>: {}", H(r->id), H(r->name)));
  }
  return List(items, "nothing proposed");
}

std::string Card(const ServerView& s, size_t index) {
  std::vector<std::string> listeners, static_ports, dynamic_ports, interfaces, clients;
  std::map<std::pair<Proto, uint16_t>, std::vector<const Socket*>> by_port;
  for (const Socket& l : s.listeners) by_port[{l.local.proto, l.local.port}].push_back(&l);
  for (const auto& [port, sockets] : by_port) listeners.push_back(ListenerItem(sockets));
  for (const PortView& p : s.ports) {
    if (p.clients.empty() && !p.dynamic) continue;  // listeners list them
    (p.dynamic ? dynamic_ports : static_ports).push_back(PortItem(p));
  }
  for (const std::string& i : s.interfaces) interfaces.push_back(H(i));
  for (const IpAddress& c : s.clients) clients.push_back(fmt::format("<code>{}</code>", H(c.ToString())));
  std::string badges = fmt::format("<span class=\"badge\">{}</span><span class=\"badge\">{}</span>",
                                   H(plan::RoleName(s.role)), H(plan::PlatformName(s.platform)));
  if (s.problematic_flows > 0) {
    badges += fmt::format("<span class=\"badge bad\">{} problematic flow(s)</span>", s.problematic_flows);
  }
  std::string addresses = s.addresses.empty()
                              ? std::string("<span class=\"none\">unknown</span>")
                              : H(fmt::format("{}", fmt::join(s.addresses, ", ")));
  return fmt::format(
      "<article class=\"card{}\" id=\"server-{}\">\n<h3>{}</h3>\n<p class=\"badges\">{}</p>\n"
      "<dl class=\"facts\">\n<dt>Addresses</dt><dd>{}</dd>\n"
      "<dt>Listeners</dt><dd>{}</dd>\n<dt>Static ports in use</dt><dd>{}</dd>\n"
      "<dt>Dynamic ports</dt><dd>{}</dd>\n<dt>RPC interfaces</dt><dd>{}</dd>\n"
      "<dt>Clients ({})</dt><dd>{}</dd>\n<dt>Peak RPC connections</dt><dd>{}</dd>\n"
      "<dt>The plan proposes</dt><dd>{}</dd>\n</dl>\n</article>\n",
      s.problematic_flows > 0 ? " problematic" : "", index, H(s.name), badges, addresses,
      List(listeners, s.has_inventory ? "none" : "no inventory"), List(static_ports),
      List(dynamic_ports), List(interfaces), s.clients.size(), List(clients), s.peak_rpc,
      PlanItems(s));
}

// A server outside the network in one line: "9.9.9.9  udp/53 DNS, 2 client(s)".
std::string OutsideItem(const ServerView& s) {
  constexpr size_t kPortsNamed = 8;
  std::vector<std::string> ports;
  for (const PortView& p : s.ports) {
    if (ports.size() == kPortsNamed) {
      ports.push_back(fmt::format("+{} more", s.ports.size() - kPortsNamed));
      break;
    }
    std::string port = fmt::format("{}/{}", ProtoName(p.proto), p.port);
    if (!p.what.empty()) port += " " + p.what;
    ports.push_back(std::move(port));
  }
  return fmt::format("<code>{}</code> <span class=\"muted\">{}; {} client(s)</span>", H(s.name),
                     H(fmt::format("{}", fmt::join(ports, ", "))), s.clients.size());
}

}  // namespace

std::string H(std::string_view text) { return EscapeHtml(text); }

std::string AddressKey(const IpAddress& address) {
  std::string key = address.is_v4() ? "4" : "6";
  size_t length = address.is_v4() ? 4 : 16;
  for (size_t i = 0; i < length; ++i) key += fmt::format("{:02x}", address.bytes()[i]);
  return key;
}

std::string SummarySection(const ReportData& d) {
  size_t problematic = 0;
  for (const FlowEntry& e : d.flows) problematic += e.flow_class == FlowClass::kProblematic;
  const plan::Plan* plan = d.input.plan;
  std::string ranges = "<span class=\"none\">none</span>";
  if (plan && !plan->ranges.empty()) {
    std::vector<std::string> parts;
    for (const plan::RpcRangeProposal& r : plan->ranges) {
      parts.push_back(fmt::format("{} <span class=\"muted\">({})</span>", H(r.range.ToString()),
                                  H(r.group)));
    }
    ranges = fmt::format("{}", fmt::join(parts, "<br>"));
  }
  std::string out = "<section id=\"summary\">\n<h2>Summary</h2>\n<dl class=\"tiles\">\n";
  const size_t outside = static_cast<size_t>(
      std::count_if(d.servers.begin(), d.servers.end(), [](const ServerView& s) { return s.outside; }));
  out += Tile("Servers", outside == 0 ? std::to_string(d.servers.size())
                                      : fmt::format("{} <span class=\"muted\">(+{} outside)</span>",
                                                    d.servers.size() - outside, outside));
  out += Tile("Flows", std::to_string(d.flows.size()));
  out += Tile("Problematic flows", std::to_string(problematic), problematic > 0 ? "bad" : "good");
  out += Tile("Proposed RPC range(s)", ranges);
  if (plan) {
    const plan::FirewallPlan& f = plan->firewall;
    out += Tile("Pinned ports", std::to_string(plan->pins.size()));
    out += Tile("Services to stop", std::to_string(plan->minimise.size()));
    out += Tile("Firewall rules", std::to_string(f.rules.size()));
    out += Tile("Coverage", fmt::format("{:.0f}% <span class=\"muted\">({} of {} flows)</span>",
                                        f.coverage * 100, f.covered_flows, f.allowed_flows),
                f.coverage < 1 ? "warn" : "good");
  } else {
    out += Tile("Plan", "<span class=\"none\">none</span>");
  }
  out += Tile("Skipped input", fmt::format("{} record(s)", d.input.counts.skipped),
              d.input.counts.skipped > 0 ? "warn" : "");
  out += "</dl>\n";
  if (problematic > 0) {
    out += fmt::format(
        "<p class=\"lead\">{} flow(s) reach a server's <em>dynamic</em> port: a firewall can only "
        "allow them with an “any high port” rule. The plan pins or confines those ports so that "
        "the rules below can be narrow.</p>\n",
        problematic);
  }
  return out + "</section>\n";
}

std::string ServerCardsSection(const ReportData& d) {
  std::string out = "<section id=\"servers\">\n<h2>Servers</h2>\n";
  if (d.servers.empty()) out += "<p class=\"none\">No server in the evidence.</p>\n";
  out += "<div class=\"cards\">\n";
  std::vector<std::string> outside;
  for (size_t i = 0; i < d.servers.size(); ++i) {
    if (d.servers[i].outside) {
      outside.push_back(OutsideItem(d.servers[i]));
    } else {
      out += Card(d.servers[i], i);
    }
  }
  out += "</div>\n";
  if (!outside.empty()) {
    // The plan's egress: one line each, not a card that reads like a server
    // to fence.
    out += fmt::format(
        "<h3 id=\"servers-outside\">Outside the network ({})</h3>\n<p class=\"muted\">Servers "
        "beyond the network that its hosts reach (egress). The plan writes no rule for them and "
        "fences nothing there; if one is yours, name its network with "
        "<code>--internal CIDR</code>.</p>\n{}\n",
        outside.size(), List(outside));
  }
  return out + "</section>\n";
}

std::string MapSection(const MapSvg& map) {
  std::string out =
      "<section id=\"map-section\">\n<h2>Map</h2>\n"
      "<p class=\"legend\"><span class=\"key server\">server</span> <span class=\"key port\">static "
      "port</span> <span class=\"key dynamic\">dynamic port</span> <span class=\"key "
      "problematic\">problematic</span> <span class=\"key clients\">client group</span> — client "
      "groups are /24 (IPv6: /64) blocks; an edge's width grows with its connections.</p>\n";
  std::vector<std::string> folded;
  if (map.hidden_servers) folded.push_back(fmt::format("{} server(s)", map.hidden_servers));
  if (map.hidden_ports) folded.push_back(fmt::format("{} port(s)", map.hidden_ports));
  if (map.hidden_groups) folded.push_back(fmt::format("{} client group(s)", map.hidden_groups));
  if (!folded.empty()) {
    out += fmt::format("<p class=\"muted\">Folded into “+N more” nodes: {}.</p>\n",
                       fmt::join(folded, ", "));
  }
  if (map.hidden_edges) {
    out += fmt::format("<p class=\"muted\">{} lighter edge(s) are not drawn.</p>\n", map.hidden_edges);
  }
  return out + "<figure id=\"map\" class=\"map\">\n" + map.svg + "\n</figure>\n</section>\n";
}

std::string NoMapSection(const std::string& reason) {
  return fmt::format(
      "<section id=\"map-section\">\n<h2>Map</h2>\n<p class=\"warning\" id=\"map\">The map of "
      "servers, ports and client groups could not be drawn: {}. Every other part of this report "
      "is complete.</p>\n</section>\n",
      H(reason));
}

}  // namespace highport::report
