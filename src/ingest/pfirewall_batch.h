// Internal to the pfirewall reader: a second thread that reads rows with the
// fast path from the back of a piece while the reader's own thread reads
// from its front (LineReader::Lines, pfirewall_batch.cc).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ingest/pfirewall_row.h"

namespace highport::ingest::pfirewall {

// One line read ahead: a row the fast path read, or a line the general path
// must read (at `general_at` in its block, `general_size` bytes without its '\n').
struct AheadLine {
  ParsedRow row;
  bool general = false;
  uint32_t general_at = 0;
  uint32_t general_size = 0;
};

// Every line of `lines` (whole lines, each with its '\n'), in order.
void ReadAhead(std::string_view lines, const FastLayout& layout, FastCache& cache,
               std::vector<AheadLine>& out);

// The second thread. A piece is cut into blocks of whole lines; the reader's
// thread takes blocks from the front, this thread from the back, each under
// the mutex, until they meet. This thread copies a block before it reads it,
// so that once End() has returned it reads nothing of the caller's, and the
// reader's thread never has to wait for it to be scheduled.
class RowWorker {
 public:
  RowWorker();
  ~RowWorker();
  RowWorker(const RowWorker&) = delete;
  RowWorker& operator=(const RowWorker&) = delete;

  void Start(const std::vector<std::string_view>& blocks, const FastLayout& layout);
  // The reader's thread takes block `index`, the next from the front; false
  // when this thread has it already.
  bool TakeFront(size_t index);
  // The lines of block `index` if this thread has read them all; else null.
  const std::vector<AheadLine>* Finished(size_t index) const;
  // Ends the piece: no byte of it is read after this.
  void End();

 private:
  struct Slot {
    std::string copy;
    std::vector<AheadLine> lines;
    std::atomic<uint64_t> done{0};  // the piece (epoch) whose lines these are
  };
  void Run();

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_ = false;
  uint64_t epoch_ = 0;  // pieces started
  std::vector<std::string_view> blocks_;
  size_t front_ = 0;  // blocks [front_, back_) are not taken yet
  size_t back_ = 0;
  FastLayout layout_;
  FastCache cache_;  // this thread's own
  std::vector<std::unique_ptr<Slot>> slots_;  // one per block, reused
  std::thread thread_;  // last: it starts once everything above exists
};

}  // namespace highport::ingest::pfirewall
