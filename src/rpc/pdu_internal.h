// Shared by the PDU encoders and decoders (pdu.cc, pdu_bind.cc, pdu_call.cc);
// not part of the rpc layer's interface.
#pragma once

#include <string>
#include <vector>

#include "model/byte_cursor.h"
#include "model/result.h"
#include "rpc/pdu.h"

namespace highport::rpc::internal {

// A cursor over a PDU's body whose offsets count from the PDU's first byte
// (so errors say "byte 24" as a capture tool would) and whose alignment does
// too: bind_ack pads its secondary address to 4 bytes from the PDU start.
inline ByteCursor BodyCursor(const RawPdu& pdu) {
  ByteCursor c(pdu.body, pdu.header.order(), kHeaderSize);
  c.set_align_origin(0);
  return c;
}

inline Error CursorFailure(const ByteCursor& c) {
  return Error{c.ErrorText()};
}

// Checks that a decoder was given the kind of PDU it decodes.
bool IsType(const RawPdu& pdu, PType a);
Error WrongType(const RawPdu& pdu, std::string_view expected);

// Starts a PDU: the 16-byte header with frag_length and auth_length still 0.
ByteWriter StartPdu(const PduFraming& f, PType ptype, uint8_t flags);
// Appends the security trailer if any, then patches the lengths in.
std::vector<uint8_t> FinishPdu(ByteWriter w, const PduFraming& f);

}  // namespace highport::rpc::internal
