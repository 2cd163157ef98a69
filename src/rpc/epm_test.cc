#include "rpc/epm.h"

#include <gtest/gtest.h>

#include "rpc/pdu.h"
#include "rpc/pdu_names.h"
#include "rpc/pdu_stream.h"
#include "rpc/rpc_test_util.h"
#include "rpc/tower.h"

namespace highport::rpc {
namespace {

using testing::Hex;
using testing::ReadFixture;

// The ept_lookup request, as C706 Appendix O and NDR lay it out.
const std::vector<uint8_t> kLookupRequest = Hex(R"(
  00 00 00 00   # inquiry_type 0: RPC_C_EP_ALL_ELTS
  00 00 00 00   # object: null unique pointer
  00 00 00 00   # Ifid: null unique pointer
  01 00 00 00   # vers_option 1: RPC_C_VERS_ALL
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # entry_handle: nil
  14 00 00 00   # max_ents 20
)");

// An ept_lookup response with two entries, derived by hand: one with a
// 4-floor ncalrpc tower and a 5-byte annotation, one with a null tower and
// an empty annotation.
const std::vector<uint8_t> kLookupResponse = Hex(R"(
  00 00 00 00 a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae af   # entry_handle
  02 00 00 00   # num_ents 2
  14 00 00 00   # entries: max_count 20 (the request's max_ents)
  00 00 00 00   #          offset 0
  02 00 00 00   #          actual_count 2
  # entry 1
  78 56 34 12 34 12 cd ab ef 00 01 23 45 67 89 ab   # object 12345678-1234-abcd-ef00-0123456789ab
  00 00 02 00   # tower: referent 0x00020000
  00 00 00 00   # annotation: offset 0
  06 00 00 00   #             actual_count 6, with the NUL
  61 75 64 69 74 00   # "audit"
  00 00         # pad to 4
  # entry 2
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # object: nil
  00 00 00 00   # tower: null
  00 00 00 00 01 00 00 00 00   # annotation: offset 0, actual_count 1, ""
  00 00 00      # pad to 4
  # deferred: entry 1's twr_t
  46 00 00 00   # max_count 70 (conformance of tower_octet_string)
  46 00 00 00   # tower_length 70
  04 00
  13 00 0d 78 57 34 12 34 12 cd ab ef 00 01 23 45 67 89 ab 00 00 02 00 00 00   # lsarpc v0.0
  13 00 0d 04 5d 88 8a eb 1c c9 11 9f e8 08 00 2b 10 48 60 02 00 02 00 00 00   # NDR v2.0
  01 00 0c 02 00 00 00            # ncalrpc
  01 00 10 06 00 61 75 64 69 74 00   # endpoint "audit"
  00 00         # pad to 4
  d6 a0 c9 16   # status 0x16c9a0d6: no more entries
)");

TEST(EpmCodec, EncodesTheLookupRequest) {
  LookupRequest r;
  r.max_ents = 20;
  EXPECT_EQ(EncodeLookupRequest(r, ByteOrder::kLittle), kLookupRequest);
  Result<LookupRequest> back = DecodeLookupRequest(kLookupRequest, ByteOrder::kLittle);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->max_ents, 20u);
  EXPECT_FALSE(back->object.has_value());

  // Samba's python client sent exactly this (call 2, after its bind).
  std::vector<uint8_t> stream = ReadFixture("samba417_dc_lookup500_c2s.bin");
  PduFramer framer(5840);
  framer.Push(stream);
  Frame bind, request;
  std::string error;
  ASSERT_EQ(framer.Next(bind, error), PduFramer::Step::kFrame);
  ASSERT_EQ(framer.Next(request, error), PduFramer::Step::kFrame);
  Result<RawPdu> raw = ParsePdu(request.bytes);
  ASSERT_TRUE(raw.ok());
  Result<RequestBody> body = DecodeRequest(*raw);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->opnum, kOpEptLookup);
  LookupRequest samba;
  samba.max_ents = 500;
  EXPECT_EQ(std::vector<uint8_t>(body->stub.begin(), body->stub.end()),
            EncodeLookupRequest(samba, ByteOrder::kLittle));
}

TEST(EpmCodec, DecodesAHandWrittenLookupResponse) {
  Result<LookupResponse> r = DecodeLookupResponse(kLookupResponse, ByteOrder::kLittle);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->notes.empty());
  EXPECT_EQ(r->status, kEptNoMoreEntries);
  ASSERT_EQ(r->entries.size(), 2u);
  EXPECT_EQ(r->entries[0].object.ToString(), "12345678-1234-abcd-ef00-0123456789ab");
  EXPECT_EQ(r->entries[0].annotation, "audit");
  ASSERT_TRUE(r->entries[0].tower.has_value());
  EXPECT_EQ(DecodeTower(*r->entries[0].tower).binding.ToString(), "ncalrpc:[audit]");
  EXPECT_FALSE(r->entries[1].tower.has_value());
  EXPECT_EQ(r->entries[1].annotation, "");

  // And the encoder writes the same bytes from the decoded values.
  EXPECT_EQ(EncodeLookupResponse(*r, 20, ByteOrder::kLittle), kLookupResponse);
}

TEST(EpmCodec, BigEndianResponsesRoundTrip) {
  Result<LookupResponse> r = DecodeLookupResponse(kLookupResponse, ByteOrder::kLittle);
  ASSERT_TRUE(r.ok());
  std::vector<uint8_t> be = EncodeLookupResponse(*r, 20, ByteOrder::kBig);
  EXPECT_NE(be, kLookupResponse);
  Result<LookupResponse> back = DecodeLookupResponse(be, ByteOrder::kBig);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->entries[0].object, r->entries[0].object);
  EXPECT_EQ(back->entries[0].tower, r->entries[0].tower) << "towers keep their own byte order";
  EXPECT_EQ(back->status, kEptNoMoreEntries);
}

TEST(EpmCodec, EveryCutOfTheResponseIsAnErrorWithAnOffset) {
  for (size_t n = 0; n < kLookupResponse.size(); ++n) {
    Result<LookupResponse> r = DecodeLookupResponse(
        std::span<const uint8_t>(kLookupResponse).first(n), ByteOrder::kLittle);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_NE(r.error().message.find("byte "), std::string::npos) << r.error().message;
  }
  EXPECT_EQ(
      DecodeLookupResponse(std::span<const uint8_t>(kLookupResponse).first(100), ByteOrder::kLittle)
          .error()
          .message,
      "entry 2: byte 100: annotation: needs 1 byte, 0 left");
}

TEST(EpmCodec, RefusesCountsTheBytesCannotHold) {
  std::vector<uint8_t> bad = kLookupResponse;
  bad[32] = 0xff;  // actual_count 255
  bad[33] = 0xff;
  Result<LookupResponse> r = DecodeLookupResponse(bad, ByteOrder::kLittle);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "byte 36: entries: actual_count 65535 cannot fit in the 152 bytes left");
}

TEST(EpmCodec, ToleratesOddButReadableResponses) {
  std::vector<uint8_t> odd = kLookupResponse;
  odd[20] = 3;  // num_ents 3 while two entries follow
  Result<LookupResponse> r = DecodeLookupResponse(odd, ByteOrder::kLittle);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->entries.size(), 2u);
  EXPECT_EQ(r->notes,
            std::vector<std::string>{"num_ents 3 but the array's actual_count is 2; read 2"});
}

// The stubs Samba 4.17's AD DC returned for ept_lookup with max_ents 20:
// three batches with a live handle, then an empty one with 0x16c9a0d6.
TEST(EpmCodec, DecodesSambasRealListing) {
  std::vector<uint8_t> stream = ReadFixture("samba417_dc_lookup20_s2c.bin");
  PduFramer framer(5840);
  framer.Push(stream);
  FragmentJoiner joiner(1 << 20);
  Frame frame;
  std::string error;
  std::vector<LookupResponse> calls;
  while (framer.Next(frame, error) == PduFramer::Step::kFrame) {
    Result<RawPdu> raw = ParsePdu(frame.bytes);
    ASSERT_TRUE(raw.ok());
    if (raw->header.ptype != static_cast<uint8_t>(PType::kResponse)) continue;
    Result<ResponseBody> body = DecodeResponse(*raw);
    ASSERT_TRUE(body.ok());
    std::vector<uint8_t> stub;
    Result<bool> done = joiner.Add(raw->header, body->stub, stub);
    ASSERT_TRUE(done.ok());
    if (!*done) continue;
    Result<LookupResponse> r = DecodeLookupResponse(stub, ByteOrder::kLittle);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->notes.empty()) << ::testing::PrintToString(r->notes);
    calls.push_back(*r);
    // Re-encoding gives Samba's bytes but for the referent ids (Samba counts 1, 2, ...).
    Result<LookupResponse> again =
        DecodeLookupResponse(EncodeLookupResponse(*r, 20, ByteOrder::kLittle), ByteOrder::kLittle);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->entries.size(), r->entries.size());
  }
  EXPECT_TRUE(error.empty()) << error;
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].entries.size(), 20u);
  EXPECT_EQ(calls[2].entries.size(), 13u);
  EXPECT_FALSE(calls[2].entry_handle.is_nil()) << "the DC does not say the list ended";
  EXPECT_EQ(calls[2].status, 0u);
  EXPECT_TRUE(calls[3].entries.empty());
  EXPECT_TRUE(calls[3].entry_handle.is_nil());
  EXPECT_EQ(calls[3].status, kEptNoMoreEntries);
  EXPECT_EQ(calls[0].entries[0].annotation, "dnsserver");
  DecodedTower first = DecodeTower(*calls[0].entries[0].tower);
  EXPECT_EQ(first.interface.uuid.ToString(), "50abc2a4-574d-40b3-9d66-ee4fd5fba076");
  EXPECT_EQ(first.binding.ToString(), "ncacn_np:[\\pipe\\dnsserver]");
}

// ept_map for drsuapi over TCP, answered by the same DC.
TEST(EpmCodec, MapRequestAndResponseMatchSamba) {
  std::vector<uint8_t> c2s = ReadFixture("samba417_dc_map_c2s.bin");
  std::vector<uint8_t> s2c = ReadFixture("samba417_dc_map_s2c.bin");
  ASSERT_GE(c2s.size(), 116u + 24u);
  ASSERT_GE(s2c.size(), 84u + 24u);
  // Our map request's stub equals the one the capture's client sent (written
  // for this capture from C706, so this checks that Samba accepted it).
  SyntaxId drsuapi{testing::U("e3514235-4b06-11d1-ab04-00c04fc2dcd2"), 4, 0};
  MapRequest req;
  req.object = Uuid{};
  req.tower =
      EncodeTower(drsuapi, kNdrTransferSyntax, Binding{"ncacn_ip_tcp", "0.0.0.0", 0, "", {}});
  EXPECT_EQ(EncodeMapRequest(req, ByteOrder::kLittle),
            std::vector<uint8_t>(c2s.begin() + 116 + 24, c2s.end()));

  std::span<const uint8_t> stub = std::span<const uint8_t>(s2c).subspan(84 + 24);
  Result<MapResponse> r = DecodeMapResponse(stub, ByteOrder::kLittle);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 0u);
  ASSERT_EQ(r->towers.size(), 1u);
  DecodedTower t = DecodeTower(r->towers[0]);
  EXPECT_EQ(t.interface, drsuapi);
  EXPECT_EQ(t.binding.ToString(), "ncacn_ip_tcp:0.0.0.0[49153]");
  for (size_t n = 0; n < stub.size(); ++n) {
    EXPECT_FALSE(DecodeMapResponse(stub.first(n), ByteOrder::kLittle).ok()) << n;
  }
}

}  // namespace
}  // namespace highport::rpc
