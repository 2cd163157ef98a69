// The catalog's TSV sources, compiled in by cmake/EmbedTsv.cmake from data/.
#pragma once

#include <string_view>

namespace highport::catalog {

extern const std::string_view k_ports_tsv;
extern const std::string_view k_rpc_interfaces_tsv;
extern const std::string_view k_windows_services_tsv;

}  // namespace highport::catalog
