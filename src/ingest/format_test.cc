// Format detection over every input we have: each file must be claimed by
// its own format, and by that format alone.
#include "ingest/format.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "ingest/ingest_test_util.h"

namespace highport::ingest {
namespace {

namespace fs = std::filesystem;

struct Expectation {
  std::string directory;  // relative to the source tree or the corpus
  InputFormat format;
  bool corpus = false;
};

void ExpectEveryFileDetectedAs(const fs::path& directory, InputFormat format) {
  size_t files = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(directory)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    Result<std::string> bytes = text::ReadFileBytes(entry.path().string());
    ASSERT_TRUE(bytes);
    text::TextDocument doc = text::MakeDocument(entry.path().string(), *bytes);
    std::optional<InputFormat> detected = DetectFormat(doc);
    ASSERT_TRUE(detected) << entry.path() << " was not recognised";
    EXPECT_EQ(GetFormatInfo(*detected).name, GetFormatInfo(format).name) << entry.path();
    for (const FormatInfo& other : InventoryFormats()) {
      if (other.format == format) continue;
      EXPECT_EQ(other.probe(doc), 0) << other.name << " also claims " << entry.path();
    }
  }
  EXPECT_GT(files, 0u) << directory;
}

TEST(FormatDetection, OwnFixturesAndExamples) {
  const fs::path src = HIGHPORT_SOURCE_DIR;
  ExpectEveryFileDetectedAs(src / "src/ingest/testdata/tasklist", InputFormat::kTasklist);
  ExpectEveryFileDetectedAs(src / "src/ingest/testdata/getnet_csv", InputFormat::kGetNetTcpCsv);
  ExpectEveryFileDetectedAs(src / "src/ingest/testdata/ss", InputFormat::kSs);
  ExpectEveryFileDetectedAs(src / "fuzz/seeds/netstat", InputFormat::kNetstat);
  ExpectEveryFileDetectedAs(src / "fuzz/seeds/netsh_dynamicport", InputFormat::kNetshDynamicPort);
  ExpectEveryFileDetectedAs(src / "src/ingest/testdata/rpcdump", InputFormat::kRpcdump);
  ExpectEveryFileDetectedAs(src / "src/ingest/testdata/epm_json", InputFormat::kEpmJson);
  ExpectEveryFileDetectedAs(src / "fuzz/seeds/epm_json", InputFormat::kEpmJson);
}

TEST(FormatDetection, ExampleHosts) {
  const fs::path examples = fs::path(HIGHPORT_SOURCE_DIR) / "examples";
  for (const char* host : {"dc01", "fs01", "mon01"}) {
    for (const fs::directory_entry& entry : fs::directory_iterator(examples / host)) {
      // Firewall logs are traffic (ingest/traffic_load), not socket inventories.
      if (entry.path().filename().string().starts_with("pfirewall")) continue;
      Result<std::string> bytes = text::ReadFileBytes(entry.path().string());
      ASSERT_TRUE(bytes);
      std::optional<InputFormat> detected =
          DetectFormat(text::MakeDocument(entry.path().string(), *bytes));
      ASSERT_TRUE(detected) << entry.path();
      std::string name = entry.path().filename().string();
      std::string_view expected = name.starts_with("netstat")    ? "netstat"
                                  : name.starts_with("tasklist") ? "tasklist"
                                  : name.starts_with("rpcdump")  ? "rpcdump"
                                                                 : "netsh-dynamicport";
      EXPECT_EQ(GetFormatInfo(*detected).name, expected) << entry.path();
    }
  }
}

TEST(FormatDetection, PublicSamples) {
  std::string netstat_en = testing::CorpusPath("netstat_en");
  if (netstat_en.empty()) GTEST_SKIP() << "../shared/corpus is not here; corpus test skipped";
  ExpectEveryFileDetectedAs(netstat_en, InputFormat::kNetstat);
  ExpectEveryFileDetectedAs(testing::CorpusPath("netstat_de"), InputFormat::kNetstat);
  ExpectEveryFileDetectedAs(testing::CorpusPath("tasklist"), InputFormat::kTasklist);
  ExpectEveryFileDetectedAs(testing::CorpusPath("ss"), InputFormat::kSs);
  // Both rpcdump samples, the one that is only impacket's banner included.
  ExpectEveryFileDetectedAs(testing::CorpusPath("rpcdump"), InputFormat::kRpcdump);
}

}  // namespace
}  // namespace highport::ingest
