// Golden-file checks for the writers: every file a writer emits for the
// sample plan (plan/plan_testing.h) is compared byte for byte with
// src/emit/testdata/golden/<path>; a writer's paths start with its format's
// folder ("nftables/highport.nft"). HIGHPORT_UPDATE_GOLDEN=1 writes the files
// instead (review the diff before committing it).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "emit/emitted_file.h"

namespace highport::emit::testing {

inline std::filesystem::path GoldenRoot() {
  return std::filesystem::path(HIGHPORT_SOURCE_DIR) / "src/emit/testdata/golden";
}
inline std::filesystem::path GoldenDir(const std::string& format) { return GoldenRoot() / format; }

inline std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Compares (or, with HIGHPORT_UPDATE_GOLDEN=1, writes) every file; also fails
// when the golden directory holds a file the writer no longer emits.
inline void ExpectGolden(const std::string& format, const EmittedFiles& files) {
  const auto dir = GoldenDir(format);
  const bool update = std::getenv("HIGHPORT_UPDATE_GOLDEN") != nullptr;
  if (update) std::filesystem::remove_all(dir);
  for (const EmittedFile& f : files) {
    const auto path = GoldenRoot() / f.path;
    if (update) {
      std::filesystem::create_directories(path.parent_path());
      std::ofstream(path, std::ios::binary) << f.bytes;
      continue;
    }
    ASSERT_TRUE(std::filesystem::exists(path)) << "no golden file " << path
                                               << " (HIGHPORT_UPDATE_GOLDEN=1 writes it)";
    EXPECT_EQ(ReadBytes(path), f.bytes) << "differs from " << path;
  }
  if (update) return;
  size_t on_disk = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) ++on_disk;
  }
  EXPECT_EQ(on_disk, files.size()) << "golden files in " << dir << " that the writer did not emit";
}

}  // namespace highport::emit::testing
