#include "analysis/flow_peaks.h"

#include <algorithm>

namespace highport::analysis {
void LifetimeLog::AddOther(uint32_t flow, uint16_t client_port, int64_t start, int64_t end) {
  uint32_t second;
  if (WholeSecond(start, end, second)) {  // the current block is full: the next one
    InstantBlocks& b = instant_bytes_;
    b.Seal();
    b.blocks.push_back(std::make_unique_for_overwrite<uint8_t[]>(InstantBlocks::kBlockBytes));
    b.used.push_back(0);
    b.put = b.blocks.back().get();
    b.end = b.put + InstantBlocks::kBlockBytes;
    PutInstant(second, flow, client_port);
  } else if (end <= start) {
    spans_.push_back({start, start, flow, client_port});
  } else {
    constexpr uint64_t kNarrow = uint64_t{1} << 48;
    long_span_ |= static_cast<uint64_t>(end) - static_cast<uint64_t>(start) >= kNarrow;
    spans_.push_back({start, end, flow, client_port});
  }
}

void LifetimeLog::InstantReader::NextBlock() {
  // Skips empty blocks too (none is written, but a reader must not trust that).
  while (p_ == end_) {
    if (release_ && block_ > 0) blocks_.blocks[block_ - 1].reset();
    p_ = blocks_.blocks[block_].get();
    end_ = p_ + blocks_.used[block_];
    ++block_;
  }
}

const uint8_t* LifetimeLog::InstantReader::VarintTail(const uint8_t* p, uint64_t& value) {
  for (unsigned shift = 21;; shift += 7) {
    const uint8_t byte = *p++;
    value |= uint64_t{byte & 0x7fu} << shift;
    if (byte < 0x80) return p;
  }
}

size_t LifetimeLog::bytes() const {
  return instant_bytes_.bytes() + spans_.bytes();
}

namespace {

// One lifetime once its flow is known from where it lies; at the peak of a
// large run all of them are in memory at once. Each type sorts its
// lifetimes by (client port, start), and stores a merged connection in the
// same slot (Merged(): start and end, the port no longer needed), so a
// server's connections are merged in place and need no arrays of their own.
//
// Instant: 8 bytes, for a log of whole-second instants only (a firewall
// log): client port << 32 | second, compared as one integer.
struct InstantLife {
  uint64_t value;
  static constexpr bool kInstantsOnly = true;
  static InstantLife Instant(uint32_t second, uint16_t client_port) {
    return {uint64_t{client_port} << 32 | second};
  }
  static InstantLife Span(int64_t, int64_t, uint16_t) = delete;
  static InstantLife Merged(uint64_t start, uint64_t /*end: the same*/) { return {start}; }
  static bool ByPortThenStart(InstantLife a, InstantLife b) { return a.value < b.value; }
  static bool ByStart(InstantLife a, InstantLife b) { return a.value < b.value; }
  uint64_t Start() const { return value & UINT32_MAX; }
  uint64_t End() const { return Start(); }
  uint16_t Port() const { return static_cast<uint16_t>(value >> 32); }
  uint64_t MergedEnd() const { return value; }
};
static_assert(sizeof(InstantLife) == 8);
// Narrow: 16 bytes, for lengths below 2^48 us (8.9 years: every real one):
// the length and the client port share `rest`, which holds the end once merged.
struct NarrowLife {
  int64_t start;
  uint64_t rest;
  static constexpr bool kInstantsOnly = false;
  static NarrowLife Span(int64_t start, int64_t end, uint16_t client_port) {
    const uint64_t length = static_cast<uint64_t>(end) - static_cast<uint64_t>(start);
    return {start, length << 16 | client_port};
  }
  static NarrowLife Instant(uint32_t second, uint16_t client_port) {
    const int64_t instant = int64_t{second} * 1'000'000;
    return Span(instant, instant, client_port);
  }
  static NarrowLife Merged(int64_t start, int64_t end) { return {start, static_cast<uint64_t>(end)}; }
  static bool ByPortThenStart(const NarrowLife& a, const NarrowLife& b) {
    return a.Port() != b.Port() ? a.Port() < b.Port() : a.start < b.start;
  }
  static bool ByStart(const NarrowLife& a, const NarrowLife& b) { return a.start < b.start; }
  int64_t Start() const { return start; }
  int64_t End() const { return static_cast<int64_t>(static_cast<uint64_t>(start) + (rest >> 16)); }
  uint16_t Port() const { return static_cast<uint16_t>(rest); }
  int64_t MergedEnd() const { return static_cast<int64_t>(rest); }
};
static_assert(sizeof(NarrowLife) == 16);
// Wide: 24 bytes, for whatever else a damaged input holds.
struct WideLife {
  int64_t start;
  int64_t end;
  uint16_t client_port;
  static constexpr bool kInstantsOnly = false;
  static WideLife Span(int64_t start, int64_t end, uint16_t client_port) {
    return {start, end, client_port};
  }
  static WideLife Instant(uint32_t second, uint16_t client_port) {
    const int64_t instant = int64_t{second} * 1'000'000;
    return {instant, instant, client_port};
  }
  static WideLife Merged(int64_t start, int64_t end) { return {start, end, 0}; }
  static bool ByPortThenStart(const WideLife& a, const WideLife& b) {
    return a.client_port != b.client_port ? a.client_port < b.client_port : a.start < b.start;
  }
  static bool ByStart(const WideLife& a, const WideLife& b) { return a.start < b.start; }
  int64_t Start() const { return start; }
  int64_t End() const { return end; }
  uint16_t Port() const { return client_port; }
  int64_t MergedEnd() const { return end; }
};

// One flow's lifetimes [first, last), in arrival order: sorted by (client
// port, start), overlapping ones from the same client port merged, and what
// remains written from `out` on (at or before `first`: a merged connection
// is written only after the lifetimes it covers were read). A flow has few
// lifetimes next to the whole log, so this sort stays in cache; and often
// they are in order already.
template <class Life>
Life* MergeConnections(Life* first, Life* last, Life* out, bool& all_instants) {
  if (!std::is_sorted(first, last, Life::ByPortThenStart)) std::sort(first, last, Life::ByPortThenStart);
  for (Life* j = first; j != last;) {
    const auto start = j->Start();
    const uint16_t port = j->Port();
    auto end = j++->End();
    while (j != last && port != 0 && j->Port() == port && j->Start() <= end) {
      end = std::max(end, j++->End());
    }
    all_instants &= end == start;
    *out++ = Life::Merged(start, end);
  }
  return out;
}

// The most of a server's merged connections [first, last) open at once: a
// sweep over sorted starts and ends, starts first at equal times. A server
// seen only in instants (every end is its start) has its ends sorted once
// its starts are: one sort and no array of ends.
template <class Life>
uint64_t PeakOf(Life* first, Life* last, bool all_instants) {
  std::sort(first, last, Life::ByStart);
  const size_t n = static_cast<size_t>(last - first);
  std::vector<decltype(first->MergedEnd())> ends;
  if (!all_instants) {
    ends.reserve(n);
    for (Life* j = first; j != last; ++j) ends.push_back(j->MergedEnd());
    std::sort(ends.begin(), ends.end());
  }
  auto end_at = [&](size_t i) { return all_instants ? first[i].MergedEnd() : ends[i]; };
  // When the s-th start opens, the ends before it (strictly) have closed.
  uint64_t peak = 0;
  size_t closed = 0;
  for (size_t s = 0; s < n; ++s) {
    while (closed < n && end_at(closed) < first[s].Start()) ++closed;
    peak = std::max<uint64_t>(peak, s + 1 - closed);
  }
  return peak;
}

}  // namespace

namespace {

// Sorts `flows` (server << 32 | flow, flows ascending). Server ids are
// dense (FlowTable numbers addresses from 0), so a counting sort by server
// keeps each server's flows in their ascending order and needs no
// comparison: one pass to count, one to place. Ids far beyond the number of
// flows (only from a caller that does not number them) take a plain sort.
void SortByServer(std::vector<uint64_t>& flows) {
  uint64_t servers = 0;
  for (uint64_t key : flows) servers = std::max(servers, (key >> 32) + 1);
  if (servers > 2 * flows.size() + 1024) {
    std::sort(flows.begin(), flows.end());
    return;
  }
  std::vector<uint32_t> next(servers + 1, 0);  // then: where a server's next flow goes
  for (uint64_t key : flows) ++next[(key >> 32) + 1];
  for (uint64_t s = 1; s <= servers; ++s) next[s] += next[s - 1];
  std::vector<uint64_t> sorted(flows.size());
  for (uint64_t key : flows) sorted[next[key >> 32]++] = key;
  flows.swap(sorted);
}

}  // namespace

void LifetimeLog::RenameFlows(const std::vector<Rename>& renames, size_t flows) {
  std::vector<const Rename*> of(flows, nullptr);
  for (const Rename& r : renames) {
    if (r.from < flows) of[r.from] = &r;
  }
  for (size_t k = 0; k < spans_.size(); ++k) {
    Span& s = spans_[k];
    if (s.flow >= flows || of[s.flow] == nullptr) continue;
    s.client_port = of[s.flow]->client_port;
    s.flow = of[s.flow]->into;
  }
}

// The log is grouped by (server, flow) without sorting it: the flows that
// have lifetimes are sorted (far fewer than lifetimes), each gets its range
// of one array, and every lifetime is copied straight into its flow's range
// (a counting sort: two passes, no comparisons, no server_of lookup per
// comparison, and arrival order kept inside a flow). A global comparison sort
// of the lifetimes by (server, flow, port, start) did the same at 20% of a
// NetFlow run's instructions.
std::vector<std::pair<uint32_t, uint64_t>> LifetimeLog::TakePeaks(
    const std::vector<bool>& counted, const std::vector<uint32_t>& server_of) {
  // Offsets into the lifetimes: 4 bytes a flow unless the log is that long.
  return size() < UINT32_MAX ? TakePeaksWith<uint32_t>(counted, server_of)
                             : TakePeaksWith<size_t>(counted, server_of);
}

template <class Offset>
std::vector<std::pair<uint32_t, uint64_t>> LifetimeLog::TakePeaksWith(
    const std::vector<bool>& counted, const std::vector<uint32_t>& server_of) {
  // at[flow]: first the flow's count of lifetimes, then where its next one goes.
  std::vector<Offset> at(server_of.size(), 0);
  instant_bytes_.Seal();
  for (size_t k = 0; k < spans_.size(); ++k) at[spans_[k].flow] += counted[spans_[k].flow];
  InstantReader counting(instant_bytes_, false);
  for (size_t k = 0; k < instants_; ++k) {
    const uint32_t flow = counting.Next().flow;
    at[flow] += counted[flow];
  }
  std::vector<uint64_t> flows;  // server << 32 | flow, for flows with counted lifetimes
  for (uint32_t flow = 0; flow < at.size(); ++flow) {
    if (at[flow] > 0) flows.push_back(uint64_t{server_of[flow]} << 32 | flow);
  }
  SortByServer(flows);
  Offset total = 0;
  for (uint64_t key : flows) {
    const auto flow = static_cast<uint32_t>(key);
    const Offset count = at[flow];
    at[flow] = total;
    total += count;
  }
  if (spans_.empty()) return Sweep<InstantLife>(counted, at, flows, total);
  return long_span_ ? Sweep<WideLife>(counted, at, flows, total)
                    : Sweep<NarrowLife>(counted, at, flows, total);
}

template <class Life, class Offset>
std::vector<std::pair<uint32_t, uint64_t>> LifetimeLog::Sweep(const std::vector<bool>& counted,
                                                              std::vector<Offset>& at,
                                                              const std::vector<uint64_t>& flows,
                                                              size_t total) {
  // Not zeroed: every slot is written before it is read.
  const std::unique_ptr<Life[]> lives = std::make_unique_for_overwrite<Life[]>(total);
  // Each block of the log freed once copied: the log and `lives` are not
  // both whole at any moment.
  if constexpr (!Life::kInstantsOnly) {
    for (size_t k = 0; k < spans_.size(); ++k) {
      const Span& s = spans_[k];
      if (counted[s.flow]) lives[at[s.flow]++] = Life::Span(s.start, s.end, s.client_port);
      if ((k + 1) % BlockVector<Span>::kBlockSize == 0) spans_.ReleaseBlocksBefore(k + 1);
    }
  }
  spans_.clear();
  InstantReader reader(instant_bytes_, true);
  for (size_t k = 0; k < instants_; ++k) {
    const Instant i = reader.Next();
    if (counted[i.flow]) lives[at[i.flow]++] = Life::Instant(i.second, i.client_port);
  }
  instant_bytes_ = {};
  instants_ = 0;
  last_second_ = 0;
  long_span_ = false;
  // Now at[flow] is the end of the flow's range, which begins where the previous flow's ends.

  std::vector<std::pair<uint32_t, uint64_t>> peaks;
  size_t begin = 0;
  for (size_t k = 0; k < flows.size();) {
    const auto server = static_cast<uint32_t>(flows[k] >> 32);
    Life* const first = lives.get() + begin;
    Life* out = first;
    bool all_instants = true;
    for (; k < flows.size() && static_cast<uint32_t>(flows[k] >> 32) == server; ++k) {
      const size_t end = at[static_cast<uint32_t>(flows[k])];
      out = MergeConnections(lives.get() + begin, lives.get() + end, out, all_instants);
      begin = end;
    }
    peaks.emplace_back(server, PeakOf(first, out, all_instants));
  }
  return peaks;
}

}  // namespace highport::analysis
