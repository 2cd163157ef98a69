// The HTML report (`highport report`, and `highport audit` writes it too):
// one self-contained page that tells an administrator where the network
// stands. At the top a summary (servers, flows, problematic flows, proposed
// RPC ranges, pins, rules, coverage, skipped input); a card per server (role,
// platform, listeners, static and dynamic ports, RPC interfaces, clients, and
// what the plan proposes for it); the map of servers, ports and client groups
// (Graphviz, inline SVG); port-class charts; the problematic flows (a table
// sortable by a click on a header and filterable by a text box); the plan's
// firewall rules with their coverage and the flows they would block; and what
// was read and skipped.
//
// Everything is inline (style, script, SVG): the page makes no request and
// opens from disk; a Content-Security-Policy of default-src 'none' holds it to
// that. Every text from the evidence is escaped (report/html_escape.h). The
// page reads well printed (no controls, cards whole, light colours) and has a
// dark theme (the system's preference, and a button that remembers nothing).
//
// Pure: a model in, the page's bytes out; the caller reads the evidence and
// writes the file. What it looks like and how to read it: docs/report.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "analysis/flow_table.h"
#include "catalog/catalog.h"
#include "ingest/socket_inventory.h"
#include "model/diagnostics.h"
#include "model/result.h"
#include "plan/plan.h"
#include "report/report_map.h"

namespace highport::report {

// How much evidence was read, for the summary and the inputs section.
struct InputCounts {
  uint64_t inputs = 0;   // files and database sources read
  uint64_t rows = 0;     // firewall-log rows
  uint64_t packets = 0;  // capture packets
  uint64_t stored = 0;   // observations read from the database
  uint64_t skipped = 0;  // rows or packets a reader could not read
  bool local_time = false;  // a firewall log wrote local time without a zone
};

// Every pointer may be null: that part is empty (an empty network still gives
// a valid page). Pointed-to data must outlive the call only.
struct HtmlReportInput {
  const std::vector<ingest::SocketInventory>* inventories = nullptr;
  const std::vector<analysis::FlowEntry>* flows = nullptr;  // FlowTable::Finish()
  const std::map<IpAddress, uint64_t>* peaks = nullptr;     // FlowTable::peak_rpc_concurrency()
  // FlowTable::rpc_ports(): interfaces captured endpoint-mapper answers placed.
  const std::map<std::pair<IpAddress, uint16_t>, std::vector<std::string>>* rpc_ports = nullptr;
  const plan::Plan* plan = nullptr;
  const Diagnostics* diagnostics = nullptr;  // the readers' findings; the first are listed
  InputCounts counts;
  std::string generated;  // "2026-12-05T12:00:00Z": when the report was made
  const catalog::Catalog* catalog = nullptr;  // null: catalog::Catalog::Get()
  MapLimits map;                // how much of the network the map draws
  size_t max_table_rows = 2000;  // per table; the rest is counted, not listed
  // Draws the map; unset: RenderMapSvg (tests give one that fails).
  std::function<Result<MapSvg>(std::span<const ServerView>, const MapLimits&)> draw_map;
};

struct HtmlReport {
  std::string page;  // UTF-8
  // Why the page has no map, or empty. Graphviz missing or failing costs
  // only the map: its section says why, and the rest of the page is whole.
  std::string map_error;
};

HtmlReport RenderHtmlReport(const HtmlReportInput& input);

}  // namespace highport::report
