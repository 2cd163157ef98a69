#include <cstdlib>

#include "fuzz_reader.h"
#include "ingest/tasklist.h"
#include "text/strings.h"

namespace {

// ReadTasklist, plus the checks RunReader cannot make: tasklist gives
// processes, not sockets, and each must cite a line of the document and hold
// only trimmed, non-empty service names.
void ReadAndCheckProcesses(const highport::text::TextDocument& doc,
                           highport::ingest::SocketInventory& out,
                           highport::Diagnostics& diagnostics) {
  highport::ingest::ReadTasklist(doc, out, diagnostics);
  for (const highport::ProcessInfo& p : out.processes) {
    if (p.source.line == 0 || p.source.line > doc.lines.size()) std::abort();
    for (const std::string& service : p.services) {
      if (service.empty() || highport::text::Trim(service).size() != service.size()) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  highport::fuzz::RunReader(data, size, ReadAndCheckProcesses);
  return 0;
}
