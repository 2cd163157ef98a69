// The hosts a network command may talk to: exactly what the user named.
// "HOST", "HOST:PORT", "[v6]:PORT", "10.0.0.0/24" (every address of the block
// but the network and broadcast addresses of IPv4 blocks wider than /31),
// capped so that a slip of the keyboard ("/8") cannot start a sweep.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"

namespace highport::net {

struct Target {
  std::string host;  // an address literal or a name to resolve
  uint16_t port = 0;
  std::string ToString() const;  // "10.0.0.5:135", "[fe80::1]:135"
};

// Expands one argument. `default_port` applies where the argument names none.
// Fails with a message that names the argument; a block larger than
// `max_hosts` fails and says how many addresses it holds.
Result<std::vector<Target>> ParseTargets(std::string_view argument, uint16_t default_port,
                                         size_t max_hosts);

// A hosts file: one argument per line, '#' comments and blank lines allowed.
// Errors say "file:line: reason".
Result<std::vector<Target>> ReadTargetsFile(const std::string& path, uint16_t default_port,
                                            size_t max_hosts);

}  // namespace highport::net
