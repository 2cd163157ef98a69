// PLACEHOLDER: being written; replaced before this lands.
#include "ingest/tasklist.h"

namespace highport::ingest {

int ProbeTasklist(const text::TextDocument&) { return 0; }
void ReadTasklist(const text::TextDocument&, SocketInventory&, Diagnostics&) {}

}  // namespace highport::ingest
