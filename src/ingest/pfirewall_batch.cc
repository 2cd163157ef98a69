// Two threads for one firewall log. The sink takes rows one at a time and in
// the order of the file, and what a row means may depend on every line
// above it (a #Fields line changes the layout), so the rows cannot simply be
// shared out. Instead the lines of each call (a run: the file is fed a few
// MiB at a time) are cut into blocks of whole lines, and both threads claim
// blocks in order from one counter. A second thread (RowWorker) reads the
// blocks it claims with the fast path into plain records (AheadBlock, no
// strings), under the layout of the moment the run began. The reader's own
// thread delivers every block, in order: a block nobody has claimed it
// claims and reads itself, straight to the sink (OneByOne); a block the
// second thread has finished it delivers from its records (DeliverAhead).
// If the second thread is still on that block, the reader's thread does not
// wait: it claims the next free block and reads it ahead into records, as
// the second thread would (from the caller's bytes: no copy on this
// thread), then looks again; only when no block is left to claim does it
// read the due block itself. So the reader's thread parses only what the
// second thread cannot keep up with, and it never waits for it, which
// matters on a busy machine: at worst the other thread never runs and the
// run is read by this one alone.
//
// The general path (findings, notes, directives) runs on the reader's
// thread only: a line the fast path refused is kept as a place in the block
// and read in its turn. If the layout has changed by then (a #Fields line in
// a block read one by one, or among the lines read ahead), the records from
// there on were read under the wrong layout: they are dropped and the rest
// of that block is read again one by one; the blocks after it start a new
// run under the new layout (every log begins with such a header). So the second
// thread only decides how fast rows are read, never what they mean;
// PfirewallReader.TwoThreadsAgreeWithOne and ReadAheadOnEitherThreadAgrees
// hold that. Memory: the records lie in a ring of slots, 16 blocks ahead of
// the block being delivered at most, and the second thread's copies with
// them: about 2 bytes per byte of 1 MiB, whatever the size of the file or
// of a call; records the reader's thread reads ahead use the same slots.
// (A ring of 64 made every 4 MB log fault in 8 MB of fresh pages, 13% of
// its run, and was no faster on big logs: the second thread is never that
// far ahead.)
#include "ingest/pfirewall_batch.h"

#include <algorithm>
#include <cstring>

namespace highport::ingest::pfirewall {
namespace {

constexpr size_t kBlock = size_t{64} << 10;

// The end of the line that holds byte `want - 1` (past its '\n'); `lines`
// ends with a '\n'.
size_t LinesEnd(std::string_view lines, size_t want) {
  if (want >= lines.size()) return lines.size();
  if (want == 0) return 0;
  const void* nl = std::memchr(lines.data() + want - 1, '\n', lines.size() - want + 1);
  return size_t(static_cast<const char*>(nl) - lines.data()) + 1;
}

// Ends the run however ReadBlocks leaves it (the sink may throw): the
// worker must not read the caller's bytes after that.
struct EndRun {
  RowWorker& worker;
  ~EndRun() { worker.End(); }
};

}  // namespace

void ReadAhead(std::string_view lines, const FastLayout& layout, FastCache& cache, AheadBlock& out) {
  // Rows in batches, as OneByOne reads them (a call per row costs a
  // twentieth of the row), straight into the block's rows.
  constexpr size_t kBatch = 32;
  size_t count = 0;
  out.general.clear();
  const char* p = lines.data();
  const char* end = p + lines.size();
  const ScanRowsFn scan = ChosenScanRows();
  while (p < end) {
    if (out.rows.size() < count + kBatch) {
      // Room for the rest of the block at 80 bytes a row (real rows are
      // longer), exactly: a vector that doubles keeps twice that in every slot.
      const size_t want = count + std::max(kBatch, size_t(end - p) / 80);
      out.rows.reserve(want);
      out.rows.resize(want);
    }
    const size_t capacity = out.rows.size() - count;
    const ScannedRows got = scan(p, end, layout, cache, out.rows.data() + count, capacity);
    count += got.rows;
    p += got.bytes;
    if (got.rows == capacity || p >= end) continue;
    size_t length = got.next_length;
    if (length == kLineEndUnknown) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
      if (nl == nullptr) nl = end;  // not for whole lines; kept safe anyway
      length = size_t(nl - p);
      if (ParseFast(std::string_view(p, length), layout, cache, out.rows[count])) {
        ++count;
        p += length + 1;
        continue;
      }
    }
    out.general.push_back({static_cast<uint32_t>(count), static_cast<uint32_t>(p - lines.data()),
                           static_cast<uint32_t>(length)});
    p += length + 1;
  }
  out.count = count;
}

RowWorker::RowWorker(std::function<void(size_t index)> pause) : pause_(std::move(pause)) {
  // Room for a block of kBlock, made here on the reader's thread: filled
  // by the second thread, it would sit in that thread's own malloc arena,
  // which held 7 MB more at the peak of a 1 GB log. Untouched pages cost
  // nothing until a block is read.
  for (Slot& slot : slots_) {
    slot.copy.reserve(kBlock + kBlock / 8);
    slot.ahead.rows.reserve(kBlock / 64);
  }
  thread_ = std::thread([this] { Run(); });
}

RowWorker::~RowWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void RowWorker::Start(const std::vector<std::string_view>& blocks, const FastLayout& layout) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    base_ += blocks_.size();
    blocks_ = blocks;
    layout_ = layout;
    next_ = 0;
    delivered_.store(0);
  }
  changed_.notify_all();
}

RowWorker::Claimed RowWorker::Claim() {
  std::lock_guard<std::mutex> lock(mutex_);
  Claimed claimed;
  if (!Claimable()) return claimed;
  claimed.index = next_++;
  const size_t slot = claimed.index % kSlots;
  if (slot != reading_) claimed.ahead = &slots_[slot].ahead;
  return claimed;
}

const AheadBlock* RowWorker::Finished(size_t index) const {
  // base_ changes only in Start, on the reader's thread.
  const Slot& slot = slots_[index % kSlots];
  return slot.done.load(std::memory_order_acquire) == Stamp(index) ? &slot.ahead : nullptr;
}

void RowWorker::Delivered(size_t count) {
  // Both sequentially consistent, as in Run: either this thread sees the
  // worker's resume_at_, or the worker sees this count before it waits.
  delivered_.store(count);
  if (count == resume_at_.load()) {
    std::lock_guard<std::mutex> lock(mutex_);  // the worker is waiting once this is held
    changed_.notify_all();
  }
}

void RowWorker::End() {
  std::lock_guard<std::mutex> lock(mutex_);
  base_ += blocks_.size();
  blocks_.clear();
  next_ = 0;
}

void RowWorker::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    while (!stop_ && !Claimable()) {
      const bool ring_full = next_ < blocks_.size();
      resume_at_.store(ring_full ? next_ + 1 + kSlots / 2 - kSlots : kNone);
      if (Claimable()) break;  // delivered_ moved on before resume_at_ was seen
      changed_.wait(lock);
    }
    resume_at_.store(kNone);
    if (stop_) return;
    const size_t index = next_++;
    const uint64_t stamp = Stamp(index);
    const FastLayout layout = layout_;
    reading_ = index % kSlots;
    Slot& slot = slots_[reading_];
    try {
      slot.copy.assign(blocks_[index]);  // under the lock: the bytes are the caller's
      lock.unlock();
      if (pause_) pause_(index);
      ReadAhead(slot.copy, layout, cache_, slot.ahead);
      slot.done.store(stamp, std::memory_order_release);
    } catch (...) {
      // Out of memory: the reader's thread reads the block itself.
    }
    if (!lock.owns_lock()) lock.lock();
    reading_ = kNone;
  }
}

bool OneCore() {
  static const bool one = std::thread::hardware_concurrency() < 2;
  return one;
}

LineReader::~LineReader() = default;  // here, where RowWorker is complete

void LineReader::Lines(std::string_view lines) {
  const char* const end = lines.data() + lines.size();
  const char* p = lines.data();
  // Bounded: a run reads at least its first block before it stops.
  while (p < end) {
    const std::string_view rest(p, size_t(end - p));
    if (!Layout().on || parallel_min_ == 0 || rest.size() < parallel_min_ || OneCore()) {
      return OneByOne(rest);
    }
    p = ReadRun(rest);
  }
}

const char* LineReader::ReadRun(std::string_view lines) {
  // Blocks of block_size_ (64 KiB), or at least eight of a small call (tests).
  const size_t block = std::min(block_size_, lines.size() / 8 + 1);
  blocks_.clear();
  while (!lines.empty()) {
    const std::string_view next = lines.substr(0, LinesEnd(lines, block));
    lines.remove_prefix(next.size());
    // A block far longer than kBlock holds a line of megabytes (NUL
    // padding): not worth a copy.
    if (next.size() <= 2 * kBlock) {
      blocks_.push_back(next);
      continue;
    }
    if (!blocks_.empty()) {
      if (const char* stop = ReadBlocks()) return stop;
    }
    blocks_.clear();
    OneByOne(next);
  }
  if (!blocks_.empty()) {
    if (const char* stop = ReadBlocks()) return stop;
  }
  return lines.data() + lines.size();
}

const char* LineReader::ReadBlocks() {
  const FastLayout layout = Layout();
  if (!layout.on) {
    // The blocks lie end to end.
    const char* end = blocks_.back().data() + blocks_.back().size();
    OneByOne(std::string_view(blocks_.front().data(), size_t(end - blocks_.front().data())));
    return nullptr;
  }
  if (!worker_) worker_ = std::make_unique<RowWorker>(worker_pause_);
  worker_->Start(blocks_, layout);
  EndRun end{*worker_};
  claimed_here_.assign(blocks_.size(), kNotHere);
  for (size_t i = 0; i < blocks_.size(); ++i) {
    // A #Fields line (the header at a log's start, too) changed the layout:
    // whatever was read ahead from here on is void. The caller starts a new
    // run there, under the new layout, rather than read the rest of this one
    // on this thread alone.
    if (Layout() != layout) return blocks_[i].data();
    DeliverBlock(i, layout);
    worker_->Delivered(i + 1);
  }
  return nullptr;
}

void LineReader::DeliverBlock(size_t i, const FastLayout& layout) {
  // Bounded: each turn claims a block, and there are blocks_.size().
  while (true) {
    if (claimed_here_[i] == kReadHere) {
      ++block_counts_.read_ahead;
      return DeliverAhead(blocks_[i], worker_->Ahead(i), layout);
    }
    if (const AheadBlock* ahead = worker_->Finished(i)) {
      ++block_counts_.from_worker;
      return DeliverAhead(blocks_[i], *ahead, layout);
    }
    if (claimed_here_[i] == kClaimedHere) return ReadHere(i);
    // Nobody has block i (it is the first unclaimed one: all before it are
    // delivered), or the worker is still on it: then help with the next.
    const RowWorker::Claimed next = worker_->Claim();
    if (next.index == i || next.index == RowWorker::kNone) return ReadHere(i);
    claimed_here_[next.index] = kClaimedHere;
    if (next.ahead == nullptr) continue;  // its slot is busy: read one by one in its turn
    ReadAhead(blocks_[next.index], layout, fast_cache_, *next.ahead);
    claimed_here_[next.index] = kReadHere;
  }
}

void LineReader::ReadHere(size_t i) {
  ++block_counts_.one_by_one;
  OneByOne(blocks_[i]);
}

void LineReader::DeliverAhead(std::string_view block, const AheadBlock& ahead,
                              const FastLayout& assumed) {
  size_t row = 0;
  for (const AheadBlock::General& general : ahead.general) {
    for (; row < general.rows_before; ++row) {
      ++line_;
      ++stats_.lines;
      DeliverRow(ahead.rows[row]);
    }
    LineOrOverlong(block.substr(general.at, general.size));
    if (Layout() != assumed) return OneByOne(block.substr(general.at + general.size + 1));
  }
  // The rows were written on the other core: asked for a few rows ahead,
  // they are here when their turn comes (the first load of each row was an
  // eighth of this thread's time).
  const ParsedRow* rows = ahead.rows.data();
  for (; row < ahead.count; ++row) {
    if (row + 8 < ahead.count) __builtin_prefetch(&rows[row + 8]);
    ++line_;
    ++stats_.lines;
    DeliverRow(rows[row]);
  }
}

void LineReader::OneByOne(std::string_view lines) {
  const char* p = lines.data();
  const char* end = p + lines.size();
  const ScanRowsFn scan = ChosenScanRows();
  // Only a line the general path reads (a #Fields line) may change it.
  FastLayout layout = Layout();
  while (p < end) {
    if (layout.on) {
      // A batch of rows read, then delivered: what the fast path reads does
      // not depend on what the sink did with the rows before.
      const ScannedRows got =
          scan(p, end, layout, fast_cache_, scanned_rows_.data(), scanned_rows_.size());
      for (size_t i = 0; i < got.rows; ++i) {
        ++line_;
        ++stats_.lines;
        DeliverRow(scanned_rows_[i]);
      }
      p += got.bytes;
      if (got.rows == scanned_rows_.size() || p >= end) continue;
      if (got.next_length != kLineEndUnknown) {
        LineOrOverlong(std::string_view(p, got.next_length));
        layout = Layout();
        p += got.next_length + 1;
        continue;
      }
    }
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
    if (nl == nullptr) nl = end;
    LineOrOverlong(std::string_view(p, size_t(nl - p)));
    layout = Layout();
    p = nl + 1;
  }
}

void LineReader::LineOrOverlong(std::string_view line) {
  if (line.size() > kMaxLine) line = SkipBlanks(line);
  if (line.size() > kMaxLine) return OverlongLine();
  Line(line);
}

}  // namespace highport::ingest::pfirewall
