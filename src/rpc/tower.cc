#include "rpc/tower.h"

#include "fmt/format.h"
#include "model/byte_cursor.h"
#include "rpc/ndr.h"
#include "rpc/tower_protseq.h"

namespace highport::rpc {
namespace {

constexpr uint8_t kProtocolUuid = 0x0d;

std::string Hex(std::span<const uint8_t> bytes) {
  std::string out;
  for (uint8_t b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::optional<std::vector<uint8_t>> Unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> out;
  for (size_t i = 0; i < text.size(); i += 2) {
    unsigned value = 0;
    for (char ch : text.substr(i, 2)) {
      value <<= 4;
      if (ch >= '0' && ch <= '9')
        value |= static_cast<unsigned>(ch - '0');
      else if (ch >= 'a' && ch <= 'f')
        value |= static_cast<unsigned>(ch - 'a' + 10);
      else if (ch >= 'A' && ch <= 'F')
        value |= static_cast<unsigned>(ch - 'A' + 10);
      else
        return std::nullopt;
    }
    out.push_back(static_cast<uint8_t>(value));
  }
  return out;
}

// Floors 1 and 2: 0x0d, a UUID with little-endian fields, the major version
// (lhs, 19 bytes) and the minor version (rhs, 2 bytes).
std::optional<SyntaxId> ReadSyntaxFloor(const TowerFloor& f) {
  if (f.lhs.size() != 19 || f.protocol() != kProtocolUuid || f.rhs.size() != 2) {
    return std::nullopt;
  }
  ByteCursor lhs(f.lhs, ByteOrder::kLittle);
  lhs.Skip(1, "protocol");
  SyntaxId id;
  id.uuid = ReadUuidFields(lhs, "uuid");
  id.version_major = lhs.U16("version_major");
  ByteCursor rhs(f.rhs, ByteOrder::kLittle);
  id.version_minor = rhs.U16("version_minor");
  return id;
}

}  // namespace

std::string TowerFloor::ToHex() const {
  std::span<const uint8_t> data(lhs);
  if (!data.empty()) data = data.subspan(1);
  return fmt::format("0x{:02x}:{}/{}", protocol(), Hex(data), Hex(rhs));
}

std::optional<TowerFloor> TowerFloor::FromHex(std::string_view text) {
  if (text.size() < 6 || text.substr(0, 2) != "0x" || text[4] != ':') return std::nullopt;
  size_t slash = text.find('/', 5);
  if (slash == std::string_view::npos) return std::nullopt;
  std::optional<std::vector<uint8_t>> id = Unhex(text.substr(2, 2));
  std::optional<std::vector<uint8_t>> lhs = Unhex(text.substr(5, slash - 5));
  std::optional<std::vector<uint8_t>> rhs = Unhex(text.substr(slash + 1));
  if (!id || !lhs || !rhs) return std::nullopt;
  TowerFloor f;
  f.lhs = std::move(*id);
  f.lhs.insert(f.lhs.end(), lhs->begin(), lhs->end());
  f.rhs = std::move(*rhs);
  return f;
}

Tower ParseTower(std::span<const uint8_t> bytes) {
  Tower tower;
  ByteCursor c(bytes, ByteOrder::kLittle);
  uint16_t count = c.U16("floor_count");
  for (uint16_t i = 0; i < count && c.ok(); ++i) {
    TowerFloor f;
    uint16_t lhs_length = c.U16("lhs_length");
    std::span<const uint8_t> lhs = c.Bytes(lhs_length, "lhs");
    uint16_t rhs_length = c.U16("rhs_length");
    std::span<const uint8_t> rhs = c.Bytes(rhs_length, "rhs");
    if (!c.ok()) {
      tower.notes.push_back(
          fmt::format("floor {} of {} truncated: {}", i + 1, count, c.ErrorText()));
      break;
    }
    f.lhs.assign(lhs.begin(), lhs.end());
    f.rhs.assign(rhs.begin(), rhs.end());
    tower.floors.push_back(std::move(f));
  }
  if (c.ok() && !c.empty()) {
    tower.notes.push_back(fmt::format("{} bytes after floor {} ignored", c.remaining(), count));
  } else if (!c.ok() && tower.floors.empty() && count == 0) {
    tower.notes.push_back(fmt::format("tower truncated: {}", c.ErrorText()));
  }
  return tower;
}

std::vector<uint8_t> SerializeTower(const std::vector<TowerFloor>& floors) {
  ByteWriter w(ByteOrder::kLittle);
  w.U16(static_cast<uint16_t>(floors.size()));
  for (const TowerFloor& f : floors) {
    w.U16(static_cast<uint16_t>(f.lhs.size()));
    w.Bytes(f.lhs);
    w.U16(static_cast<uint16_t>(f.rhs.size()));
    w.Bytes(f.rhs);
  }
  return w.Take();
}

TowerFloor SyntaxFloor(const SyntaxId& id) {
  ByteWriter lhs(ByteOrder::kLittle);
  lhs.U8(kProtocolUuid);
  WriteUuidFields(lhs, id.uuid);
  lhs.U16(id.version_major);
  ByteWriter rhs(ByteOrder::kLittle);
  rhs.U16(id.version_minor);
  return TowerFloor{lhs.Take(), rhs.Take()};
}

TowerFloor SimpleFloor(uint8_t protocol, std::vector<uint8_t> rhs) {
  return TowerFloor{{protocol}, std::move(rhs)};
}

DecodedTower DecodeTower(std::span<const uint8_t> bytes) {
  DecodedTower out;
  Tower tower = ParseTower(bytes);
  out.notes = std::move(tower.notes);
  const std::vector<TowerFloor>& floors = tower.floors;
  for (size_t i = 0; i < 2 && i < floors.size(); ++i) {
    std::optional<SyntaxId> id = ReadSyntaxFloor(floors[i]);
    if (id) {
      (i == 0 ? out.interface : out.transfer) = *id;
      continue;
    }
    out.notes.push_back(fmt::format("floor {} ({}) is not a UUID floor, kept as unknown", i + 1,
                                    floors[i].ToHex()));
    out.binding.unknown_floors.push_back(floors[i].ToHex());
  }
  if (floors.size() < 3) {
    out.notes.push_back(fmt::format("tower has {} floors, no protocol floor", floors.size()));
    out.binding.protocol = "unknown";
    return out;
  }
  DecodeProtocolFloors(std::span<const TowerFloor>(floors).subspan(2), out.binding, out.notes);
  return out;
}

std::vector<uint8_t> EncodeTower(const SyntaxId& interface, const SyntaxId& transfer,
                                 const Binding& binding) {
  std::vector<TowerFloor> floors{SyntaxFloor(interface), SyntaxFloor(transfer)};
  std::vector<TowerFloor> rest = EncodeProtocolFloors(binding);
  floors.insert(floors.end(), rest.begin(), rest.end());
  return SerializeTower(floors);
}

}  // namespace highport::rpc
