// Feeds bytes to the /proc/net table reader as tcp (IPv4), tcp6 and udp, and
// checks that every row it keeps has the table's family and a real line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/proc_net_source.h"

namespace {

using highport::Diagnostics;
using highport::IpAddress;
using highport::Proto;

void Check(std::string_view text, Proto proto, IpAddress::Family family) {
  Diagnostics diagnostics;
  std::vector<highport::ingest::ProcNetRow> rows =
      highport::ingest::ReadProcNetTable("/proc/net/fuzz", text, proto, family, diagnostics);
  size_t lines = 1;
  for (char c : text) lines += c == '\n';
  for (const highport::ingest::ProcNetRow& row : rows) {
    if (row.socket.local.address.family() != family) std::abort();
    if (row.socket.local.proto != proto) std::abort();
    if (row.socket.source.line == 0 || row.socket.source.line > lines) std::abort();
    if (row.socket.state == highport::SocketState::kListen && row.socket.remote) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Check(text, Proto::kTcp, IpAddress::Family::kV4);
  Check(text, Proto::kTcp, IpAddress::Family::kV6);
  Check(text, Proto::kUdp, IpAddress::Family::kV4);
  return 0;
}
