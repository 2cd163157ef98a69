#include "analysis/shared_connections.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "analysis/moved_ports.h"

namespace highport::analysis {

std::string ViewpointOf(std::string_view file, Seen seen) {
  std::string key = FolderKeyOf(std::string(file));
  key += '\0';
  if (seen == Seen::kPackets) return key + "packets";
  if (seen == Seen::kNetflow) return key + "netflow";
  std::string name = std::filesystem::path(file).filename().string();
  if (name.size() > 4 && name.ends_with(".old")) name.resize(name.size() - 4);
  return key + name;
}

void SharedConnections::Add(uint32_t flow, uint32_t input, uint16_t client_port, int64_t start_us,
                            uint64_t packets, uint64_t bytes, bool allowed, bool low_source,
                            bool answer, uint8_t log_side) {
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
  s.answer = answer;
  s.log_side = log_side & 3;
  sightings_.push_back(s);
}

namespace {
uint64_t AddSaturated(uint64_t a, uint64_t b) {
  uint64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}
}  // namespace

void SharedConnections::Turn(
    const std::unordered_map<uint32_t, std::pair<uint32_t, uint16_t>>& turned) {
  if (turned.empty()) return;
  for (Sighting& s : sightings_) {
    if (auto it = turned.find(s.flow); it != turned.end()) {
      s.flow = it->second.first;
      s.client_port = it->second.second;
      s.answer = !s.answer;
    }
  }
}

std::vector<SharedConnections::Excess> SharedConnections::TakeExcess() {
  std::vector<Sighting> all;
  all.swap(sightings_);
  std::erase_if(all, [](const Sighting& s) { return s.answer; });  // no connections
  // By connection key, then time; the input last, so that ties are broken
  // the same way whatever else was read in between.
  std::sort(all.begin(), all.end(), [](const Sighting& a, const Sighting& b) {
    if (a.flow != b.flow) return a.flow < b.flow;
    if (a.client_port != b.client_port) return a.client_port < b.client_port;
    if (a.second != b.second) return a.second < b.second;
    return a.input < b.input;
  });
  std::vector<Excess> out;
  std::vector<uint32_t> inputs;  // of the connection being gathered
  std::vector<bool> taken;       // of the group: already part of a connection
  for (size_t begin = 0; begin < all.size();) {
    // One group: the sightings of one flow and client port.
    size_t end = begin + 1;
    while (end < all.size() && all[end].flow == all[begin].flow &&
           all[end].client_port == all[begin].client_port) {
      ++end;
    }
    taken.assign(end - begin, false);
    for (size_t i = begin; i < end; ++i) {
      if (taken[i - begin]) continue;
      // One connection: the first sighting not taken yet, and after it, one
      // from each other input within the window. A second sighting from an
      // input already in it is passed over (a connection of its own, or
      // another's twin), not an end: 1@0 1@1 2@2 2@3 are two connections
      // seen twice each, not three.
      const Sighting& first = all[i];
      inputs.assign(1, first.input);
      uint64_t packets = first.packets, bytes = first.bytes;
      uint64_t most_packets = first.packets, most_bytes = first.bytes;
      uint64_t allowed = first.allowed, low_source = first.low_source, sightings = 1;
      unsigned log_sides = first.log_side == 0 ? 0u : 1u << first.log_side;
      for (size_t j = i + 1; j < end; ++j) {
        const Sighting& s = all[j];
        if (int64_t{s.second} - int64_t{first.second} > kSkewSeconds) break;
        if (taken[j - begin] || std::find(inputs.begin(), inputs.end(), s.input) != inputs.end() ||
            (s.log_side != 0 && (log_sides & (1u << s.log_side)) != 0)) {
          continue;
        }
        if (s.log_side != 0) log_sides |= 1u << s.log_side;
        taken[j - begin] = true;
        inputs.push_back(s.input);
        ++sightings;
        packets = AddSaturated(packets, s.packets);
        bytes = AddSaturated(bytes, s.bytes);
        most_packets = std::max<uint64_t>(most_packets, s.packets);
        most_bytes = std::max(most_bytes, s.bytes);
        allowed += s.allowed;
        low_source += s.low_source;
      }
      if (sightings == 1) continue;
      if (out.empty() || out.back().flow != first.flow) out.push_back({.flow = first.flow});
      Excess& x = out.back();
      x.connections += sightings - 1;
      ++x.shared;
      x.allowed += allowed > 0 ? allowed - 1 : 0;
      x.low_source += low_source > 0 ? low_source - 1 : 0;
      x.packets = AddSaturated(x.packets, packets - most_packets);
      x.bytes = AddSaturated(x.bytes, bytes - most_bytes);
    }
    begin = end;
  }
  return out;
}

}  // namespace highport::analysis
