// What an endpoint mapper's listing means for one host: the registrations
// grouped by interface (UUID and version) with the catalog's knowledge of
// each, and the distinct TCP ports with the interfaces behind them. A port is
// "dynamic" when the RPC runtime chose it: any port an interface is registered
// on, except the endpoint mapper's own (135, 593). A pinned port looks the
// same as a dynamic one from outside; only a plan can tell them apart. A port
// that the catalog gives to another service (FileMaker's 5003 inside an RPC
// range, the first seed's example) is named, since it is a conflict.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "model/port_class.h"
#include "model/records.h"

namespace highport::analysis {

struct RpcInterfaceGroup {
  std::string uuid;
  uint16_t version_major = 0;
  uint16_t version_minor = 0;
  const catalog::RpcInterfaceEntry* known = nullptr;  // the catalog's row, if any
  std::vector<std::string> annotations;               // distinct, as the server wrote them
  std::vector<RpcRegistration> bindings;              // in listing order, duplicates removed

  std::string Name() const;  // the catalog's name, else the annotation, else "?"
};

struct RpcTcpPort {
  uint16_t port = 0;
  bool dynamic = false;           // chosen by the RPC runtime (see above)
  bool in_dynamic_range = false;  // inside the host's dynamic range: what a firewall must open wide
  bool http = false;              // ncacn_http (RPC over HTTP) rather than ncacn_ip_tcp
  const catalog::PortEntry* known_service = nullptr;  // what the catalog says lives on this port
  std::vector<std::string> interfaces;  // names, in the order first seen
};

struct RpcHostMap {
  std::string host;
  size_t entries = 0;  // registrations in the listing, duplicates included
  std::vector<RpcInterfaceGroup> interfaces;  // in the order first listed
  std::vector<RpcTcpPort> tcp_ports;          // by port
  PortRange dynamic_range = kWindowsDynamicRange;

  size_t DynamicPortsInRange() const;
};

RpcHostMap BuildRpcHostMap(std::string host, const std::vector<RpcRegistration>& registrations,
                           PortRange dynamic_range, const catalog::Catalog& catalog);

}  // namespace highport::analysis
