#include "analysis/flow_peaks.h"

#include <algorithm>

namespace highport::analysis {

void LifetimeLog::Add(uint32_t flow, uint16_t client_port, int64_t start, int64_t end) {
  constexpr int64_t kSecond = 1'000'000;
  if (end <= start && start >= 0 && start % kSecond == 0 && start / kSecond <= UINT32_MAX) {
    instants_.push_back({static_cast<uint32_t>(start / kSecond), flow, client_port});
  } else if (end <= start) {
    spans_.push_back({start, start, flow, client_port});
  } else {
    spans_.push_back({start, end, flow, client_port});
  }
}

size_t LifetimeLog::bytes() const {
  return instants_.bytes() + spans_.bytes();
}

namespace {

// One lifetime once its flow is known from where it lies.
struct Life {
  int64_t start;
  int64_t end;
  uint16_t client_port;
};

// One flow's lifetimes, in arrival order: sorted by (client port, start),
// overlapping ones from the same client port merged, and what remains
// appended to `starts` and `ends`. A flow has few lifetimes next to the whole
// log, so this sort stays in cache; and often they are in order already.
void MergeConnections(std::vector<Life>::iterator first, std::vector<Life>::iterator last,
                      std::vector<int64_t>& starts, std::vector<int64_t>& ends) {
  auto by_port_then_start = [](const Life& a, const Life& b) {
    return a.client_port != b.client_port ? a.client_port < b.client_port : a.start < b.start;
  };
  if (!std::is_sorted(first, last, by_port_then_start)) std::sort(first, last, by_port_then_start);
  for (auto j = first; j != last;) {
    Life merged = *j++;
    while (j != last && merged.client_port != 0 && j->client_port == merged.client_port &&
           j->start <= merged.end) {
      merged.end = std::max(merged.end, j++->end);
    }
    starts.push_back(merged.start);
    ends.push_back(merged.end);
  }
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
  for (size_t k = 0; k < instants_.size(); ++k) at[instants_[k].flow] += counted[instants_[k].flow];
  std::vector<uint64_t> flows;  // server << 32 | flow, for flows with counted lifetimes
  for (uint32_t flow = 0; flow < at.size(); ++flow) {
    if (at[flow] > 0) flows.push_back(uint64_t{server_of[flow]} << 32 | flow);
  }
  std::sort(flows.begin(), flows.end());
  size_t total = 0;
  for (uint64_t key : flows) {
    const auto flow = static_cast<uint32_t>(key);
    const size_t count = at[flow];
    at[flow] = total;
    total += count;
  }
  std::vector<Life> lives(total);
  // Each block of the log freed once copied: the log and `lives` are not
  // both whole at any moment.
  for (size_t k = 0; k < spans_.size(); ++k) {
    const Span& s = spans_[k];
    if (counted[s.flow]) lives[at[s.flow]++] = {s.start, s.end, s.client_port};
    if ((k + 1) % BlockVector<Span>::kBlockSize == 0) spans_.ReleaseBlocksBefore(k + 1);
  }
  spans_.clear();
  for (size_t k = 0; k < instants_.size(); ++k) {
    const Instant& i = instants_[k];
    const int64_t instant = int64_t{i.second} * 1'000'000;
    if (counted[i.flow]) lives[at[i.flow]++] = {instant, instant, i.client_port};
    if ((k + 1) % BlockVector<Instant>::kBlockSize == 0) instants_.ReleaseBlocksBefore(k + 1);
  }
  instants_.clear();
  // Now at[flow] is the end of the flow's range, which begins where the previous flow's ends.

  std::vector<std::pair<uint32_t, uint64_t>> peaks;
  std::vector<int64_t> starts, ends;
  size_t begin = 0;
  for (size_t k = 0; k < flows.size();) {
    const auto server = static_cast<uint32_t>(flows[k] >> 32);
    starts.clear();
    ends.clear();
    for (; k < flows.size() && static_cast<uint32_t>(flows[k] >> 32) == server; ++k) {
      const size_t end = at[static_cast<uint32_t>(flows[k])];
      MergeConnections(lives.begin() + static_cast<ptrdiff_t>(begin),
                       lives.begin() + static_cast<ptrdiff_t>(end), starts, ends);
      begin = end;
    }
    std::sort(starts.begin(), starts.end());
    std::sort(ends.begin(), ends.end());
    // When the k-th start opens, the ends before it (strictly) have closed.
    uint64_t peak = 0;
    size_t closed = 0;
    for (size_t s = 0; s < starts.size(); ++s) {
      while (closed < ends.size() && ends[closed] < starts[s]) ++closed;
      peak = std::max<uint64_t>(peak, s + 1 - closed);
    }
    peaks.emplace_back(server, peak);
  }
  return peaks;
}

}  // namespace highport::analysis
