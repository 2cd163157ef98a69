// PLACEHOLDER: being written; replaced before this lands.
#include "ingest/ss.h"

namespace highport::ingest {

int ProbeSs(const text::TextDocument&) { return 0; }
void ReadSs(const text::TextDocument&, SocketInventory&, Diagnostics&) {}

}  // namespace highport::ingest
