#include "rpc/ndr.h"

#include "fmt/format.h"

namespace highport::rpc {
namespace {

Uuid MustParse(std::string_view text) {
  return Uuid::Parse(text).value_or(Uuid{});
}

}  // namespace

const SyntaxId kEpmInterface{MustParse("e1af8308-5d1f-11c9-91a4-08002b14a0fa"), 3, 0};
const SyntaxId kNdrTransferSyntax{MustParse("8a885d04-1ceb-11c9-9fe8-08002b104860"), 2, 0};

Uuid ReadUuid(ByteCursor& c, std::string_view field) {
  c.Align(4, field);
  return ReadUuidFields(c, field);
}

void WriteUuid(ByteWriter& w, const Uuid& uuid) {
  w.Align(4);
  WriteUuidFields(w, uuid);
}

Uuid ReadUuidFields(ByteCursor& c, std::string_view field) {
  Uuid uuid;
  uint32_t time_low = c.U32(field);
  uint16_t time_mid = c.U16(field);
  uint16_t time_hi = c.U16(field);
  std::span<const uint8_t> rest = c.Bytes(8, field);
  if (!c.ok()) return Uuid{};
  ByteWriter canonical(ByteOrder::kBig);
  canonical.U32(time_low);
  canonical.U16(time_mid);
  canonical.U16(time_hi);
  canonical.Bytes(rest);
  for (size_t i = 0; i < 16; ++i) uuid.bytes[i] = canonical.bytes()[i];
  return uuid;
}

void WriteUuidFields(ByteWriter& w, const Uuid& uuid) {
  ByteCursor canonical(uuid.bytes, ByteOrder::kBig);
  w.U32(canonical.U32("time_low"));
  w.U16(canonical.U16("time_mid"));
  w.U16(canonical.U16("time_hi_and_version"));
  w.Bytes(canonical.rest());
}

SyntaxId ReadSyntaxId(ByteCursor& c, std::string_view field) {
  SyntaxId id;
  id.uuid = ReadUuid(c, field);
  uint32_t version = c.U32(field);
  id.version_major = static_cast<uint16_t>(version & 0xffff);
  id.version_minor = static_cast<uint16_t>(version >> 16);
  return id;
}

void WriteSyntaxId(ByteWriter& w, const SyntaxId& id) {
  WriteUuid(w, id.uuid);
  w.U32(static_cast<uint32_t>(id.version_major) | (static_cast<uint32_t>(id.version_minor) << 16));
}

ContextHandle ReadContextHandle(ByteCursor& c, std::string_view field) {
  ContextHandle h;
  c.Align(4, field);
  h.attributes = c.U32(field);
  h.uuid = ReadUuid(c, field);
  return h;
}

void WriteContextHandle(ByteWriter& w, const ContextHandle& handle) {
  w.Align(4);
  w.U32(handle.attributes);
  WriteUuid(w, handle.uuid);
}

uint32_t ReadPointer(ByteCursor& c, std::string_view field) {
  c.Align(4, field);
  return c.U32(field);
}

void WritePointer(ByteWriter& w, uint32_t referent_id) {
  w.Align(4);
  w.U32(referent_id);
}

ArrayBounds ReadConformantVarying(ByteCursor& c, std::string_view field) {
  ArrayBounds b;
  c.Align(4, field);
  b.max_count = c.U32(field);
  b.offset = c.U32(field);
  b.actual_count = c.U32(field);
  return b;
}

ArrayBounds ReadVarying(ByteCursor& c, std::string_view field) {
  ArrayBounds b;
  c.Align(4, field);
  b.offset = c.U32(field);
  b.actual_count = c.U32(field);
  b.max_count = b.actual_count;
  return b;
}

void WriteConformantVarying(ByteWriter& w, const ArrayBounds& bounds) {
  w.Align(4);
  w.U32(bounds.max_count);
  w.U32(bounds.offset);
  w.U32(bounds.actual_count);
}

void WriteVarying(ByteWriter& w, const ArrayBounds& bounds) {
  w.Align(4);
  w.U32(bounds.offset);
  w.U32(bounds.actual_count);
}

std::string PrintableString(std::span<const uint8_t> bytes) {
  std::string out;
  for (uint8_t b : bytes) {
    if (b == 0) break;
    if (b >= 0x20 && b < 0x7f) {
      out += static_cast<char>(b);
    } else {
      out += fmt::format("\\x{:02x}", b);
    }
  }
  return out;
}

}  // namespace highport::rpc
