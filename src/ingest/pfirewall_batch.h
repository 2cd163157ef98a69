// Internal to the pfirewall reader: a second thread that reads rows with the
// fast path ahead of the reader's own thread, which delivers them in order
// (LineReader::Lines, pfirewall_batch.cc).
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ingest/pfirewall_row.h"

namespace highport::ingest::pfirewall {

// A block read ahead: the rows the fast path read, in order, and the lines
// it did not read, which the general path reads in their turn.
struct AheadBlock {
  struct General {
    uint32_t rows_before = 0;  // the rows of the block above the line
    uint32_t at = 0;           // where it starts in the block
    uint32_t size = 0;         // without its '\n'
  };
  // rows[0, count). Filled again, never shrunk: a new row is zeroed
  // first, which costs as much as a tenth of the row.
  std::vector<ParsedRow> rows;
  size_t count = 0;
  std::vector<General> general;
};

// Whether the machine has a single core: then the reader starts no thread of
// its own, neither the second parser thread nor the one mapping windows
// ahead (pfirewall_file.cc). Asked once (it reads /sys).
bool OneCore();

// Every line of `lines` (whole lines, each with its '\n'), in order.
void ReadAhead(std::string_view lines, const FastLayout& layout, FastCache& cache, AheadBlock& out);

// The second thread. The reader's thread hands it a run of blocks of whole
// lines (Start); both threads claim blocks in order, under the mutex, from
// one counter. This thread reads the blocks it claims into slots, and so may
// the reader's thread (parsing ahead while this thread is still on the block
// it must deliver next). The slots are a ring of kSlots: block i uses slot
// i % kSlots, and is claimed only once block i - kSlots has been delivered,
// so memory is bounded whatever the length of the run. This thread copies a
// block before it reads it, so that once End() has returned it reads
// nothing of the caller's, and the reader's thread never has to wait for it
// to be scheduled.
class RowWorker {
 public:
  static constexpr size_t kSlots = 16;
  static constexpr size_t kNone = SIZE_MAX;

  // `pause`, if set, is called before each block it reads (tests).
  explicit RowWorker(std::function<void(size_t index)> pause);
  ~RowWorker();
  RowWorker(const RowWorker&) = delete;
  RowWorker& operator=(const RowWorker&) = delete;

  void Start(const std::vector<std::string_view>& blocks, const FastLayout& layout);

  // A block the reader's thread claimed: `index` is the first block nobody
  // had claimed (kNone when none is left, or the ring is full). `ahead` is
  // the block's slot for the reader's thread to read it into, or null when
  // this thread is still reading into that slot a block the reader's thread
  // has read itself meanwhile (of this run or one before).
  struct Claimed {
    size_t index = kNone;
    AheadBlock* ahead = nullptr;
  };
  Claimed Claim();
  // The lines of block `index` if this thread has read them all; else null.
  const AheadBlock* Finished(size_t index) const;
  // The slot of a block the reader's thread claimed and read itself.
  const AheadBlock& Ahead(size_t index) const { return slots_[index % kSlots].ahead; }
  // Blocks [0, count) are delivered: their slots may be filled again.
  void Delivered(size_t count);
  // Ends the run: no byte of it is read after this. Idempotent.
  void End();

 private:
  struct Slot {
    std::string copy;
    AheadBlock ahead;
    std::atomic<uint64_t> done{0};  // Stamp() of the block whose lines these are
  };
  // Block `index` of this run, told from every block of every run before.
  uint64_t Stamp(size_t index) const { return base_ + index + 1; }
  bool Claimable() const { return next_ < blocks_.size() && next_ < delivered_ + kSlots; }
  void Run();

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_ = false;
  uint64_t base_ = 0;  // blocks of the runs before: changed in Start, read under the mutex
  std::vector<std::string_view> blocks_;
  size_t next_ = 0;  // blocks [next_, blocks_.size()) are not claimed yet
  std::atomic<size_t> delivered_{0};
  // Set by this thread when the ring is full: the count of delivered blocks
  // at which Delivered wakes it (half the ring free, not every block).
  std::atomic<size_t> resume_at_{kNone};
  size_t reading_ = kNone;  // the slot this thread reads into, outside the mutex
  FastLayout layout_;
  FastCache cache_;  // this thread's own
  std::function<void(size_t)> pause_;
  std::array<Slot, kSlots> slots_;
  std::thread thread_;  // started last in the constructor, joined in the destructor
};

}  // namespace highport::ingest::pfirewall
