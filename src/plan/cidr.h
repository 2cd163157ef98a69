// CIDR blocks, and the folding of observed client addresses into the fewest
// blocks that the evidence justifies.
//
// A firewall rule built from observed traffic should let through the clients
// that were seen and, where the evidence shows a client subnet, the rest of
// that subnet: DHCP hands a seen client another address next week. But a
// block must never be wider than the observations carry. The folding rule:
//
//   A block is used when MORE THAN HALF of its addresses were seen as
//   clients. A single address is its own /32 (or /128).
//
// so a rule never allows more than twice as many addresses as it has seen
// clients, and clients at 10.0.1.1 and 10.0.1.200 stay two /32s instead of
// becoming 10.0.1.0/24 (a /24 needs 129 distinct clients). Blocks that are
// full (every address seen) are the exact CIDR aggregation, a special case.
// The fold starts at the widest block allowed (`max_prefix`) and descends:
// the widest dense block is taken, an undense one is split into its halves.
//
// IPv6 differs in one point: a /64 is the subnet of one link, and clients
// with SLAAC privacy addresses take a new random address in it every day, so
// the density of a /64 means nothing (2^64 addresses). A /64 in which at
// least kIpv6SubnetMinClients distinct clients were seen is used whole,
// when the maximum prefix allows a /64. One client alone stays a /128.
//
// IPv4 and IPv6 never share a block; zones (fe80::1%12) are dropped.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/ip_address.h"

namespace highport::plan {

inline constexpr size_t kIpv6SubnetMinClients = 2;

struct CidrBlock {
  IpAddress network;  // host bits zero, no zone
  int prefix = 32;

  // Same family and the first `prefix` bits equal; the zone is ignored.
  bool Contains(const IpAddress& address) const;
  std::string ToString() const;  // "10.0.1.0/28", "fd00:1::/64", "10.0.2.7/32"
  auto operator<=>(const CidrBlock&) const = default;
};

// 32 for IPv4, 128 for IPv6.
int AddressBits(const IpAddress& address);

// The block of `prefix` bits around `address` (clamped to 0..AddressBits).
CidrBlock BlockOf(const IpAddress& address, int prefix);

// "10.0.1.0/28", "fd00::/64", or a bare address (a host block). Refuses host
// bits that are set ("10.0.1.5/24"), prefixes out of range and anything else.
std::optional<CidrBlock> ParseCidr(std::string_view text);
// The same, saying why it refuses in `why` ("is not an address or CIDR block",
// "has an invalid prefix length", "has host bits set (which block was meant?)"),
// for the messages of plan.json's reader and the writers.
std::optional<CidrBlock> ParseCidr(std::string_view text, std::string* why);

// The fold described above. Duplicates are fine; the result is sorted, IPv4
// first. `max_prefix_v4`/`_v6` is the widest block allowed (24: nothing wider
// than a /24), clamped to 1..32 and 1..128: never a /0.
std::vector<CidrBlock> FoldClients(const std::vector<IpAddress>& clients, int max_prefix_v4,
                                   int max_prefix_v6);

}  // namespace highport::plan
