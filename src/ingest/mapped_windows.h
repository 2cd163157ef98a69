// A regular file as a sequence of mapped windows (pfirewall_file.cc reads
// firewall logs through it; mapped_windows.cc says why a thread maps them).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace highport::ingest {

class MappedWindows {
 public:
  struct Window {
    const char* data = nullptr;  // null: no window (the end, or a mapping failed)
    size_t size = 0;
  };

  // Bytes [0, total) of `fd` (not owned; it must stay open), `window_size`
  // (rounded up to whole pages) at a time. With `ahead`, a thread of its own maps each window while the
  // caller reads the one before, and unmaps the ones it is done with; if that
  // thread cannot be started, the windows are mapped on the caller's thread.
  MappedWindows(int fd, uint64_t total, uint64_t window_size, bool ahead);
  ~MappedWindows();  // unmaps every window
  MappedWindows(const MappedWindows&) = delete;
  MappedWindows& operator=(const MappedWindows&) = delete;

  // The next window, in file order; the one returned before is unmapped.
  // An empty window ends the sequence: at `total`, or where a mapping failed
  // (offset() says where, for the caller to read on with read()).
  Window Next();
  // The file offset up to which windows have been returned.
  uint64_t offset() const { return returned_; }

 private:
  struct Mapped {
    void* at = nullptr;
    size_t size = 0;
  };
  Mapped Map(uint64_t at) const;  // at == total_: nothing; a failed mmap: at null
  void Run();

  const int fd_;
  const uint64_t total_, window_size_;
  uint64_t returned_ = 0;  // the caller's: bytes of the windows returned so far
  bool ended_ = false;      // the caller's: an empty window was returned
  Mapped current_;         // the caller's: the window last returned

  // Shared with the mapping thread, under mutex_.
  std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_ = false;
  bool ready_ = false;  // next_ holds the window at returned_ (or its failure)
  Mapped next_;
  uint64_t mapped_to_ = 0;  // the thread has mapped [0, mapped_to_)
  std::vector<Mapped> done_;  // returned windows the thread is to unmap
  std::thread thread_;  // started last, joined in the destructor
};

}  // namespace highport::ingest
