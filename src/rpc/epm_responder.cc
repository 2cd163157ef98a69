#include "rpc/epm_responder.h"

#include <algorithm>

#include "fmt/format.h"
#include "rpc/epm.h"
#include "rpc/pdu_names.h"
#include "rpc/tower.h"

namespace highport::rpc {
namespace {

constexpr uint32_t kOpRangeError = 0x1c010002;    // nca_op_rng_error
constexpr uint32_t kBadStubData = 0x000006f7;     // RPC_X_BAD_STUB_DATA
constexpr uint32_t kUnknownContext = 0x1c00001c;  // nca_invalid_pres_context_id
constexpr uint16_t kRejectLocalLimit = 2;
constexpr size_t kMaxRequest = 1 << 16;
constexpr uint16_t kMustRecvFragSize = 1432;  // C706 MustRecvFragSize

ContextHandle MakeLiveHandle() {
  ContextHandle h;
  for (size_t i = 0; i < h.uuid.bytes.size(); ++i) h.uuid.bytes[i] = static_cast<uint8_t>(0xa0 + i);
  return h;
}

}  // namespace

EpmResponder::EpmResponder(std::vector<EpmEntry> entries, EpmResponderOptions options)
    : entries_(std::move(entries)),
      options_(options),
      framer_(0xffff),  // until the bind is answered, any size a client may pick
      joiner_(kMaxRequest),
      live_handle_(MakeLiveHandle()) {}

void EpmResponder::Feed(std::span<const uint8_t> bytes) {
  if (!error_.empty()) return;
  framer_.Push(bytes);
  Frame frame;
  while (error_.empty()) {
    PduFramer::Step step = framer_.Next(frame, error_);
    if (step != PduFramer::Step::kFrame) break;
    HandleFrame(frame);
  }
}

PduFraming EpmResponder::Framing(uint32_t call_id) const {
  PduFraming f;
  f.call_id = call_id;
  f.order = options_.order;
  return f;
}

void EpmResponder::HandleFrame(const Frame& frame) {
  Result<RawPdu> raw = ParsePdu(frame.bytes);
  if (!raw) {
    error_ = fmt::format("PDU {}: {}", frame.index, raw.error().message);
    return;
  }
  PType ptype = static_cast<PType>(raw->header.ptype);
  if ((ptype == PType::kBind || ptype == PType::kAlterContext) && !bound_) return HandleBind(*raw);
  if (ptype != PType::kRequest || !bound_) {
    error_ = fmt::format("PDU {}: unexpected {}", frame.index, PTypeName(raw->header.ptype));
    return;
  }
  Result<RequestBody> request = DecodeRequest(*raw);
  if (!request) {
    error_ = fmt::format("request PDU {}, {}", frame.index, request.error().message);
    return;
  }
  if (request->context_id != 0) return SendFault(raw->header.call_id, kUnknownContext);
  if (raw->header.first()) request_order_ = raw->header.order();
  std::vector<uint8_t> stub;
  Result<bool> complete = joiner_.Add(raw->header, request->stub, stub);
  if (!complete) {
    error_ = fmt::format("request PDU {}: {}", frame.index, complete.error().message);
    return;
  }
  if (*complete) HandleCall(raw->header.call_id, request->opnum, stub);
}

void EpmResponder::HandleBind(const RawPdu& pdu) {
  Result<BindBody> bind = DecodeBind(pdu);
  if (!bind) {
    error_ = fmt::format("bind: {}", bind.error().message);
    return;
  }
  if (options_.refuse_bind) {
    output_ = EncodeBindNak(Framing(pdu.header.call_id), BindNakBody{kRejectLocalLimit, {{5, 0}}});
    error_ = "bind refused";
    return;
  }
  BindAckBody ack;
  // Announce at least C706's MustRecvFragSize (Samba's client refuses a
  // bind_ack that announces less), and send fragments of max_frag, which a
  // server may always do.
  uint16_t announce = std::max(options_.max_frag, kMustRecvFragSize);
  ack.max_xmit_frag = std::min(announce, bind->max_recv_frag);
  ack.max_recv_frag = announce;
  xmit_frag_ = std::min(options_.max_frag, bind->max_recv_frag);
  ack.assoc_group_id = 0x00012f47;
  ack.secondary_address = "135";
  for (const ContextElement& e : bind->contexts) {
    ContextResult r;
    bool ndr = std::find(e.transfer_syntaxes.begin(), e.transfer_syntaxes.end(),
                         kNdrTransferSyntax) != e.transfer_syntaxes.end();
    if (e.abstract_syntax != kEpmInterface) {
      r = ContextResult{kResultProviderRejection, 1, SyntaxId{}};
    } else if (!ndr) {
      r = ContextResult{kResultProviderRejection, 2, SyntaxId{}};
    } else {
      r = ContextResult{kResultAcceptance, 0, kNdrTransferSyntax};
    }
    ack.results.push_back(r);
  }
  std::vector<uint8_t> pdu_bytes = EncodeBindAck(Framing(pdu.header.call_id), ack);
  output_.insert(output_.end(), pdu_bytes.begin(), pdu_bytes.end());
  framer_.set_max_frag(announce);
  bound_ = true;
}

void EpmResponder::HandleCall(uint32_t call_id, uint16_t opnum, std::span<const uint8_t> stub) {
  if (opnum != kOpEptLookup && opnum != kOpEptMap) return SendFault(call_id, kOpRangeError);
  if (options_.deny_lookup) return SendFault(call_id, kStatusAccessDenied);
  bool ok = true;
  std::vector<uint8_t> out = opnum == kOpEptLookup ? LookupStub(stub, ok) : MapStub(stub, ok);
  if (!ok) return SendFault(call_id, kBadStubData);
  std::vector<uint8_t> pdus = EncodeResponse(Framing(call_id), 0, out, xmit_frag_);
  output_.insert(output_.end(), pdus.begin(), pdus.end());
}

std::vector<uint8_t> EpmResponder::LookupStub(std::span<const uint8_t> request, bool& ok) {
  Result<LookupRequest> in = DecodeLookupRequest(request, request_order_);
  if (!in) {
    ok = false;
    return {};
  }
  ++lookups_;
  if (in->entry_handle.is_nil()) position_ = 0;
  size_t batch =
      std::min<size_t>({options_.batch_limit, in->max_ents, entries_.size() - position_});
  LookupResponse out;
  for (size_t i = 0; i < batch; ++i) {
    const EpmEntry& e = entries_[position_ + i];
    out.entries.push_back(
        LookupEntry{e.object, EncodeTower(e.interface, e.transfer, e.binding), e.annotation});
  }
  position_ += batch;
  bool exhausted = position_ >= entries_.size();
  if (options_.endless) {
    if (exhausted) position_ = 0;
    out.entry_handle = live_handle_;
  } else if (options_.end_of_list == EndOfList::kSambaDc) {
    // The DC answers a full batch with a live handle, and says "no more"
    // only when asked again and nothing is left.
    if (batch == 0) {
      out.status = kEptNoMoreEntries;
    } else {
      out.entry_handle = live_handle_;
    }
  } else if (exhausted) {
    bool windows = options_.end_of_list == EndOfList::kWindows;
    // Windows has no batch to end an empty listing with, and says "no more".
    out.status = windows && !entries_.empty() ? 0 : kEptNoMoreEntries;
  } else {
    out.entry_handle = live_handle_;
  }
  return EncodeLookupResponse(out, in->max_ents, options_.order);
}

std::vector<uint8_t> EpmResponder::MapStub(std::span<const uint8_t> request, bool& ok) {
  Result<MapRequest> in = DecodeMapRequest(request, request_order_);
  if (!in) {
    ok = false;
    return {};
  }
  DecodedTower wanted = DecodeTower(in->tower);
  MapResponse out;
  for (const EpmEntry& e : entries_) {
    if (out.towers.size() >= in->max_towers) break;
    if (e.interface.uuid == wanted.interface.uuid &&
        e.interface.version_major == wanted.interface.version_major &&
        e.binding.protocol == wanted.binding.protocol) {
      out.towers.push_back(EncodeTower(e.interface, e.transfer, e.binding));
    }
  }
  if (out.towers.empty()) out.status = kEptNoMoreEntries;
  return EncodeMapResponse(out, in->max_towers, options_.order);
}

void EpmResponder::SendFault(uint32_t call_id, uint32_t status) {
  FaultBody fault;
  fault.status = status;
  std::vector<uint8_t> pdu = EncodeFault(Framing(call_id), fault);
  output_.insert(output_.end(), pdu.begin(), pdu.end());
}

}  // namespace highport::rpc
