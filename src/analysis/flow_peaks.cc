#include "analysis/flow_peaks.h"

#include <algorithm>

namespace highport::analysis {
namespace {

uint8_t* PutVarint(uint8_t* p, uint64_t value) {
  while (value >= 0x80) {
    *p++ = static_cast<uint8_t>(value | 0x80);
    value >>= 7;
  }
  *p++ = static_cast<uint8_t>(value);
  return p;
}

}  // namespace

void LifetimeLog::Add(uint32_t flow, uint16_t client_port, int64_t start, int64_t end) {
  constexpr int64_t kSecond = 1'000'000;
  if (end <= start && start >= 0 && start % kSecond == 0 && start / kSecond <= UINT32_MAX) {
    const auto second = static_cast<uint32_t>(start / kSecond);
    InstantBlocks& b = instant_bytes_;
    if (b.blocks.empty() || b.used.back() + InstantBlocks::kMaxInstant > InstantBlocks::kBlockBytes) {
      b.blocks.push_back(std::make_unique_for_overwrite<uint8_t[]>(InstantBlocks::kBlockBytes));
      b.used.push_back(0);
    }
    uint8_t* const first = b.blocks.back().get() + b.used.back();
    uint8_t* p = first;
    const int64_t step = int64_t{second} - int64_t{last_second_};
    p = PutVarint(p, static_cast<uint64_t>(step) << 1 ^ static_cast<uint64_t>(step >> 63));  // zigzag
    p = PutVarint(p, flow);
    *p++ = static_cast<uint8_t>(client_port);
    *p++ = static_cast<uint8_t>(client_port >> 8);
    b.used.back() += static_cast<uint32_t>(p - first);
    last_second_ = second;
    ++instants_;
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

const uint8_t* LifetimeLog::InstantReader::VarintRest(const uint8_t* p, uint64_t& value) {
  value &= 0x7f;
  for (unsigned shift = 7;; shift += 7) {
    const uint8_t byte = *p++;
    value |= uint64_t{byte & 0x7fu} << shift;
    if (byte < 0x80) return p;
  }
}

size_t LifetimeLog::bytes() const {
  return instant_bytes_.bytes() + spans_.bytes();
}

namespace {

// One lifetime once its flow is known from where it lies. Narrow: 16
// bytes, for lengths below 2^48 us (8.9 years: every real one); Wide: 24,
// for whatever else a damaged input holds. At the peak of a large run all of
// them are in memory at once.
struct NarrowLife {
  int64_t start;
  uint32_t length_low;
  uint16_t length_high;
  uint16_t client_port;
  static NarrowLife Make(int64_t start, int64_t end, uint16_t client_port) {
    const uint64_t length = static_cast<uint64_t>(end) - static_cast<uint64_t>(start);
    return {start, static_cast<uint32_t>(length), static_cast<uint16_t>(length >> 32), client_port};
  }
  int64_t End() const {
    return start + static_cast<int64_t>(uint64_t{length_high} << 32 | length_low);
  }
};
static_assert(sizeof(NarrowLife) == 16);
struct WideLife {
  int64_t start;
  int64_t end;
  uint16_t client_port;
  static WideLife Make(int64_t start, int64_t end, uint16_t client_port) {
    return {start, end, client_port};
  }
  int64_t End() const { return end; }
};

// One flow's lifetimes, in arrival order: sorted by (client port, start),
// overlapping ones from the same client port merged, and what remains
// appended to `starts` and `ends`. A flow has few lifetimes next to the whole
// log, so this sort stays in cache; and often they are in order already.
template <class Life>
void MergeConnections(typename std::vector<Life>::iterator first,
                      typename std::vector<Life>::iterator last, std::vector<int64_t>& starts,
                      std::vector<int64_t>& ends, bool& all_instants) {
  auto by_port_then_start = [](const Life& a, const Life& b) {
    return a.client_port != b.client_port ? a.client_port < b.client_port : a.start < b.start;
  };
  if (!std::is_sorted(first, last, by_port_then_start)) std::sort(first, last, by_port_then_start);
  for (auto j = first; j != last;) {
    const int64_t start = j->start;
    const uint16_t port = j->client_port;
    int64_t end = j++->End();
    while (j != last && port != 0 && j->client_port == port && j->start <= end) {
      end = std::max(end, j++->End());
    }
    all_instants &= end == start;
    starts.push_back(start);
    ends.push_back(end);
  }
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

// The log is grouped by (server, flow) without sorting it: the flows that
// have lifetimes are sorted (far fewer than lifetimes), each gets its range
// of one array, and every lifetime is copied straight into its flow's range
// (a counting sort: two passes, no comparisons, no server_of lookup per
// comparison, and arrival order kept inside a flow). A global comparison sort
// of the lifetimes by (server, flow, port, start) did the same at 20% of a
// NetFlow run's instructions.
std::vector<std::pair<uint32_t, uint64_t>> LifetimeLog::TakePeaks(
    const std::vector<bool>& counted, const std::vector<uint32_t>& server_of) {
  // at[flow]: first the flow's count of lifetimes, then where its next one goes.
  std::vector<size_t> at(server_of.size(), 0);
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
  size_t total = 0;
  for (uint64_t key : flows) {
    const auto flow = static_cast<uint32_t>(key);
    const size_t count = at[flow];
    at[flow] = total;
    total += count;
  }
  return long_span_ ? Sweep<WideLife>(counted, at, flows, total)
                    : Sweep<NarrowLife>(counted, at, flows, total);
}

template <class Life>
std::vector<std::pair<uint32_t, uint64_t>> LifetimeLog::Sweep(const std::vector<bool>& counted,
                                                              std::vector<size_t>& at,
                                                              const std::vector<uint64_t>& flows,
                                                              size_t total) {
  std::vector<Life> lives(total);
  // Each block of the log freed once copied: the log and `lives` are not
  // both whole at any moment.
  for (size_t k = 0; k < spans_.size(); ++k) {
    const Span& s = spans_[k];
    if (counted[s.flow]) lives[at[s.flow]++] = Life::Make(s.start, s.end, s.client_port);
    if ((k + 1) % BlockVector<Span>::kBlockSize == 0) spans_.ReleaseBlocksBefore(k + 1);
  }
  spans_.clear();
  InstantReader reader(instant_bytes_, true);
  for (size_t k = 0; k < instants_; ++k) {
    const Instant i = reader.Next();
    const int64_t instant = int64_t{i.second} * 1'000'000;
    if (counted[i.flow]) lives[at[i.flow]++] = Life::Make(instant, instant, i.client_port);
  }
  instant_bytes_ = {};
  instants_ = 0;
  last_second_ = 0;
  long_span_ = false;
  // Now at[flow] is the end of the flow's range, which begins where the previous flow's ends.

  std::vector<std::pair<uint32_t, uint64_t>> peaks;
  std::vector<int64_t> starts, ends;
  size_t begin = 0;
  for (size_t k = 0; k < flows.size();) {
    const auto server = static_cast<uint32_t>(flows[k] >> 32);
    starts.clear();
    ends.clear();
    // Reserved at the server's count of lifetimes (an upper bound of its
    // connections): grown by doubling, the two arrays of a server with most
    // of the log's lifetimes were twice that at the peak of a large run.
    size_t last = k;
    while (last + 1 < flows.size() && static_cast<uint32_t>(flows[last + 1] >> 32) == server) ++last;
    const size_t lifetimes = at[static_cast<uint32_t>(flows[last])] - begin;
    starts.reserve(lifetimes);
    ends.reserve(lifetimes);
    bool all_instants = true;
    for (; k < flows.size() && static_cast<uint32_t>(flows[k] >> 32) == server; ++k) {
      const size_t end = at[static_cast<uint32_t>(flows[k])];
      MergeConnections<Life>(lives.begin() + static_cast<ptrdiff_t>(begin),
                             lives.begin() + static_cast<ptrdiff_t>(end), starts, ends,
                             all_instants);
      begin = end;
    }
    std::sort(starts.begin(), starts.end());
    // A server seen only in firewall rows (instants: every end is its start)
    // has its ends sorted once its starts are: one sort, not two.
    const std::vector<int64_t>& sorted_ends = all_instants ? starts : ends;
    if (!all_instants) std::sort(ends.begin(), ends.end());
    // When the k-th start opens, the ends before it (strictly) have closed.
    uint64_t peak = 0;
    size_t closed = 0;
    for (size_t s = 0; s < starts.size(); ++s) {
      while (closed < sorted_ends.size() && sorted_ends[closed] < starts[s]) ++closed;
      peak = std::max<uint64_t>(peak, s + 1 - closed);
    }
    peaks.emplace_back(server, peak);
  }
  return peaks;
}

}  // namespace highport::analysis
