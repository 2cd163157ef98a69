// `highport epm` output: per host, the interfaces with their bindings (read
// like rpcdump's listing, with the catalog's names), then the TCP ports and
// which of them are dynamic. JSON is an array with one object per host
// (docs/epm.md); CSV has one row per binding.
#pragma once

#include <string>
#include <vector>

#include "analysis/rpc_map.h"
#include "nlohmann/json.hpp"

namespace highport::report {

struct EpmHostReport {
  std::string host;         // as the user named it, or as the input file says
  uint16_t port = 135;      // 0 when read from a file
  std::string address;      // the address that answered, if different from host
  std::string status;       // "ok", "refused", "timeout", "error"
  std::string detail;       // why, when not ok
  std::vector<std::string> notes;
  uint32_t calls = 0;
  double elapsed_ms = 0;
  std::string source;       // "epm" for a live lookup, else the file it was read from
  analysis::RpcHostMap map;
};

std::string EpmTable(const std::vector<EpmHostReport>& hosts);
nlohmann::json EpmJson(const std::vector<EpmHostReport>& hosts);
std::string EpmCsv(const std::vector<EpmHostReport>& hosts);

}  // namespace highport::report
