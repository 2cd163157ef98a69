// Floors 3 and up of a tower <-> the protocol sequence and its address
// (tower.h). The table of sequences is in tower_protseq.cc.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "rpc/epm_types.h"
#include "rpc/tower.h"

namespace highport::rpc {

// `floors` starts at floor 3. Fills protocol, address, port, endpoint and
// unknown_floors; adds a note for each floor it cannot read.
void DecodeProtocolFloors(std::span<const TowerFloor> floors, Binding& binding,
                          std::vector<std::string>& notes);
std::vector<TowerFloor> EncodeProtocolFloors(const Binding& binding);

}  // namespace highport::rpc
