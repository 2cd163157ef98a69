#pragma once

#include "ingest/socket_inventory.h"
#include "text/document.h"

namespace highport::ingest {

// How much the document looks like this format, 0 (not at all) to 100.
int ProbeSs(const text::TextDocument& doc);

// Reads every row it can; reports each skipped line as file:line: reason.
void ReadSs(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diagnostics);

}  // namespace highport::ingest
