#include "analysis/flow_table.h"

#include <algorithm>
#include <cstring>
#include <functional>

namespace highport::analysis {
namespace {

constexpr size_t kEvidencePerFlow = 3;
constexpr int64_t kAttemptWindowUs = 60'000'000;  // SYN retransmissions stay within a minute

bool IsHigh(uint16_t port) { return port >= 1024; }

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdULL;
}

uint64_t HashAddress(uint64_t h, const IpAddress& a) {
  uint64_t lo = 0, hi = 0;
  std::memcpy(&lo, a.bytes().data(), 8);
  std::memcpy(&hi, a.bytes().data() + 8, 8);
  h = Mix(Mix(h, lo), hi ^ static_cast<uint64_t>(a.family()));
  if (!a.zone().empty()) h = Mix(h, std::hash<std::string>{}(a.zone()));
  return h;
}

}  // namespace

size_t FlowKeyHash::operator()(const FlowKey& key) const noexcept {
  uint64_t h = HashAddress(HashAddress(0, key.client), key.server);
  h = Mix(h, (static_cast<uint64_t>(key.proto) << 16) | key.port);
  return static_cast<size_t>(h ^ (h >> 32));
}

std::string_view ServerRuleName(ServerRule rule) {
  switch (rule) {
    case ServerRule::kListener: return "listener";
    case ServerRule::kEndpointMapper: return "endpoint-mapper";
    case ServerRule::kHandshake: return "handshake";
    case ServerRule::kBiflow: return "biflow";
    case ServerRule::kFirewall: return "firewall";
    case ServerRule::kPortClass: return "port-class";
    case ServerRule::kGuess: return "guess";
  }
  return "guess";
}

std::string_view FlowClassName(FlowClass flow_class) {
  switch (flow_class) {
    case FlowClass::kProblematic: return "problematic";
    case FlowClass::kLowSource: return "low-source";
    case FlowClass::kRestricted: return "restricted";
    case FlowClass::kFine: return "fine";
  }
  return "fine";
}

FlowTable::FlowTable(const catalog::Catalog& catalog, HostKnowledge knowledge)
    : catalog_(catalog), knowledge_(std::move(knowledge)) {}

bool FlowTable::IsListener(const IpAddress& address, Proto proto, uint16_t port) const {
  if (knowledge_.listeners.empty() && rpc_ports_.empty()) return false;  // traffic alone
  if (knowledge_.listeners.count({address, proto, port})) return true;
  IpAddress any = address.is_v4() ? IpAddress::AnyV4() : IpAddress::AnyV6();
  if (knowledge_.listeners.count({any, proto, port})) return true;
  return proto == Proto::kTcp && rpc_ports_.count({address, port});
}

PortRange FlowTable::DynamicRange(const IpAddress& server) const {
  auto it = knowledge_.dynamic_ranges.find(server);
  return it == knowledge_.dynamic_ranges.end() ? knowledge_.default_dynamic_range : it->second;
}

FlowTable::Decision FlowTable::DecideServer(const FlowObservation& f) const {
  Proto proto = f.src.proto;
  bool dst_listens = IsListener(f.dst.address, proto, f.dst.port);
  bool src_listens = IsListener(f.src.address, proto, f.src.port);
  if (dst_listens != src_listens) {
    bool by_epm = proto == Proto::kTcp &&
                  rpc_ports_.count({src_listens ? f.src.address : f.dst.address,
                                    src_listens ? f.src.port : f.dst.port});
    return {src_listens, by_epm ? ServerRule::kEndpointMapper : ServerRule::kListener};
  }
  if (f.initiator != Initiator::kUnknown) {
    ServerRule rule = f.initiator_evidence == InitiatorEvidence::kHandshake ? ServerRule::kHandshake
                      : f.initiator_evidence == InitiatorEvidence::kBiflow  ? ServerRule::kBiflow
                                                                            : ServerRule::kFirewall;
    return {f.initiator == Initiator::kDestination, rule};
  }
  if (f.action == TrafficAction::kDropped) return {false, ServerRule::kFirewall};
  // Port classes: a port the catalog knows, else the one outside the dynamic range.
  bool src_known = catalog_.FindPort(proto, f.src.port) != nullptr;
  bool dst_known = catalog_.FindPort(proto, f.dst.port) != nullptr;
  if (src_known != dst_known) return {src_known, ServerRule::kPortClass};
  bool src_dynamic = DynamicRange(f.src.address).Contains(f.src.port);
  bool dst_dynamic = DynamicRange(f.dst.address).Contains(f.dst.port);
  if (src_dynamic != dst_dynamic) return {dst_dynamic, ServerRule::kPortClass};
  return {f.src.port < f.dst.port, ServerRule::kGuess};
}

void FlowTable::OnFlow(const FlowObservation& f) {
  ++observations_;
  if (f.ip_protocol != 6 && f.ip_protocol != 17) {
    ++unported_;
    return;
  }
  Decision d = DecideServer(f);
  const Endpoint& server = d.src_is_server ? f.src : f.dst;
  const Endpoint& client = d.src_is_server ? f.dst : f.src;
  FlowKey key{client.address, server.address, f.src.proto, server.port};
  auto [it, inserted] = index_.try_emplace(key, entries_.size());
  if (inserted) {
    entries_.emplace_back();
    lifetimes_.emplace_back();
  }
  FlowEntry& e = entries_[it->second];
  if (inserted) {
    e.key = key;
    e.first_us = f.first_us;
    e.last_us = f.last_us;
    e.rule = d.rule;
  }
  // The strongest rule seen for this key wins (the enum is ordered by strength).
  e.rule = std::min(e.rule, d.rule);
  e.first_us = std::min(e.first_us, f.first_us);
  e.last_us = std::max(e.last_us, f.last_us);
  e.packets += f.packets;
  e.bytes += f.bytes;
  if (f.action == TrafficAction::kDropped) {
    e.dropped += f.packets;
    bool same_attempt = e.attempts > 0 && e.last_drop_port == client.port &&
                        f.first_us - e.last_drop_us < kAttemptWindowUs;
    if (!same_attempt) ++e.attempts;
    e.last_drop_port = client.port;
    e.last_drop_us = f.first_us;
  } else {
    // The server's half of a one-direction pair: its packets count, the
    // connection was counted with the client's half.
    const bool answer_half = f.one_direction && d.src_is_server;
    if (!answer_half) {
      e.connections += f.connections;
      if (f.action == TrafficAction::kAllowed) e.allowed += f.connections;
      if (client.port > 0 && !IsHigh(client.port)) {
        e.low_source += std::max<uint64_t>(1, f.connections);
      }
    }
    if (f.connections > 0 && server.proto == Proto::kTcp && IsHigh(server.port)) {
      lifetimes_[it->second].push_back({client.port, f.first_us, std::max(f.first_us, f.last_us)});
    }
  }
  if (e.evidence.size() < kEvidencePerFlow) e.evidence.push_back(f.source);
}

void FlowTable::OnRpcRegistration(const RpcRegistration& r) {
  if (!r.endpoint || r.endpoint->proto != Proto::kTcp) return;
  const catalog::RpcInterfaceEntry* known =
      catalog_.FindRpcInterface(r.uuid, r.version_major, r.version_minor);
  std::string name = known ? known->name : !r.annotation.empty() ? r.annotation : r.uuid;
  std::vector<std::string>& names = rpc_ports_[{r.endpoint->address, r.endpoint->port}];
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

void FlowTable::OnLostEvents(uint64_t count, const SourceRef&) { lost_events_ += count; }

bool FlowTable::IsDynamicPort(const FlowKey& key) const {
  if (key.proto == Proto::kTcp && (key.port == 135 || key.port == 593)) return false;
  if (key.proto == Proto::kTcp && rpc_ports_.count({key.server, key.port})) return true;
  return DynamicRange(key.server).Contains(key.port) &&
         catalog_.FindPort(key.proto, key.port) == nullptr;
}

std::vector<FlowEntry> FlowTable::Finish() {
  for (FlowEntry& e : entries_) {
    const FlowKey& key = e.key;
    e.dynamic = IsDynamicPort(key);
    if (key.proto == Proto::kTcp) {
      if (auto it = rpc_ports_.find({key.server, key.port}); it != rpc_ports_.end()) {
        e.interfaces = it->second;
      }
    }
    if (const catalog::PortEntry* p = catalog_.FindPort(key.proto, key.port)) e.service = p->name;
    if (e.dynamic) {
      e.flow_class = FlowClass::kProblematic;
    } else if (e.low_source > 0) {
      e.flow_class = FlowClass::kLowSource;
    } else if (IsHigh(key.port) && e.service.empty()) {
      e.flow_class = FlowClass::kRestricted;
    } else {
      e.flow_class = FlowClass::kFine;
    }
  }
  ComputePeaks();
  std::vector<FlowEntry> out = std::move(entries_);
  // Free the index and the lifetimes before sorting: on a log of a million
  // keys they are hundreds of megabytes.
  std::vector<FlowEntry>().swap(entries_);
  std::vector<std::vector<Lifetime>>().swap(lifetimes_);
  std::unordered_map<FlowKey, size_t, FlowKeyHash>().swap(index_);
  // Keys are unique, so this order is total: std::sort sorts in place, where
  // a stable sort would want a second copy of every entry.
  std::sort(out.begin(), out.end(), [](const FlowEntry& a, const FlowEntry& b) {
    return std::tie(a.flow_class, a.key.server, a.key.port, a.key.client, a.key.proto) <
           std::tie(b.flow_class, b.key.server, b.key.port, b.key.client, b.key.proto);
  });
  return out;
}

// The peak per server: a sweep over the start (+1) and end (-1) of every
// connection to a dynamic port. A connection known only by one timestamp
// (a firewall ALLOW row) lasts that instant. Lifetimes from the same client
// port that overlap are one connection (the two halves of a NetFlow pair).
void FlowTable::ComputePeaks() {
  std::map<IpAddress, std::vector<std::pair<int64_t, int>>> events;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (!entries_[i].dynamic || lifetimes_[i].empty()) continue;
    std::vector<Lifetime>& lives = lifetimes_[i];
    std::sort(lives.begin(), lives.end(), [](const Lifetime& a, const Lifetime& b) {
      return std::tie(a.client_port, a.start) < std::tie(b.client_port, b.start);
    });
    std::vector<std::pair<int64_t, int>>& ev = events[entries_[i].key.server];
    for (size_t j = 0; j < lives.size();) {
      Lifetime merged = lives[j++];
      while (j < lives.size() && merged.client_port != 0 &&
             lives[j].client_port == merged.client_port && lives[j].start <= merged.end) {
        merged.end = std::max(merged.end, lives[j++].end);
      }
      ev.push_back({merged.start, +1});
      ev.push_back({merged.end, -1});
    }
  }
  for (auto& [server, ev] : events) {
    // At equal times, starts before ends: touching lifetimes overlap.
    std::sort(ev.begin(), ev.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    int64_t open = 0, peak = 0;
    for (const auto& [time, delta] : ev) {
      open += delta;
      peak = std::max(peak, open);
    }
    peak_[server] = static_cast<uint64_t>(peak);
  }
}

}  // namespace highport::analysis
