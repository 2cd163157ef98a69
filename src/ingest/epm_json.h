#pragma once

#include "ingest/socket_inventory.h"
#include "text/document.h"

namespace highport::ingest {

// How much the document looks like `highport epm --format json` output, 0 (not
// at all) to 100: an array whose first object has "host" and "interfaces" or
// "tcp_ports". Looks at the start of the document only.
int ProbeEpmJson(const text::TextDocument& doc);

// Adds one RpcRegistration per binding of every host whose status is "ok";
// reports each value it cannot use as file:line: /json/pointer: reason.
void ReadEpmJson(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diagnostics);

}  // namespace highport::ingest
