#include "report/report_map.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include "fmt/format.h"
#include "report/graphviz_library.h"
#include "report/html_escape.h"

namespace highport::report {
namespace {

// The map as plain data first: what to draw is decided (and bounded) here,
// and Graphviz only places it.
struct Node {
  std::string name;   // Graphviz's node name, also its SVG id: "s0", "s0p3", "g2"
  std::string label;  // untrusted text, escaped when set
  std::string cls;    // SVG classes: "server", "port dynamic problematic", "clients", "more"
  std::string tooltip;
  int cluster = -1;   // shown server index, or -1
};

struct Edge {
  size_t from = 0, to = 0;
  uint64_t connections = 0;
  uint64_t clients = 0;
  bool problematic = false;
  bool own = false;  // port -> its server: structure, not traffic
};

struct Group {
  std::string label;
  std::set<IpAddress> clients;
  uint64_t connections = 0;
  bool problematic = false;
  size_t node = 0;
};

std::string Shorten(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t cut = max;
  while (cut > 0 && (static_cast<uint8_t>(text[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
  return std::string(text.substr(0, cut)) + "\xE2\x80\xA6";
}

std::string PortLabel(const PortView& p) {
  std::string label = fmt::format("{}/{}", ProtoName(p.proto), p.port);
  if (!p.what.empty()) label += "\n" + Shorten(p.what, 32);
  return label;
}

std::string PortClasses(const PortView& p) {
  std::string cls = "port";
  if (p.dynamic) cls += " dynamic";
  if (p.problematic) cls += " problematic";
  if (p.clients.empty()) cls += " idle";
  return cls;
}

// Fill and line colours for SVG viewers without the page's stylesheet; the
// page's CSS overrides them per class (and for the dark theme).
struct Colours {
  const char* fill;
  const char* line;
};
Colours ColoursOf(std::string_view cls) {
  if (cls.find("problematic") != std::string_view::npos) return {"#fde2e1", "#c62828"};
  if (cls.find("dynamic") != std::string_view::npos) return {"#fff1d6", "#b26a00"};
  if (cls.starts_with("server")) return {"#dce8f7", "#1f4e8c"};
  if (cls.starts_with("clients")) return {"#eef0f2", "#5f6b76"};
  if (cls.starts_with("more")) return {"#ffffff", "#8a949e"};
  return {"#ffffff", "#5f6b76"};
}

// Graphviz reports through a callback instead of stderr: nothing below cli prints.
std::string* g_errors = nullptr;
int CollectError(char* message) {
  if (g_errors) *g_errors += message;
  return 0;
}

class Builder {
 public:
  Builder(std::span<const ServerView> servers, const MapLimits& limits)
      : servers_(servers), limits_(limits) {}

  void Build(MapSvg& out) {
    size_t shown = std::min(servers_.size(), limits_.max_servers);
    for (size_t i = 0; i < shown; ++i) AddServer(i);
    size_t more_servers = SIZE_MAX;
    if (shown < servers_.size()) {
      out.hidden_servers = servers_.size() - shown;
      more_servers = AddNode({"moreservers",
                              fmt::format("+{} more servers", out.hidden_servers), "more", "", -1});
    }
    if (servers_.empty()) AddNode({"none", "no servers in the evidence", "more", "", -1});
    for (size_t i = 0; i < servers_.size(); ++i) {
      for (size_t j = 0; j < servers_[i].ports.size(); ++j) {
        size_t target = i < shown ? port_node_[{i, j}] : more_servers;
        for (const auto& [client, use] : servers_[i].ports[j].clients) {
          AddUse(client, i, target, use);
        }
      }
    }
    out.hidden_ports = hidden_ports_;
    FoldGroups(out);
    BoundEdges(out);
    out.nodes = nodes_.size();
    out.edges = edges_.size();
  }

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Edge>& edges() const { return edges_; }
  size_t clusters() const { return std::min(servers_.size(), limits_.max_servers); }
  const ServerView& server(size_t i) const { return servers_[i]; }

 private:
  size_t AddNode(Node node) {
    nodes_.push_back(std::move(node));
    return nodes_.size() - 1;
  }

  void AddServer(size_t i) {
    const ServerView& s = servers_[i];
    std::string label = s.name;
    if (!s.addresses.empty() && s.addresses.front() != s.name) label += "\n" + s.addresses.front();
    label += fmt::format("\n{}, {}", plan::RoleName(s.role), plan::PlatformName(s.platform));
    size_t header = AddNode({fmt::format("s{}", i), label, "server",
                             fmt::format("{}: {} flow(s), {} problematic", s.name, s.flows,
                                         s.problematic_flows),
                             static_cast<int>(i)});
    for (const IpAddress& a : s.address_set) server_of_.emplace(a, header);
    size_t ports = std::min(s.ports.size(), limits_.max_ports_per_server);
    for (size_t j = 0; j < ports; ++j) {
      const PortView& p = s.ports[j];
      size_t n = AddNode({fmt::format("s{}p{}", i, j), PortLabel(p), PortClasses(p),
                          fmt::format("{} {}/{}: {} client(s), {} connection(s)", s.name,
                                      ProtoName(p.proto), p.port, p.clients.size(), p.connections),
                          static_cast<int>(i)});
      port_node_[{i, j}] = n;
      edges_.push_back({n, header, 0, 0, false, true});
    }
    if (ports < s.ports.size()) {
      bool problematic = std::any_of(s.ports.begin() + ports, s.ports.end(),
                                     [](const PortView& p) { return p.problematic; });
      size_t n = AddNode({fmt::format("s{}more", i),
                          fmt::format("+{} more ports", s.ports.size() - ports),
                          problematic ? "more problematic" : "more", "", static_cast<int>(i)});
      for (size_t j = ports; j < s.ports.size(); ++j) port_node_[{i, j}] = n;
      hidden_ports_ += s.ports.size() - ports;
      edges_.push_back({n, header, 0, 0, false, true});
    }
  }

  void AddUse(const IpAddress& client, size_t server, size_t target, const PortClientUse& use) {
    // A client that is a shown server is drawn from that server's box.
    std::string key;
    if (auto it = server_of_.find(client); it != server_of_.end()) {
      key = "server:" + nodes_[it->second].name;
      if (nodes_[it->second].cluster == static_cast<int>(server)) return;  // a host talking to itself
    } else {
      key = ClientBlock(client);
    }
    Group& g = groups_[key];
    if (g.label.empty()) g.label = key;
    if (key.starts_with("server:")) g.node = server_of_.at(client);
    g.clients.insert(client);
    g.connections += use.connections;
    g.problematic = g.problematic || use.problematic;
    Edge& e = raw_edges_[{key, target}];
    e.to = target;
    e.connections += use.connections;
    e.clients += 1;
    e.problematic = e.problematic || use.problematic;
  }

  // Shows the busiest client groups (problematic ones first), folds the rest.
  void FoldGroups(MapSvg& out) {
    std::vector<std::pair<std::string, Group*>> blocks;
    for (auto& [key, g] : groups_) {
      if (!key.starts_with("server:")) blocks.emplace_back(key, &g);
    }
    std::stable_sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) {
      return std::tuple(!a.second->problematic, -static_cast<int64_t>(a.second->connections)) <
             std::tuple(!b.second->problematic, -static_cast<int64_t>(b.second->connections));
    });
    size_t more = SIZE_MAX;
    std::set<IpAddress> folded;
    for (size_t k = 0; k < blocks.size(); ++k) {
      Group& g = *blocks[k].second;
      if (k < limits_.max_client_groups) {
        std::string label = g.clients.size() == 1
                                ? g.clients.begin()->ToString()
                                : fmt::format("{}\n{} clients", g.label, g.clients.size());
        std::string tooltip;
        size_t listed = 0;
        for (const IpAddress& a : g.clients) {
          if (++listed > 12) {
            tooltip += fmt::format(" +{} more", g.clients.size() - 12);
            break;
          }
          tooltip += (tooltip.empty() ? "" : " ") + a.ToString();
        }
        g.node = AddNode({fmt::format("g{}", k), label,
                          g.problematic ? "clients problematic" : "clients", tooltip, -1});
      } else {
        if (more == SIZE_MAX) more = AddNode({"moreclients", "", "more", "", -1});
        g.node = more;
        folded.insert(g.clients.begin(), g.clients.end());
        ++out.hidden_groups;
      }
    }
    if (more != SIZE_MAX) {
      nodes_[more].label = fmt::format("+{} more client groups\n{} clients", out.hidden_groups,
                                       folded.size());
    }
    // Edges from the same drawn node to the same target merge.
    std::map<std::pair<size_t, size_t>, Edge> merged;
    for (const auto& [key, e] : raw_edges_) {
      size_t from = groups_.at(key.first).node;
      Edge& m = merged[{from, e.to}];
      m.from = from;
      m.to = e.to;
      m.connections += e.connections;
      m.clients += e.clients;
      m.problematic = m.problematic || e.problematic;
    }
    for (auto& [key, e] : merged) traffic_.push_back(e);
  }

  // Problematic edges first, then the heaviest; the rest are counted, not drawn.
  void BoundEdges(MapSvg& out) {
    std::stable_sort(traffic_.begin(), traffic_.end(), [](const Edge& a, const Edge& b) {
      return std::tuple(!a.problematic, -static_cast<int64_t>(a.connections)) <
             std::tuple(!b.problematic, -static_cast<int64_t>(b.connections));
    });
    if (traffic_.size() > limits_.max_edges) {
      out.hidden_edges = traffic_.size() - limits_.max_edges;
      traffic_.resize(limits_.max_edges);
    }
    edges_.insert(edges_.end(), traffic_.begin(), traffic_.end());
  }

  std::span<const ServerView> servers_;
  const MapLimits& limits_;
  std::vector<Node> nodes_;
  std::vector<Edge> edges_;    // drawn
  std::vector<Edge> traffic_;  // client group -> port, before bounding
  std::map<std::pair<size_t, size_t>, size_t> port_node_;  // (server, port index) -> node
  std::map<IpAddress, size_t> server_of_;                   // address -> server node
  std::map<std::string, Group> groups_;
  std::map<std::pair<std::string, size_t>, Edge> raw_edges_;  // (group key, target node)
  size_t hidden_ports_ = 0;
};

// Graphviz's SVG without the XML prologue, doctype and fixed size: the page
// sizes it with CSS.
std::string InlineSvg(std::string_view svg) {
  size_t start = svg.find("<svg");
  if (start == std::string_view::npos) return {};
  std::string out(svg.substr(start));
  for (const char* attribute : {"width=\"", "height=\""}) {
    size_t at = out.find(attribute);
    size_t tag_end = out.find('>');
    if (at == std::string::npos || at > tag_end) continue;
    size_t end = out.find('"', at + std::string_view(attribute).size());
    out.erase(at, end + 2 - at);  // the value's closing quote and the space or newline after it
  }
  out.replace(0, 4, "<svg role=\"img\" aria-label=\"map of servers, ports and client groups\"");
  return out;
}

}  // namespace

Result<MapSvg> RenderMapSvg(std::span<const ServerView> servers, const MapLimits& limits) {
  MapSvg out;
  Builder b(servers, limits);
  b.Build(out);

  const Result<GraphvizLibrary>& loaded = LoadGraphviz();
  if (!loaded) return loaded.error();
  const GraphvizLibrary& gv = *loaded;
  // An attribute of a graph, node or edge (declared with an empty default
  // where it is new).
  const auto Set = [&gv](void* object, const char* name, const std::string& value) {
    gv.safe_set(object, const_cast<char*>(name), const_cast<char*>(value.c_str()),
                const_cast<char*>(""));
  };

  static std::mutex graphviz;
  std::lock_guard lock(graphviz);
  std::string errors;
  g_errors = &errors;
  gv.set_error_level(AGERR);
  agusererrf previous = gv.set_error_function(CollectError);
  // One context for the process, made on first use and never freed: Graphviz
  // 2.42's pango plugin keeps a pointer to a font name that gvFreeContext
  // frees, and the next context's layout reads it (a heap-use-after-free that
  // ASan shows on the second report rendered in one process). It also loads
  // the plugins once instead of per map.
  static GVC_t* const gvc = gv.context();
  Agraph_t* g = gv.open(const_cast<char*>("map"), *gv.directed, nullptr);
  Set(g, "rankdir", "LR");
  Set(g, "bgcolor", "transparent");
  Set(g, "fontname", "DejaVu Sans");
  Set(g, "fontsize", "11");
  Set(g, "nodesep", "0.12");
  Set(g, "ranksep", "0.8");
  Set(g, "id", "mapgraph");
  std::vector<Agraph_t*> clusters;
  for (size_t i = 0; i < b.clusters(); ++i) {
    Agraph_t* c = gv.subgraph(g, const_cast<char*>(fmt::format("cluster_s{}", i).c_str()), 1);
    const ServerView& s = b.server(i);
    Set(c, "id", fmt::format("cluster_s{}", i));
    Set(c, "class", s.problematic_flows > 0 ? "server problematic" : "server");
    Set(c, "label", "");
    Set(c, "style", "rounded");
    Set(c, "color", s.problematic_flows > 0 ? "#c62828" : "#1f4e8c");
    clusters.push_back(c);
  }
  std::vector<Agnode_t*> nodes;
  for (const Node& n : b.nodes()) {
    Agraph_t* parent = n.cluster >= 0 ? clusters[n.cluster] : g;
    Agnode_t* node = gv.node(parent, const_cast<char*>(n.name.c_str()), 1);
    Colours colours = ColoursOf(n.cls);
    Set(node, "id", n.name);
    Set(node, "class", n.cls);
    Set(node, "label", EscapeGraphvizLabel(n.label));
    if (!n.tooltip.empty()) Set(node, "tooltip", EscapeGraphvizLabel(n.tooltip));
    Set(node, "shape", "box");
    Set(node, "style", n.cls.starts_with("more") ? "rounded,dashed" : "rounded,filled");
    Set(node, "fillcolor", colours.fill);
    Set(node, "color", colours.line);
    Set(node, "fontname", "DejaVu Sans");
    Set(node, "fontsize", n.cls.starts_with("server") ? "11" : "9");
    Set(node, "margin", "0.08,0.03");
    Set(node, "height", "0.3");
    nodes.push_back(node);
  }
  size_t k = 0;
  for (const Edge& e : b.edges()) {
    Agedge_t* edge = gv.edge(g, nodes[e.from], nodes[e.to], nullptr, 1);
    Set(edge, "id", fmt::format("e{}", k++));
    if (e.own) {
      Set(edge, "class", "own");
      Set(edge, "arrowhead", "none");
      Set(edge, "color", "#9aa5b1");
      continue;
    }
    Set(edge, "class", e.problematic ? "flow problematic" : "flow");
    Set(edge, "color", e.problematic ? "#c62828" : "#5f6b76");
    Set(edge, "penwidth",
        fmt::format("{:.1f}", std::min(4.0, 0.8 + std::log10(1.0 + e.connections))));
    Set(edge, "arrowsize", "0.6");
    Set(edge, "tooltip", fmt::format("{} client(s), {} connection(s){}", e.clients, e.connections,
                                     e.problematic ? ", problematic" : ""));
    // An edge from a server into another server's box should not push boxes apart.
    if (b.nodes()[e.from].cluster >= 0) Set(edge, "constraint", "false");
  }

  Result<MapSvg> result = out;
  if (gv.layout(gvc, g, "dot") != 0) {
    result = Error{fmt::format("graphviz layout failed: {}", errors)};
  } else {
    char* data = nullptr;
    unsigned int length = 0;
    if (gv.render_data(gvc, g, "svg", &data, &length) != 0 || data == nullptr) {
      result = Error{fmt::format("graphviz could not write SVG: {}", errors)};
    } else {
      result->svg = InlineSvg(std::string_view(data, length));
      gv.free_render_data(data);
      if (result->svg.empty()) result = Error{"graphviz wrote no <svg> element"};
    }
    gv.free_layout(gvc, g);
  }
  gv.close(g);
  gv.set_error_function(previous);
  g_errors = nullptr;
  return result;
}

}  // namespace highport::report
