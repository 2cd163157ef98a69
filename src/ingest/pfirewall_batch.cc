// Two threads for one firewall log. The sink takes rows one at a time and in
// the order of the file, and what a row means may depend on every line
// above it (a #Fields line changes the layout), so the rows cannot simply be
// shared out. Instead each piece of a few MiB is cut into blocks of whole
// lines. The reader's own thread reads blocks from the front as always,
// straight to the sink; a second thread (RowWorker) reads blocks from the
// back with the fast path into plain records (AheadLine, no strings), under
// the layout of the moment the piece began. Where the two meet, the reader's
// thread delivers the second thread's records, block by block in order; a
// block the second thread has not finished yet it reads itself. So it never
// waits for the other thread, which matters on a busy machine: at worst the
// other thread never runs and the piece is read as with one thread.
//
// The general path (findings, notes, directives) runs on the reader's
// thread only: a line the fast path refused is kept as a place in the block
// and read in its turn. If the layout has changed by then (a #Fields line in
// the front blocks, or among the lines handed back), the records from there
// on were read under the wrong layout: they are dropped and their lines
// read again one by one. So the second thread only decides how fast rows
// are read, never what they mean; PfirewallReader.TwoThreadsAgreeWithOne
// holds that. Memory: a piece's copies and records, about 2.2 bytes per
// byte of the piece, whatever the size of the file.
#include "ingest/pfirewall_batch.h"

#include <cstring>

namespace highport::ingest::pfirewall {
namespace {

constexpr size_t kPiece = size_t{4} << 20;
constexpr size_t kBlock = size_t{64} << 10;

// The end of the line that holds byte `want - 1` (past its '\n'); `lines`
// ends with a '\n'.
size_t LinesEnd(std::string_view lines, size_t want) {
  if (want >= lines.size()) return lines.size();
  if (want == 0) return 0;
  const void* nl = std::memchr(lines.data() + want - 1, '\n', lines.size() - want + 1);
  return size_t(static_cast<const char*>(nl) - lines.data()) + 1;
}

// Ends the piece however Lines leaves it (the sink may throw): the worker
// must not read the caller's bytes after that.
struct EndPiece {
  RowWorker& worker;
  ~EndPiece() { worker.End(); }
};

}  // namespace

void ReadAhead(std::string_view lines, const FastLayout& layout, FastCache& cache,
               std::vector<AheadLine>& out) {
  // The records of the block before are filled again, not made anew: a
  // new one is zeroed first, which costs as much as a tenth of the row.
  size_t count = 0;
  const char* p = lines.data();
  const char* end = p + lines.size();
  const ScanFastFn scan = ChosenScanFast();
  while (p < end) {
    AheadLine& ahead = count < out.size() ? out[count] : out.emplace_back();
    ++count;
    ahead.general = false;
    bool parsed = false;
    size_t length = scan(p, end, layout, cache, ahead.row, parsed);
    if (length == kLineEndUnknown) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
      if (nl == nullptr) nl = end;  // not for whole lines; kept safe anyway
      length = size_t(nl - p);
      parsed = ParseFast(std::string_view(p, length), layout, cache, ahead.row);
    }
    if (!parsed) {
      ahead.general = true;
      ahead.general_at = static_cast<uint32_t>(p - lines.data());
      ahead.general_size = static_cast<uint32_t>(length);
    }
    p += length + 1;
  }
  out.resize(count);  // shrinks only: nothing zeroed
}

RowWorker::RowWorker() : thread_([this] { Run(); }) {}

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
    ++epoch_;
    blocks_ = blocks;
    layout_ = layout;
    front_ = 0;
    back_ = blocks.size();
    while (slots_.size() < blocks.size()) slots_.push_back(std::make_unique<Slot>());
  }
  changed_.notify_all();
}

bool RowWorker::TakeFront(size_t index) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (index != front_ || front_ >= back_) return false;
  ++front_;
  return true;
}

const std::vector<AheadLine>* RowWorker::Finished(size_t index) const {
  // epoch_ and slots_ change only in Start and End, on the reader's thread.
  const Slot& slot = *slots_[index];
  return slot.done.load(std::memory_order_acquire) == epoch_ ? &slot.lines : nullptr;
}

void RowWorker::End() {
  std::lock_guard<std::mutex> lock(mutex_);
  blocks_.clear();
  front_ = back_ = 0;
}

void RowWorker::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stop_ || front_ < back_; });
    if (stop_) return;
    const size_t index = --back_;
    const uint64_t epoch = epoch_;
    const FastLayout layout = layout_;
    Slot& slot = *slots_[index];
    try {
      slot.copy.assign(blocks_[index]);  // under the lock: the bytes are the caller's
      lock.unlock();
      ReadAhead(slot.copy, layout, cache_, slot.lines);
      slot.done.store(epoch, std::memory_order_release);
    } catch (...) {
      // Out of memory: the reader's thread reads the block itself.
    }
    if (!lock.owns_lock()) lock.lock();
  }
}

LineReader::~LineReader() = default;  // here, where RowWorker is complete

void LineReader::Lines(std::string_view lines) {
  static const bool kOneCore = std::thread::hardware_concurrency() < 2;  // it reads /sys
  while (!lines.empty()) {
    std::string_view piece = lines.substr(0, LinesEnd(lines, kPiece));
    lines.remove_prefix(piece.size());
    const FastLayout layout = Layout();
    // A piece far longer than kPiece holds a line of megabytes (NUL
    // padding): not worth a copy.
    if (!layout.on || parallel_min_ == 0 || piece.size() < parallel_min_ ||
        piece.size() > kPiece + kBlock || kOneCore) {
      OneByOne(piece);
      continue;
    }
    // Blocks of kBlock, or at least eight of a small piece (tests).
    const size_t block = std::min(kBlock, piece.size() / 8 + 1);
    blocks_.clear();
    for (std::string_view rest = piece; !rest.empty();) {
      blocks_.push_back(rest.substr(0, LinesEnd(rest, block)));
      rest.remove_prefix(blocks_.back().size());
    }
    if (!worker_) worker_ = std::make_unique<RowWorker>();
    worker_->Start(blocks_, layout);
    EndPiece end{*worker_};
    for (size_t i = 0; i < blocks_.size(); ++i) {
      const std::vector<AheadLine>* ahead = nullptr;
      if (!worker_->TakeFront(i)) ahead = worker_->Finished(i);
      if (ahead != nullptr && Layout() == layout) {
        DeliverAhead(blocks_[i], *ahead, layout);
      } else {
        OneByOne(blocks_[i]);
      }
    }
  }
}

void LineReader::DeliverAhead(std::string_view block, const std::vector<AheadLine>& ahead,
                              const FastLayout& assumed) {
  for (const AheadLine& a : ahead) {
    if (!a.general) {
      ++line_;
      ++stats_.lines;
      DeliverRow(a.row);
      continue;
    }
    LineOrOverlong(block.substr(a.general_at, a.general_size));
    if (Layout() != assumed) return OneByOne(block.substr(a.general_at + a.general_size + 1));
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
