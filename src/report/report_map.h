// The report's map: servers (a box each, with their ports inside), and the
// client groups that use those ports, laid out by Graphviz (libgvc, "dot",
// left to right) and written as SVG to be inlined in the page. Clients are
// folded into /24 (IPv4) and /64 (IPv6) blocks, a client that is itself a
// server is drawn from that server; dynamic ports and problematic flows carry
// classes (and colours) of their own. The graph is bounded whatever the
// network's size: beyond the limits servers, ports and client groups are
// folded into "+N more" nodes and the lightest edges are left out, so that a
// large network still lays out in about a second.
//
// Graphviz keeps global state: calls are serialised by a lock inside.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "model/result.h"
#include "report/report_model.h"

namespace highport::report {

struct MapLimits {
  size_t max_servers = 16;
  size_t max_ports_per_server = 8;
  size_t max_client_groups = 24;
  size_t max_edges = 240;
};

struct MapSvg {
  std::string svg;  // "<svg ...>...</svg>", no XML prologue or doctype
  size_t nodes = 0;  // drawn, "+N more" ones included
  size_t edges = 0;
  size_t hidden_servers = 0;  // folded into "+N more" nodes
  size_t hidden_ports = 0;
  size_t hidden_groups = 0;
  size_t hidden_edges = 0;  // left out
};

// `servers` as BuildServerViews orders them (most problematic first). An
// empty list gives a map with one "no servers" node. Fails only when
// Graphviz does (the message is Graphviz's).
Result<MapSvg> RenderMapSvg(std::span<const ServerView> servers, const MapLimits& limits = {});

}  // namespace highport::report
