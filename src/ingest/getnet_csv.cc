// PLACEHOLDER: being written; replaced before this lands.
#include "ingest/getnet_csv.h"

namespace highport::ingest {

int ProbeGetNetCsv(const text::TextDocument&) { return 0; }
void ReadGetNetCsv(const text::TextDocument&, SocketInventory&, Diagnostics&) {}

}  // namespace highport::ingest
