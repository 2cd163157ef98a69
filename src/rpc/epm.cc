// The [in] side of ept_lookup and ept_map, and the twr_t both sides share.
#include "rpc/epm.h"

#include "fmt/format.h"

namespace highport::rpc {
namespace {

// Referent ids for the pointers a request sends. Any non-zero value would
// do, but impacket found that Windows Server 2003 refuses ept_map unless they
// are 1 and 2, so every request uses these.
constexpr uint32_t kFirstReferent = 1;
constexpr uint32_t kSecondReferent = 2;

Error Failure(const ByteCursor& c) {
  return Error{c.ErrorText()};
}

}  // namespace

void WriteTwr(ByteWriter& w, std::span<const uint8_t> tower) {
  w.Align(4);
  w.U32(static_cast<uint32_t>(tower.size()));  // max_count
  w.U32(static_cast<uint32_t>(tower.size()));  // tower_length
  w.Bytes(tower);
}

std::optional<std::vector<uint8_t>> ReadTwr(ByteCursor& c, std::string_view field) {
  c.Align(4, field);
  size_t at = c.offset();
  uint32_t max_count = c.U32(field);
  uint32_t length = c.U32(field);
  if (c.ok() && max_count != length) {
    c.FailAt(at, field, fmt::format("max_count {} and tower_length {} differ", max_count, length));
  }
  std::span<const uint8_t> bytes = c.Bytes(length, field);
  if (!c.ok()) return std::nullopt;
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

std::vector<uint8_t> EncodeLookupRequest(const LookupRequest& r, ByteOrder order) {
  ByteWriter w(order);
  w.U32(r.inquiry_type);
  WritePointer(w, r.object ? kFirstReferent : 0);
  if (r.object) WriteUuid(w, *r.object);
  WritePointer(w, r.interface_id ? kSecondReferent : 0);
  if (r.interface_id) {
    WriteUuid(w, r.interface_id->uuid);
    w.U16(r.interface_id->version_major);
    w.U16(r.interface_id->version_minor);
  }
  w.Align(4);
  w.U32(r.vers_option);
  WriteContextHandle(w, r.entry_handle);
  w.U32(r.max_ents);
  return w.Take();
}

Result<LookupRequest> DecodeLookupRequest(std::span<const uint8_t> stub, ByteOrder order) {
  ByteCursor c(stub, order);
  LookupRequest r;
  r.inquiry_type = c.U32("inquiry_type");
  if (ReadPointer(c, "object") != 0) r.object = ReadUuid(c, "object");
  if (ReadPointer(c, "Ifid") != 0) {
    SyntaxId id;
    id.uuid = ReadUuid(c, "Ifid.uuid");
    id.version_major = c.U16("Ifid.vers_major");
    id.version_minor = c.U16("Ifid.vers_minor");
    r.interface_id = id;
  }
  c.Align(4, "vers_option");
  r.vers_option = c.U32("vers_option");
  r.entry_handle = ReadContextHandle(c, "entry_handle");
  r.max_ents = c.U32("max_ents");
  if (!c.ok()) return Failure(c);
  return r;
}

std::vector<uint8_t> EncodeMapRequest(const MapRequest& r, ByteOrder order) {
  ByteWriter w(order);
  WritePointer(w, r.object ? kFirstReferent : 0);
  if (r.object) WriteUuid(w, *r.object);
  WritePointer(w, kSecondReferent);
  WriteTwr(w, r.tower);
  WriteContextHandle(w, r.entry_handle);
  w.U32(r.max_towers);
  return w.Take();
}

Result<MapRequest> DecodeMapRequest(std::span<const uint8_t> stub, ByteOrder order) {
  ByteCursor c(stub, order);
  MapRequest r;
  if (ReadPointer(c, "object") != 0) r.object = ReadUuid(c, "object");
  if (ReadPointer(c, "map_tower") != 0) {
    std::optional<std::vector<uint8_t>> tower = ReadTwr(c, "map_tower");
    if (tower) r.tower = std::move(*tower);
  }
  r.entry_handle = ReadContextHandle(c, "entry_handle");
  c.Align(4, "max_towers");
  r.max_towers = c.U32("max_towers");
  if (!c.ok()) return Failure(c);
  return r;
}

}  // namespace highport::rpc
