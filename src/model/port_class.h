// Port classes. IANA splits the port space in three (RFC 6335): well-known
// 0-1023, registered 1024-49151, dynamic 49152-65535. What matters on a host
// is its own dynamic (ephemeral) range, from which RPC takes its ports when no
// RPC port range is set: 49152-65535 since Windows Vista/2008, 1025-5000
// before (KB 929851), or whatever `netsh int ipv4 show dynamicport tcp` or a
// plan says.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace highport {

enum class PortClass : uint8_t { kWellKnown, kRegistered, kDynamic };

PortClass IanaPortClass(uint16_t port);
std::string_view PortClassName(PortClass port_class);  // "well-known", ...

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;

  bool Contains(uint16_t port) const { return port >= first && port <= last; }
  uint32_t size() const { return uint32_t{last} - first + 1; }
  std::string ToString() const;  // "49152-65535"
  auto operator<=>(const PortRange&) const = default;
};

// "5000-5100" or "5984". Refuses reversed ranges and anything else.
std::optional<PortRange> ParsePortRange(std::string_view text);

inline constexpr PortRange kWindowsDynamicRange{49152, 65535};
inline constexpr PortRange kLegacyWindowsDynamicRange{1025, 5000};

}  // namespace highport
