// Annotated hex for the tests of every binary reader: hex digits, with
// anything after '#' to the end of the line ignored, so that a test's bytes
// read like a dissection:
//   05 00 0b 03   # rpc_vers 5, minor 0, bind, first|last
// Test support only: nothing outside *_test.cc and test helpers includes it.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace highport::testing {

inline std::vector<uint8_t> Hex(std::string_view text) {
  std::vector<uint8_t> out;
  int high = -1;
  bool comment = false;
  for (char ch : text) {
    if (ch == '\n') comment = false;
    if (comment) continue;
    if (ch == '#') {
      comment = true;
      continue;
    }
    int v = ch >= '0' && ch <= '9'   ? ch - '0'
            : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
            : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                     : -1;
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high * 16 + v));
      high = -1;
    }
  }
  // A lost digit would shift every later byte: refuse rather than mislead.
  if (high >= 0) throw std::invalid_argument("odd number of hex digits");
  return out;
}

}  // namespace highport::testing
