#include "model/port_list.h"

#include <algorithm>

#include "fmt/format.h"

namespace highport {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<PortRange>> ParsePortList(std::string_view text) {
  std::vector<PortRange> out;
  if (Trim(text).empty()) return Error{"an empty port list"};
  size_t item = 0;
  while (true) {
    ++item;
    size_t comma = text.find(',');
    std::string_view one = Trim(text.substr(0, comma));
    if (one.empty()) return Error{fmt::format("item {} is empty (two commas, or one at an end)", item)};
    std::optional<PortRange> range = ParsePortRange(one);
    if (!range || range->first == 0) {
      return Error{fmt::format("item {} '{}' is not a port (1-65535) or START-END range", item, one)};
    }
    out.push_back(*range);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::vector<uint16_t> ExpandPorts(const std::vector<PortRange>& ranges) {
  std::vector<uint16_t> ports;
  for (const PortRange& r : ranges) {
    for (uint32_t p = r.first; p <= r.last; ++p) ports.push_back(static_cast<uint16_t>(p));
  }
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return ports;
}

}  // namespace highport
