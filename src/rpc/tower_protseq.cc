// Which floors make which protocol sequence.
//
// Floor 3 says connection-oriented (0x0b), datagram (0x0a) or local (0x0c);
// floor 4 says over what. The pairs below are those of C706 Appendix I with
// MS-RPCE's changes (2.1.1.2: ncacn_np uses 0x0f where C706 had 0x10;
// 2.1.1.4-6: the NetBIOS sequences use 0x12 where C706 had 0x11), checked
// against Samba's transport table (librpc/rpc/binding.c, epm_protocol in
// epmapper.idl), Wireshark's packet-dcerpc-epm.c and impacket's epm.py.
// Two are oddities of Microsoft's that Samba documents: ncacn_spx uses 0x0c
// (floor 4) and 0x0d (floor 5), not SPX 0x13; ncalrpc is 0x0c then 0x10.
//
// Only the address floors in kFloorKinds are read into the Binding; every
// other floor stays in unknown_floors as hex, in tower order.
#include "rpc/tower_protseq.h"

#include <array>
#include <charconv>

#include "fmt/format.h"
#include "rpc/ndr.h"

namespace highport::rpc {
namespace {

enum class Kind : uint8_t { kPort, kIpv4, kEndpoint, kHost };

struct FloorKind {
  uint8_t id;
  Kind kind;
};
constexpr std::array<FloorKind, 7> kFloorKinds{{
    {0x07, Kind::kPort},      // TCP
    {0x08, Kind::kPort},      // UDP
    {0x1f, Kind::kPort},      // HTTP (ncacn_http)
    {0x09, Kind::kIpv4},      // IP
    {0x0f, Kind::kEndpoint},  // named pipe (MS-RPCE 2.1.1.2)
    {0x10, Kind::kEndpoint},  // local endpoint name (ncalrpc)
    {0x11, Kind::kHost},      // NetBIOS host name
}};

struct Protseq {
  std::string_view name;
  uint8_t rpc;                            // floor 3
  uint8_t first;                          // floor 4
  std::array<uint8_t, 2> address_floors;  // written by the encoder, 0 = none
};
constexpr std::array<Protseq, 15> kProtseqs{{
    {"ncacn_ip_tcp", 0x0b, 0x07, {0x07, 0x09}},
    {"ncadg_ip_udp", 0x0a, 0x08, {0x08, 0x09}},
    {"ncacn_np", 0x0b, 0x0f, {0x0f, 0x11}},
    {"ncalrpc", 0x0c, 0x10, {0x10, 0}},
    {"ncacn_http", 0x0b, 0x1f, {0x1f, 0x09}},
    {"ncacn_nb_nb", 0x0b, 0x12, {0, 0}},  // 0x12 then 0x07 or 0x0e: see NetbiosName
    {"ncacn_spx", 0x0b, 0x0c, {0, 0}},
    {"ncacn_spx", 0x0b, 0x13, {0, 0}},
    {"ncadg_ipx", 0x0a, 0x0e, {0, 0}},
    {"ncacn_dnet_nsp", 0x0b, 0x04, {0, 0}},
    {"ncacn_at_dsp", 0x0b, 0x18, {0, 0}},
    {"ncadg_at_ddp", 0x0a, 0x18, {0, 0}},
    {"ncacn_vns_spp", 0x0b, 0x1c, {0, 0}},
    {"ncacn_unix_stream", 0x0b, 0x20, {0, 0}},
    {"ncadg_unix_dgram", 0x0a, 0x20, {0, 0}},
}};

const FloorKind* FindKind(uint8_t id) {
  for (const FloorKind& k : kFloorKinds) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

// The three NetBIOS sequences share floor 4 (0x12); the transport under
// NetBIOS, when the tower names it, tells them apart.
std::string_view NetbiosName(std::span<const TowerFloor> floors) {
  if (floors.size() > 2 && floors[2].protocol() == 0x07) return "ncacn_nb_tcp";
  if (floors.size() > 2 && (floors[2].protocol() == 0x0e || floors[2].protocol() == 0x14)) {
    return "ncacn_nb_ipx";
  }
  return "ncacn_nb_nb";
}

std::vector<uint8_t> StringRhs(const std::string& s) {
  std::vector<uint8_t> rhs(s.begin(), s.end());
  rhs.push_back(0);
  return rhs;
}

std::array<uint8_t, 4> ParseIpv4(const std::string& text) {
  std::array<uint8_t, 4> out{};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (size_t i = 0; i < 4; ++i) {
    unsigned value = 0;
    std::from_chars_result r = std::from_chars(p, end, value);
    if (r.ec != std::errc() || value > 255) return {};
    out[i] = static_cast<uint8_t>(value);
    p = r.ptr;
    if (i < 3) {
      if (p == end || *p != '.') return {};
      ++p;
    }
  }
  return p == end ? out : std::array<uint8_t, 4>{};
}

// Reads one address floor into the binding; false, with the reason, if it
// does not have its kind's shape or repeats a field already read.
bool ReadAddressFloor(const TowerFloor& f, Kind kind, Binding& b, std::string& why) {
  if (f.lhs.size() != 1) {
    why = fmt::format("lhs of {} bytes, expected 1", f.lhs.size());
    return false;
  }
  size_t want = kind == Kind::kPort ? 2 : kind == Kind::kIpv4 ? 4 : 0;
  if (want != 0 && f.rhs.size() != want) {
    why = fmt::format("rhs of {} bytes, expected {}", f.rhs.size(), want);
    return false;
  }
  bool repeated = (kind == Kind::kPort && b.port) ||
                  ((kind == Kind::kIpv4 || kind == Kind::kHost) && !b.address.empty()) ||
                  (kind == Kind::kEndpoint && !b.endpoint.empty());
  if (repeated) {
    why = "a second floor for the same field";
    return false;
  }
  switch (kind) {
    case Kind::kPort: b.port = static_cast<uint16_t>((f.rhs[0] << 8) | f.rhs[1]); break;
    case Kind::kIpv4:
      b.address = fmt::format("{}.{}.{}.{}", f.rhs[0], f.rhs[1], f.rhs[2], f.rhs[3]);
      break;
    case Kind::kEndpoint: b.endpoint = PrintableString(f.rhs); break;
    case Kind::kHost: b.address = PrintableString(f.rhs); break;
  }
  return true;
}

TowerFloor WriteAddressFloor(uint8_t id, const Binding& b) {
  switch (FindKind(id)->kind) {
    case Kind::kPort: {
      uint16_t port = b.port.value_or(0);
      return SimpleFloor(id, {static_cast<uint8_t>(port >> 8), static_cast<uint8_t>(port)});
    }
    case Kind::kIpv4: {
      std::array<uint8_t, 4> ip = ParseIpv4(b.address);
      return SimpleFloor(id, std::vector<uint8_t>(ip.begin(), ip.end()));
    }
    case Kind::kEndpoint: return SimpleFloor(id, StringRhs(b.endpoint));
    case Kind::kHost: return SimpleFloor(id, StringRhs(b.address));
  }
  return SimpleFloor(id, {});
}

}  // namespace

void DecodeProtocolFloors(std::span<const TowerFloor> floors, Binding& b,
                          std::vector<std::string>& notes) {
  const Protseq* seq = nullptr;
  if (floors.size() >= 2 && floors[0].lhs.size() == 1) {
    for (const Protseq& p : kProtseqs) {
      if (p.rpc == floors[0].protocol() && p.first == floors[1].protocol()) seq = &p;
    }
  }
  b.protocol = seq == nullptr ? "unknown" : std::string(seq->name);
  if (seq != nullptr && seq->first == 0x12) b.protocol = NetbiosName(floors);
  // An unknown sequence keeps every floor from 3 on, so it can be told again
  // exactly; the floors highport can read still fill the fields.
  if (seq == nullptr) b.unknown_floors.push_back(floors[0].ToHex());
  for (size_t i = 1; i < floors.size(); ++i) {
    const TowerFloor& f = floors[i];
    const FloorKind* kind = FindKind(f.protocol());
    std::string why;
    bool read = kind != nullptr && ReadAddressFloor(f, kind->kind, b, why);
    if (seq == nullptr || !read) b.unknown_floors.push_back(f.ToHex());
    if (kind != nullptr && !read) {
      notes.push_back(fmt::format("floor {} ({}): {}, kept as unknown", i + 3, f.ToHex(), why));
    }
  }
}

std::vector<TowerFloor> EncodeProtocolFloors(const Binding& b) {
  std::vector<TowerFloor> floors;
  const Protseq* seq = nullptr;
  for (const Protseq& p : kProtseqs) {
    if (p.name == b.protocol) {
      seq = &p;
      break;
    }
  }
  if (b.protocol.starts_with("ncacn_nb_")) {
    for (const Protseq& p : kProtseqs) {
      if (p.first == 0x12) seq = &p;
    }
  }
  if (seq != nullptr) {
    floors.push_back(SimpleFloor(seq->rpc, {0, 0}));  // rhs: the protocol's minor version
    for (uint8_t id : seq->address_floors) {
      if (id != 0) floors.push_back(WriteAddressFloor(id, b));
    }
  }
  for (const std::string& hex : b.unknown_floors) {
    if (std::optional<TowerFloor> f = TowerFloor::FromHex(hex)) floors.push_back(std::move(*f));
  }
  return floors;
}

}  // namespace highport::rpc
