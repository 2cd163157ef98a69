#include "report/html_escape.h"

#include <gtest/gtest.h>

namespace highport::report {
namespace {

TEST(HtmlEscape, EscapesMarkupAndQuotes) {
  EXPECT_EQ(EscapeHtml("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
  EXPECT_EQ(EscapeHtml("dc01.example.com"), "dc01.example.com");
}

TEST(HtmlEscape, KeepsUtf8AndReplacesWhatIsNot) {
  EXPECT_EQ(EscapeHtml("ABHÖREN"), "ABHÖREN");
  // A Latin-1 byte, a truncated sequence, an overlong '<' and a NUL.
  EXPECT_EQ(EscapeHtml("a\xD6z"), "a\xEF\xBF\xBDz");
  EXPECT_EQ(EscapeHtml("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(EscapeHtml("\xC0\xBC"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(EscapeHtml(std::string_view("a\0b", 3)), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(EscapeHtml("tab\tnew\nline"), "tab\tnew\nline");
}

TEST(HtmlEscape, GraphvizLabelsKeepBackslashesLiteral) {
  // \N would become the node's name, \n a line break.
  EXPECT_EQ(EscapeGraphvizLabel("C:\\Windows\\N"), "C:\\\\Windows\\\\N");
  EXPECT_EQ(EscapeGraphvizLabel("a\x01\x7F" "b"), "ab");
  EXPECT_EQ(EscapeGraphvizLabel("tcp/135\nRPC"), "tcp/135\\nRPC");
  EXPECT_EQ(EscapeGraphvizLabel("x\xFFy"), "x\xEF\xBF\xBDy");
  EXPECT_EQ(EscapeGraphvizLabel("<b>"), "<b>");  // Graphviz escapes XML itself
}

}  // namespace
}  // namespace highport::report
