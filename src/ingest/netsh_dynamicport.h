#pragma once

#include "ingest/socket_inventory.h"
#include "text/document.h"

namespace highport::ingest {

// `netsh int ipv4 show dynamicport tcp` (or ipv6, or udp), any language.
int ProbeNetshDynamicPort(const text::TextDocument& doc);

// Sets out.tcp_dynamic_range from a TCP listing; a UDP listing is noted and ignored.
void ReadNetshDynamicPort(const text::TextDocument& doc, SocketInventory& out,
                          Diagnostics& diagnostics);

}  // namespace highport::ingest
