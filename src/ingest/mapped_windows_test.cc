#include "ingest/mapped_windows.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "fmt/format.h"
#include "text/document.h"

namespace highport::ingest {
namespace {

namespace fs = std::filesystem;

// A file of `size` bytes that differ from page to page, removed at the end.
class MappedWindowsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!path_.empty()) fs::remove(path_);
  }
  std::string Make(size_t size) {
    path_ = (fs::temp_directory_path() /
             fmt::format("highport_windows_{}_{}.log", ::getpid(), reinterpret_cast<uintptr_t>(this)))
                .string();
    std::string bytes(size, '\0');
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
    std::ofstream(path_, std::ios::binary) << bytes;
    return bytes;
  }
  // Whether the process still maps the file (/proc/self/maps names it).
  bool Mapped() const {
    Result<std::string> maps = text::ReadFileBytes("/proc/self/maps");
    EXPECT_TRUE(maps);
    return maps && maps->find(path_) != std::string::npos;
  }
  std::string path_;
};

// Every window in order, concatenated; each checked while the next is
// mapped ahead, so a window unmapped too early would fault or differ.
std::string ReadAll(int fd, uint64_t total, uint64_t window, bool ahead, size_t* count) {
  MappedWindows windows(fd, total, window, ahead);
  std::string out;
  *count = 0;
  for (MappedWindows::Window w = windows.Next(); w.data != nullptr; w = windows.Next()) {
    out.append(w.data, w.size);
    ++*count;
  }
  EXPECT_EQ(windows.offset(), total);
  EXPECT_EQ(windows.Next().data, nullptr);  // ended stays ended
  return out;
}

TEST_F(MappedWindowsTest, WindowsAreTheFileInOrder) {
  const long page = ::sysconf(_SC_PAGESIZE);
  for (size_t size : {size_t{1}, size_t(page), size_t(page) + 1, size_t(page) * 10 + 123}) {
    const std::string bytes = Make(size);
    const int fd = ::open(path_.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    for (bool ahead : {false, true}) {
      for (uint64_t window : {uint64_t(page), uint64_t(3 * page), uint64_t{1} << 20}) {
        size_t count = 0;
        EXPECT_EQ(ReadAll(fd, size, window, ahead, &count), bytes)
            << size << " bytes, window " << window << (ahead ? ", ahead" : "");
        EXPECT_EQ(count, (size + window - 1) / window);
      }
      // A window size that is not whole pages is rounded up (mmap needs
      // page offsets): the file still comes whole.
      size_t count = 0;
      EXPECT_EQ(ReadAll(fd, size, 1000, ahead, &count), bytes);
      EXPECT_EQ(count, (size + page - 1) / page);
      // Only the first bytes, when asked.
      EXPECT_EQ(ReadAll(fd, size / 2, page, ahead, &count), bytes.substr(0, size / 2));
    }
    ::close(fd);
    EXPECT_FALSE(Mapped());
  }
  size_t count = 1;
  EXPECT_EQ(ReadAll(0, 0, 4096, true, &count), "");  // nothing to map
  EXPECT_EQ(count, 0u);
}

TEST_F(MappedWindowsTest, EndingEarlyUnmapsEverything) {
  const long page = ::sysconf(_SC_PAGESIZE);
  const std::string bytes = Make(size_t(page) * 8);
  const int fd = ::open(path_.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  for (bool ahead : {false, true}) {
    for (int taken : {0, 1, 3}) {
      {
        MappedWindows windows(fd, bytes.size(), page, ahead);
        for (int i = 0; i < taken; ++i) ASSERT_NE(windows.Next().data, nullptr);
        if (taken > 0) {
          EXPECT_TRUE(Mapped());
        }
        // As when the sink throws: the windows go with the object.
      }
      EXPECT_FALSE(Mapped()) << taken << " taken" << (ahead ? ", ahead" : "");
    }
  }
  ::close(fd);
}

TEST_F(MappedWindowsTest, AFailedMappingEndsWhereItFailed) {
  Make(8192);
  // A file open for writing only cannot be mapped for reading (EACCES).
  const int fd = ::open(path_.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  for (bool ahead : {false, true}) {
    MappedWindows windows(fd, 8192, 4096, ahead);
    EXPECT_EQ(windows.Next().data, nullptr);
    EXPECT_EQ(windows.offset(), 0u);  // the caller reads on from here with read()
  }
  ::close(fd);
}

}  // namespace
}  // namespace highport::ingest
