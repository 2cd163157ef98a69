// A small network for the HTML report's tests: two servers (one named with
// markup, as a hostile log could name it), three clients, one of them in a
// block of its own, dynamic and static ports, one problematic flow per
// client, and a listener owned by a process with markup in its name.
#pragma once

#include <vector>

#include "analysis/flow_table.h"
#include "ingest/socket_inventory.h"

namespace highport::report::testing {

// How often `what` occurs in `text` (overlaps counted): nodes, rows, tags.
inline size_t Count(std::string_view text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

inline const char* kHostileHost = "dc<script>alert(1)</script>\"'";
inline const char* kHostileProcess = "<script>evil</script>.exe";

inline analysis::FlowEntry Flow(std::string_view client, std::string_view server, uint16_t port,
                                bool dynamic, uint64_t connections,
                                std::vector<std::string> interfaces = {}) {
  analysis::FlowEntry e;
  e.key = {*IpAddress::Parse(client), *IpAddress::Parse(server), Proto::kTcp, port};
  e.connections = connections;
  e.dynamic = dynamic;
  e.flow_class = dynamic ? analysis::FlowClass::kProblematic : analysis::FlowClass::kFine;
  e.interfaces = std::move(interfaces);
  e.first_us = 1'700'000'000'000'000;
  e.last_us = 1'700'000'100'000'000;
  e.rule = analysis::ServerRule::kListener;
  e.evidence = {{"evidence/<b>pfirewall.log", 12, 0, 0}};
  return e;
}

struct Network {
  std::vector<ingest::SocketInventory> inventories;
  std::vector<analysis::FlowEntry> flows;
  std::map<IpAddress, uint64_t> peaks;
};

inline Network SmallNetwork() {
  Network n;
  ingest::SocketInventory dc;
  dc.host = kHostileHost;
  Socket listener;
  listener.local = {*IpAddress::Parse("10.0.0.10"), Proto::kTcp, 49668};
  listener.state = SocketState::kListen;
  listener.pid = 700;
  listener.process = kHostileProcess;
  listener.services = {"NTDS"};
  listener.source = {"dc01/netstat.txt", 7};
  dc.sockets.push_back(listener);
  Socket epmap = listener;
  epmap.local.port = 135;
  epmap.process = "svchost.exe";
  epmap.services = {"RpcSs"};
  dc.sockets.push_back(epmap);
  n.inventories.push_back(dc);
  // Problematic first, as FlowTable::Finish() orders them.
  n.flows = {
      Flow("10.0.1.21", "10.0.0.10", 49668, true, 30, {"drsuapi"}),
      Flow("10.0.1.22", "10.0.0.10", 49668, true, 5, {"drsuapi"}),
      Flow("10.0.2.7", "10.0.0.20", 50123, true, 2),
      Flow("10.0.1.21", "10.0.0.10", 135, false, 40),
      Flow("10.0.1.22", "10.0.0.20", 445, false, 12),
  };
  n.flows[3].service = "RPC endpoint mapper";
  n.flows[4].service = "SMB";
  n.peaks = {{*IpAddress::Parse("10.0.0.10"), 7}};
  return n;
}

}  // namespace highport::report::testing
