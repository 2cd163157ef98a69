// `highport inventory` output: a table for people in a hurry, JSON and CSV
// for scripts. The JSON shape is documented in docs/inventory.md.
#pragma once

#include <string>

#include "analysis/inventory.h"
#include "model/diagnostics.h"
#include "nlohmann/json.hpp"

namespace highport::report {

std::string InventoryTable(const analysis::HostInventory& inventory, const Diagnostics& diagnostics);
nlohmann::json InventoryJson(const analysis::HostInventory& inventory,
                             const Diagnostics& diagnostics);
std::string InventoryCsv(const analysis::HostInventory& inventory);

}  // namespace highport::report
