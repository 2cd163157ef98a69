// The inventory of one host: every listener with its owner, its port class
// and a verdict that says what it is and what can be done about it. This is
// the second seed's question, answered from any mix of socket inventories
// (netstat, ss, Get-NetTCPConnection, /proc) and process lists (tasklist).
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "ingest/socket_inventory.h"
#include "model/records.h"

namespace highport::analysis {

// How urgent a verdict is: kOk needs nothing, kReview is worth a look,
// kAct is exposure that can be removed (a dynamic RPC port, a service that
// the network does not need). `inventory` exits 1 when any verdict is kAct.
enum class Severity : uint8_t { kOk, kReview, kAct };
std::string_view SeverityName(Severity severity);

struct Verdict {
  std::string id;       // stable: "epmap", "rpc-dynamic-pinnable", "dynamic-unknown", ...
  Severity severity = Severity::kOk;
  std::string summary;  // what it is, for the table
  std::string action;   // what to do, one or two sentences
};

struct InventoryEntry {
  Listener listener;  // with process and services joined in
  PortClass port_class = PortClass::kWellKnown;
  bool dynamic = false;  // allocated from the host's dynamic range, not a fixed service port
  // Its owner was seen on another port at another moment (two inventories of
  // the host in folders of their own: moved_ports.h), and the catalog knows
  // no service on it: a port taken at each start, wherever it lies.
  bool moved = false;
  const catalog::PortEntry* port_entry = nullptr;        // the catalog's service on this port
  const catalog::ServiceEntry* service_entry = nullptr;  // the catalog's owning service
  // RPC interfaces an endpoint mapper placed on this TCP port (rpcdump input), by name.
  std::vector<std::string> rpc_interfaces;
  Verdict verdict;
};

struct HostInventory {
  Host host;
  std::vector<InventoryEntry> entries;  // sorted: TCP before UDP, then by port and address
  size_t duplicates = 0;                // the same socket given by more than one input
};

// Joins the sockets of all inputs with the process lists (pid -> image and
// services; a folder's own list first, since a folder is one moment of the
// host and a pid names another process after a restart) and the
// endpoint-mapper registrations (port -> RPC interfaces), keeps the
// listeners, drops duplicates and judges each one.
HostInventory BuildInventory(const std::vector<ingest::SocketInventory>& inputs, Host host,
                             const catalog::Catalog& catalog);

}  // namespace highport::analysis
