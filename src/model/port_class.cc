#include "model/port_class.h"

#include "fmt/format.h"
#include "model/endpoint.h"

namespace highport {

PortClass IanaPortClass(uint16_t port) {
  if (port <= 1023) return PortClass::kWellKnown;
  if (port <= 49151) return PortClass::kRegistered;
  return PortClass::kDynamic;
}

std::string_view PortClassName(PortClass port_class) {
  switch (port_class) {
    case PortClass::kWellKnown: return "well-known";
    case PortClass::kRegistered: return "registered";
    case PortClass::kDynamic: return "dynamic";
  }
  return "?";
}

std::string PortRange::ToString() const {
  if (first == last) return fmt::format("{}", first);
  return fmt::format("{}-{}", first, last);
}

std::optional<PortRange> ParsePortRange(std::string_view text) {
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    std::optional<uint16_t> port = ParsePort(text);
    if (!port) return std::nullopt;
    return PortRange{*port, *port};
  }
  std::optional<uint16_t> first = ParsePort(text.substr(0, dash));
  std::optional<uint16_t> last = ParsePort(text.substr(dash + 1));
  if (!first || !last || *first > *last) return std::nullopt;
  return PortRange{*first, *last};
}

}  // namespace highport
