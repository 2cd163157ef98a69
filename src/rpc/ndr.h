// The pieces of NDR 2.0 (C706 chapter 14) that the PDUs and the endpoint
// mapper use: UUIDs, syntax identifiers, unique pointers and the headers of
// conformant and varying arrays. Every primitive is aligned to its size,
// counted from the start of the stub data (or of the PDU, for the fields of
// bind and bind_ack, which C706 §12.6 also lays out with NDR rules).
//
// A UUID on the wire is time_low (4 bytes), time_mid (2), time_hi_and_version
// (2) in the data representation's integer order, then clock_seq and node
// (8 bytes) as they are. Uuid keeps the canonical text order (big-endian), so
// a little-endian reader swaps the first three fields.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "model/byte_cursor.h"
#include "rpc/epm_types.h"

namespace highport::rpc {

// e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0: the endpoint mapper (C706 Appendix O).
extern const SyntaxId kEpmInterface;
// 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0: NDR, the transfer syntax.
extern const SyntaxId kNdrTransferSyntax;

// In the cursor's (writer's) byte order, 4-byte aligned as NDR wants.
Uuid ReadUuid(ByteCursor& c, std::string_view field);
void WriteUuid(ByteWriter& w, const Uuid& uuid);
// The same fields without alignment, for towers, which are not NDR.
Uuid ReadUuidFields(ByteCursor& c, std::string_view field);
void WriteUuidFields(ByteWriter& w, const Uuid& uuid);

// p_syntax_id_t (C706 §12.6.3.1): the UUID, then if_version as one 32-bit
// integer with the major version in its low 16 bits.
SyntaxId ReadSyntaxId(ByteCursor& c, std::string_view field);
void WriteSyntaxId(ByteWriter& w, const SyntaxId& id);

// A context handle (C706 §14.3.12.3): 4 bytes of attributes and a UUID, 20 in all.
struct ContextHandle {
  uint32_t attributes = 0;
  Uuid uuid;
  bool is_nil() const { return attributes == 0 && uuid.is_nil(); }
  auto operator<=>(const ContextHandle&) const = default;
};
ContextHandle ReadContextHandle(ByteCursor& c, std::string_view field);
void WriteContextHandle(ByteWriter& w, const ContextHandle& handle);

// A unique or full pointer is its referent id (0 for null), 4-byte aligned.
uint32_t ReadPointer(ByteCursor& c, std::string_view field);
void WritePointer(ByteWriter& w, uint32_t referent_id);

// The headers of arrays (C706 §14.3.3): a conformant array starts with its
// maximum count, a varying one with offset and actual count, a
// conformant-varying one with all three.
struct ArrayBounds {
  uint32_t max_count = 0;
  uint32_t offset = 0;
  uint32_t actual_count = 0;
};
ArrayBounds ReadConformantVarying(ByteCursor& c, std::string_view field);
ArrayBounds ReadVarying(ByteCursor& c, std::string_view field);
void WriteConformantVarying(ByteWriter& w, const ArrayBounds& bounds);
void WriteVarying(ByteWriter& w, const ArrayBounds& bounds);

// A string as NDR and towers carry them (ASCII, NUL-terminated): the bytes
// up to the first NUL, with anything but printable ASCII escaped as \xNN so
// that names from the wire are safe to print and to store.
std::string PrintableString(std::span<const uint8_t> bytes);

}  // namespace highport::rpc
