// bind, bind_ack, bind_nak, alter_context and alter_context_resp
// (C706 §12.6.4.3-6, §12.6.4.1-2; MS-RPCE 2.2.2.4-6).
#include "fmt/format.h"
#include "rpc/ndr.h"
#include "rpc/pdu.h"
#include "rpc/pdu_internal.h"

namespace highport::rpc {

using internal::BodyCursor;
using internal::CursorFailure;

Result<BindBody> DecodeBind(const RawPdu& pdu) {
  if (!internal::IsType(pdu, PType::kBind) && !internal::IsType(pdu, PType::kAlterContext)) {
    return internal::WrongType(pdu, "bind or alter_context");
  }
  ByteCursor c = BodyCursor(pdu);
  BindBody b;
  b.max_xmit_frag = c.U16("max_xmit_frag");
  b.max_recv_frag = c.U16("max_recv_frag");
  b.assoc_group_id = c.U32("assoc_group_id");
  uint8_t n_contexts = c.U8("n_context_elem");
  c.Skip(3, "reserved");
  for (uint8_t i = 0; i < n_contexts && c.ok(); ++i) {
    ContextElement e;
    e.context_id = c.U16("p_cont_id");
    uint8_t n_transfer = c.U8("n_transfer_syn");
    c.Skip(1, "reserved");
    e.abstract_syntax = ReadSyntaxId(c, "abstract_syntax");
    for (uint8_t t = 0; t < n_transfer && c.ok(); ++t) {
      e.transfer_syntaxes.push_back(ReadSyntaxId(c, "transfer_syntaxes"));
    }
    b.contexts.push_back(std::move(e));
  }
  if (!c.ok()) return CursorFailure(c);
  return b;
}

Result<BindAckBody> DecodeBindAck(const RawPdu& pdu) {
  if (!internal::IsType(pdu, PType::kBindAck) && !internal::IsType(pdu, PType::kAlterContextResp)) {
    return internal::WrongType(pdu, "bind_ack or alter_context_resp");
  }
  ByteCursor c = BodyCursor(pdu);
  BindAckBody b;
  b.max_xmit_frag = c.U16("max_xmit_frag");
  b.max_recv_frag = c.U16("max_recv_frag");
  b.assoc_group_id = c.U32("assoc_group_id");
  uint16_t addr_length = c.U16("sec_addr.length");
  std::span<const uint8_t> addr = c.Bytes(addr_length, "sec_addr.port_spec");
  std::string text(addr.begin(), addr.end());
  if (size_t nul = text.find('\0'); nul != std::string::npos) text.resize(nul);
  b.secondary_address = std::move(text);
  c.Align(4, "pad");
  uint8_t n_results = c.U8("n_results");
  c.Skip(3, "reserved");
  for (uint8_t i = 0; i < n_results && c.ok(); ++i) {
    ContextResult r;
    r.result = c.U16("result");
    r.reason = c.U16("reason");
    r.transfer_syntax = ReadSyntaxId(c, "transfer_syntax");
    b.results.push_back(r);
  }
  if (!c.ok()) return CursorFailure(c);
  return b;
}

Result<BindNakBody> DecodeBindNak(const RawPdu& pdu) {
  if (!internal::IsType(pdu, PType::kBindNak)) return internal::WrongType(pdu, "bind_nak");
  ByteCursor c = BodyCursor(pdu);
  BindNakBody b;
  b.reject_reason = c.U16("provider_reject_reason");
  if (!c.ok()) return CursorFailure(c);
  // The version list, and MS-RPCE's signature and extended error after it,
  // only inform; a server that cuts them short still said no.
  if (!c.empty()) {
    uint8_t n = c.U8("n_protocols");
    for (uint8_t i = 0; i < n && c.remaining() >= 2; ++i) {
      uint8_t major = c.U8("rpc_vers");
      uint8_t minor = c.U8("rpc_vers_minor");
      b.versions.emplace_back(major, minor);
    }
  }
  return b;
}

std::vector<uint8_t> EncodeBind(const PduFraming& f, const BindBody& body, PType ptype) {
  ByteWriter w = internal::StartPdu(f, ptype, f.flags);
  w.U16(body.max_xmit_frag);
  w.U16(body.max_recv_frag);
  w.U32(body.assoc_group_id);
  w.U8(static_cast<uint8_t>(body.contexts.size()));
  w.Zeros(3);
  for (const ContextElement& e : body.contexts) {
    w.U16(e.context_id);
    w.U8(static_cast<uint8_t>(e.transfer_syntaxes.size()));
    w.U8(0);
    WriteSyntaxId(w, e.abstract_syntax);
    for (const SyntaxId& t : e.transfer_syntaxes) WriteSyntaxId(w, t);
  }
  return internal::FinishPdu(std::move(w), f);
}

std::vector<uint8_t> EncodeBindAck(const PduFraming& f, const BindAckBody& body, PType ptype) {
  ByteWriter w = internal::StartPdu(f, ptype, f.flags);
  w.U16(body.max_xmit_frag);
  w.U16(body.max_recv_frag);
  w.U32(body.assoc_group_id);
  // port_any_t counts its terminating NUL (C706 §12.6.3.2); no address is length 0.
  if (body.secondary_address.empty()) {
    w.U16(0);
  } else {
    w.U16(static_cast<uint16_t>(body.secondary_address.size() + 1));
    w.Text(body.secondary_address);
    w.U8(0);
  }
  w.Align(4);
  w.U8(static_cast<uint8_t>(body.results.size()));
  w.Zeros(3);
  for (const ContextResult& r : body.results) {
    w.U16(r.result);
    w.U16(r.reason);
    WriteSyntaxId(w, r.transfer_syntax);
  }
  return internal::FinishPdu(std::move(w), f);
}

std::vector<uint8_t> EncodeBindNak(const PduFraming& f, const BindNakBody& body) {
  ByteWriter w = internal::StartPdu(f, PType::kBindNak, f.flags);
  w.U16(body.reject_reason);
  w.U8(static_cast<uint8_t>(body.versions.size()));
  for (const auto& [major, minor] : body.versions) {
    w.U8(major);
    w.U8(minor);
  }
  return internal::FinishPdu(std::move(w), f);
}

}  // namespace highport::rpc
