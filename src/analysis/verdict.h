// The verdict for one listener, from the catalog and the owner.
#pragma once

#include "analysis/inventory.h"

namespace highport::analysis {

// Fills entry.verdict; needs port_class, dynamic, port_entry and service_entry set.
void JudgeListener(InventoryEntry& entry, const Host& host, const catalog::Catalog& catalog);

}  // namespace highport::analysis
