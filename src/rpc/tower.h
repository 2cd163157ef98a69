// Protocol towers (C706 Appendix I and L, MS-RPCE 2.1, 2.2.1.1): how an
// endpoint mapper says where an interface listens.
//
// A tower is a floor count (2 bytes, little-endian) and that many floors;
// each floor is a left-hand side (2-byte length, then a protocol identifier
// byte and its data) and a right-hand side (2-byte length, then related or
// address data). These lengths are little-endian whatever the PDU's byte
// order, but ports and IPv4 addresses inside are big-endian, as on the wire
// of the protocols they name. The usual floors:
//
//   1  0x0d interface UUID (little-endian fields) + major version; rhs minor
//   2  0x0d transfer syntax, same layout (NDR 2.0)
//   3  RPC protocol: 0x0b connection-oriented, 0x0a datagram, 0x0c local
//      (ncalrpc); rhs is its minor version
//   4+ addresses: 0x07 TCP port, 0x08 UDP port, 0x1f HTTP port (rhs 2 bytes
//      big-endian), 0x09 IPv4 address (4 bytes), 0x0f named pipe, 0x10 local
//      endpoint name, 0x11 NetBIOS host name (NUL-terminated strings)
//
// Floors 3 and 4 together name the protocol sequence (tower_protseq.cc).
// Decoding keeps going past what it does not understand: an unknown floor
// is kept as hex in Binding::unknown_floors, a truncated tower keeps the
// floors before the cut, and each oddity becomes a note.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rpc/epm_types.h"

namespace highport::rpc {

struct TowerFloor {
  std::vector<uint8_t> lhs;  // protocol identifier byte, then its data
  std::vector<uint8_t> rhs;

  uint8_t protocol() const { return lhs.empty() ? 0 : lhs[0]; }
  // "0x1c:/0000": the protocol id, the rest of the lhs and the rhs, in hex.
  std::string ToHex() const;
  static std::optional<TowerFloor> FromHex(std::string_view text);
};

struct Tower {
  std::vector<TowerFloor> floors;
  std::vector<std::string> notes;  // "floor 4 truncated: ..."; empty when well formed
};

// The floors as the bytes say, stopping at the first one that does not fit.
Tower ParseTower(std::span<const uint8_t> bytes);
std::vector<uint8_t> SerializeTower(const std::vector<TowerFloor>& floors);

// What the floors mean.
struct DecodedTower {
  SyntaxId interface;
  SyntaxId transfer;
  Binding binding;
  std::vector<std::string> notes;
};
DecodedTower DecodeTower(std::span<const uint8_t> bytes);

// The inverse, for the responder and for ept_map: floors 1-2 from the syntax
// ids, floor 3 and the address floors from the binding's protocol sequence,
// then its unknown floors as they were. A binding whose protocol is
// "unknown" is encoded from its unknown floors alone.
std::vector<uint8_t> EncodeTower(const SyntaxId& interface, const SyntaxId& transfer,
                                 const Binding& binding);

// Floor-level helpers shared with tower_protseq.cc.
TowerFloor SyntaxFloor(const SyntaxId& id);
TowerFloor SimpleFloor(uint8_t protocol, std::vector<uint8_t> rhs);

}  // namespace highport::rpc
