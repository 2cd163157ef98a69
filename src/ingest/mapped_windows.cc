// Mapping a window with MAP_POPULATE fills its page table at once (cheaper
// than a fault every 64 KiB), and unmapping empties it again: kernel work of
// about a tenth of the reader's CPU time on a 54 MB log, all of it on the
// reader's thread and between the runs of the parser's two threads
// (pfirewall_batch.cc), so the second thread waited through it: about a
// third of that thread's span (perf, the corpus's log 13 times). A thread of
// its own does that work while both parser threads read: the window after
// the one being read is mapped before it is asked for, and a window read is
// unmapped after. At most three windows are mapped at once (the one read,
// the next, one being unmapped).
#include "ingest/mapped_windows.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>

namespace highport::ingest {
namespace {

// mmap takes offsets in whole pages.
uint64_t WholePages(uint64_t size) {
  const long page = ::sysconf(_SC_PAGESIZE);
  const uint64_t p = page > 0 ? uint64_t(page) : 4096;
  return std::max<uint64_t>((size + p - 1) / p, 1) * p;
}

}  // namespace

MappedWindows::MappedWindows(int fd, uint64_t total, uint64_t window_size, bool ahead)
    : fd_(fd), total_(total), window_size_(WholePages(window_size)) {
  if (!ahead) return;
  try {
    thread_ = std::thread([this] { Run(); });
  } catch (const std::system_error&) {
    // No thread: Next() maps on the caller's thread.
  }
}

MappedWindows::~MappedWindows() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  for (const Mapped& m : done_) ::munmap(m.at, m.size);
  if (ready_ && next_.at != nullptr) ::munmap(next_.at, next_.size);
  if (current_.at != nullptr) ::munmap(current_.at, current_.size);
}

MappedWindows::Mapped MappedWindows::Map(uint64_t at) const {
  Mapped m;
  if (at >= total_) return m;
  m.size = static_cast<size_t>(std::min(window_size_, total_ - at));
  void* p = ::mmap(nullptr, m.size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd_,
                   static_cast<off_t>(at));
  m.at = p == MAP_FAILED ? nullptr : p;
  return m;
}

MappedWindows::Window MappedWindows::Next() {
  if (ended_) return {};
  Mapped next;
  if (!thread_.joinable()) {
    if (current_.at != nullptr) ::munmap(current_.at, current_.size);
    current_ = {};
    next = Map(returned_);
  } else {
    std::unique_lock<std::mutex> lock(mutex_);
    if (current_.at != nullptr) done_.push_back(current_);
    current_ = {};
    changed_.notify_all();
    // Bounded: the thread maps the window at returned_ unasked, and hands
    // over a failure as well; past the end there is none to wait for.
    changed_.wait(lock, [&] { return ready_ || returned_ >= total_; });
    if (ready_) {
      next = next_;
      next_ = {};
      ready_ = false;
      changed_.notify_all();  // the thread maps the one after
    }
  }
  if (next.at == nullptr) {  // the end, or a failure at returned_
    ended_ = true;
    return {};
  }
  current_ = next;
  returned_ += next.size;
  return {static_cast<const char*>(next.at), next.size};
}

void MappedWindows::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  bool failed = false;
  while (true) {
    const auto want_map = [&] { return !ready_ && !failed && mapped_to_ < total_; };
    changed_.wait(lock, [&] { return stop_ || !done_.empty() || want_map(); });
    if (stop_) return;
    // The window the caller waits for (or soon will) comes before unmapping.
    if (!want_map()) {
      std::vector<Mapped> unmap;
      unmap.swap(done_);
      lock.unlock();
      for (const Mapped& m : unmap) ::munmap(m.at, m.size);
      lock.lock();
      continue;
    }
    const uint64_t at = mapped_to_;
    lock.unlock();
    const Mapped m = Map(at);
    lock.lock();
    next_ = m;
    ready_ = true;
    if (m.at == nullptr) {
      failed = true;  // the caller reads on with read() from there
    } else {
      mapped_to_ = at + m.size;
    }
    changed_.notify_all();
  }
}

}  // namespace highport::ingest
