#include <cstdlib>
#include <optional>
#include <string>

#include "fuzz_reader.h"
#include "ingest/epm_json.h"
#include "rpc/epm_types.h"

namespace {

// "e3514235-4b06-11d1-ab04-00c04fc2dcd2": the canonical text, lowercase.
bool IsCanonicalUuid(const std::string& u) {
  std::optional<highport::rpc::Uuid> parsed = highport::rpc::Uuid::Parse(u);
  return parsed && parsed->ToString() == u;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  highport::text::TextDocument doc = highport::text::MakeDocument("fuzz.json", bytes);
  highport::ingest::ProbeEpmJson(doc);
  highport::fuzz::RunReader(data, size, highport::ingest::ReadEpmJson);

  // What RunReader cannot see: the registrations themselves.
  highport::ingest::SocketInventory out;
  highport::Diagnostics diagnostics;
  highport::ingest::ReadEpmJson(doc, out, diagnostics);
  if (out.lines_read != out.rpc_registrations.size()) std::abort();
  for (const highport::RpcRegistration& r : out.rpc_registrations) {
    if (r.source.line == 0 || r.source.line > doc.lines.size()) std::abort();
    if (!IsCanonicalUuid(r.uuid) || r.protocol.empty()) std::abort();
    // Only the IP protocol sequences have an endpoint, and it is the address they show.
    if (r.endpoint) {
      bool ip = r.protocol == "ncacn_ip_tcp" || r.protocol == "ncacn_http" ||
                r.protocol == "ncadg_ip_udp";
      if (!ip || r.endpoint->address.ToString() != r.address_text) std::abort();
    }
  }
  return 0;
}
