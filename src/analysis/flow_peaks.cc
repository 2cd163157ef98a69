#include "analysis/flow_peaks.h"

#include <algorithm>
#include <tuple>

namespace highport::analysis {

void LifetimeLog::Add(uint32_t flow, uint16_t client_port, int64_t start, int64_t end) {
  if (end <= start) {
    instants_.push_back({start, flow, client_port});
  } else {
    spans_.push_back({start, end, flow, client_port});
  }
}

size_t LifetimeLog::bytes() const {
  return instants_.capacity() * sizeof(Instant) + spans_.capacity() * sizeof(Span);
}

std::vector<std::pair<uint32_t, uint64_t>> LifetimeLog::TakePeaks(
    const std::vector<bool>& counted, const std::vector<uint32_t>& server_of) {
  // Only counted flows' lifetimes, all as spans; the instants go first.
  std::vector<Span> lives = std::move(spans_);
  std::erase_if(lives, [&](const Span& s) { return !counted[s.flow]; });
  for (const Instant& i : instants_) {
    if (counted[i.flow]) lives.push_back({i.at, i.at, i.flow, i.client_port});
  }
  std::vector<Instant>().swap(instants_);
  spans_ = {};

  // One sort groups by server and, inside, by flow and client port for the merge.
  std::sort(lives.begin(), lives.end(), [&](const Span& a, const Span& b) {
    return std::tuple(server_of[a.flow], a.flow, a.client_port, a.start) <
           std::tuple(server_of[b.flow], b.flow, b.client_port, b.start);
  });
  // Merged in place; `flow` now holds the server id.
  size_t kept = 0;
  for (size_t j = 0; j < lives.size();) {
    Span merged = lives[j++];
    while (j < lives.size() && merged.client_port != 0 && lives[j].flow == merged.flow &&
           lives[j].client_port == merged.client_port && lives[j].start <= merged.end) {
      merged.end = std::max(merged.end, lives[j++].end);
    }
    merged.flow = server_of[merged.flow];
    lives[kept++] = merged;
  }
  lives.resize(kept);

  std::vector<std::pair<uint32_t, uint64_t>> peaks;
  std::vector<int64_t> starts, ends;
  for (size_t first = 0; first < lives.size();) {
    size_t last = first;
    while (last < lives.size() && lives[last].flow == lives[first].flow) ++last;
    starts.clear();
    ends.clear();
    for (size_t k = first; k < last; ++k) {
      starts.push_back(lives[k].start);
      ends.push_back(lives[k].end);
    }
    std::sort(starts.begin(), starts.end());
    std::sort(ends.begin(), ends.end());
    // When the k-th start opens, the ends before it (strictly) have closed.
    uint64_t peak = 0;
    size_t closed = 0;
    for (size_t k = 0; k < starts.size(); ++k) {
      while (closed < ends.size() && ends[closed] < starts[k]) ++closed;
      peak = std::max<uint64_t>(peak, k + 1 - closed);
    }
    peaks.emplace_back(lives[first].flow, peak);
    first = last;
  }
  return peaks;
}

}  // namespace highport::analysis
