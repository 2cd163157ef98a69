// What the socket-inventory readers produce: the sockets a file lists and the
// processes it names. One per input file; `inventory` joins them per host.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/records.h"
#include "text/document.h"

namespace highport::ingest {

struct SocketInventory {
  std::string host;  // when the input names it; else empty
  // The file it was read from, as named ("<stdin>"; empty for a live host):
  // its folder tells which host a file without sockets (a netsh range, a
  // process list) belongs to.
  std::string file;
  std::vector<Socket> sockets;
  std::vector<ProcessInfo> processes;
  // What an endpoint mapper said (rpcdump output): which RPC interface sits on which port.
  std::vector<RpcRegistration> rpc_registrations;
  // The host's TCP dynamic (ephemeral) range, when the input states it
  // (netsh int ipv4 show dynamicport tcp, /proc/sys/net/ipv4/ip_local_port_range).
  std::optional<PortRange> tcp_dynamic_range;
  size_t lines_read = 0;  // rows that became records
};

// Every reader has this shape: it reads the whole document, adds what it can
// read to `out`, and reports each line it skips to `diagnostics`.
using InventoryReader = void (*)(const text::TextDocument& doc, SocketInventory& out,
                                 Diagnostics& diagnostics);

}  // namespace highport::ingest
