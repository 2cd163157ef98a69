#include "rpc/pdu.h"

#include <gtest/gtest.h>

#include "rpc/ndr.h"
#include "rpc/pdu_names.h"
#include "rpc/rpc_test_util.h"

namespace highport::rpc {
namespace {

using testing::Hex;

// The bind highport sends, derived field by field from C706 §12.6.4.3.
const std::vector<uint8_t> kBind = Hex(R"(
  05 00 0b 03   # rpc_vers 5, rpc_vers_minor 0, ptype 11 (bind), PFC_FIRST_FRAG|PFC_LAST_FRAG
  10 00 00 00   # drep: little-endian integers, ASCII, IEEE floats
  48 00         # frag_length 72
  00 00         # auth_length 0: anonymous
  01 00 00 00   # call_id 1
  d0 16         # max_xmit_frag 5840
  d0 16         # max_recv_frag 5840
  00 00 00 00   # assoc_group_id 0: a new association
  01 00 00 00   # n_context_elem 1, reserved, reserved2
  00 00         # p_cont_id 0
  01 00         # n_transfer_syn 1, reserved
  08 83 af e1 1f 5d c9 11 91 a4 08 00 2b 14 a0 fa   # e1af8308-5d1f-11c9-91a4-08002b14a0fa
  03 00 00 00   # if_version: major 3 (low 16 bits), minor 0
  04 5d 88 8a eb 1c c9 11 9f e8 08 00 2b 10 48 60   # 8a885d04-1ceb-11c9-9fe8-08002b104860
  02 00 00 00   # NDR version 2.0
)");

// A real bind_ack from Samba 4.17's AD DC (captured in a network namespace,
// answering a bind with an NDR context and a bind-time feature context).
const std::vector<uint8_t> kSambaBindAck = Hex(R"(
  05 00 0c 03 10 00 00 00   # bind_ack, first|last, little-endian
  54 00 00 00 01 00 00 00   # frag_length 84, auth_length 0, call_id 1
  d0 16 d0 16               # max_xmit_frag 5840, max_recv_frag 5840
  d6 50 00 00               # assoc_group_id 0x50d6
  04 00 31 33 35 00         # sec_addr: length 4, "135\0"
  00 00                     # pad to a 4-byte boundary (byte 32)
  02 00 00 00               # n_results 2
  00 00 00 00               # context 0: acceptance, reason 0
  04 5d 88 8a eb 1c c9 11 9f e8 08 00 2b 10 48 60 02 00 00 00   # NDR 2.0
  03 00 03 00               # context 1: negotiate_ack, reason = feature bits 0x3
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # no transfer syntax
)");

RawPdu Parse(const std::vector<uint8_t>& bytes) {
  Result<RawPdu> raw = ParsePdu(bytes);
  EXPECT_TRUE(raw.ok()) << raw.error().message;
  return raw.ok() ? *raw : RawPdu{};
}

TEST(RpcPdu, EncodesTheBindByteForByte) {
  BindBody bind;
  bind.contexts.push_back({0, kEpmInterface, {kNdrTransferSyntax}});
  PduFraming f;
  f.call_id = 1;
  EXPECT_EQ(EncodeBind(f, bind), kBind);

  RawPdu raw = Parse(kBind);
  Result<BindBody> decoded = DecodeBind(raw);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->contexts.size(), 1u);
  EXPECT_EQ(decoded->contexts[0].abstract_syntax, kEpmInterface);
  EXPECT_EQ(decoded->contexts[0].transfer_syntaxes.at(0), kNdrTransferSyntax);
}

TEST(RpcPdu, DecodesSambasBindAckAndEncodesTheSameBytes) {
  RawPdu raw = Parse(kSambaBindAck);
  Result<BindAckBody> ack = DecodeBindAck(raw);
  ASSERT_TRUE(ack.ok()) << ack.error().message;
  EXPECT_EQ(ack->max_xmit_frag, 5840);
  EXPECT_EQ(ack->assoc_group_id, 0x50d6u);
  EXPECT_EQ(ack->secondary_address, "135");
  ASSERT_EQ(ack->results.size(), 2u);
  EXPECT_EQ(ack->results[0].result, kResultAcceptance);
  EXPECT_EQ(ack->results[0].transfer_syntax, kNdrTransferSyntax);
  EXPECT_EQ(ack->results[1].result, kResultNegotiateAck);
  EXPECT_EQ(ContextResultName(ack->results[1].result), "negotiate ack");

  PduFraming f;
  f.call_id = 1;
  EXPECT_EQ(EncodeBindAck(f, *ack), kSambaBindAck) << "our encoder writes what Samba writes";
}

TEST(RpcPdu, DecodesBindNakAndFault) {
  std::vector<uint8_t> nak = Hex(R"(
    05 00 0d 03 10 00 00 00   # bind_nak
    15 00 00 00 01 00 00 00   # frag_length 21, call_id 1
    02 00                     # provider_reject_reason 2
    01 05 00                  # one supported version: 5.0
  )");
  Result<BindNakBody> n = DecodeBindNak(Parse(nak));
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(n->reject_reason, 2);
  EXPECT_EQ(BindNakReasonName(n->reject_reason), "local limit exceeded");
  EXPECT_EQ(n->versions, (std::vector<std::pair<uint8_t, uint8_t>>{{5, 0}}));
  PduFraming f;
  f.call_id = 1;
  EXPECT_EQ(EncodeBindNak(f, *n), nak);

  std::vector<uint8_t> fault = Hex(R"(
    05 00 03 03 10 00 00 00   # fault
    20 00 00 00 02 00 00 00   # frag_length 32, call_id 2
    00 00 00 00               # alloc_hint 0
    00 00 00 00               # p_cont_id 0, cancel_count 0, reserved
    05 00 00 00               # status 5: access denied
    00 00 00 00               # reserved
  )");
  Result<FaultBody> fb = DecodeFault(Parse(fault));
  ASSERT_TRUE(fb.ok()) << fb.error().message;
  EXPECT_EQ(DescribeStatus(fb->status), "0x00000005 (access denied)");
  f.call_id = 2;
  EXPECT_EQ(EncodeFault(f, *fb), fault);
  EXPECT_EQ(DescribeStatus(0x1c010002),
            "0x1c010002 (nca_op_rng_error: operation number out of range)");
  EXPECT_EQ(DescribeStatus(0x12345678), "0x12345678");
}

TEST(RpcPdu, CutsARequestIntoFragments) {
  std::vector<uint8_t> stub(40);
  for (size_t i = 0; i < stub.size(); ++i) stub[i] = static_cast<uint8_t>(i);
  PduFraming f;
  f.call_id = 7;
  // 40-byte fragments leave 16 bytes of stub each after the 24-byte headers.
  std::vector<uint8_t> out = EncodeRequest(f, 0, 2, stub, 40);
  std::vector<uint8_t> expected = Hex(R"(
    05 00 00 01 10 00 00 00 28 00 00 00 07 00 00 00   # request, FIRST only, frag 40, call 7
    28 00 00 00 00 00 02 00                           # alloc_hint 40, context 0, opnum 2
    00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f
    05 00 00 00 10 00 00 00 28 00 00 00 07 00 00 00   # middle fragment: no flags
    18 00 00 00 00 00 02 00                           # alloc_hint 24: what is left
    10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f
    05 00 00 02 10 00 00 00 20 00 00 00 07 00 00 00   # LAST, frag 32
    08 00 00 00 00 00 02 00
    20 21 22 23 24 25 26 27
  )");
  EXPECT_EQ(out, expected);
  // One PDU when it fits, and for an empty stub.
  EXPECT_EQ(EncodeRequest(f, 0, 2, stub, 5840).size(), 64u);
  EXPECT_EQ(EncodeResponse(f, 0, {}, 5840).size(), 24u);
}

TEST(RpcPdu, ReadsBigEndianHeadersAndBodies) {
  std::vector<uint8_t> response = Hex(R"(
    05 00 02 03 00 00 00 00   # response; drep 0x00: big-endian integers
    00 1c 00 00 00 00 00 09   # frag_length 28, auth_length 0, call_id 9
    00 00 00 04 00 00 00 00   # alloc_hint 4, p_cont_id 0, cancel_count 0, reserved
    de ad be ef               # stub
  )");
  RawPdu raw = Parse(response);
  EXPECT_EQ(raw.header.order(), ByteOrder::kBig);
  EXPECT_EQ(raw.header.call_id, 9u);
  Result<ResponseBody> body = DecodeResponse(raw);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->alloc_hint, 4u);
  EXPECT_EQ(std::vector<uint8_t>(body->stub.begin(), body->stub.end()), Hex("de ad be ef"));
  PduFraming f;
  f.call_id = 9;
  f.order = ByteOrder::kBig;
  EXPECT_EQ(EncodeResponse(f, 0, body->stub, 5840), response);
}

TEST(RpcPdu, SplitsTheAuthTrailerOff) {
  std::vector<uint8_t> request = Hex(R"(
    05 00 00 03 10 00 00 00 2c 00 00 00 03 00 00 00   # request, frag 44, auth_length 0 (patched below)
    02 00 00 00 00 00 02 00   # alloc_hint 2, context 0, opnum 2
    aa bb                     # stub
    00 00                     # auth padding to a 4-byte boundary
    0a 02 02 00 01 00 00 00   # sec_trailer: NTLM, level 2, pad 2, reserved, context 1
    11 22 33 44 55 66 77 88   # auth_value
  )");
  request[10] = 8;  // auth_length
  RawPdu raw = Parse(request);
  ASSERT_TRUE(raw.auth.has_value());
  EXPECT_EQ(raw.auth->auth_type, 10);
  EXPECT_EQ(raw.auth->auth_pad_length, 2);
  EXPECT_EQ(raw.auth->auth_value, Hex("11 22 33 44 55 66 77 88"));
  Result<RequestBody> body = DecodeRequest(raw);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(std::vector<uint8_t>(body->stub.begin(), body->stub.end()), Hex("aa bb"));

  AuthVerifier auth = *raw.auth;
  PduFraming f;
  f.call_id = 3;
  f.auth = &auth;
  EXPECT_EQ(EncodeRequest(f, 0, 2, body->stub, 5840), request) << "the encoder pads the same way";
}

TEST(RpcPdu, HeaderErrorsNameTheField) {
  std::vector<uint8_t> bad = kBind;
  bad[0] = 4;
  EXPECT_EQ(ParsePdu(bad).error().message,
            "byte 0: rpc_vers: 4, expected 5 (not a connection-oriented DCE/RPC PDU)");
  bad = kBind;
  bad[4] = 0x11;
  EXPECT_EQ(ParsePdu(bad).error().message, "byte 4: drep: EBCDIC character set is not supported");
  bad = kBind;
  bad[8] = 12;
  EXPECT_EQ(ParsePdu(bad).error().message,
            "byte 8: frag_length: 12 is shorter than the 16-byte header");
  bad = kBind;
  bad[10] = 0x40;  // auth_length 64 in a 72-byte PDU
  EXPECT_EQ(ParsePdu(bad).error().message,
            "byte 8: frag_length: 72 cannot hold the header and an auth trailer of 72 bytes");
  Result<BindAckBody> wrong = DecodeBindAck(Parse(kBind));
  EXPECT_EQ(wrong.error().message,
            "byte 2: ptype: 11 (bind), expected bind_ack or alter_context_resp");
}

TEST(RpcPdu, EveryCutOfEveryPduFailsCleanly) {
  for (const std::vector<uint8_t>& pdu : {kBind, kSambaBindAck}) {
    for (size_t n = 0; n < pdu.size(); ++n) {
      std::vector<uint8_t> cut(pdu.begin(), pdu.begin() + static_cast<std::ptrdiff_t>(n));
      Result<RawPdu> raw = ParsePdu(cut);
      EXPECT_FALSE(raw.ok()) << n;
      // With frag_length patched to the cut, the body decoders fail instead.
      if (n >= kHeaderSize) {
        cut[8] = static_cast<uint8_t>(n);
        Result<RawPdu> shortened = ParsePdu(cut);
        ASSERT_TRUE(shortened.ok()) << n;
        if (pdu[2] == 11) {
          EXPECT_FALSE(DecodeBind(*shortened).ok()) << n;
        } else {
          EXPECT_FALSE(DecodeBindAck(*shortened).ok()) << n;
        }
      }
    }
  }
}

}  // namespace
}  // namespace highport::rpc
