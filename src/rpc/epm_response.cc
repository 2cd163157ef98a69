// The [out] side of ept_lookup and ept_map (layout in epm.h).
#include "fmt/format.h"
#include "rpc/epm.h"

namespace highport::rpc {
namespace {

// The first referent id a response uses, then +4 for each pointer, as
// Microsoft's NDR engine numbers them (Samba counts 1, 2, 3...; any
// non-zero value is valid).
constexpr uint32_t kReferentBase = 0x00020000;

// An entry takes at least 28 bytes inline (UUID 16, pointer 4, annotation
// offset and count 8), so a count the bytes cannot hold is refused before
// anything is reserved for it.
constexpr size_t kMinEntryBytes = 28;

Error Failure(const ByteCursor& c, std::string_view context = {}) {
  if (context.empty()) return Error{c.ErrorText()};
  return Error{fmt::format("{}: {}", context, c.ErrorText())};
}

void CheckBounds(const ArrayBounds& b, uint32_t count, std::string_view count_name,
                 std::vector<std::string>& notes) {
  if (b.actual_count != count) {
    notes.push_back(fmt::format("{} {} but the array's actual_count is {}; read {}", count_name,
                                count, b.actual_count, b.actual_count));
  }
  if (b.offset != 0) notes.push_back(fmt::format("array offset {}, expected 0", b.offset));
  if (b.actual_count > b.max_count) {
    notes.push_back(
        fmt::format("actual_count {} exceeds max_count {}", b.actual_count, b.max_count));
  }
}

}  // namespace

std::vector<uint8_t> EncodeLookupResponse(const LookupResponse& r, uint32_t max_count,
                                          ByteOrder order) {
  ByteWriter w(order);
  WriteContextHandle(w, r.entry_handle);
  uint32_t count = static_cast<uint32_t>(r.entries.size());
  w.U32(count);
  WriteConformantVarying(w, ArrayBounds{max_count, 0, count});
  uint32_t referent = kReferentBase;
  for (const LookupEntry& e : r.entries) {
    WriteUuid(w, e.object);
    WritePointer(w, e.tower ? referent : 0);
    if (e.tower) referent += 4;
    // [string] counts the terminating NUL in actual_count.
    WriteVarying(w, ArrayBounds{0, 0, static_cast<uint32_t>(e.annotation.size() + 1)});
    w.Text(e.annotation);
    w.U8(0);
  }
  for (const LookupEntry& e : r.entries) {
    if (e.tower) WriteTwr(w, *e.tower);
  }
  w.Align(4);
  w.U32(r.status);
  return w.Take();
}

Result<LookupResponse> DecodeLookupResponse(std::span<const uint8_t> stub, ByteOrder order) {
  ByteCursor c(stub, order);
  LookupResponse r;
  r.entry_handle = ReadContextHandle(c, "entry_handle");
  r.num_ents = c.U32("num_ents");
  ArrayBounds bounds = ReadConformantVarying(c, "entries");
  if (!c.ok()) return Failure(c);
  CheckBounds(bounds, r.num_ents, "num_ents", r.notes);
  if (bounds.actual_count > c.remaining() / kMinEntryBytes) {
    c.Fail("entries", fmt::format("actual_count {} cannot fit in the {} bytes left",
                                  bounds.actual_count, c.remaining()));
    return Failure(c);
  }
  std::vector<uint32_t> referents;
  for (uint32_t i = 0; i < bounds.actual_count; ++i) {
    LookupEntry e;
    e.object = ReadUuid(c, "object");
    referents.push_back(ReadPointer(c, "tower"));
    ArrayBounds annotation = ReadVarying(c, "annotation");
    std::span<const uint8_t> text = c.Bytes(annotation.actual_count, "annotation");
    if (!c.ok()) return Failure(c, fmt::format("entry {}", i + 1));
    if (annotation.actual_count > kMaxAnnotation) {
      r.notes.push_back(fmt::format("entry {}: annotation of {} bytes, longer than {}", i + 1,
                                    annotation.actual_count, kMaxAnnotation));
    }
    e.annotation = PrintableString(text);
    r.entries.push_back(std::move(e));
  }
  for (uint32_t i = 0; i < bounds.actual_count; ++i) {
    if (referents[i] == 0) continue;
    r.entries[i].tower = ReadTwr(c, "tower");
    if (!c.ok()) return Failure(c, fmt::format("tower of entry {}", i + 1));
  }
  c.Align(4, "status");
  r.status = c.U32("status");
  if (!c.ok()) return Failure(c);
  if (!c.empty()) r.notes.push_back(fmt::format("{} bytes after status ignored", c.remaining()));
  return r;
}

std::vector<uint8_t> EncodeMapResponse(const MapResponse& r, uint32_t max_count, ByteOrder order) {
  ByteWriter w(order);
  WriteContextHandle(w, r.entry_handle);
  uint32_t count = static_cast<uint32_t>(r.towers.size());
  w.U32(count);
  WriteConformantVarying(w, ArrayBounds{max_count, 0, count});
  for (uint32_t i = 0; i < count; ++i) WritePointer(w, kReferentBase + 4 * i);
  for (const std::vector<uint8_t>& tower : r.towers) WriteTwr(w, tower);
  w.Align(4);
  w.U32(r.status);
  return w.Take();
}

Result<MapResponse> DecodeMapResponse(std::span<const uint8_t> stub, ByteOrder order) {
  ByteCursor c(stub, order);
  MapResponse r;
  r.entry_handle = ReadContextHandle(c, "entry_handle");
  r.num_towers = c.U32("num_towers");
  ArrayBounds bounds = ReadConformantVarying(c, "towers");
  if (!c.ok()) return Failure(c);
  CheckBounds(bounds, r.num_towers, "num_towers", r.notes);
  if (bounds.actual_count > c.remaining() / 4) {
    c.Fail("towers", fmt::format("actual_count {} cannot fit in the {} bytes left",
                                 bounds.actual_count, c.remaining()));
    return Failure(c);
  }
  std::vector<uint32_t> referents;
  for (uint32_t i = 0; i < bounds.actual_count; ++i) referents.push_back(ReadPointer(c, "towers"));
  for (uint32_t i = 0; i < bounds.actual_count && c.ok(); ++i) {
    if (referents[i] == 0) {
      r.notes.push_back(fmt::format("tower {} is a null pointer", i + 1));
      continue;
    }
    std::optional<std::vector<uint8_t>> tower = ReadTwr(c, "tower");
    if (!c.ok()) return Failure(c, fmt::format("tower {}", i + 1));
    r.towers.push_back(std::move(*tower));
  }
  c.Align(4, "status");
  r.status = c.U32("status");
  if (!c.ok()) return Failure(c);
  if (!c.empty()) r.notes.push_back(fmt::format("{} bytes after status ignored", c.remaining()));
  return r;
}

}  // namespace highport::rpc
