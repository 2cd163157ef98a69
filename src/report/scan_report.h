// `highport scan` and `highport verify` output. Scan: per host, the open
// ports with the catalog's name and port class, and how many were closed or
// filtered (table); JSON with the closed and filtered ports as ranges; CSV
// with one row per probed port. Verify: per host, the checks that ran and
// every difference. docs/verify.md describes both.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "model/port_class.h"
#include "nlohmann/json.hpp"
#include "plan/verify.h"

namespace highport::report {

// One port of a scan; `state` is "open", "closed", "filtered" or "error".
struct ScannedPort {
  uint16_t port = 0;
  std::string state;
  std::string why;  // "connected", "refused", "timeout", "host unreachable", ...
};

struct ScanHostReport {
  std::string host;
  std::string address;
  std::string source_address;
  std::string error;  // the host was not scanned at all
  PortRange dynamic_range = kWindowsDynamicRange;
  std::vector<ScannedPort> ports;  // sorted by port
  double elapsed_ms = 0;
};

std::string ScanTable(const std::vector<ScanHostReport>& hosts, const catalog::Catalog& catalog);
nlohmann::ordered_json ScanJson(const std::vector<ScanHostReport>& hosts, const catalog::Catalog& catalog);
std::string ScanCsv(const std::vector<ScanHostReport>& hosts, const catalog::Catalog& catalog);

// "1-134, 136-592": sorted ports as ranges.
std::vector<std::string> PortRanges(const std::vector<uint16_t>& sorted_ports);

// A verified host with what the scan and the endpoint mapper said.
struct VerifyHostReport {
  std::string argument;  // as the user named it
  plan::HostVerification result;
  size_t probed = 0;
  size_t open = 0;
  std::string epm_status;  // "ok", "refused", ..., or "not asked"
  std::string epm_detail;
  size_t epm_entries = 0;
};

std::string VerifyTable(const std::vector<VerifyHostReport>& hosts);
nlohmann::ordered_json VerifyJson(const std::vector<VerifyHostReport>& hosts);

}  // namespace highport::report
