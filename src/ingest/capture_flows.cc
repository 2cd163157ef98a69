// The conversation table (contract in capture_flows.h).
//
// Direction: a SYN without ACK makes its sender the initiator; a SYN/ACK
// seen first makes its receiver the initiator (the second step of the
// handshake names the responder as surely as the first names the caller);
// both are InitiatorEvidence::kHandshake. Anything else seen first is a
// connection caught midway: src is the first sender, the initiator unknown.
//
// UDP (and other protocols) have no handshake. src is the sender of the
// first datagram seen, but the initiator stays kUnknown with evidence kNone:
// the capture may have started after the request, or the request may have
// taken another path past the tap, so the first datagram seen is a hint,
// not evidence. Listener inventories and port classes decide instead.
#include "ingest/capture_flows.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "ingest/capture_epm.h"

namespace highport::ingest::capture_internal {

size_t ConnKeyHash::operator()(const ConnKey& k) const {
  uint64_t words[4];
  std::memcpy(words, k.a.data(), 16);
  std::memcpy(words + 2, k.b.data(), 16);
  uint64_t h = (uint64_t{k.port_a} << 24) ^ (uint64_t{k.port_b} << 8) ^ k.protocol;
  for (uint64_t w : words) {
    h ^= w + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdULL;
  }
  return static_cast<size_t>(h ^ (h >> 33));
}

ConnKey MakeKey(const PacketInfo& p, bool& from_a) {
  ConnKey k;
  k.protocol = p.protocol;
  k.ip_version = p.ip_version;
  uint16_t sport = p.has_ports ? p.src_port : 0;
  uint16_t dport = p.has_ports ? p.dst_port : 0;
  from_a = std::tie(p.src, sport) <= std::tie(p.dst, dport);
  k.a = from_a ? p.src : p.dst;
  k.b = from_a ? p.dst : p.src;
  k.port_a = from_a ? sport : dport;
  k.port_b = from_a ? dport : sport;
  return k;
}

IpAddress KeyAddress(const ConnKey& k, bool side_a) {
  const std::array<uint8_t, 16>& bytes = side_a ? k.a : k.b;
  if (k.ip_version == 6) return IpAddress::V6(bytes);
  return IpAddress::V4(uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 |
                       uint32_t{bytes[2]} << 8 | bytes[3]);
}

Conn::Conn() = default;
Conn::~Conn() = default;
Conn::Conn(Conn&&) noexcept = default;

FlowTracker::FlowTracker(const std::string& file, const CaptureOptions& options,
                         TrafficSink& sink, CaptureStats& stats)
    : file_(file), options_(options), sink_(sink), stats_(stats) {}

FlowTracker::~FlowTracker() = default;

int64_t FlowTracker::Timeout(uint8_t list) const {
  if (list == kTcpOpen) return options_.tcp_idle_timeout_us;
  if (list == kTcpClosed) return options_.tcp_close_linger_us;
  return options_.udp_idle_timeout_us;
}

void FlowTracker::Unlink(Conn& c) {
  List& l = lists_[c.list];
  (c.prev ? c.prev->next : l.head) = c.next;
  (c.next ? c.next->prev : l.tail) = c.prev;
  c.prev = c.next = nullptr;
}

void FlowTracker::Append(Conn& c, ListId list) {
  List& l = lists_[list];
  c.list = list;
  c.prev = l.tail;
  c.next = nullptr;
  (l.tail ? l.tail->next : l.head) = &c;
  l.tail = &c;
}

void FlowTracker::Expire(int64_t now) {
  for (uint8_t id = 0; id < kListCount; ++id) {
    int64_t timeout = Timeout(id);
    while (Conn* c = lists_[id].head) {
      if (c->last_us > now - timeout) break;
      Emit(*c, id == kTcpClosed ? End::kClosed : End::kTimeout);
    }
  }
}

Conn& FlowTracker::Insert(const ConnKey& key, int64_t now) {
  if (options_.max_open > 0 && table_.size() >= options_.max_open) {
    Conn* oldest = nullptr;
    for (const List& l : lists_) {
      if (l.head && (!oldest || l.head->last_us < oldest->last_us)) oldest = l.head;
    }
    if (oldest) Emit(*oldest, End::kEvicted);
  }
  auto [it, inserted] = table_.try_emplace(key);
  Conn& c = it->second;
  c.key = &it->first;
  c.first_us = c.last_us = now;
  Append(c, key.protocol == kIpProtoTcp ? kTcpOpen : kIdle);
  stats_.peak_open = std::max<uint64_t>(stats_.peak_open, table_.size());
  return c;
}

Conn& FlowTracker::Track(const PacketInfo& p, int64_t ts_us, uint64_t packet_number,
                         bool& from_a) {
  now_ = std::max(now_, ts_us);
  Expire(now_);
  ConnKey key = MakeKey(p, from_a);
  bool tcp = p.protocol == kIpProtoTcp && p.has_ports;
  bool syn = tcp && (p.tcp_flags & kTcpSyn) != 0;
  bool ack = tcp && (p.tcp_flags & kTcpAck) != 0;
  auto it = table_.find(key);
  Conn* c = it == table_.end() ? nullptr : &it->second;
  if (c && syn && !ack && c->initiator == Initiator::kUnknown && (c->flags & kTcpSyn) == 0 &&
      ts_us <= c->last_us) {
    // A SYN written after packets that came later (a pcapng whose interfaces'
    // blocks interleave out of time order, a merged capture): the handshake
    // of the conversation those packets began, not a new one. A reset that
    // was all the other side sent refused it.
    c->src_is_a = from_a;
    c->initiator = Initiator::kSource;
    c->evidence = InitiatorEvidence::kHandshake;
    c->answered = c->packets > 0;
    c->has_isn = true;
    c->isn = p.seq;
    if ((c->flags & kTcpRst) != 0) c->refused = true;
    c->first_packet = std::min(c->first_packet, packet_number);
  } else if (c && syn && !ack) {
    // A SYN on a known connection: a retransmission while the handshake is
    // unanswered, or one with the initiator's first sequence number again
    // (its SYN-ACK was lost after the capture point saw it: Windows sends
    // the SYN again 3 s later), else a new connection on the same ports,
    // which begins at another sequence number (RFC 6528).
    bool retransmission = c->src_is_a == from_a &&
                          ((c->tcp == TcpState::kSynSent && !c->answered) ||
                           (c->has_isn && c->isn == p.seq && c->tcp != TcpState::kClosed));
    if (!retransmission) {
      Emit(*c, c->tcp == TcpState::kClosed ? End::kClosed : End::kReplaced);
      c = nullptr;
    }
  }
  if (!c) {
    c = &Insert(key, ts_us);
    c->first_packet = packet_number;
    c->src_is_a = from_a;
    if (tcp) {
      c->tcp = TcpState::kOpen;
      if (syn) {
        c->src_is_a = ack ? !from_a : from_a;
        c->tcp = ack ? TcpState::kOpen : TcpState::kSynSent;
        c->has_isn = !ack;
        c->isn = p.seq;
        c->initiator = Initiator::kSource;
        c->evidence = InitiatorEvidence::kHandshake;
      }
    }
  }
  ++c->packets;
  c->bytes += p.ip_length;
  c->flags |= p.tcp_flags;
  c->last_us = std::max(c->last_us, ts_us);
  c->first_us = std::min(c->first_us, ts_us);
  const bool answer = from_a != c->src_is_a;
  if (answer) c->answered = true;
  if (tcp) {
    if (c->tcp == TcpState::kSynSent && answer) {
      // A SYN-ACK opens it; a reset before any SYN-ACK refuses it.
      if ((p.tcp_flags & (kTcpRst | kTcpSyn)) == kTcpRst) c->refused = true;
      c->tcp = TcpState::kOpen;
    }
    if (p.tcp_flags & kTcpFin) (from_a ? c->fin_a : c->fin_b) = true;
    bool closing = (p.tcp_flags & kTcpRst) != 0 || (c->fin_a && c->fin_b);
    if (closing) c->tcp = TcpState::kClosed;
  }
  Unlink(*c);
  Append(*c, c->tcp == TcpState::kClosed ? kTcpClosed : (tcp ? kTcpOpen : kIdle));
  return *c;
}

void FlowTracker::Discard(const PacketInfo& p) {
  bool from_a = false;
  auto it = table_.find(MakeKey(p, from_a));
  if (it == table_.end()) return;
  Unlink(it->second);
  table_.erase(it);
}

void FlowTracker::Emit(Conn& c, End why) {
  const ConnKey& k = *c.key;
  FlowObservation f;
  Proto proto = k.protocol == kIpProtoUdp ? Proto::kUdp : Proto::kTcp;
  f.src = Endpoint{KeyAddress(k, c.src_is_a), proto, c.src_is_a ? k.port_a : k.port_b};
  f.dst = Endpoint{KeyAddress(k, !c.src_is_a), proto, c.src_is_a ? k.port_b : k.port_a};
  f.ip_protocol = k.protocol;
  f.first_us = c.first_us;
  f.last_us = c.last_us;
  f.packets = c.packets;
  f.bytes = c.bytes;
  f.connections = 1;
  f.tcp_flags = k.protocol == kIpProtoTcp ? c.flags : 0;
  // A refused connection is an attempt (FlowTable counts a SYN nobody
  // answered with SYN-ACK as one): its flags say SYN and the reset, not the
  // reset's ACK, which is no answer to the handshake.
  if (c.refused) f.tcp_flags = kTcpSyn | kTcpRst;
  f.initiator = c.initiator;
  f.initiator_evidence = c.evidence;
  f.source = SourceRef{file_, 0, c.first_packet, 0};
  if (k.protocol == kIpProtoTcp) {
    ++stats_.tcp_connections;
    if (c.evidence == InitiatorEvidence::kHandshake) ++stats_.tcp_handshakes;
  } else if (k.protocol == kIpProtoUdp) {
    ++stats_.udp_conversations;
  } else {
    ++stats_.other_flows;
  }
  if (why == End::kTimeout) ++stats_.timed_out;
  if (why == End::kEvicted) ++stats_.evicted;
  if (c.epm) c.epm->Finish();
  sink_.OnFlow(f);
  Unlink(c);
  ConnKey erase = k;  // not a reference into the node being erased
  table_.erase(erase);
}

void FlowTracker::Finish() {
  for (uint8_t id = 0; id < kListCount; ++id) {
    while (Conn* c = lists_[id].head) Emit(*c, End::kFinish);
  }
}

}  // namespace highport::ingest::capture_internal
