// What the evidence says about each host a plan is about: its sockets and
// processes (socket inventories), its endpoint-mapper registrations, its
// addresses, the traffic to it and the most concurrent RPC connections it
// held. The range, pin and minimisation planners read these facts.
//
// Which inventories belong to one host: an input that names its host (rpcdump,
// `--host` at ingest) is that host; the others are grouped by the folder they
// came from (evidence/dc01/netstat-ano.txt and evidence/dc01/tasklist-svc.txt
// describe dc01, the layout of examples/), and the folder's name is the host's
// name unless an input of it says otherwise. Traffic and registrations join a
// host by address; a server seen only in traffic is a host of its own, named
// by its address.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "analysis/flow_table.h"
#include "catalog/catalog.h"
#include "ingest/socket_inventory.h"
#include "plan/plan.h"

namespace highport::plan {

struct HostFacts {
  HostEntry entry;
  std::set<IpAddress> addresses;
  bool has_inventory = false;
  std::vector<Socket> listeners;                 // TCP LISTEN and bound UDP, loopback excluded
  std::map<uint32_t, ProcessInfo> processes;     // by pid
  std::vector<RpcRegistration> registrations;    // ncacn_ip_tcp ones with a port
  std::vector<const analysis::FlowEntry*> flows; // where this host is the server
  uint64_t peak_rpc = 0;                         // concurrent RPC dynamic connections, at most
  std::optional<PortRange> tcp_dynamic_range;    // from netsh / ip_local_port_range

  // The services that own a listener: its own, else tasklist's for its pid.
  std::vector<std::string> ServicesOf(const Socket& listener) const;
  // TCP ports the RPC runtime placed interfaces on (registrations, captured
  // endpoint-mapper answers), with the interface names.
  std::map<uint16_t, std::set<std::string>> rpc_ports;
  std::map<uint16_t, SourceRef> rpc_port_sources;  // where each port was first seen registered
  // (protocol, port) a service moved from or to between two moments of the
  // host (analysis/moved_ports.h): dynamic wherever they lie.
  std::set<std::pair<Proto, uint16_t>> moved_ports;
  // Listeners a firewall log's pid column names (analysis/server_pids.h),
  // joined with a process list of the log's folder: the services behind
  // dynamic ports that no socket list caught open. For the pins only: a
  // log's weeks are no snapshot of what listens now.
  std::vector<Socket> log_listeners;
};

struct HostFactsInput {
  const std::vector<ingest::SocketInventory>* inventories = nullptr;
  const std::vector<analysis::FlowEntry>* flows = nullptr;
  const std::map<IpAddress, uint64_t>* peaks = nullptr;
  const std::map<std::pair<IpAddress, uint16_t>, std::vector<std::string>>* rpc_ports = nullptr;
  const catalog::Catalog* catalog = nullptr;
  const std::vector<analysis::ServerPid>* server_pids = nullptr;  // may be null: none
};

// Every host the evidence knows as a server, in a stable order (inventories
// first, in input order, then traffic-only servers by address).
std::vector<HostFacts> GatherHostFacts(const HostFactsInput& input);

}  // namespace highport::plan
