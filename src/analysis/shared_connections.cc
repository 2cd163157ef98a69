#include "analysis/shared_connections.h"

#include <algorithm>
#include <limits>

namespace highport::analysis {

void SharedConnections::Add(uint32_t flow, uint32_t input, uint16_t client_port, int64_t start_us,
                            uint64_t packets, uint64_t bytes, bool allowed, bool low_source) {
  constexpr int64_t kLastSecond = std::numeric_limits<uint32_t>::max();
  const int64_t second = std::clamp<int64_t>(start_us / 1'000'000, 0, kLastSecond);
  Sighting s{};
  s.bytes = bytes;
  s.packets = static_cast<uint32_t>(std::min<uint64_t>(packets, std::numeric_limits<uint32_t>::max()));
  s.second = static_cast<uint32_t>(second);
  s.flow = flow;
  s.input = input;
  s.client_port = client_port;
  s.allowed = allowed;
  s.low_source = low_source;
  sightings_.push_back(s);
}

std::vector<SharedConnections::Excess> SharedConnections::TakeExcess() {
  std::vector<Sighting> all;
  all.swap(sightings_);
  // By connection key, then time; the input last, so that the order (and
  // with it which sightings form a connection) never depends on the order
  // the inputs were read.
  std::sort(all.begin(), all.end(), [](const Sighting& a, const Sighting& b) {
    if (a.flow != b.flow) return a.flow < b.flow;
    if (a.client_port != b.client_port) return a.client_port < b.client_port;
    if (a.second != b.second) return a.second < b.second;
    return a.input < b.input;
  });
  std::vector<Excess> out;
  std::vector<uint32_t> inputs;  // of the connection being gathered
  for (size_t i = 0; i < all.size();) {
    // One connection: sightings of the same flow and port from inputs not
    // in it yet, within the window of its first. A second sighting from an
    // input already in it is the next connection.
    const Sighting& first = all[i];
    inputs.assign(1, first.input);
    uint64_t packets = first.packets, bytes = first.bytes;
    uint64_t most_packets = first.packets, most_bytes = first.bytes;
    uint64_t allowed = first.allowed, low_source = first.low_source;
    size_t j = i + 1;
    for (; j < all.size(); ++j) {
      const Sighting& s = all[j];
      if (s.flow != first.flow || s.client_port != first.client_port ||
          int64_t{s.second} - int64_t{first.second} > kSkewSeconds ||
          std::find(inputs.begin(), inputs.end(), s.input) != inputs.end()) {
        break;
      }
      inputs.push_back(s.input);
      packets += s.packets;
      bytes += s.bytes;
      most_packets = std::max<uint64_t>(most_packets, s.packets);
      most_bytes = std::max(most_bytes, s.bytes);
      allowed += s.allowed;
      low_source += s.low_source;
    }
    if (const size_t sightings = j - i; sightings > 1) {
      if (out.empty() || out.back().flow != first.flow) out.push_back({.flow = first.flow});
      Excess& x = out.back();
      x.connections += sightings - 1;
      x.allowed += allowed > 0 ? allowed - 1 : 0;
      x.low_source += low_source > 0 ? low_source - 1 : 0;
      x.packets += packets - most_packets;
      x.bytes += bytes - most_bytes;
    }
    i = j;
  }
  return out;
}

}  // namespace highport::analysis
