#include "analysis/flow_table.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <functional>
#include <utility>

#include "analysis/radix_sort.h"

namespace highport::analysis {
namespace {

constexpr size_t kEvidencePerFlow = 3;
constexpr int64_t kAttemptWindowUs = 60'000'000;  // SYN retransmissions stay within a minute
// Whether two attempts' times are within the window of each other: either
// may come first (pfirewall.log is read before pfirewall.log.old, a
// database's older rows after today's file).
inline bool WithinAttemptWindow(int64_t a_us, int64_t b_us) {
  const int64_t d = a_us - b_us;
  return d < kAttemptWindowUs && d > -kAttemptWindowUs;
}

bool IsHigh(uint16_t port) { return port >= 1024; }

// A datagram to a broadcast or multicast address goes to a port every
// receiver knows in advance: fixed, never dynamic (Spotify's LAN discovery
// to 192.168.178.255:57621 is no dynamic server port). An IPv4 address
// ending in 255 is taken for a subnet's broadcast, for UDP only: a host
// with such an address is rare, and TCP has no broadcast.
bool IsGroupDestination(const IpAddress& server, Proto proto) {
  if (proto != Proto::kUdp) return false;
  return server.is_multicast() || server.is_broadcast() || (server.is_v4() && server.bytes()[3] == 255);
}

// A host's connection to itself: both ends loopback, or one address (a
// host that calls its own address goes through its loopback too). No
// firewall on the network sees it, and Windows Firewall lets it pass.
bool IsLocalConnection(const IpAddress& client, const IpAddress& server) {
  return (client.is_loopback() && server.is_loopback()) || client == server;
}

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
    case ServerRule::kKnownServer: return "known-server";
    case ServerRule::kFanIn: return "fan-in";
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
    case FlowClass::kLocal: return "local";
  }
  return "fine";
}

FlowTable::FlowTable(const catalog::Catalog& catalog, HostKnowledge knowledge)
    : catalog_(catalog), knowledge_(std::move(knowledge)) {
  // From the catalog's entries and the range's ports, not 2 x 65536
  // FindPort() calls (4 M instructions a run). An entry counts where
  // FindPort() finds it: a catalog not made by FromText finds none.
  port_bits_.resize(2 * 65536);
  uint8_t* const tcp = port_bits_.data();
  uint8_t* const udp = tcp + 65536;
  const PortRange range = knowledge_.default_dynamic_range;
  for (uint32_t port = range.first; port <= range.last; ++port) {
    tcp[port] |= kInDefaultRange;
    udp[port] |= kInDefaultRange;
  }
  for (const catalog::PortEntry& e : catalog_.ports()) {
    if (catalog_.FindPort(e.proto, e.port) != nullptr) {
      // (A catalog port inside Windows' own range, such as AD FS's 49443, is
      // as likely a client's ephemeral port there: it names no server side.
      // Windows' range, not the range in force: --dynamic-range 1025-5000
      // for old hosts must not take 3389 or 1433 their meaning.)
      const uint8_t bits = kWindowsDynamicRange.Contains(e.port) ? kKnownPort : kKnownPort | kKnownServerPort;
      (e.proto == Proto::kUdp ? udp : tcp)[e.port] |= bits;
    }
  }
  for (const auto& [address, proto, port] : knowledge_.listeners) {
    (proto == Proto::kUdp ? listened_udp_ : listened_tcp_)[port] = true;
    any_listened_ = true;
  }
}

bool FlowTable::IsKnownListener(const IpAddress& address, Proto proto, uint16_t port) const {
  // A bound UDP socket in the host's dynamic range is a client's, nearly
  // always: a DNS server holds thousands for its own queries, and netstat
  // lists each beside its real listeners. It says nothing of who asked whom.
  // (Windows' range too: the host's range known is TCP's, netsh's for UDP
  // is another command.)
  if (proto == Proto::kUdp &&
      (DynamicRange(address).Contains(port) || kWindowsDynamicRange.Contains(port))) {
    return false;
  }
  if (knowledge_.listeners.count({address, proto, port})) return true;
  IpAddress any = address.is_v4() ? IpAddress::AnyV4() : IpAddress::AnyV6();
  if (knowledge_.listeners.count({any, proto, port})) return true;
  return proto == Proto::kTcp && rpc_ports_.count({address, port});
}

PortRange FlowTable::DynamicRangeOf(const IpAddress& server) const {
  auto it = knowledge_.dynamic_ranges.find(server);
  return it == knowledge_.dynamic_ranges.end() ? knowledge_.default_dynamic_range : it->second;
}

// The port-class rule: a port the catalog knows, else the one outside the
// dynamic range; nothing when both or neither stand out.
inline std::optional<FlowTable::Decision> FlowTable::ByPortClass(const FlowObservation& f) const {
  const Proto proto = f.src.proto;
  const uint8_t* bits = PortBitsOf(proto);
  const uint8_t src_bits = bits[f.src.port], dst_bits = bits[f.dst.port];
  if ((src_bits ^ dst_bits) & kKnownServerPort) {
    return Decision{(src_bits & kKnownServerPort) != 0, ServerRule::kPortClass};
  }
  if (knowledge_.dynamic_ranges.empty()) {
    // Both in the default range (the bits say so), as DynamicRange() gives it.
    if ((src_bits ^ dst_bits) & kInDefaultRange) {
      return Decision{(dst_bits & kInDefaultRange) != 0, ServerRule::kPortClass};
    }
  } else {
    bool src_dynamic = DynamicRange(f.src.address).Contains(f.src.port);
    bool dst_dynamic = DynamicRange(f.dst.address).Contains(f.dst.port);
    if (src_dynamic != dst_dynamic) return Decision{dst_dynamic, ServerRule::kPortClass};
  }
  return std::nullopt;
}

inline FlowTable::Decision FlowTable::DecideServer(const FlowObservation& f) const {
  Proto proto = f.src.proto;
  // Symmetric protocols (NTP 123 -> 123, IKE 500 -> 500, NetBIOS 137/138)
  // use the same port at both ends, and both ends listen on it: that one of
  // them is known to listen says nothing about who asked whom.
  // (No listener known at all, the usual capture-only run: nothing to ask.)
  const bool ask = any_listened_ && f.src.port != f.dst.port;
  bool dst_listens = ask && IsListener(f.dst.address, proto, f.dst.port);
  bool src_listens = ask && IsListener(f.src.address, proto, f.src.port);
  // An inventory is of another moment than the traffic: a dynamic port
  // that listened then may be a client's port now. So where the traffic
  // itself says who opened it (its handshake, IPFIX's initiator, the
  // firewall's SEND or RECEIVE), a listener on the other side is that older
  // moment's, and the traffic decides.
  const bool direct = f.initiator != Initiator::kUnknown && f.action != TrafficAction::kDropped;
  if (dst_listens != src_listens &&
      !(direct && src_listens != (f.initiator == Initiator::kDestination))) {
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
  if (f.action == TrafficAction::kDropped) {
    // A dropped packet is an attempt to reach its destination, unless the
    // packet itself says it answers: a SYN-ACK comes from the server. A
    // dropped UDP datagram or TCP segment without SYN may be a reply the
    // firewall's state no longer (or never) matched: SSDP, DNS or WS-
    // Discovery answers to a multicast query, late packets of a connection.
    // Where the port classes name the source the server (the reply comes
    // from the port the catalog knows, or from the one outside the dynamic
    // range), it is; else the destination is, as for any attempt.
    // (A SYN with FIN or RST beside it is a scan's probe, not an answer.)
    constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
    const bool tcp = f.ip_protocol == 6;
    if (tcp && (f.tcp_flags & kSyn)) {
      return {(f.tcp_flags & (kFin | kSyn | kRst | kAck)) == (kSyn | kAck), ServerRule::kFirewall};
    }
    if (tcp && f.tcp_flags == 0) return {false, ServerRule::kFirewall};  // flags not logged
    const std::optional<Decision> by_class = ByPortClass(f);
    if (by_class && by_class->src_is_server) return *by_class;
    return {false, ServerRule::kFirewall};
  }
  if (const std::optional<Decision> by_class = ByPortClass(f)) return *by_class;
  return {f.src.port < f.dst.port, ServerRule::kGuess};
}

// OnFlow() decides the server at once (with what is known at that moment)
// and queues what the observation adds; the queue runs two steps behind:
// kLookAhead observations later the index slot, prefetched on arrival, is
// looked up and the flow's counters are prefetched; kLookAhead after that the
// counters are updated. Each observation costs two cache misses on a large
// table, and this way they overlap instead of coming one after the other.
// Updates are applied in arrival order, so the result is the same.
void FlowTable::OnFlow(const FlowObservation& f) {
  ++observations_;
  if (f.ip_protocol != 6 && f.ip_protocol != 17) {
    ++unported_;
    return;
  }
  const Decision d = DecideServer(f);
  const Endpoint& server = d.src_is_server ? f.src : f.dst;
  const Endpoint& client = d.src_is_server ? f.dst : f.src;
  if (queued_ - applied_ == kQueue) Apply(queue_[applied_++ % kQueue]);
  Update& u = queue_[queued_++ % kQueue];
  const AddressRef client_ref = addresses_.Ref(client.address);
  const AddressRef server_ref = addresses_.Ref(server.address);
  const uint64_t head = CompactFlowKey::HeadOf(client_ref.value, server_ref.value);
  const uint32_t tail = CompactFlowKey::TailOf(server.port, f.src.proto, client_ref.interned,
                                               server_ref.interned);
  u.key = CompactFlowKey::FromWords(head, tail);
  u.hash = FlowIndex::Hash(head, tail);
  index_.Prefetch(u.hash);
  u.rule = d.rule;
  u.dropped = f.action == TrafficAction::kDropped;
  u.allowed = f.action == TrafficAction::kAllowed;
  // A TCP conversation whose client sent SYN but never ACK (NetFlow/IPFIX
  // flags, or a capture's) was never answered: a scan, or a firewall on the
  // way that dropped it. It is an attempt, like a dropped firewall row, and
  // must not become a connection that the allow-list would then admit.
  constexpr uint8_t kSyn = 0x02, kAck = 0x10;
  // (A server's half of a one-direction pair never has SYN without ACK.)
  u.unanswered = !u.dropped && f.ip_protocol == 6 && (f.tcp_flags & kSyn) != 0 &&
                 (f.tcp_flags & kAck) == 0;
  // The server's half of a one-direction pair: its packets count, the
  // connection was counted with the client's half.
  u.answer_half = f.one_direction && d.src_is_server;
  u.one_direction = f.one_direction;
  u.log_side = f.local_side == LocalSide::kUnknown ? 0
               : (d.src_is_server ? f.local_side == LocalSide::kSource
                                  : f.local_side == LocalSide::kDestination)
                   ? 2
                   : 1;
  u.self_send = u.allowed && u.log_side == 1 && client.address == server.address;
  u.tracked = f.action == TrafficAction::kObserved && f.ip_protocol == 6 && f.connections == 1 &&
              client.port != 0 && !u.unanswered && !u.answer_half;
  u.continues = u.tracked && f.tcp_flags != 0 && (f.tcp_flags & kSyn) == 0;
  u.opens = u.tracked && (f.tcp_flags & kSyn) != 0;
  u.lifetime = peaks_ && !u.unanswered && f.connections > 0 && server.proto == Proto::kTcp &&
               IsHigh(server.port);
  u.client_port = client.port;
  u.first_us = f.first_us;
  // (A record that says it ended before it began, damaged or forged, ends
  // when it began: no flow is last seen before it was first seen.)
  u.last_us = std::max(f.first_us, f.last_us);
  u.packets = f.packets;
  u.bytes = f.bytes;
  u.connections = f.connections;
  u.file = files_.Intern(f.source.file);
  if (f.pid) [[unlikely]] NotePid(f, d, u.file);
  u.line = f.source.line;
  u.packet = f.source.packet;
  u.offset = f.source.offset;
  u.viewpoint = shared_on_ && u.opens ? SeenViewpointId(u) : 0;
  if (queued_ - located_ > kLookAhead) Locate(queue_[located_++ % kQueue]);
}

inline void FlowTable::Locate(Update& u) {
  const auto [flow, inserted] =
      index_.FindTagOrInsert(u.hash, static_cast<uint32_t>(counters_.size()));
  if (inserted) AddKey(u);
  u.flow = flow;
  u.checked = inserted;  // else Apply() compares the key, in the line prefetched here
  __builtin_prefetch(&counters_[flow], 1);  // one cache line (alignas(64))
  // An attempt may look into the cache of recent ones (Apply()): its slot too.
  if ((u.dropped || u.unanswered) && !recent_attempts_.empty()) {
    __builtin_prefetch(&recent_attempts_[RecentAttemptIndex(flow, u.client_port)], 1);
  }
  if (u.rule == ServerRule::kGuess && flow < guess_ports_.size()) {
    __builtin_prefetch(&guess_ports_[flow], 1);
  }
  if (u.tracked && !seen_connections_.empty()) {
    uint32_t tag = 0;
    __builtin_prefetch(SeenConnectionSlot(flow, u.client_port, tag), 1);
    if (u.opens) __builtin_prefetch(SeenOpenSlot(flow, u.client_port, u.viewpoint, tag), 1);
  }
}

void FlowTable::NotePid(const FlowObservation& f, const Decision& d, uint32_t file) {
  // The pid is the logging host's process: the server's only where that
  // host is the server (a SEND row's is the client's program), and 0 is
  // no process (the System Idle Process: rows Windows could not attribute).
  const bool local_is_server = d.src_is_server ? f.local_side == LocalSide::kSource
                                               : f.local_side == LocalSide::kDestination;
  if (!local_is_server || *f.pid == 0) return;
  server_pids_.Note(d.src_is_server ? f.src : f.dst, *f.pid, file, f.source.line);
}

void FlowTable::AddKey(const Update& u) {
  Counters& fresh = counters_.emplace_back();
  fresh.key = u.key;
  fresh.first_us = u.first_us;
  fresh.last_us = u.last_us;
  fresh.rule = u.rule;
}

namespace {

// Adds an update to a key's counts, narrow or wide: the same sums for both.
// A wide count stops at 2^64 - 1 rather than wrap around to a small number
// (an exporter's counters are untrusted: two records of 2^64 - 1 bytes).
inline void AddSaturated(uint64_t& sum, uint64_t add) {
  if (__builtin_add_overflow(sum, add, &sum)) sum = UINT64_MAX;
}
inline void AddSaturated(uint32_t& sum, uint64_t add) { sum += static_cast<uint32_t>(add); }  // narrow: never near

template <class Counts>
void AddCounts(Counts& c, uint64_t packets, uint64_t bytes, bool dropped, bool new_attempt,
               bool connection, bool allowed, bool low_source, uint64_t connections) {
  AddSaturated(c.packets, packets);
  AddSaturated(c.bytes, bytes);
  if (dropped) AddSaturated(c.dropped, packets);
  if (new_attempt) ++c.attempts;
  if (connection) {
    AddSaturated(c.connections, connections);
    if (allowed) AddSaturated(c.allowed, connections);
    if constexpr (requires { c.low_source; }) {
      if (low_source) c.low_source += std::max<uint64_t>(1, connections);
    }
  }
}

}  // namespace

FlowTable::WideCounts FlowTable::CountsOf(const Counters& c, const std::vector<WideCounts>& wide) {
  if (c.wide) return wide[c.counts.connections];
  return {c.counts.connections, c.counts.attempts, c.counts.packets, c.counts.bytes,
          c.counts.allowed,     c.counts.dropped,  0};
}

// Another key with the same index tag came first on the probe path: the
// full lookup, which compares keys (this key may be new, or have been added
// by an Apply() since this update was located). Rare: kept out of Apply().
uint32_t FlowTable::LookUpAgain(const Update& u) {
  const auto [found, inserted] =
      index_.FindOrInsert(u.key, u.hash, static_cast<uint32_t>(counters_.size()),
                          [&](uint32_t at) -> const CompactFlowKey& { return counters_[at].key; });
  if (inserted) AddKey(u);
  return found;
}

void FlowTable::Widen(Counters& e) {
  wide_counts_.push_back(CountsOf(e, wide_counts_));
  e.wide = 1;
  e.counts = {};
  e.counts.connections = static_cast<uint32_t>(wide_counts_.size() - 1);
}

// Inline in Apply(): every key's first rows take one of the first two forms.
inline FlowTable::EvidenceRow FlowTable::PackEvidence(uint32_t flow, uint32_t file, uint64_t line,
                                                      uint64_t packet, uint64_t offset) {
  if (packet == 0 && offset == 0 && line <= UINT32_MAX) {
    return {flow, file << 2 | kLine, static_cast<uint32_t>(line)};
  }
  if (line == 0 && packet <= UINT32_MAX && offset <= 0xffff && file < (1u << 14)) {
    return {flow, file << 18 | static_cast<uint32_t>(offset) << 2 | kPacket,
            static_cast<uint32_t>(packet)};
  }
  return PackWide(flow, file, line, packet, offset);
}

FlowTable::EvidenceRow FlowTable::PackWide(uint32_t flow, uint32_t file, uint64_t line,
                                           uint64_t packet, uint64_t offset) {
  wide_evidence_.push_back({line, packet, offset});
  return {flow, file << 2 | kWide, static_cast<uint32_t>(wide_evidence_.size() - 1)};
}

// The cache of recent attempts (flow_table.h), in whole seconds: the window
// is a minute, and a second more or less at its edge changes nothing a
// retransmission does (Windows retransmits a SYN after 3, 6 and 12 s).
inline FlowTable::RecentAttempt& FlowTable::RecentAttemptSlot(uint32_t flow, uint16_t client_port,
                                                              uint32_t& tag) {
  if (recent_attempts_.empty()) recent_attempts_.resize(size_t{1} << kRecentAttemptBits);
  const uint64_t h = RecentAttemptHash(flow, client_port);
  tag = static_cast<uint32_t>(h >> (64 - kRecentAttemptBits - 32)) | 1;  // never 0 (empty)
  return recent_attempts_[static_cast<size_t>(h >> (64 - kRecentAttemptBits))];
}

namespace {
uint32_t AttemptSecond(int64_t us) { return static_cast<uint32_t>(us / 1'000'000); }
bool WithinAttemptSeconds(uint32_t a, uint32_t b) {
  const int64_t d = int64_t{a} - int64_t{b};
  return d < kAttemptWindowUs / 1'000'000 && d > -kAttemptWindowUs / 1'000'000;
}
}  // namespace

inline void FlowTable::RememberAttempt(uint32_t flow, uint16_t client_port, int64_t us) {
  uint32_t tag = 0;
  RecentAttempt& slot = RecentAttemptSlot(flow, client_port, tag);
  // (The same attempt may be in the slot already, with a later time.)
  if (slot.tag == tag && slot.second > AttemptSecond(us)) return;
  slot = {tag, AttemptSecond(us)};
}

inline bool FlowTable::AttemptSeenRecently(uint32_t flow, uint16_t client_port, int64_t us) {
  uint32_t tag = 0;
  RecentAttempt& slot = RecentAttemptSlot(flow, client_port, tag);
  const bool seen = slot.tag == tag && WithinAttemptSeconds(AttemptSecond(us), slot.second);
  slot = {tag, AttemptSecond(us)};
  return seen;
}

inline FlowTable::SeenConnection* FlowTable::SeenConnectionSlot(uint32_t flow, uint16_t client_port,
                                                                 uint32_t& tag) {
  // The attempts' hash, its bits taken from another place.
  const uint64_t h = RecentAttemptHash(flow, client_port) * 0xD6E8FEB86659FD93ull;
  tag = (static_cast<uint32_t>(h >> (64 - kSeenConnectionBits - 32)) & ~3u) | 1;  // never 0 (empty)
  return &seen_connections_[static_cast<size_t>(h >> (64 - kSeenConnectionBits))];
}

inline FlowTable::SeenOpen* FlowTable::SeenOpenSlot(uint32_t flow, uint16_t client_port,
                                                           uint32_t viewpoint, uint32_t& tag) {
  const uint64_t h = (RecentAttemptHash(flow, client_port) ^ (uint64_t{viewpoint} + 1) * 0x9E3779B97F4A7C15ull) *
                     0xC2B2AE3D27D4EB4Full;
  tag = static_cast<uint32_t>(h >> (64 - kSeenConnectionBits - 32)) | 1;  // never 0 (empty)
  return &seen_opens_[static_cast<size_t>(h >> (64 - kSeenConnectionBits))];
}

inline bool FlowTable::ContinuesSeenConnection(const Update& u, uint32_t flow) {
  if (seen_connections_.empty()) {
    seen_connections_.resize(size_t{1} << kSeenConnectionBits);
    seen_opens_.resize(size_t{1} << kSeenConnectionBits);
  }
  constexpr uint32_t kSynSeen = 2;
  const uint32_t second = AttemptSecond(u.first_us);
  if (u.opens) {
    // The same report of a SYN piece again (kSameOpenSeconds): counted with
    // the first, and the connection's entry stays as it was.
    uint32_t open_tag = 0;
    SeenOpen* open = SeenOpenSlot(flow, u.client_port, u.viewpoint, open_tag);
    const int64_t open_gap = int64_t{second} - int64_t{open->second};
    if (open->tag == open_tag && open_gap <= kSameOpenSeconds && open_gap >= -kSameOpenSeconds) {
      return true;
    }
    *open = {open_tag, second};
  }
  const uint32_t last_second = std::max(second, AttemptSecond(u.last_us));
  uint32_t tag = 0;
  SeenConnection* slot = SeenConnectionSlot(flow, u.client_port, tag);
  // gap: which began first (this piece after the connection's first: > 0).
  const int64_t gap = int64_t{second} - int64_t{slot->first};
  const bool near = (slot->tag | kSynSeen) == (tag | kSynSeen) &&
                    int64_t{second} - int64_t{slot->last} <= kPieceGapSeconds &&
                    int64_t{slot->first} - int64_t{last_second} <= kPieceGapSeconds;
  const bool syn_seen = near && (slot->tag & kSynSeen) != 0;
  // Part of a connection counted already: a piece without SYN beside any
  // piece but one before a SYN (an earlier connection's), or the SYN piece
  // of one whose later piece was read, and counted, first. Two SYNs apart
  // are two connections.
  const bool counted =
      near && ((u.continues && (!syn_seen || gap >= 0)) || (u.opens && !syn_seen && gap <= 0));
  // The entry is this piece's connection now: its SYN seen if this is it,
  // or if this piece joined the connection whose SYN was.
  slot->tag = tag | ((u.opens || (counted && syn_seen)) ? kSynSeen : 0);
  if (counted) {
    slot->first = std::min(slot->first, second);
    slot->last = std::max(slot->last, last_second);
  } else {
    slot->first = second;
    slot->last = last_second;
  }
  return counted;
}

bool FlowTable::JoinsSeenConnection(uint32_t from, uint16_t from_port, uint32_t into,
                                    uint16_t into_port) {
  if (seen_connections_.empty()) return false;
  constexpr uint32_t kSynSeen = 2;
  uint32_t from_tag = 0, into_tag = 0;
  SeenConnection* a = SeenConnectionSlot(from, from_port, from_tag);
  SeenConnection* b = SeenConnectionSlot(into, into_port, into_tag);
  if (a == b || (a->tag | kSynSeen) != (from_tag | kSynSeen) ||
      (b->tag | kSynSeen) != (into_tag | kSynSeen) || (a->tag & b->tag & kSynSeen) != 0) {
    return false;
  }
  if (int64_t{a->first} - int64_t{b->last} > kPieceGapSeconds ||
      int64_t{b->first} - int64_t{a->last} > kPieceGapSeconds) {
    return false;
  }
  // Pieces that began before a SYN are an earlier connection's (as in
  // ContinuesSeenConnection).
  if (((b->tag & kSynSeen) != 0 && a->first < b->first) ||
      ((a->tag & kSynSeen) != 0 && b->first < a->first)) {
    return false;
  }
  b->tag |= a->tag & kSynSeen;
  b->first = std::min(b->first, a->first);
  b->last = std::max(b->last, a->last);
  *a = {};
  return true;
}

inline void FlowTable::Apply(const Update& u) {
  const uint32_t flow =
      u.checked || counters_[u.flow].key == u.key ? u.flow : LookUpAgain(u);
  Counters& e = counters_[flow];
  // The strongest rule seen for this key wins (the enum is ordered by strength).
  e.rule = std::min(e.rule, u.rule);
  e.first_us = std::min(e.first_us, u.first_us);
  e.last_us = std::max(e.last_us, u.last_us);
  const bool attempt = u.dropped || u.unanswered;
  // (A later piece of a connection an exporter or capture reported in
  // pieces adds its packets, not another connection.)
  const bool connection = !attempt && !u.answer_half && !u.self_send &&
                          !(u.tracked && ContinuesSeenConnection(u, flow));
  // A UDP peer protocol sends from its own port to the same port of the
  // other (NTP 123 -> 123, IKE 500 -> 500, NetBIOS 137/138): that is how it
  // works, not a client hiding behind a privileged port.
  const bool low_source = connection && u.client_port > 0 && !IsHigh(u.client_port) &&
                          !(u.key.proto == Proto::kUdp && u.client_port == u.key.port);
  // Narrow while every count and every addend is below 2^31 (so no sum
  // reaches 2^32; one test for all of them): dropped <= packets and
  // allowed <= connections, attempts grow by one.
  constexpr uint64_t kNarrowLimit = uint64_t{1} << 31;
  if (!e.wide &&
      (low_source || (u.packets | u.bytes | u.connections) >= kNarrowLimit ||
       (e.counts.packets | e.counts.bytes | e.counts.connections | e.counts.attempts) >= kNarrowLimit)) {
    Widen(e);
  }
  bool new_attempt = false;
  if (attempt) {
    const uint64_t attempts = e.wide ? wide_counts_[e.counts.connections].attempts : e.counts.attempts;
    if (attempts > 0 && e.last_drop_port != u.client_port) {
      // Another client port than the key's last attempt's: the cache of
      // recent attempts, told the last one first where the key held it alone.
      if (!e.last_attempt_cached) RememberAttempt(flow, e.last_drop_port, e.last_drop_us);
      new_attempt = !AttemptSeenRecently(flow, u.client_port, u.first_us);
      e.last_attempt_cached = 1;
    } else {
      // The key's last attempt answers for nearly every retransmission.
      new_attempt = !(attempts > 0 && WithinAttemptWindow(u.first_us, e.last_drop_us));
      e.last_attempt_cached = 0;  // its time in the cache, if any, is older now
    }
    e.last_drop_port = u.client_port;
    e.last_drop_us = u.first_us;
  } else if (u.lifetime) {
    // (A guessed key may be turned round at the finish, its lifetimes moved.)
    if (u.rule == ServerRule::kGuess) {
      lifetimes_.AddSpan(flow, u.client_port, u.first_us, u.last_us);
    } else {
      lifetimes_.Add(flow, u.client_port, u.first_us, std::max(u.first_us, u.last_us));
    }
  }
  // A connection of its own (not an aggregate of several) from a known port:
  // another input may have reported it too.
  // (A guessed NetFlow answer half too, marked: turned round at the finish,
  // it is the connection.)
  const bool guessed_answer = u.answer_half && u.rule == ServerRule::kGuess && !attempt;
  if (shared_on_ && (connection || guessed_answer) && u.connections == 1 && u.client_port != 0) {
    shared_.Add(flow, SeenViewpointId(u), u.client_port, u.first_us, u.packets,
                u.bytes, u.allowed, low_source, !connection, u.log_side);
  }
  if (e.wide) {
    AddCounts(wide_counts_[e.counts.connections], u.packets, u.bytes, u.dropped, new_attempt,
              connection, u.allowed, low_source, u.connections);
  } else {
    AddCounts(e.counts, u.packets, u.bytes, u.dropped, new_attempt, connection, u.allowed,
              low_source, u.connections);
  }
  if (u.rule == ServerRule::kGuess) [[unlikely]] NoteGuessPort(flow, u);
  if (e.evidence < kEvidencePerFlow) {
    ++e.evidence;
    evidence_.push_back(PackEvidence(flow, u.file, u.line, u.packet, u.offset));
  }
}

// Get() assigns from the names' strings: from a string_view (ViewEvidence()
// and then an assignment) cost about 40 instructions more a flow.
inline void FlowTable::UnpackEvidence(EvidenceWords row, const std::vector<WideEvidence>& wide,
                                      const NameInterner& files, SourceRef& out) {
  switch (row.word & 3) {
    case kLine:
      out.file = files.Get(row.word >> 2);
      out.line = row.a;
      out.packet = out.offset = 0;
      break;
    case kPacket:
      out.file = files.Get(row.word >> 18);
      out.line = 0;
      out.packet = row.a;
      out.offset = row.word >> 2 & 0xffff;
      break;
    default: {
      out.file = files.Get(row.word >> 2);
      const WideEvidence& w = wide[row.a];
      out.line = w.line;
      out.packet = w.packet;
      out.offset = w.offset;
    }
  }
}

EvidenceView FlowTable::ViewEvidence(EvidenceWords row, const std::vector<WideEvidence>& wide,
                                     const NameInterner& files) {
  switch (row.word & 3) {
    case kLine: return {files.Get(row.word >> 2), row.a, 0, 0};
    case kPacket: return {files.Get(row.word >> 18), 0, row.a, row.word >> 2 & 0xffff};
    default: {
      const WideEvidence& w = wide[row.a];
      return {files.Get(row.word >> 2), w.line, w.packet, w.offset};
    }
  }
}

void FlowTable::Drain() {
  while (located_ < queued_) Locate(queue_[located_++ % kQueue]);
  while (applied_ < queued_) Apply(queue_[applied_++ % kQueue]);
}

void FlowTable::OnRpcRegistration(const RpcRegistration& r) {
  if (!r.endpoint || r.endpoint->proto != Proto::kTcp) return;
  const catalog::RpcInterfaceEntry* known =
      catalog_.FindRpcInterface(r.uuid, r.version_major, r.version_minor);
  std::string name = known ? known->name : !r.annotation.empty() ? r.annotation : r.uuid;
  std::vector<std::string>& names = rpc_ports_[{r.endpoint->address, r.endpoint->port}];
  listened_tcp_[r.endpoint->port] = true;
  any_listened_ = true;
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

void FlowTable::OnLostEvents(uint64_t count, const SourceRef&) { lost_events_ += count; }

bool FlowTable::IsDynamicPort(const IpAddress& server, Proto proto, uint16_t port) const {
  if (proto == Proto::kTcp && (port == 135 || port == 593)) return false;
  if (IsGroupDestination(server, proto)) return false;
  if (proto == Proto::kTcp && rpc_ports_.count({server, port})) return true;
  if (IsMovedPort(server, proto, port) && !IsKnownPort(proto, port)) return true;
  return IsDynamicIn(DynamicRange(server), proto, port);
}

bool FlowTable::IsMovedPort(const IpAddress& server, Proto proto, uint16_t port) const {
  const auto& moved = knowledge_.moved_ports;
  if (moved.empty()) return false;
  if (moved.count({server, proto, port})) return true;
  const IpAddress any = server.is_v4() ? IpAddress::AnyV4() : IpAddress::AnyV6();
  return moved.count({any, proto, port}) > 0;
}

void FlowTable::MakeEntry(const Counters& c, const std::vector<WideCounts>& wide,
                          const std::vector<IpAddress>& addresses, bool dynamic,
                          FlowClass flow_class, FlowEntry& e) const {
  // Field by field: a FlowKey built and moved in copied both addresses twice.
  e.key.client = addresses[c.key.client];
  e.key.server = addresses[c.key.server];
  e.key.proto = c.key.proto;
  e.key.port = c.key.port;
  e.first_us = c.first_us;
  e.last_us = c.last_us;
  const WideCounts counts = CountsOf(c, wide);
  e.connections = counts.connections;
  e.attempts = counts.attempts;
  e.packets = counts.packets;
  e.bytes = counts.bytes;
  e.allowed = counts.allowed;
  e.dropped = counts.dropped;
  e.low_source = counts.low_source;
  e.rule = c.rule;
  e.flow_class = flow_class;
  e.dynamic = dynamic;
  e.interfaces.clear();
  if (const auto* interfaces = InterfacesAt(e.key.server, c.key.proto, c.key.port)) {
    e.interfaces = *interfaces;
  }
  e.service.clear();
  if (const catalog::PortEntry* p = catalog_.FindPort(c.key.proto, c.key.port)) e.service = p->name;
}

void FinishedFlows::Get(size_t i, FlowEntry& e) const {
  const uint32_t flow = order_[i];
  table_->MakeEntry(counters_[flow], wide_counts_, addresses_, dynamic_[flow], static_cast<FlowClass>(classes_[flow]), e);
  // A flow with fewer evidence rows than the last one built into `e` leaves
  // its extra records aside, file names' storage and all, for the next flow
  // with more: resizing freed and allocated a name about every other flow.
  std::vector<SourceRef>& evidence = e.evidence;
  const size_t rows = counters_[flow].evidence;
  const size_t had = evidence.size();
  if (had > rows) {
    for (size_t k = rows; k < had && spare_count_ < spare_evidence_.size(); ++k) {
      spare_evidence_[spare_count_++] = std::move(evidence[k]);
    }
    evidence.resize(rows);
  } else if (had < rows) {
    evidence.resize(rows);
    for (size_t k = had; k < rows && spare_count_ > 0; ++k) {
      evidence[k] = std::move(spare_evidence_[--spare_count_]);
    }
  }
  for (size_t k = 0; k < rows; ++k) {
    FlowTable::UnpackEvidence(evidence_[first_row_[flow] + k], wide_evidence_, files_, e.evidence[k]);
  }
}

void FinishedFlows::View(size_t i, FlowView& v) const {
  const uint32_t flow = order_[i];
  const FlowTable::Counters& c = counters_[flow];
  v.client = &addresses_[c.key.client];
  v.server = &addresses_[c.key.server];
  v.proto = c.key.proto;
  v.port = c.key.port;
  v.first_us = c.first_us;
  v.last_us = c.last_us;
  v.SetCounts(FlowTable::CountsOf(c, wide_counts_));
  v.rule = c.rule;
  v.flow_class = static_cast<FlowClass>(classes_[flow]);
  v.dynamic = dynamic_[flow];
  v.interfaces = table_->InterfacesAt(*v.server, c.key.proto, c.key.port);
  // Every field is set: a writer passes the same view for every flow.
  const catalog::PortEntry* p = table_->catalog_.FindPort(c.key.proto, c.key.port);
  v.service = p ? std::string_view(p->name) : std::string_view();
  v.evidence = c.evidence;
}

void FinishedFlows::Evidence(size_t i, size_t k, EvidenceView& out) const {
  out = FlowTable::ViewEvidence(evidence_[first_row_[order_[i]] + k], wide_evidence_, files_);
}

size_t FinishedFlows::CountServers() const {
  std::vector<bool> kept;  // empty: no flow was erased
  if (order_.size() != counters_.size()) {
    kept.resize(counters_.size());
    for (const uint32_t flow : order_) kept[flow] = true;
  }
  std::vector<bool> seen(addresses_.size());
  size_t count = 0;
  for (size_t flow = 0; flow < counters_.size(); ++flow) {
    if (!kept.empty() && !kept[flow]) continue;
    const uint32_t server = counters_[flow].key.server;
    if (!seen[server]) {
      seen[server] = true;
      ++count;
    }
  }
  return count;
}

std::vector<FlowEntry> FlowTable::Finish() {
  const FinishedFlows finished = FinishCompact();
  std::vector<FlowEntry> out(finished.size());
  for (size_t i = 0; i < finished.size(); ++i) finished.Get(i, out[i]);
  return out;
}

uint32_t FlowTable::NewViewpointId(uint32_t file, Seen seen) {
  const auto [it, fresh] = viewpoints_.try_emplace(ViewpointOf(files_.Get(file), seen),
                                                  static_cast<uint32_t>(viewpoints_.size()));
  std::vector<uint32_t>& ids = viewpoint_of_file_[static_cast<size_t>(seen)];
  if (ids.size() <= file) ids.resize(file + 1);
  ids[file] = it->second + 1;
  return it->second;
}

void FlowTable::TakeOffSharedConnections() {
  for (const SharedConnections::Excess& x : shared_.TakeExcess()) {
    Counters& c = counters_[x.flow];
    shared_connections_ += x.shared;
    // Each count is at least its excess: the excess is part of what was
    // added. Not so for packets and bytes that stopped at 2^64 - 1 (an
    // exporter's untrusted counters): those stay at least what one input said.
    auto take = [](uint64_t& count, uint64_t excess) { count -= std::min(count, excess); };
    if (c.wide) {
      WideCounts& w = wide_counts_[c.counts.connections];
      w.connections -= x.connections;
      w.allowed -= x.allowed;
      w.low_source -= x.low_source;
      if (w.packets != UINT64_MAX) take(w.packets, x.packets);
      if (w.bytes != UINT64_MAX) take(w.bytes, x.bytes);
    } else {
      c.counts.connections -= static_cast<uint32_t>(x.connections);
      c.counts.allowed -= static_cast<uint32_t>(x.allowed);
      c.counts.packets -= static_cast<uint32_t>(x.packets);
      c.counts.bytes -= static_cast<uint32_t>(x.bytes);
    }
  }
}

FinishedFlows FlowTable::FinishCompact() {
  Drain();
  // Guesses the rest of the evidence contradicts are turned round first:
  // the sightings of two inputs then meet under one key.
  const std::vector<std::pair<uint32_t, uint32_t>> merged = ReviseGuesses();
  if (shared_on_) TakeOffSharedConnections();
  index_.Release();  // no lookups from here on
  server_pid_list_ = server_pids_.Result([&](uint32_t file) { return files_.Get(file); });
  FinishedFlows f;
  f.table_ = this;
  const size_t n = counters_.size();
  // Every address gets a dense id (IPv4 addresses were their own values),
  // which the keys hold from here on: ranks and peaks are per id. Interned
  // addresses keep theirs through a table by id, IPv4 values are looked up
  // as integers: no address is built or hashed to be found again.
  std::vector<IpAddress>& addresses = f.addresses_;
  {
    std::vector<uint32_t> dense_of_interned(addresses_.size(), UINT32_MAX);
    ValueIds dense_of_v4;
    auto dense = [&](uint32_t value, bool interned) -> uint32_t {
      if (interned) {
        uint32_t& id = dense_of_interned[value];
        if (id == UINT32_MAX) {
          id = static_cast<uint32_t>(addresses.size());
          addresses.push_back(addresses_.Get(value));
        }
        return id;
      }
      return dense_of_v4.Find(value, [&] {
        addresses.push_back(IpAddress::V4(value));
        return static_cast<uint32_t>(addresses.size() - 1);
      });
    };
    for (size_t i = 0; i < n; ++i) {
      Counters& c = counters_[i];
      c.key.client = dense(c.key.client, c.key.client_interned);
      c.key.server = dense(c.key.server, c.key.server_interned);
    }
  }
  // Classes first: the peak counts only connections to dynamic ports.
  std::vector<bool>& dynamic = f.dynamic_;
  std::vector<uint8_t>& classes = f.classes_;
  dynamic.resize(n);
  classes.resize(n);
  std::vector<uint32_t> server_of(n);
  // Each flow's evidence rows, read here with the rest of its counters: the
  // evidence layout below would otherwise pass over every counter twice more.
  std::vector<uint8_t> evidence_count(n);
  // Without endpoint-mapper ports, per-host ranges or moved ports (most runs), whether a
  // port is dynamic depends on the port alone: no address to look up.
  const bool by_port_alone = rpc_ports_.empty() && knowledge_.dynamic_ranges.empty() &&
                             knowledge_.moved_ports.empty();
  const PortRange range = knowledge_.default_dynamic_range;
  for (size_t i = 0; i < n; ++i) {
    Counters& c = counters_[i];
    // An endpoint-mapper answer read after the flow's first observation (a
    // later file, a capture's answer to a later query) decides it by rule 1,
    // as if it had been read first: the same label whatever the input order.
    if (!rpc_ports_.empty() && c.rule != ServerRule::kEndpointMapper &&
        c.key.proto == Proto::kTcp && rpc_ports_.count({addresses[c.key.server], c.key.port})) {
      c.rule = ServerRule::kEndpointMapper;
    }
    server_of[i] = c.key.server;
    dynamic[i] = by_port_alone ? IsDynamicIn(range, c.key.proto, c.key.port) &&
                                     !IsGroupDestination(addresses[c.key.server], c.key.proto)
                               : IsDynamicPort(addresses[c.key.server], c.key.proto, c.key.port);
    const catalog::PortEntry* known = catalog_.FindPort(c.key.proto, c.key.port);
    FlowClass flow_class = FlowClass::kFine;
    if (IsLocalConnection(addresses[c.key.client], addresses[c.key.server])) {
      flow_class = FlowClass::kLocal;
    } else if (dynamic[i]) {
      flow_class = FlowClass::kProblematic;
    } else if (c.wide && wide_counts_[c.counts.connections].low_source > 0) {
      flow_class = FlowClass::kLowSource;
    } else if (IsHigh(c.key.port) && (known == nullptr || known->name.empty())) {
      flow_class = FlowClass::kRestricted;
    }
    classes[i] = static_cast<uint8_t>(flow_class);
    evidence_count[i] = c.evidence;
  }
  // A key merged into its reverse (ReviseGuesses): its connections' lifetimes
  // are that key's, from its real client port (the turned key's port), so
  // that a connection the reverse key also saw (a capture's SYN piece, a
  // NetFlow piece guessed the wrong way round) is one lifetime, not two.
  if (!merged.empty() && peaks_) {
    std::vector<LifetimeLog::Rename> renames;
    renames.reserve(merged.size());
    for (const auto& [from, into] : merged) renames.push_back({from, into, counters_[from].key.port});
    lifetimes_.RenameFlows(renames, n);
  }
  for (const auto& [from, into] : merged) {
    server_of[from] = server_of[into];
    dynamic[from] = dynamic[into];
  }
  // The peaks are swept here, not on a second thread beside the ordering
  // below: that could save the sweep's time (about 5% of a 227 k-flow log's
  // run, by perf) but held both's arrays at once, 164 -> 181 MB on the
  // 1 GiB log (the target is 200).
  if (peaks_) {
    for (const auto& [server, peak] : lifetimes_.TakePeaks(dynamic, server_of)) {
      peak_[addresses[server]] = peak;
    }
  }
  std::vector<uint32_t>().swap(server_of);

  // Problematic first, then by server, port, client: the addresses by their
  // rank in IpAddress order. The order is packed into one integer per flow
  // (class, server rank, port, client rank, protocol, high bits to low) and
  // radix-sorted: no comparison reads a class or rank through an index, and
  // keys are unique, so it is a total order. Only with more than 2^22
  // addresses does it not fit 64 bits; then two integers are compared.
  {
    const std::vector<uint32_t> rank = AddressInterner::AddressRanks(addresses);
    const int rank_bits = addresses.size() < 2 ? 0 : std::bit_width(addresses.size() - 1);
    const size_t live = n - merged.size();
    f.order_.resize(live);
    if (2 * rank_bits + 20 <= 64) {
      std::vector<RadixItem> order;
      order.reserve(live);
      for (uint32_t i = 0; i < n; ++i) {
        if (counters_[i].merged) continue;
        const CompactFlowKey& k = counters_[i].key;
        uint64_t key = classes[i];
        key = key << rank_bits | rank[k.server];
        key = key << 16 | k.port;
        key = key << rank_bits | rank[k.client];
        key = key << 1 | static_cast<uint8_t>(k.proto);
        order.push_back(RadixItem::Of(key, i));
      }
      RadixSort(order, 2 * rank_bits + 20);  // 3 bits of class
      for (size_t i = 0; i < live; ++i) f.order_[i] = order[i].index;
    } else {
      struct OrderKey {
        uint64_t major;  // class, server rank, port
        uint64_t minor;  // client rank, protocol
        uint32_t flow;
      };
      std::vector<OrderKey> order;
      order.reserve(live);
      for (uint32_t i = 0; i < n; ++i) {
        if (counters_[i].merged) continue;
        const CompactFlowKey& k = counters_[i].key;
        order.push_back({uint64_t{classes[i]} << 48 | uint64_t{rank[k.server]} << 16 | k.port,
                         uint64_t{rank[k.client]} << 8 | static_cast<uint8_t>(k.proto), i});
      }
      std::sort(order.begin(), order.end(), [](const OrderKey& a, const OrderKey& b) {
        return a.major != b.major ? a.major < b.major : a.minor < b.minor;
      });
      for (size_t i = 0; i < live; ++i) f.order_[i] = order[i].flow;
    }
  }

  // Each flow's evidence rows, in the order they came, the flows in their
  // final order: a counting sort. first_row holds each flow's count, then
  // its first row, then (while the rows are placed) its next one. The table's
  // rows are freed block by block as they are read.
  std::vector<uint32_t>& first_row = f.first_row_;
  first_row.resize(n);
  for (size_t i = 0; i < n; ++i) first_row[i] = evidence_count[i];
  uint32_t next_row = 0;
  for (const uint32_t flow : f.order_) next_row += std::exchange(first_row[flow], next_row);
  // A merged key's rows after every flow's: kept, never read.
  for (const auto& [from, into] : merged) next_row += std::exchange(first_row[from], next_row);
  f.evidence_.resize(evidence_.size());
  for (size_t r = 0; r < evidence_.size(); ++r) {
    const EvidenceRow& row = evidence_[r];
    f.evidence_[first_row[row.flow]++] = {row.word, row.a};
    if ((r + 1) % decltype(evidence_)::kBlockSize == 0) evidence_.ReleaseBlocksBefore(r + 1);
  }
  for (size_t i = 0; i < n; ++i) first_row[i] -= evidence_count[i];
  evidence_.clear();
  f.counters_ = std::move(counters_);
  f.wide_counts_ = std::move(wide_counts_);
  wide_counts_ = {};
  f.wide_evidence_ = std::move(wide_evidence_);
  f.files_ = std::move(files_);
  wide_evidence_ = {};
  files_ = {};
  return f;
}

}  // namespace highport::analysis
