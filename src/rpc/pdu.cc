#include "rpc/pdu.h"

#include "fmt/format.h"
#include "rpc/pdu_internal.h"

namespace highport::rpc {

std::string_view PTypeName(uint8_t ptype) {
  switch (ptype) {
    case 0: return "request";
    case 1: return "ping";
    case 2: return "response";
    case 3: return "fault";
    case 4: return "working";
    case 5: return "nocall";
    case 6: return "reject";
    case 7: return "ack";
    case 8: return "cl_cancel";
    case 9: return "fack";
    case 10: return "cancel_ack";
    case 11: return "bind";
    case 12: return "bind_ack";
    case 13: return "bind_nak";
    case 14: return "alter_context";
    case 15: return "alter_context_resp";
    case 16: return "auth3";
    case 17: return "shutdown";
    case 18: return "co_cancel";
    case 19: return "orphaned";
    default: return "unknown ptype";
  }
}

std::array<uint8_t, 4> DrepFor(ByteOrder order) {
  return {static_cast<uint8_t>(order == ByteOrder::kLittle ? 0x10 : 0x00), 0, 0, 0};
}

Result<PduHeader> ParseHeader(std::span<const uint8_t> bytes) {
  ByteCursor c(bytes);
  PduHeader h;
  h.rpc_vers = c.U8("rpc_vers");
  h.rpc_vers_minor = c.U8("rpc_vers_minor");
  h.ptype = c.U8("ptype");
  h.flags = c.U8("pfc_flags");
  h.drep = c.Array<4>("drep");
  if (!c.ok()) return internal::CursorFailure(c);
  if (h.rpc_vers != 5) {
    c.FailAt(0, "rpc_vers",
             fmt::format("{}, expected 5 (not a connection-oriented DCE/RPC PDU)", h.rpc_vers));
  } else if (h.rpc_vers_minor > 1) {
    c.FailAt(1, "rpc_vers_minor", fmt::format("{}, expected 0 or 1", h.rpc_vers_minor));
  } else if ((h.drep[0] >> 4) > 1) {
    c.FailAt(4, "drep", fmt::format("integer representation {}, expected 0 or 1", h.drep[0] >> 4));
  } else if ((h.drep[0] & 0x0f) != 0) {
    // Every string highport reads (annotations, pipe names) would be EBCDIC.
    c.FailAt(4, "drep",
             (h.drep[0] & 0x0f) == 1 ? "EBCDIC character set is not supported"
                                     : "unknown character set");
  }
  c.set_order(h.order());
  h.frag_length = c.U16("frag_length");
  h.auth_length = c.U16("auth_length");
  h.call_id = c.U32("call_id");
  if (!c.ok()) return internal::CursorFailure(c);
  size_t trailer = h.auth_length == 0 ? 0 : h.auth_length + kSecTrailerSize;
  if (h.frag_length < kHeaderSize + trailer) {
    c.FailAt(8, "frag_length",
             trailer == 0 ? fmt::format("{} is shorter than the 16-byte header", h.frag_length)
                          : fmt::format("{} cannot hold the header and an auth trailer of {} bytes",
                                        h.frag_length, trailer));
    return internal::CursorFailure(c);
  }
  return h;
}

Result<RawPdu> ParsePdu(std::span<const uint8_t> pdu) {
  Result<PduHeader> header = ParseHeader(pdu);
  if (!header) return header.error();
  RawPdu raw;
  raw.header = *header;
  ByteCursor c(pdu, raw.header.order());
  if (!c.Limit(raw.header.frag_length, "PDU of frag_length bytes")) {
    return internal::CursorFailure(c);
  }
  c.Skip(kHeaderSize, "header");
  size_t trailer = raw.header.auth_length == 0 ? 0 : raw.header.auth_length + kSecTrailerSize;
  ByteCursor body = c.Sub(c.remaining() - trailer, "body");
  if (trailer != 0) {
    AuthVerifier auth;
    auth.auth_type = c.U8("auth_type");
    auth.auth_level = c.U8("auth_level");
    auth.auth_pad_length = c.U8("auth_pad_length");
    auth.auth_reserved = c.U8("auth_reserved");
    auth.auth_context_id = c.U32("auth_context_id");
    std::span<const uint8_t> value = c.Bytes(raw.header.auth_length, "auth_value");
    auth.auth_value.assign(value.begin(), value.end());
    if (auth.auth_pad_length > body.size()) {
      c.FailAt(
          kHeaderSize + body.size() + 2, "auth_pad_length",
          fmt::format("{} is longer than the body of {} bytes", auth.auth_pad_length, body.size()));
    }
    if (!c.ok()) return internal::CursorFailure(c);
    body.Limit(body.size() - auth.auth_pad_length, "body");
    raw.auth = std::move(auth);
  }
  raw.body = body.rest();
  return raw;
}

namespace internal {

bool IsType(const RawPdu& pdu, PType a) {
  return pdu.header.ptype == static_cast<uint8_t>(a);
}

Error WrongType(const RawPdu& pdu, std::string_view expected) {
  return Error{fmt::format("byte 2: ptype: {} ({}), expected {}", pdu.header.ptype,
                           PTypeName(pdu.header.ptype), expected)};
}

ByteWriter StartPdu(const PduFraming& f, PType ptype, uint8_t flags) {
  // The 16-byte common header, as the writer's first bytes (written byte by
  // byte, GCC 12 warned of a false overflow as the vector grew): rpc_vers 5, minor 0, type, flags,
  // data representation, frag_length and auth_length (0 here; FinishPdu
  // patches frag_length), call_id in the PDU's byte order.
  const std::array<uint8_t, 4> drep = DrepFor(f.order);
  const uint32_t id = f.call_id;
  const bool le = f.order == ByteOrder::kLittle;
  auto id_byte = [&](int i) { return static_cast<uint8_t>(id >> (8 * (le ? i : 3 - i))); };
  const std::array<uint8_t, 16> head = {5,       0,       static_cast<uint8_t>(ptype), flags,
                                        drep[0], drep[1], drep[2],                     drep[3],
                                        0,       0,       0,                           0,
                                        id_byte(0), id_byte(1), id_byte(2), id_byte(3)};
  return ByteWriter(f.order, head);
}

std::vector<uint8_t> FinishPdu(ByteWriter w, const PduFraming& f) {
  uint16_t auth_length = 0;
  if (f.auth != nullptr) {
    // C706 §13.2.6.1: the trailer starts on a 4-byte boundary; the padding
    // is counted in auth_pad_length.
    size_t pad = (4 - w.size() % 4) % 4;
    w.Zeros(pad);
    w.U8(f.auth->auth_type);
    w.U8(f.auth->auth_level);
    w.U8(static_cast<uint8_t>(pad));
    w.U8(f.auth->auth_reserved);
    w.U32(f.auth->auth_context_id);
    w.Bytes(f.auth->auth_value);
    auth_length = static_cast<uint16_t>(f.auth->auth_value.size());
  }
  w.PatchU16(8, static_cast<uint16_t>(w.size()));
  w.PatchU16(10, auth_length);
  return w.Take();
}

}  // namespace internal
}  // namespace highport::rpc
