// request, response and fault (C706 §12.6.4.9-10, §12.6.4.7; MS-RPCE 2.2.2.9-10),
// and the cutting of a long stub into fragments (C706 §12.4.2.1).
#include <algorithm>

#include "fmt/format.h"
#include "rpc/ndr.h"
#include "rpc/pdu.h"
#include "rpc/pdu_internal.h"

namespace highport::rpc {

using internal::BodyCursor;
using internal::CursorFailure;

namespace {

// The call header in front of the stub: request has context id and opnum,
// response context id, cancel count and a reserved byte; both 8 bytes.
constexpr size_t kCallHeader = 8;

template <typename WriteCallHeader>
std::vector<uint8_t> EncodeFragments(const PduFraming& f, PType ptype,
                                     std::span<const uint8_t> stub, uint16_t max_frag,
                                     WriteCallHeader write_call_header) {
  size_t trailer = f.auth == nullptr ? 0 : 3 + kSecTrailerSize + f.auth->auth_value.size();
  size_t room = std::max<size_t>(max_frag, kMinFragment);
  room =
      room > kHeaderSize + kCallHeader + trailer ? room - kHeaderSize - kCallHeader - trailer : 0;
  // Every fragment but the last carries a multiple of 8 bytes of stub, so
  // that a signing provider added later never pads inside a call.
  room = std::max<size_t>(room - room % 8, 8);
  std::vector<uint8_t> out;
  size_t pos = 0;
  do {
    size_t n = std::min(room, stub.size() - pos);
    uint8_t flags = static_cast<uint8_t>(f.flags & ~(kPfcFirstFrag | kPfcLastFrag));
    if (pos == 0) flags |= kPfcFirstFrag;
    if (pos + n == stub.size()) flags |= kPfcLastFrag;
    ByteWriter w = internal::StartPdu(f, ptype, flags);
    w.U32(static_cast<uint32_t>(stub.size() - pos));  // alloc_hint: what is still to come
    write_call_header(w);
    w.Bytes(stub.subspan(pos, n));
    std::vector<uint8_t> pdu = internal::FinishPdu(std::move(w), f);
    out.insert(out.end(), pdu.begin(), pdu.end());
    pos += n;
  } while (pos < stub.size());
  return out;
}

}  // namespace

Result<RequestBody> DecodeRequest(const RawPdu& pdu) {
  if (!internal::IsType(pdu, PType::kRequest)) return internal::WrongType(pdu, "request");
  ByteCursor c = BodyCursor(pdu);
  RequestBody b;
  b.alloc_hint = c.U32("alloc_hint");
  b.context_id = c.U16("p_cont_id");
  b.opnum = c.U16("opnum");
  if ((pdu.header.flags & kPfcObjectUuid) != 0) b.object = ReadUuid(c, "object");
  if (!c.ok()) return CursorFailure(c);
  b.stub = c.rest();
  return b;
}

Result<ResponseBody> DecodeResponse(const RawPdu& pdu) {
  if (!internal::IsType(pdu, PType::kResponse)) return internal::WrongType(pdu, "response");
  ByteCursor c = BodyCursor(pdu);
  ResponseBody b;
  b.alloc_hint = c.U32("alloc_hint");
  b.context_id = c.U16("p_cont_id");
  b.cancel_count = c.U8("cancel_count");
  c.Skip(1, "reserved");
  if (!c.ok()) return CursorFailure(c);
  b.stub = c.rest();
  return b;
}

Result<FaultBody> DecodeFault(const RawPdu& pdu) {
  if (!internal::IsType(pdu, PType::kFault)) return internal::WrongType(pdu, "fault");
  ByteCursor c = BodyCursor(pdu);
  FaultBody b;
  b.alloc_hint = c.U32("alloc_hint");
  b.context_id = c.U16("p_cont_id");
  b.cancel_count = c.U8("cancel_count");
  b.flags = c.U8("reserved");
  b.status = c.U32("status");
  // Four reserved bytes and MS-RPCE's extended error may follow; the
  // status is all a client needs.
  if (!c.ok()) return CursorFailure(c);
  return b;
}

std::vector<uint8_t> EncodeFault(const PduFraming& f, const FaultBody& body) {
  ByteWriter w = internal::StartPdu(f, PType::kFault, f.flags);
  w.U32(body.alloc_hint);
  w.U16(body.context_id);
  w.U8(body.cancel_count);
  w.U8(body.flags);
  w.U32(body.status);
  w.U32(0);
  return internal::FinishPdu(std::move(w), f);
}

std::vector<uint8_t> EncodeRequest(const PduFraming& f, uint16_t context_id, uint16_t opnum,
                                   std::span<const uint8_t> stub, uint16_t max_frag) {
  return EncodeFragments(f, PType::kRequest, stub, max_frag, [&](ByteWriter& w) {
    w.U16(context_id);
    w.U16(opnum);
  });
}

std::vector<uint8_t> EncodeResponse(const PduFraming& f, uint16_t context_id,
                                    std::span<const uint8_t> stub, uint16_t max_frag) {
  return EncodeFragments(f, PType::kResponse, stub, max_frag, [&](ByteWriter& w) {
    w.U16(context_id);
    w.U8(0);  // cancel_count
    w.U8(0);
  });
}

}  // namespace highport::rpc
