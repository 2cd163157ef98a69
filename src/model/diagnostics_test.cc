#include "model/diagnostics.h"

#include "gtest/gtest.h"

namespace highport {
namespace {

TEST(DiagnosticsTest, KeepsTheFirstOfEachKindAndCountsEveryOne) {
  Diagnostics d(/*keep_per_id=*/3);
  for (uint64_t line = 1; line <= 10; ++line) d.SkipLine("f.log", line, "pfirewall.bad_address", "bad");
  d.SkipLine("f.log", 11, "pfirewall.bad_port", "bad port");
  d.Note("f.log", 3, "pfirewall.local_time", "local");
  ASSERT_EQ(d.findings().size(), 5u);  // 3 + 1 + 1
  EXPECT_EQ(d.findings()[2].where.line, 3u);
  EXPECT_EQ(d.findings()[3].id, "pfirewall.bad_port");
  EXPECT_EQ(d.skipped(), 11u);  // every warning, kept or not; notes are not skips
  EXPECT_EQ(d.not_kept(), 7u);
  EXPECT_EQ(d.counts().at("pfirewall.bad_address").count, 10u);
  EXPECT_EQ(d.counts().at("pfirewall.local_time").severity, Finding::Severity::kNote);
}

TEST(DiagnosticsTest, OneFindingForManySkippedLinesCountsThemAll) {
  // A reader lists the first hundred rows of a kind, then says "N more".
  Diagnostics d;
  for (uint64_t line = 1; line <= 100; ++line) d.SkipLine("f.log", line, "pfirewall.bad_port", "bad");
  d.SkipLines("f.log", 101, "pfirewall.bad_port", "50 more row(s) skipped", 50);
  EXPECT_EQ(d.findings().size(), 101u);
  EXPECT_EQ(d.counts().at("pfirewall.bad_port").count, 150u);  // as the reader's skip count
  EXPECT_EQ(d.skipped(), 150u);
  EXPECT_EQ(d.not_kept(), 49u);  // kept as one finding
}

// Standard input is read from a temporary copy: its findings are renamed
// "<stdin>" afterwards, and only its own.
TEST(DiagnosticsTest, RenamesTheFindingsOfOneFile) {
  Diagnostics d;
  d.SkipLine("/tmp/highport-stdin-ab12", 4, "pfirewall.fields", "row has 5 fields");
  d.SkipLine("/tmp/highport-stdin-ab12x", 5, "pfirewall.fields", "another file");
  d.Note("dc01/pfirewall.log", 3, "pfirewall.local_time", "local");
  d.RenameFile("/tmp/highport-stdin-ab12", "<stdin>");
  ASSERT_EQ(d.findings().size(), 3u);
  EXPECT_EQ(d.findings()[0].ToString(), "<stdin>:4: row has 5 fields");
  EXPECT_EQ(d.findings()[1].where.file, "/tmp/highport-stdin-ab12x");
  EXPECT_EQ(d.findings()[2].where.file, "dc01/pfirewall.log");
  EXPECT_EQ(d.skipped(), 2u);
}

}  // namespace
}  // namespace highport
