// The Linux live source: the kernel's socket tables under /proc/net and the
// owners found through /proc/[pid]/fd. The root is a parameter so that tests
// can point it at a fixture tree.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ingest/live_source.h"
#include "model/diagnostics.h"
#include "model/ip_address.h"
#include "model/records.h"
#include "model/result.h"

namespace highport::ingest {

// One row of /proc/net/tcp, tcp6, udp or udp6, and the inode that ties it
// to the file descriptors of its owners (0: no owner, e.g. TIME_WAIT).
struct ProcNetRow {
  Socket socket;
  uint64_t inode = 0;
};

// Parses one data row, "0: 0100007F:0277 00000000:0000 0A 00000000:00000000
// 00:00000000 00000000 0 0 17455 1 ...". The error names the field that is wrong.
Result<ProcNetRow> ParseProcNetRow(std::string_view line, Proto proto, IpAddress::Family family);

// Every row of one table's text; `file` names it in sources and findings.
// The title row is passed over; a malformed row is reported and skipped.
std::vector<ProcNetRow> ReadProcNetTable(const std::string& file, std::string_view text,
                                         Proto proto, IpAddress::Family family,
                                         Diagnostics& diagnostics);

class ProcNetSource final : public LiveSource {
 public:
  explicit ProcNetSource(std::string proc_root = "/proc");

  std::string_view name() const override { return "/proc"; }
  Result<SocketInventory> Read(Diagnostics& diagnostics) override;

 private:
  std::string root_;
};

}  // namespace highport::ingest
