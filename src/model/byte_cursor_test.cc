#include "model/byte_cursor.h"

#include <gtest/gtest.h>

namespace highport {
namespace {

const std::vector<uint8_t> kBytes{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};

TEST(ByteCursor, ReadsInEitherOrder) {
  ByteCursor le(kBytes, ByteOrder::kLittle);
  EXPECT_EQ(le.U16("a"), 0x0201);
  EXPECT_EQ(le.U32("b"), 0x06050403u);
  EXPECT_EQ(le.U16Be("c"), 0x0708);
  EXPECT_EQ(le.U8("d"), 0x09);
  EXPECT_TRUE(le.ok());
  EXPECT_TRUE(le.empty());

  ByteCursor be(kBytes, ByteOrder::kBig);
  EXPECT_EQ(be.U32("a"), 0x01020304u);
  EXPECT_EQ(be.U32Le("b"), 0x08070605u);
  ByteCursor wide(kBytes, ByteOrder::kBig);
  EXPECT_EQ(wide.U64("q"), 0x0102030405060708ull);
}

TEST(ByteCursor, ShortReadFailsWithOffsetAndFieldAndSticks) {
  ByteCursor c(std::span<const uint8_t>(kBytes).first(3), ByteOrder::kLittle, 100);
  EXPECT_EQ(c.U16("first"), 0x0201);
  EXPECT_EQ(c.U16("frag_length"), 0);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.ErrorText(), "byte 102: frag_length: needs 2 bytes, 1 left");
  // Nothing moves after a failure, and the first failure is the one kept.
  EXPECT_EQ(c.U8("later"), 0);
  EXPECT_EQ(c.offset(), 102u);
  EXPECT_EQ(c.ErrorText(), "byte 102: frag_length: needs 2 bytes, 1 left");
  EXPECT_TRUE(c.Bytes(1, "x").empty());
}

TEST(ByteCursor, SubCursorIsBoundedAndOnlyShrinks) {
  ByteCursor c(kBytes);
  c.Skip(1, "head");
  ByteCursor sub = c.Sub(4, "body");
  EXPECT_EQ(c.offset(), 5u) << "the parent skips what the sub-cursor covers";
  EXPECT_EQ(sub.offset(), 1u) << "offsets stay absolute";
  EXPECT_EQ(sub.U16("x"), 0x0302);
  EXPECT_FALSE(sub.Limit(3, "grow")) << "a limit beyond what is left fails";
  EXPECT_EQ(sub.ErrorText(), "byte 3: grow: needs 3 bytes, 2 left");
  EXPECT_TRUE(c.ok()) << "a sub-cursor's failure stays its own";
  EXPECT_FALSE(c.Adopt(sub));
  EXPECT_EQ(c.ErrorText(), "byte 3: grow: needs 3 bytes, 2 left");

  ByteCursor d(kBytes);
  ASSERT_TRUE(d.Limit(2, "shrink"));
  d.U16("a");
  d.U8("beyond");
  EXPECT_EQ(d.ErrorText(), "byte 2: beyond: needs 1 byte, 0 left");

  ByteCursor e(kBytes);
  ByteCursor too_long = e.Sub(10, "length field");
  EXPECT_FALSE(e.ok());
  EXPECT_FALSE(too_long.ok());
  EXPECT_EQ(e.ErrorText(), "byte 0: length field: needs 10 bytes, 9 left");
}

TEST(ByteCursor, AlignsFromTheOriginAcrossSubCursors) {
  ByteCursor c(kBytes, ByteOrder::kLittle, 16);
  c.Skip(1, "a");
  EXPECT_TRUE(c.Align(4, "pad"));
  EXPECT_EQ(c.position(), 4u);
  ByteCursor sub = c.Sub(5, "sub");
  sub.Skip(1, "b");
  sub.Align(4, "pad");
  EXPECT_EQ(sub.offset(), 24u) << "alignment counts from the outer origin";
  c.set_align_origin(0);
  EXPECT_FALSE(c.Align(8, "tail"));
  EXPECT_EQ(c.ErrorText(), "byte 25: tail: needs 7 bytes of padding to a 8-byte boundary, 0 left");
}

TEST(ByteCursor, FailRecordsAValueProblem) {
  ByteCursor c(kBytes);
  c.U8("rpc_vers");
  EXPECT_FALSE(c.FailAt(0, "rpc_vers", "4, expected 5"));
  EXPECT_EQ(c.ErrorText(), "byte 0: rpc_vers: 4, expected 5");
}

TEST(ByteCursor, WriterRoundTripsAndPatches) {
  ByteWriter w(ByteOrder::kBig);
  w.U8(0xaa);
  w.Align(4);
  w.U32(0x01020304);
  w.U16Le(0x0506);
  w.U16(0);
  EXPECT_TRUE(w.PatchU16(10, 0x0708));
  EXPECT_FALSE(w.PatchU32(9, 1)) << "a patch must land inside what was written";
  EXPECT_EQ(w.bytes(), (std::vector<uint8_t>{0xaa, 0, 0, 0, 1, 2, 3, 4, 6, 5, 7, 8}));
  std::vector<uint8_t> bytes = w.Take();
  ByteCursor c(bytes, ByteOrder::kBig);
  c.U8("a");
  c.Align(4, "pad");
  EXPECT_EQ(c.U32("b"), 0x01020304u);
  EXPECT_EQ(c.U16Le("c"), 0x0506);
  EXPECT_EQ(c.U16("d"), 0x0708);
  EXPECT_TRUE(c.empty());
}

TEST(ByteCursor, EveryCutOfARecordFailsCleanly) {
  ByteWriter w;
  w.U16(7);
  w.U32(9);
  w.Text("abc");
  std::vector<uint8_t> full = w.Take();
  for (size_t n = 0; n < full.size(); ++n) {
    ByteCursor c(std::span<const uint8_t>(full).first(n));
    c.U16("a");
    c.U32("b");
    c.Bytes(3, "c");
    EXPECT_FALSE(c.ok()) << n;
    EXPECT_LE(c.error()->offset, n);
  }
}

}  // namespace
}  // namespace highport
