#include <cstdlib>

#include "fuzz_reader.h"
#include "ingest/rpcdump.h"

namespace {

bool IsLowerUuid(const std::string& u) {
  if (u.size() != 36) return false;
  for (size_t i = 0; i < u.size(); ++i) {
    char c = u[i];
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  highport::text::TextDocument doc = highport::text::MakeDocument("fuzz.txt", bytes);
  highport::ingest::ProbeRpcdump(doc);
  highport::fuzz::RunReader(data, size, highport::ingest::ReadRpcdump);

  // What RunReader cannot see: the registrations themselves.
  highport::ingest::SocketInventory out;
  highport::Diagnostics diagnostics;
  highport::ingest::ReadRpcdump(doc, out, diagnostics);
  if (out.lines_read != out.rpc_registrations.size()) std::abort();
  for (const highport::RpcRegistration& r : out.rpc_registrations) {
    if (r.source.line == 0 || r.source.line > doc.lines.size()) std::abort();
    if (!IsLowerUuid(r.uuid)) std::abort();
    // Every binding is a whole line of the input, as written.
    if (r.binding.empty() || doc.lines[r.source.line - 1].find(r.binding) == std::string::npos) {
      std::abort();
    }
    if (r.binding.compare(0, r.protocol.size() + 1, r.protocol + ":") != 0) std::abort();
  }
  return 0;
}
