// What `scan` and `verify` share: the default ports, hosts from arguments,
// the scanner's options from the command line, progress on a terminal, and
// a scan result as the report wants it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "catalog/catalog.h"
#include "model/port_class.h"
#include "net/port_scanner.h"
#include "report/scan_report.h"

namespace highport::cli {

struct ScanFlags {
  double rate = 1000;     // new connections per second
  double timeout = 1.5;   // seconds per connection attempt
  size_t concurrency = 256;
  size_t max_probes = 1u << 20;
};
void AddScanFlags(CLI::App& app, ScanFlags& flags);
net::ScanOptions ToScanOptions(const ScanFlags& flags);

// 135, 593, every TCP port the catalog lists as a Windows core or role
// service (data/ports.tsv: windows-core, windows-role), and `dynamic`.
std::vector<uint16_t> DefaultScanPorts(const catalog::Catalog& catalog, PortRange dynamic);

// Progress for long scans when stderr is a terminal; nothing otherwise.
net::ScanProgress MakeScanProgress(std::string_view command, size_t probes);

report::ScanHostReport ToReport(const net::ScanHostResult& result, PortRange dynamic);

}  // namespace highport::cli
