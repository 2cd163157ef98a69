#include "text/decode.h"

#include <gtest/gtest.h>

namespace highport::text {
namespace {

std::string Utf16Le(std::string_view ascii, bool bom) {
  std::string out = bom ? "\xFF\xFE" : "";
  for (char c : ascii) {
    out += c;
    out += '\0';
  }
  return out;
}

std::string Utf16Be(std::string_view ascii) {
  std::string out;
  for (char c : ascii) {
    out += '\0';
    out += c;
  }
  return out;
}

TEST(Decode, Utf16LittleEndianWithAndWithoutBom) {
  for (bool bom : {true, false}) {
    DecodedText d = Decode(Utf16Le("  TCP    0.0.0.0:135\r\n", bom));
    EXPECT_EQ(d.encoding, Encoding::kUtf16Le);
    EXPECT_EQ(d.utf8, "  TCP    0.0.0.0:135\r\n");
    EXPECT_EQ(d.replaced, 0u);
  }
}

TEST(Decode, Utf16BigEndian) {
  DecodedText d = Decode(Utf16Be("Proto  Local Address\n"));
  EXPECT_EQ(d.encoding, Encoding::kUtf16Be);
  EXPECT_EQ(d.utf8, "Proto  Local Address\n");
  EXPECT_EQ(Decode("\xFE\xFF" + Utf16Be("x")).utf8, "x");
}

TEST(Decode, OemCodePage850GermanListening) {
  // cmd.exe redirects netstat in the console code page: "Ö" is 0x99 in CP850.
  DecodedText d = Decode("  TCP    0.0.0.0:135   0.0.0.0:0   ABH\x99REN   624\n");
  EXPECT_EQ(d.encoding, Encoding::kCp850);
  EXPECT_NE(d.utf8.find("ABHÖREN"), std::string::npos);
}

TEST(Decode, Windows1252GermanListening) {
  DecodedText d = Decode("  TCP    0.0.0.0:135   0.0.0.0:0   ABH\xD6REN   624\n");
  EXPECT_EQ(d.encoding, Encoding::kCp1252);
  EXPECT_NE(d.utf8.find("ABHÖREN"), std::string::npos);
}

TEST(Decode, Utf8WithBomAndForcedEncoding) {
  EXPECT_EQ(Decode("\xEF\xBB\xBF" "ABHÖREN").utf8, "ABHÖREN");
  EXPECT_EQ(Decode("ABHÖREN").encoding, Encoding::kUtf8);
  EXPECT_EQ(Decode("ABH\x99REN", Encoding::kCp1252).utf8, "ABH™REN");
}

TEST(Decode, BrokenInputIsReplacedNotLost) {
  // An odd trailing byte in UTF-16: the text before it survives.
  DecodedText d = Decode(Utf16Le("ok", true) + "x", Encoding::kUtf16Le);
  EXPECT_EQ(d.utf8.substr(0, 2), "ok");
  EXPECT_EQ(d.replaced, 1u);
}

TEST(SplitLines, CrLfLfAndNuls) {
  std::vector<std::string> lines = SplitLines("a\r\nb\n\nc\r\r\nd");
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "a");
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(lines[3], "c");
  EXPECT_EQ(lines[4], "d");
  EXPECT_EQ(SplitLines("a\n").size(), 1u);
  EXPECT_EQ(SplitLines(std::string("a\0b\n", 4))[0], "ab");
}

TEST(ParseEncoding, Names) {
  EXPECT_EQ(ParseEncoding("UTF-16LE"), Encoding::kUtf16Le);
  EXPECT_EQ(ParseEncoding("oem"), Encoding::kCp850);
  EXPECT_EQ(ParseEncoding("windows-1252"), Encoding::kCp1252);
  EXPECT_FALSE(ParseEncoding("ebcdic"));
}

}  // namespace
}  // namespace highport::text
