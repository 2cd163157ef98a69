#pragma once

#include "ingest/socket_inventory.h"
#include "text/document.h"

namespace highport::ingest {

// How much the document looks like impacket rpcdump.py output, 0 (not at all) to 100.
int ProbeRpcdump(const text::TextDocument& doc);

// Adds one RpcRegistration per binding line; reports each skipped line as
// file:line: reason.
void ReadRpcdump(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diagnostics);

}  // namespace highport::ingest
