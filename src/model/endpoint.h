// Transport endpoints: an address, a protocol and a port.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/ip_address.h"

namespace highport {

enum class Proto : uint8_t { kTcp, kUdp };

std::string_view ProtoName(Proto proto);  // "tcp", "udp"
std::optional<Proto> ParseProto(std::string_view text);  // any case; "TCPv6" too

struct Endpoint {
  IpAddress address;
  Proto proto = Proto::kTcp;
  uint16_t port = 0;

  // "10.0.0.5:135", "[fe80::1%12]:8080"
  std::string ToString() const;
  auto operator<=>(const Endpoint&) const = default;
};

// Splits "addr:port", "[v6]:port", "*:*", "[::]:0" at the last colon that
// belongs to the port. Returns the address text and the port text, unparsed.
struct HostPortText {
  std::string_view host;
  std::string_view port;
};
std::optional<HostPortText> SplitHostPort(std::string_view text);

// A decimal port 0-65535 with nothing else around it.
std::optional<uint16_t> ParsePort(std::string_view text);

}  // namespace highport
