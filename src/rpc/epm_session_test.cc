#include "rpc/epm_session.h"

#include <gtest/gtest.h>

#include "rpc/epm_responder.h"
#include "rpc/pdu_names.h"
#include "rpc/rpc_test_util.h"

namespace highport::rpc {
namespace {

using testing::Converse;
using testing::Hex;
using testing::ManyEntries;
using testing::ReadFixture;
using testing::SampleEntries;

void ExpectSameEntries(const std::vector<EpmEntry>& got, const std::vector<EpmEntry>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].object, want[i].object) << i;
    EXPECT_EQ(got[i].interface, want[i].interface) << i;
    EXPECT_EQ(got[i].transfer, want[i].transfer) << i;
    EXPECT_EQ(got[i].annotation, want[i].annotation) << i;
    EXPECT_EQ(got[i].binding.ToString(), want[i].binding.ToString()) << i;
    EXPECT_EQ(got[i].binding.unknown_floors, want[i].binding.unknown_floors) << i;
  }
}

struct Shape {
  EndOfList end;
  uint32_t batch;
  uint16_t max_frag;
  size_t chunk;  // 0: whole writes
};

class EpmSessionShapes : public ::testing::TestWithParam<Shape> {};

TEST_P(EpmSessionShapes, KeepsEveryEntryWhateverTheEndAndTheFraming) {
  const Shape& s = GetParam();
  std::vector<EpmEntry> entries = ManyEntries(37);
  EpmResponderOptions options;
  options.end_of_list = s.end;
  options.batch_limit = s.batch;
  options.max_frag = s.max_frag;
  EpmResponder server(entries, options);
  EpmSession session(EpmQuery{});
  Converse(session, server, s.chunk);
  ASSERT_TRUE(session.finished());
  EXPECT_EQ(session.outcome().status, EpmStatus::kOk) << session.outcome().detail;
  EXPECT_TRUE(server.error().empty()) << server.error();
  ExpectSameEntries(session.outcome().entries, entries);
  EXPECT_TRUE(session.outcome().notes.empty()) << ::testing::PrintToString(session.outcome().notes);
  uint32_t batches = (37 + s.batch - 1) / s.batch;
  uint32_t calls = s.end == EndOfList::kSambaDc ? batches + 1 : batches;
  EXPECT_EQ(session.outcome().calls, calls);
}

INSTANTIATE_TEST_SUITE_P(EndsBatchesFragments, EpmSessionShapes,
                         ::testing::Values(Shape{EndOfList::kWindows, 500, 5840, 0},
                                           Shape{EndOfList::kWindows, 1, 5840, 0},
                                           Shape{EndOfList::kWindows, 3, 64, 7},
                                           Shape{EndOfList::kSambaDc, 500, 5840, 0},
                                           Shape{EndOfList::kSambaDc, 1, 5840, 1},
                                           Shape{EndOfList::kSambaDc, 3, 32, 0},
                                           Shape{EndOfList::kSambaMember, 500, 5840, 1},
                                           Shape{EndOfList::kSambaMember, 1, 100, 0},
                                           Shape{EndOfList::kSambaMember, 3, 5840, 13},
                                           Shape{EndOfList::kWindows, 37, 32, 1}));

TEST(EpmSession, TheFirstBytesAreTheBind) {
  EpmSession session(EpmQuery{});
  std::vector<uint8_t> bind = session.TakeOutput();
  ASSERT_EQ(bind.size(), 72u);
  EXPECT_EQ(bind[2], 11);
  EXPECT_TRUE(session.TakeOutput().empty()) << "nothing more until the bind_ack";
}

TEST(EpmSession, BigEndianServer) {
  EpmResponderOptions options;
  options.order = ByteOrder::kBig;
  options.batch_limit = 2;
  EpmResponder server(SampleEntries(), options);
  EpmSession session(EpmQuery{});
  Converse(session, server);
  EXPECT_EQ(session.outcome().status, EpmStatus::kOk) << session.outcome().detail;
  ExpectSameEntries(session.outcome().entries, SampleEntries());
}

TEST(EpmSession, EmptyListings) {
  for (EndOfList end : {EndOfList::kWindows, EndOfList::kSambaDc, EndOfList::kSambaMember}) {
    EpmResponderOptions options;
    options.end_of_list = end;
    EpmResponder server({}, options);
    EpmSession session(EpmQuery{});
    Converse(session, server);
    EXPECT_EQ(session.outcome().status, EpmStatus::kOk) << session.outcome().detail;
    EXPECT_TRUE(session.outcome().entries.empty());
    EXPECT_EQ(session.outcome().calls, 1u);
  }
}

TEST(EpmSession, Refusals) {
  EpmResponderOptions nak;
  nak.refuse_bind = true;
  EpmResponder refusing(SampleEntries(), nak);
  EpmSession a(EpmQuery{});
  Converse(a, refusing);
  EXPECT_EQ(a.outcome().status, EpmStatus::kRefused);
  EXPECT_EQ(a.outcome().detail, "bind_nak: reason 2 (local limit exceeded)");

  EpmResponderOptions deny;
  deny.deny_lookup = true;
  EpmResponder denying(SampleEntries(), deny);
  EpmSession b(EpmQuery{});
  Converse(b, denying);
  EXPECT_EQ(b.outcome().status, EpmStatus::kRefused);
  EXPECT_EQ(b.outcome().detail, "fault 0x00000005 (access denied) on ept_lookup call 1");
  EXPECT_EQ(b.outcome().calls, 1u);
}

TEST(EpmSession, RejectedPresentationContext) {
  EpmSession session(EpmQuery{});
  session.TakeOutput();
  session.Feed(Hex(R"(
    05 00 0c 03 10 00 00 00 48 00 00 00 01 00 00 00   # bind_ack, frag 72, call 1
    d0 16 d0 16 00 00 00 00   # fragment sizes, assoc group 0
    00 00 00 00               # sec_addr: length 0, pad
    01 00 00 00               # one result
    02 00 02 00               # provider rejection, proposed transfer syntaxes not supported
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   # trailing bytes within frag_length
  )"));
  ASSERT_TRUE(session.finished());
  EXPECT_EQ(session.outcome().status, EpmStatus::kRefused);
  EXPECT_EQ(session.outcome().detail,
            "bind_ack: presentation context 0 rejected: provider rejection, reason 2 "
            "(proposed transfer syntaxes not supported)");
}

TEST(EpmSession, AServerThatNeverEndsIsBounded) {
  EpmResponderOptions options;
  options.endless = true;
  options.batch_limit = 2;
  EpmResponder server(SampleEntries(), options);
  EpmQuery query;
  query.max_calls = 5;
  EpmSession session(query);
  Converse(session, server);
  EXPECT_EQ(session.outcome().status, EpmStatus::kProtocolError);
  EXPECT_EQ(session.outcome().detail,
            "the server had not ended the listing after 5 ept_lookup calls (max_calls)");
  EXPECT_EQ(session.outcome().entries.size(), 10u) << "what came is kept";

  EpmResponder again(SampleEntries(), options);
  query.max_calls = 1000;
  query.max_entries = 7;
  EpmSession bounded(query);
  Converse(bounded, again);
  EXPECT_EQ(bounded.outcome().detail,
            "stopped after 7 entries (max_entries); the server had not ended the listing");
  EXPECT_EQ(bounded.outcome().entries.size(), 7u);
}

TEST(EpmSession, MapResolvesOneInterface) {
  std::vector<EpmEntry> entries = SampleEntries();
  EpmResponder server(entries);
  EpmQuery query;
  query.kind = EpmQuery::Kind::kMap;
  query.map_interface = entries[0].interface;  // drsuapi: ncacn_ip_tcp and ncacn_http
  EpmSession session(query);
  Converse(session, server, 5);
  EXPECT_EQ(session.outcome().status, EpmStatus::kOk) << session.outcome().detail;
  ASSERT_EQ(session.outcome().entries.size(), 1u);
  EXPECT_EQ(session.outcome().entries[0].binding.ToString(), "ncacn_ip_tcp:10.0.0.5[49667]");

  query.map_interface.version_major = 9;
  EpmResponder server2(entries);
  EpmSession missing(query);
  Converse(missing, server2);
  EXPECT_EQ(missing.outcome().status, EpmStatus::kOk);
  EXPECT_TRUE(missing.outcome().entries.empty());
}

// Samba 4.17's AD DC, captured: bind_ack, one answer of 53 entries in two
// fragments (5840 + 892 bytes), then the empty batch with 0x16c9a0d6. The
// capture's client bound with call_id 1 and asked with call_id 2, as we do.
TEST(EpmSession, ReplaysSambasAnswer) {
  std::vector<uint8_t> stream = ReadFixture("samba417_dc_lookup500_s2c.bin");
  ASSERT_EQ(stream.size(), 6880u);
  for (size_t chunk : {size_t{6880}, size_t{1}, size_t{1000}}) {
    EpmSession session(EpmQuery{});
    session.TakeOutput();
    for (size_t i = 0; i < stream.size() && !session.finished(); i += chunk) {
      session.Feed(std::span<const uint8_t>(stream).subspan(i, std::min(chunk, stream.size() - i)));
    }
    ASSERT_TRUE(session.finished()) << chunk;
    const EpmOutcome& o = session.outcome();
    EXPECT_EQ(o.status, EpmStatus::kOk) << o.detail;
    EXPECT_EQ(o.entries.size(), 53u);
    EXPECT_EQ(o.calls, 2u);
    EXPECT_EQ(o.detail,
              "53 entries in 2 ept_lookup calls; the listing ended with status 0x16c9a0d6 "
              "(ept_s_not_registered: no more entries)");
    EXPECT_TRUE(o.notes.empty()) << ::testing::PrintToString(o.notes);
  }
}

TEST(EpmSession, EveryCutOfARealConversationEndsCleanly) {
  std::vector<uint8_t> stream = ReadFixture("samba417_dc_lookup500_s2c.bin");
  for (size_t n = 0; n < stream.size(); n += (n < 200 ? 1 : 97)) {
    EpmSession session(EpmQuery{});
    session.TakeOutput();
    session.Feed(std::span<const uint8_t>(stream).first(n));
    EXPECT_FALSE(session.finished()) << n;
    session.PeerClosed();
    EXPECT_EQ(session.outcome().status, EpmStatus::kProtocolError) << n;
    EXPECT_EQ(session.outcome().detail.rfind("connection closed while waiting for ", 0), 0u)
        << session.outcome().detail;
  }
}

TEST(EpmSession, MalformedInputNamesThePduByteAndField) {
  EpmSession session(EpmQuery{});
  session.TakeOutput();
  std::vector<uint8_t> ack = ReadFixture("samba417_dc_lookup500_s2c.bin");
  ack.resize(84);
  session.Feed(ack);
  ASSERT_FALSE(session.finished());
  EXPECT_FALSE(session.TakeOutput().empty());
  session.Feed(Hex("05 00 02 03 10 00 00 00 28 23 00 00 02 00 00 00"));  // frag_length 9000
  ASSERT_TRUE(session.finished());
  EXPECT_EQ(session.outcome().detail,
            "response PDU 2, byte 8: frag_length: 9000 exceeds max_recv_frag 5840");

  EpmSession wrong_call(EpmQuery{});
  wrong_call.TakeOutput();
  std::vector<uint8_t> other = ack;
  other[12] = 9;
  wrong_call.Feed(other);
  EXPECT_EQ(wrong_call.outcome().detail, "bind_ack PDU 1, byte 12: call_id: 9, expected 1");

  EpmSession garbage(EpmQuery{});
  garbage.TakeOutput();
  garbage.Feed(Hex("48 54 54 50 2f 31 2e 31 20 34 30 30 20 42 61 64"));  // "HTTP/1.1 400 Bad"
  EXPECT_EQ(garbage.outcome().status, EpmStatus::kProtocolError);
  EXPECT_EQ(garbage.outcome().detail,
            "PDU 1, byte 0: rpc_vers: 72, expected 5 (not a connection-oriented DCE/RPC PDU)");
}

}  // namespace
}  // namespace highport::rpc
