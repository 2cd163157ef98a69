// Connection-oriented DCE/RPC PDUs (C706 chapter 12, MS-RPCE 2.2.2), as
// plain structs with an encoder and a decoder for each kind that highport
// sends or receives, in either role.
//
// Every PDU starts with the same 16 bytes: rpc_vers 5, rpc_vers_minor 0,
// ptype, pfc_flags, the data representation (drep[4]: integer byte order in
// the high nibble of drep[0], character set in the low nibble, float format
// in drep[1]), frag_length, auth_length and call_id, the last three in the
// drep's byte order. frag_length covers the whole PDU; when auth_length is
// not zero the PDU ends with an 8-byte security trailer and auth_length bytes
// of credentials, so the body is frag_length - 16 - (auth_length + 8).
//
// Decoding takes one complete PDU (pdu_stream.h cuts a byte stream into
// them) and returns the body fields or an error naming the field and its
// byte offset inside the PDU.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/byte_cursor.h"
#include "model/result.h"
#include "rpc/epm_types.h"

namespace highport::rpc {

enum class PType : uint8_t {
  kRequest = 0,
  kResponse = 2,
  kFault = 3,
  kBind = 11,
  kBindAck = 12,
  kBindNak = 13,
  kAlterContext = 14,
  kAlterContextResp = 15,
};
std::string_view PTypeName(uint8_t ptype);  // "bind_ack"; "unknown ptype"

// pfc_flags (C706 §12.6.3.1).
inline constexpr uint8_t kPfcFirstFrag = 0x01;
inline constexpr uint8_t kPfcLastFrag = 0x02;
inline constexpr uint8_t kPfcPendingCancel = 0x04;  // MS-RPCE: PFC_SUPPORT_HEADER_SIGN in bind
inline constexpr uint8_t kPfcConcMpx = 0x10;
inline constexpr uint8_t kPfcDidNotExecute = 0x20;
inline constexpr uint8_t kPfcMaybe = 0x40;
inline constexpr uint8_t kPfcObjectUuid = 0x80;

inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kSecTrailerSize = 8;

struct PduHeader {
  uint8_t rpc_vers = 5;
  uint8_t rpc_vers_minor = 0;
  uint8_t ptype = 0;
  uint8_t flags = kPfcFirstFrag | kPfcLastFrag;
  std::array<uint8_t, 4> drep{0x10, 0, 0, 0};  // little-endian, ASCII, IEEE
  uint16_t frag_length = 0;
  uint16_t auth_length = 0;
  uint32_t call_id = 0;

  ByteOrder order() const { return (drep[0] >> 4) == 0 ? ByteOrder::kBig : ByteOrder::kLittle; }
  bool first() const { return (flags & kPfcFirstFrag) != 0; }
  bool last() const { return (flags & kPfcLastFrag) != 0; }
};
std::array<uint8_t, 4> DrepFor(ByteOrder order);

// The seam for authentication (NTLM later): the security trailer
// (sec_trailer, C706 §13.2.6.1, MS-RPCE 2.2.2.11) and the credentials after
// it. highport binds anonymously today, so encoders get none and auth_length
// is 0; decoders keep what a peer sends, unverified. An authenticated bind
// fills one of these from its security provider and passes it to the
// encoder, which pads the body to a 4-byte boundary and sets auth_length.
struct AuthVerifier {
  uint8_t auth_type = 0;  // 10 = NTLM (RPC_C_AUTHN_WINNT), 9 = SPNEGO
  uint8_t auth_level = 0;
  uint8_t auth_pad_length = 0;
  uint8_t auth_reserved = 0;
  uint32_t auth_context_id = 0;
  std::vector<uint8_t> auth_value;
};

// One PDU split into header, body and trailer. `body` points into the bytes
// given to ParsePdu.
struct RawPdu {
  PduHeader header;
  std::span<const uint8_t> body;
  std::optional<AuthVerifier> auth;
};

// Reads the 16-byte header and checks it (version, drep, lengths). Fails on
// the first bad field; `bytes` may hold more than the header.
Result<PduHeader> ParseHeader(std::span<const uint8_t> bytes);
// Splits exactly one PDU of frag_length bytes.
Result<RawPdu> ParsePdu(std::span<const uint8_t> pdu);

// ---- Bodies -----------------------------------------------------------------

struct ContextElement {  // p_cont_elem_t
  uint16_t context_id = 0;
  SyntaxId abstract_syntax;
  std::vector<SyntaxId> transfer_syntaxes;
};

struct BindBody {  // bind and alter_context
  uint16_t max_xmit_frag = 5840;
  uint16_t max_recv_frag = 5840;
  uint32_t assoc_group_id = 0;
  std::vector<ContextElement> contexts;
};

// p_cont_def_result_t and p_provider_reason_t (C706 §12.6.3.1, MS-RPCE 2.2.2.4).
inline constexpr uint16_t kResultAcceptance = 0;
inline constexpr uint16_t kResultUserRejection = 1;
inline constexpr uint16_t kResultProviderRejection = 2;
inline constexpr uint16_t kResultNegotiateAck = 3;

struct ContextResult {
  uint16_t result = kResultAcceptance;
  uint16_t reason = 0;
  SyntaxId transfer_syntax;
};

struct BindAckBody {  // bind_ack and alter_context_resp
  uint16_t max_xmit_frag = 5840;
  uint16_t max_recv_frag = 5840;
  uint32_t assoc_group_id = 0;
  std::string secondary_address;  // port_any_t, e.g. "135", without its NUL
  std::vector<ContextResult> results;
};

struct BindNakBody {
  uint16_t reject_reason = 0;                         // p_reject_reason_t
  std::vector<std::pair<uint8_t, uint8_t>> versions;  // protocol versions the server supports
};

struct RequestBody {
  uint32_t alloc_hint = 0;
  uint16_t context_id = 0;
  uint16_t opnum = 0;
  std::optional<Uuid> object;  // present when PFC_OBJECT_UUID is set
  std::span<const uint8_t> stub;
};

struct ResponseBody {
  uint32_t alloc_hint = 0;
  uint16_t context_id = 0;
  uint8_t cancel_count = 0;
  std::span<const uint8_t> stub;
};

struct FaultBody {
  uint32_t alloc_hint = 0;
  uint16_t context_id = 0;
  uint8_t cancel_count = 0;
  uint8_t flags = 0;  // MS-RPCE: 0x01 extended error information present
  uint32_t status = 0;
};

Result<BindBody> DecodeBind(const RawPdu& pdu);        // bind or alter_context
Result<BindAckBody> DecodeBindAck(const RawPdu& pdu);  // bind_ack or alter_context_resp
Result<BindNakBody> DecodeBindNak(const RawPdu& pdu);
Result<RequestBody> DecodeRequest(const RawPdu& pdu);
Result<ResponseBody> DecodeResponse(const RawPdu& pdu);
Result<FaultBody> DecodeFault(const RawPdu& pdu);

// What the encoders put in the header besides the body.
struct PduFraming {
  uint32_t call_id = 0;
  uint8_t flags = kPfcFirstFrag | kPfcLastFrag;
  ByteOrder order = ByteOrder::kLittle;
  const AuthVerifier* auth = nullptr;  // none: anonymous
};

std::vector<uint8_t> EncodeBind(const PduFraming& f, const BindBody& body,
                                PType ptype = PType::kBind);
std::vector<uint8_t> EncodeBindAck(const PduFraming& f, const BindAckBody& body,
                                   PType ptype = PType::kBindAck);
std::vector<uint8_t> EncodeBindNak(const PduFraming& f, const BindNakBody& body);
std::vector<uint8_t> EncodeFault(const PduFraming& f, const FaultBody& body);

// A request or response of any stub size, cut into fragments of at most
// `max_frag` bytes each (the negotiated max_xmit_frag), flags and alloc_hint
// set per fragment. Every fragment but the last carries a multiple of 8
// bytes of stub. An empty stub still gives one PDU.
std::vector<uint8_t> EncodeRequest(const PduFraming& f, uint16_t context_id, uint16_t opnum,
                                   std::span<const uint8_t> stub, uint16_t max_frag);
std::vector<uint8_t> EncodeResponse(const PduFraming& f, uint16_t context_id,
                                    std::span<const uint8_t> stub, uint16_t max_frag);
// The smallest max_frag that EncodeRequest/EncodeResponse can honour.
inline constexpr uint16_t kMinFragment = 24 + 8;

}  // namespace highport::rpc
