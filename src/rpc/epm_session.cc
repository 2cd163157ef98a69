// The client side of one endpoint-mapper conversation, as a state machine
// that never touches a socket (contract and the three end-of-list forms in
// epm_session.h).
//
//   start          -> send bind (call 1): epmapper v3.0 over NDR 2.0, anonymous
//   await bind_ack -> bind_nak or a rejected context: refused
//                     accepted: negotiate fragment sizes, send the first call
//   await response -> fault: refused; response fragments are joined per
//                     call_id; a whole stub is decoded, its entries kept,
//                     and the listing either ends or goes on with the
//                     returned entry handle
//
// Bytes arrive in any chunking; PduFramer cuts them into PDUs and checks
// each frag_length against what we told the server we can receive. Every
// malformed input ends the session with kProtocolError and a detail that
// names the PDU, its byte offset and the field; every entry received before
// that stays in the outcome. max_calls and max_entries bound a server that
// never ends its listing, and the reassembly cap bounds one that never ends
// a call.
//
// Authentication would enter in two places: the bind carries an
// AuthVerifier (pdu.h) from a security provider, an auth3 or alter_context
// finishes the handshake, and each request is then signed through the same
// PduFraming::auth. Today the session is anonymous: auth_length is 0.
#include "rpc/epm_session.h"

#include <algorithm>

#include "fmt/format.h"
#include "rpc/epm.h"
#include "rpc/pdu_names.h"
#include "rpc/tower.h"

namespace highport::rpc {
namespace {

constexpr uint16_t kContextId = 0;

// A response stub of max_ents entries takes a few hundred bytes each; the
// cap leaves room for long towers but stops a call that never ends.
size_t CallCap(uint32_t max_ents) {
  size_t cap = static_cast<size_t>(max_ents) * 1024;
  return std::clamp<size_t>(cap, size_t{1} << 20, size_t{64} << 20);
}

std::string EntryNumberNote(size_t number, const std::string& note) {
  return fmt::format("entry {}: {}", number, note);
}

}  // namespace

EpmSession::State::State(const EpmQuery& query)
    : framer(query.max_recv_frag), joiner(CallCap(query.max_ents)) {}

EpmSession::EpmSession(EpmQuery query) : query_(query), state_(query_) {
  BindBody bind;
  bind.max_xmit_frag = query_.max_xmit_frag;
  bind.max_recv_frag = query_.max_recv_frag;
  bind.contexts.push_back(ContextElement{kContextId, kEpmInterface, {kNdrTransferSyntax}});
  state_.call_id = state_.next_call_id++;
  PduFraming framing;
  framing.call_id = state_.call_id;
  output_ = EncodeBind(framing, bind);
}

std::vector<uint8_t> EpmSession::TakeOutput() {
  return std::move(output_);
}

bool EpmSession::Feed(std::span<const uint8_t> bytes) {
  if (finished_) return true;
  state_.framer.Push(bytes);
  Frame frame;
  std::string error;
  while (!finished_) {
    PduFramer::Step step = state_.framer.Next(frame, error);
    if (step == PduFramer::Step::kNeedMore) break;
    if (step == PduFramer::Step::kError) {
      Finish(EpmStatus::kProtocolError, error);
      break;
    }
    HandleFrame(frame);
  }
  return finished_;
}

void EpmSession::PeerClosed() {
  if (finished_) return;
  std::string waiting = state_.phase == State::Phase::kAwaitBindAck
                            ? "the bind_ack"
                            : fmt::format("the response to {}", CallName());
  std::string partial;
  if (state_.framer.buffered() > 0) {
    partial = fmt::format(" ({} bytes of an unfinished PDU)", state_.framer.buffered());
  }
  Finish(EpmStatus::kProtocolError,
         fmt::format("connection closed while waiting for {}{}", waiting, partial));
}

std::string EpmSession::CallName() const {
  const char* op = query_.kind == EpmQuery::Kind::kMap ? "ept_map" : "ept_lookup";
  return fmt::format("{} call {}", op, outcome_.calls);
}

void EpmSession::HandleFrame(const Frame& frame) {
  std::string where = fmt::format("{} PDU {}", PTypeName(frame.bytes[2]), frame.index);
  Result<RawPdu> raw = ParsePdu(frame.bytes);
  if (!raw) {
    Finish(EpmStatus::kProtocolError, fmt::format("{}, {}", where, raw.error().message));
    return;
  }
  const PduHeader& h = raw->header;
  if (h.auth_length != 0 && !state_.auth_trailer_noted) {
    outcome_.notes.push_back(
        fmt::format("{} carries an auth trailer of {} bytes on an anonymous "
                    "connection; ignored",
                    where, h.auth_length));
    state_.auth_trailer_noted = true;
  }
  if (h.call_id != state_.call_id) {
    Finish(EpmStatus::kProtocolError,
           fmt::format("{}, byte 12: call_id: {}, expected {}", where, h.call_id, state_.call_id));
    return;
  }
  bool binding = state_.phase == State::Phase::kAwaitBindAck;
  switch (static_cast<PType>(h.ptype)) {
    case PType::kBindAck:
      if (binding) return HandleBindAck(*raw, frame.index);
      break;
    case PType::kBindNak:
      if (binding) {
        Result<BindNakBody> nak = DecodeBindNak(*raw);
        if (!nak)
          return Finish(EpmStatus::kProtocolError,
                        fmt::format("{}, {}", where, nak.error().message));
        return Finish(EpmStatus::kRefused,
                      fmt::format("bind_nak: reason {} ({})", nak->reject_reason,
                                  BindNakReasonName(nak->reject_reason)));
      }
      break;
    case PType::kFault: {
      Result<FaultBody> fault = DecodeFault(*raw);
      if (!fault)
        return Finish(EpmStatus::kProtocolError,
                      fmt::format("{}, {}", where, fault.error().message));
      return Finish(EpmStatus::kRefused,
                    fmt::format("fault {} on {}", DescribeStatus(fault->status),
                                binding ? std::string("bind") : CallName()));
    }
    case PType::kResponse:
      if (!binding) return HandleResponse(*raw, frame.index);
      break;
    default: break;
  }
  Finish(EpmStatus::kProtocolError,
         fmt::format("{}: unexpected while waiting for {}", where,
                     binding ? std::string("the bind_ack") : "the response to " + CallName()));
}

void EpmSession::HandleBindAck(const RawPdu& pdu, uint32_t index) {
  std::string where = fmt::format("bind_ack PDU {}", index);
  Result<BindAckBody> ack = DecodeBindAck(pdu);
  if (!ack)
    return Finish(EpmStatus::kProtocolError, fmt::format("{}, {}", where, ack.error().message));
  if (ack->results.empty()) {
    return Finish(EpmStatus::kProtocolError,
                  fmt::format("{}: no result for presentation context 0", where));
  }
  const ContextResult& r = ack->results.front();
  if (r.result != kResultAcceptance) {
    return Finish(EpmStatus::kRefused,
                  fmt::format("bind_ack: presentation context 0 rejected: {}, reason {} ({})",
                              ContextResultName(r.result), r.reason, ProviderReasonName(r.reason)));
  }
  if (r.transfer_syntax != kNdrTransferSyntax) {
    return Finish(EpmStatus::kProtocolError,
                  fmt::format("{}: accepted transfer syntax {} v{}.{}, expected NDR 2.0", where,
                              r.transfer_syntax.uuid.ToString(), r.transfer_syntax.version_major,
                              r.transfer_syntax.version_minor));
  }
  // C706 §12.6.4.1-2: we send no more than the server can receive, and it
  // may send no more than either side announced for that direction.
  state_.xmit_frag = std::min(query_.max_xmit_frag, ack->max_recv_frag);
  if (state_.xmit_frag < kMinFragment) {
    return Finish(EpmStatus::kProtocolError,
                  fmt::format("{}, byte 18: max_recv_frag: {} leaves no room for a request", where,
                              ack->max_recv_frag));
  }
  state_.framer.set_max_frag(std::min(query_.max_recv_frag, ack->max_xmit_frag));
  state_.phase = State::Phase::kAwaitResponse;
  SendRequest();
}

void EpmSession::SendRequest() {
  if (outcome_.calls >= query_.max_calls) {
    return Finish(EpmStatus::kProtocolError,
                  fmt::format("the server had not ended the listing after {} ept_lookup calls "
                              "(max_calls)",
                              outcome_.calls));
  }
  std::vector<uint8_t> stub;
  uint16_t opnum = kOpEptLookup;
  if (query_.kind == EpmQuery::Kind::kMap) {
    MapRequest map;
    map.object = Uuid{};
    Binding any_tcp{"ncacn_ip_tcp", "0.0.0.0", uint16_t{0}, "", {}};
    map.tower = EncodeTower(query_.map_interface, kNdrTransferSyntax, any_tcp);
    map.max_towers = query_.max_ents;
    stub = EncodeMapRequest(map, ByteOrder::kLittle);
    opnum = kOpEptMap;
  } else {
    LookupRequest lookup;
    lookup.entry_handle = state_.entry_handle;
    lookup.max_ents = query_.max_ents;
    stub = EncodeLookupRequest(lookup, ByteOrder::kLittle);
  }
  state_.call_id = state_.next_call_id++;
  ++outcome_.calls;
  PduFraming framing;
  framing.call_id = state_.call_id;
  std::vector<uint8_t> pdus = EncodeRequest(framing, kContextId, opnum, stub, state_.xmit_frag);
  output_.insert(output_.end(), pdus.begin(), pdus.end());
}

void EpmSession::HandleResponse(const RawPdu& pdu, uint32_t index) {
  std::string where = fmt::format("response PDU {}", index);
  Result<ResponseBody> body = DecodeResponse(pdu);
  if (!body)
    return Finish(EpmStatus::kProtocolError, fmt::format("{}, {}", where, body.error().message));
  if (pdu.header.first()) state_.response_order = pdu.header.order();
  std::vector<uint8_t> stub;
  Result<bool> complete = state_.joiner.Add(pdu.header, body->stub, stub);
  if (!complete)
    return Finish(EpmStatus::kProtocolError,
                  fmt::format("{}: {}", where, complete.error().message));
  if (!*complete) return;
  if (query_.kind == EpmQuery::Kind::kMap) return HandleMapStub(stub);
  HandleLookupStub(stub);
}

bool EpmSession::AddEntry(EpmEntry entry, const std::vector<std::string>& tower_notes) {
  if (outcome_.entries.size() >= query_.max_entries) {
    Finish(EpmStatus::kProtocolError,
           fmt::format("stopped after {} entries (max_entries); the server had not ended the "
                       "listing",
                       outcome_.entries.size()));
    return false;
  }
  size_t number = outcome_.entries.size() + 1;
  for (const std::string& note : tower_notes)
    outcome_.notes.push_back(EntryNumberNote(number, note));
  outcome_.entries.push_back(std::move(entry));
  return true;
}

void EpmSession::HandleLookupStub(std::span<const uint8_t> stub) {
  Result<LookupResponse> r = DecodeLookupResponse(stub, state_.response_order);
  if (!r) {
    return Finish(EpmStatus::kProtocolError,
                  fmt::format("{} response, stub {}", CallName(), r.error().message));
  }
  for (const std::string& note : r->notes)
    outcome_.notes.push_back(fmt::format("{}: {}", CallName(), note));
  for (LookupEntry& e : r->entries) {
    EpmEntry entry;
    entry.object = e.object;
    entry.annotation = std::move(e.annotation);
    std::vector<std::string> notes;
    if (e.tower) {
      DecodedTower t = DecodeTower(*e.tower);
      entry.interface = t.interface;
      entry.transfer = t.transfer;
      entry.binding = std::move(t.binding);
      notes = std::move(t.notes);
    } else {
      entry.binding.protocol = "unknown";
      notes.push_back("no tower (null pointer)");
    }
    if (!AddEntry(std::move(entry), notes)) return;
  }
  state_.entry_handle = r->entry_handle;
  size_t n = outcome_.entries.size();
  if (r->status == kEptNoMoreEntries) {
    return Finish(EpmStatus::kOk,
                  fmt::format("{} entries in {} ept_lookup calls; the listing ended with status {}",
                              n, outcome_.calls, DescribeStatus(r->status)));
  }
  if (r->status != 0) {
    return Finish(EpmStatus::kRefused,
                  fmt::format("{} answered status {}", CallName(), DescribeStatus(r->status)));
  }
  if (r->entry_handle.is_nil()) {
    return Finish(EpmStatus::kOk,
                  fmt::format("{} entries in {} ept_lookup calls; the listing ended with a nil "
                              "entry handle",
                              n, outcome_.calls));
  }
  SendRequest();
}

void EpmSession::HandleMapStub(std::span<const uint8_t> stub) {
  Result<MapResponse> r = DecodeMapResponse(stub, state_.response_order);
  if (!r) {
    return Finish(EpmStatus::kProtocolError,
                  fmt::format("{} response, stub {}", CallName(), r.error().message));
  }
  for (const std::string& note : r->notes)
    outcome_.notes.push_back(fmt::format("{}: {}", CallName(), note));
  for (const std::vector<uint8_t>& tower : r->towers) {
    DecodedTower t = DecodeTower(tower);
    EpmEntry entry;
    entry.interface = t.interface;
    entry.transfer = t.transfer;
    entry.binding = std::move(t.binding);
    if (!AddEntry(std::move(entry), t.notes)) return;
  }
  if (r->status == 0) {
    return Finish(EpmStatus::kOk, fmt::format("ept_map returned {} towers", r->towers.size()));
  }
  if (r->status == kEptNoMoreEntries || r->status == 0x000006d9) {
    return Finish(EpmStatus::kOk, fmt::format("ept_map: the interface is not registered ({})",
                                              DescribeStatus(r->status)));
  }
  Finish(EpmStatus::kRefused,
         fmt::format("{} answered status {}", CallName(), DescribeStatus(r->status)));
}

void EpmSession::Finish(EpmStatus status, std::string detail) {
  if (finished_) return;
  finished_ = true;
  state_.phase = State::Phase::kDone;
  outcome_.status = status;
  outcome_.detail = std::move(detail);
}

}  // namespace highport::rpc
