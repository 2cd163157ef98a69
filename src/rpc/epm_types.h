// What an endpoint mapper says: entries of (object, interface, binding,
// annotation), each binding decoded from its protocol tower (C706 Appendix I,
// MS-RPCE 2.2.1.1). Plain data; the codec is in epm.h, the client session in
// epm_session.h.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace highport::rpc {

// A DCE UUID as its canonical text orders the bytes (time_low first, big-endian
// text order). NDR carries the first three fields in the data representation's
// byte order; readers convert.
struct Uuid {
  std::array<uint8_t, 16> bytes{};

  // "e1af8308-5d1f-11c9-91a4-08002b14a0fa", lowercase.
  std::string ToString() const;
  // Accepts the canonical text in any case, with or without braces.
  static std::optional<Uuid> Parse(std::string_view text);
  bool is_nil() const;
  auto operator<=>(const Uuid&) const = default;
};

struct SyntaxId {
  Uuid uuid;
  uint16_t version_major = 0;
  uint16_t version_minor = 0;
  auto operator<=>(const SyntaxId&) const = default;
};

// One binding of an interface, as the tower's floors 3.. describe it.
struct Binding {
  // The DCE protocol sequence: "ncacn_ip_tcp", "ncadg_ip_udp", "ncacn_np",
  // "ncalrpc", "ncacn_http", "ncacn_nb_tcp", ...; "unknown" when the floors
  // match no known sequence (the floors are still in `unknown_floors`).
  std::string protocol;
  std::string address;           // IP address text or NetBIOS host name, as the tower says
  std::optional<uint16_t> port;  // TCP, UDP or HTTP port
  std::string endpoint;          // named pipe ("\\PIPE\\lsass") or local RPC endpoint name
  // Floors highport does not understand, each "0xNN:lhs-hex/rhs-hex": kept, never dropped.
  std::vector<std::string> unknown_floors;

  // "ncacn_ip_tcp:10.0.0.5[49667]", "ncacn_np:\\\\DC01[\\PIPE\\lsass]", as rpcdump writes it.
  std::string ToString() const;
};

struct EpmEntry {
  Uuid object;             // nil for most entries
  SyntaxId interface;      // floor 1
  SyntaxId transfer;       // floor 2 (NDR 2.0 on every known server)
  std::string annotation;  // e.g. "Impl friendly name"; Samba writes the IDL name
  Binding binding;
};

}  // namespace highport::rpc
