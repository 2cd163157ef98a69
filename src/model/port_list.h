// A list of ports as users type it: "135,445,5000-5100". Shared by `scan`,
// `verify` (-p) and anything else that takes several ports at once.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "model/port_class.h"
#include "model/result.h"

namespace highport {

// Items separated by commas, each a port 1-65535 or START-END; spaces around
// items are allowed. The error names the bad item and its position:
// "item 3 '5100-5000' is not a port (1-65535) or START-END range".
Result<std::vector<PortRange>> ParsePortList(std::string_view text);

// Every port of `ranges`, sorted, each once.
std::vector<uint16_t> ExpandPorts(const std::vector<PortRange>& ranges);

}  // namespace highport
