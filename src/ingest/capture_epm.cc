// Endpoint-mapper answers in a captured connection (contract in capture_epm.h).
#include "ingest/capture_epm.h"

#include <algorithm>

#include "fmt/format.h"
#include "rpc/epm.h"
#include "rpc/ndr.h"

namespace highport::ingest::capture_internal {
namespace {

constexpr size_t kMaxPendingCalls = 64;
constexpr size_t kMaxContexts = 256;

bool StartsWithPdu(std::span<const uint8_t> payload) {
  return payload.size() >= rpc::kHeaderSize && rpc::ParseHeader(payload).ok();
}

}  // namespace

EpmStream::EpmStream(const IpAddress& server, CaptureContext& context)
    : server_(server), context_(context), joiner_(context.options.max_rpc_call_bytes) {
  ++context_.epm_streams_live;
}

EpmStream::~EpmStream() {
  --context_.epm_streams_live;
}

void EpmStream::Problem(const Segment& s, std::string reason) {
  ++context_.stats.rpc_errors;
  context_.Warn("capture.dcerpc", s.packet, s.payload_offset,
                fmt::format("DCE/RPC {} server: {}", s.to_server ? "to" : "from", reason));
}

void EpmStream::Restart(Direction& d) {
  d.framer = rpc::PduFramer(65535);
  d.synced = false;
}

void EpmStream::OnSegment(const Segment& s) {
  Direction& d = s.to_server ? to_server_ : to_client_;
  if (s.flags & kTcpSyn) {
    d.started = true;
    d.next_seq = s.seq + 1;
    d.synced = true;
    return;  // data on a SYN (TCP Fast Open) is not the endpoint mapper's habit
  }
  std::span<const uint8_t> bytes = s.payload;
  uint32_t wire = std::max<uint32_t>(s.wire_length, static_cast<uint32_t>(bytes.size()));
  if (wire == 0) return;
  // The other side answers while this side waits for bytes in front of what
  // it holds: the server answered what it received, so those bytes were
  // lost before the capture point, not overtaken. Its held request must be
  // read before the answer comes, or the answer finds no call to match.
  Direction& other = s.to_server ? to_client_ : to_server_;
  while (!other.held.empty()) SkipGap(other, !s.to_server);
  if (!d.started) {  // first seen midway
    d.started = true;
    d.next_seq = s.seq;
    d.synced = false;
  }
  int32_t delta = static_cast<int32_t>(s.seq - d.next_seq);
  if (delta <= 0) return Consume(d, s);
  // Bytes before it have not come yet: reordered on the way (the answer's
  // second segment overtook its first), or lost. Held until they come.
  d.held.push_back({s.seq, wire, s.flags, s.packet, s.payload_offset,
                    std::vector<uint8_t>(bytes.begin(), bytes.end())});
  d.held_bytes += bytes.size();
  if (d.held.size() <= kMaxHeld && d.held_bytes <= kMaxHeldBytes) return;
  // Too many waiting: the bytes in front were lost. On from the earliest
  // segment held, which begins after the gap.
  SkipGap(d, s.to_server);
}

void EpmStream::SkipGap(Direction& d, bool to_server) {
  ++context_.stats.rpc_stream_gaps;
  Restart(d);
  auto earliest = std::min_element(d.held.begin(), d.held.end(), [&](const Held& a, const Held& b) {
    return static_cast<int32_t>(a.seq - b.seq) < 0;
  });
  d.next_seq = earliest->seq;
  Consume(d, TakeHeld(d, earliest, to_server));
}

void EpmStream::Finish() {
  // What still waits for bytes that never came: read from after the gap,
  // as a stream that lost a segment resynchronises (the next answer whole).
  for (Direction* d : {&to_server_, &to_client_}) {
    while (!d->held.empty()) SkipGap(*d, d == &to_server_);
  }
}

Segment EpmStream::TakeHeld(Direction& d, std::vector<Held>::iterator it, bool to_server) {
  Held h = std::move(*it);
  d.held.erase(it);
  d.held_bytes -= h.payload.size();
  held_bytes_ = std::move(h.payload);
  return Segment{to_server, h.seq, h.flags, held_bytes_, h.wire_length, h.packet, h.payload_offset};
}

void EpmStream::Consume(Direction& d, const Segment& segment) {
  Segment s = segment;
  for (;;) {
    ConsumeOne(d, s);
    // A held segment that now lies at (or across) next_seq comes next.
    auto next = std::find_if(d.held.begin(), d.held.end(), [&](const Held& h) {
      return static_cast<int32_t>(h.seq - d.next_seq) <= 0;
    });
    if (next == d.held.end()) return;
    s = TakeHeld(d, next, segment.to_server);
  }
}

void EpmStream::ConsumeOne(Direction& d, const Segment& s) {
  std::span<const uint8_t> bytes = s.payload;
  uint32_t wire = std::max<uint32_t>(s.wire_length, static_cast<uint32_t>(bytes.size()));
  if (wire == 0) return;
  int32_t delta = static_cast<int32_t>(s.seq - d.next_seq);
  if (delta < 0) {  // a retransmission, maybe with new bytes at its end
    uint32_t old = static_cast<uint32_t>(-static_cast<int64_t>(delta));
    if (old >= wire) return;
    bytes = bytes.subspan(std::min<size_t>(old, bytes.size()));
    wire -= old;
    d.next_seq = s.seq + old;  // the first new byte
  }
  d.next_seq += wire;
  if (!d.synced) {
    if (!StartsWithPdu(bytes)) return;
    d.synced = true;
  }
  d.framer.Push(bytes);
  Drain(d, s);
  if (bytes.size() < wire && d.synced) {  // cut by the snap length: a gap at the end
    ++context_.stats.rpc_stream_gaps;
    Restart(d);
  }
}

void EpmStream::Drain(Direction& d, const Segment& s) {
  rpc::Frame frame;
  std::string error;
  for (;;) {
    rpc::PduFramer::Step step = d.framer.Next(frame, error);
    if (step == rpc::PduFramer::Step::kNeedMore) return;
    if (step == rpc::PduFramer::Step::kError) {
      Problem(s, error);
      Restart(d);
      return;
    }
    ++context_.stats.rpc_pdus;
    Result<rpc::RawPdu> pdu = rpc::ParsePdu(frame.bytes);
    if (!pdu) {
      Problem(s, fmt::format("PDU {}: {}", frame.index, pdu.error().message));
      continue;
    }
    HandlePdu(*pdu, s);
  }
}

void EpmStream::HandlePdu(const rpc::RawPdu& pdu, const Segment& s) {
  using rpc::PType;
  switch (static_cast<PType>(pdu.header.ptype)) {
    case PType::kBind:
    case PType::kAlterContext:
      if (s.to_server) HandleBind(pdu, s);
      break;
    case PType::kRequest:
      if (s.to_server) HandleRequest(pdu, s);
      break;
    case PType::kResponse:
      if (!s.to_server) HandleResponse(pdu, s);
      break;
    case PType::kFault:
      if (!s.to_server) pending_.erase(pdu.header.call_id);
      break;
    default: break;
  }
}

void EpmStream::HandleBind(const rpc::RawPdu& pdu, const Segment& s) {
  Result<rpc::BindBody> bind = rpc::DecodeBind(pdu);
  if (!bind) return Problem(s, fmt::format("bind: {}", bind.error().message));
  for (const rpc::ContextElement& e : bind->contexts) {
    if (contexts_.size() >= kMaxContexts && !contexts_.count(e.context_id)) break;
    contexts_[e.context_id] = e.abstract_syntax.uuid == rpc::kEpmInterface.uuid;
  }
}

void EpmStream::HandleRequest(const rpc::RawPdu& pdu, const Segment& s) {
  if (!pdu.header.first() && pending_.count(pdu.header.call_id)) return;  // a later fragment
  Result<rpc::RequestBody> request = rpc::DecodeRequest(pdu);
  if (!request) return Problem(s, fmt::format("request: {}", request.error().message));
  if (request->opnum != rpc::kOpEptLookup && request->opnum != rpc::kOpEptMap) return;
  // A context whose bind was not captured is taken for the endpoint mapper:
  // it is the only interface these ports serve.
  auto context = contexts_.find(request->context_id);
  if (context != contexts_.end() && !context->second) return;
  if (pending_.size() >= kMaxPendingCalls) pending_.erase(pending_.begin());
  pending_[pdu.header.call_id] = PendingCall{request->opnum, pdu.header.order()};
}

void EpmStream::HandleResponse(const rpc::RawPdu& pdu, const Segment& s) {
  auto call = pending_.find(pdu.header.call_id);
  if (call == pending_.end()) return;  // not an endpoint-mapper lookup we saw asked
  Result<rpc::ResponseBody> body = rpc::DecodeResponse(pdu);
  if (!body) {
    pending_.erase(call);
    return Problem(s, fmt::format("response: {}", body.error().message));
  }
  if (pdu.header.first()) call->second.order = pdu.header.order();
  std::vector<uint8_t> stub;
  Result<bool> complete = joiner_.Add(pdu.header, body->stub, stub);
  if (!complete) {
    pending_.erase(call);
    joiner_ = rpc::FragmentJoiner(context_.options.max_rpc_call_bytes);
    return Problem(s, fmt::format("response: {}", complete.error().message));
  }
  if (!*complete) return;
  PendingCall done = call->second;
  pending_.erase(call);
  HandleAnswer(done, stub, s);
}

void EpmStream::HandleAnswer(const PendingCall& call, std::span<const uint8_t> stub,
                             const Segment& s) {
  ++context_.stats.rpc_answers;
  if (call.opnum == rpc::kOpEptLookup) {
    Result<rpc::LookupResponse> r = rpc::DecodeLookupResponse(stub, call.order);
    if (!r) return Problem(s, fmt::format("ept_lookup answer, stub {}", r.error().message));
    for (const rpc::LookupEntry& e : r->entries) {
      if (e.tower) Learn(rpc::DecodeTower(*e.tower), e.annotation, s);
    }
    return;
  }
  Result<rpc::MapResponse> r = rpc::DecodeMapResponse(stub, call.order);
  if (!r) return Problem(s, fmt::format("ept_map answer, stub {}", r.error().message));
  for (const std::vector<uint8_t>& tower : r->towers) Learn(rpc::DecodeTower(tower), "", s);
}

void EpmStream::Learn(const rpc::DecodedTower& tower, const std::string& annotation,
                      const Segment& s) {
  const rpc::Binding& b = tower.binding;
  if (!b.port) {
    ++context_.stats.rpc_other_bindings;
    return;
  }
  RpcRegistration r;
  r.host = server_.ToString();
  r.uuid = tower.interface.uuid.ToString();
  r.version_major = tower.interface.version_major;
  r.version_minor = tower.interface.version_minor;
  r.annotation = annotation;
  r.protocol = b.protocol;
  // A tower that says 0.0.0.0 (or names the host) means the server that answered.
  std::optional<IpAddress> address = IpAddress::Parse(b.address);
  if (!address || address->is_unspecified()) address = server_;
  Proto proto = b.protocol.starts_with("ncadg") ? Proto::kUdp : Proto::kTcp;
  r.endpoint = Endpoint{*address, proto, *b.port};
  r.address_text = address->ToString();
  r.binding = b.ToString();
  r.source = SourceRef{context_.file, 0, s.packet, s.payload_offset};
  ++context_.stats.rpc_registrations;
  context_.sink.OnRpcRegistration(r);
}

}  // namespace highport::ingest::capture_internal
