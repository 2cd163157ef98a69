// The fast path for data sets: a template compiled into a FastPlan (fixed
// offsets and widths of the fields that matter) when it arrives, and the
// records of a set read with fixed loads after one bounds check for the
// whole set. It must give exactly what the general path (ReadRecord,
// ComputeTimes, FillObservation) gives; netflow_test.cc holds the two equal
// over the fixtures and random templates. Anything the plan does not cover
// goes the general way.
#include <array>
#include <bit>
#include <cstring>

#include "fmt/format.h"
#include "ingest/netflow_internal.h"

namespace highport::ingest {
namespace netflow {
namespace {

constexpr int64_t kNtpToUnixSeconds = 2'208'988'800;  // as in netflow_fields.cc

// The value of a slot in the record at `p`; the caller has checked that the
// 8 bytes from p + offset are there (FastPlan::Slot).
inline uint64_t Get(const uint8_t* p, const FastPlan::Slot& s) {
  uint64_t v;
  std::memcpy(&v, p + s.offset, 8);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return (v >> s.shift) & s.mask;
}

inline uint32_t Get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  return v;
}

int64_t NtpToUnixUs(uint64_t ntp) {
  int64_t secs = static_cast<int64_t>(ntp >> 32);
  if (secs < kNtpToUnixSeconds) secs += int64_t{1} << 32;
  uint64_t frac_us = ((ntp & 0xffffffffu) * 1'000'000u) >> 32;
  return (secs - kNtpToUnixSeconds) * 1'000'000 + static_cast<int64_t>(frac_us);
}

// The time a record says, as OneTime in netflow_fields.cc computes it.
inline int64_t PlannedTime(FastPlan::Time kind, uint64_t v, int64_t export_us,
                           const PacketClock& clock, int64_t system_init_ms) {
  switch (kind) {
    case FastPlan::Time::kMs: return static_cast<int64_t>(v & netflow::kMaxExportedMs) * 1000;
    case FastPlan::Time::kNtp: return NtpToUnixUs(v);
    case FastPlan::Time::kSec: return static_cast<int64_t>(v & 0xffffffffffu) * 1'000'000;
    case FastPlan::Time::kDeltaUs: return export_us - static_cast<int64_t>(v & 0xffffffffu);
    case FastPlan::Time::kUptimeMs: {
      auto at = static_cast<uint32_t>(v);
      if (clock.has_uptime) {
        auto before = static_cast<int32_t>(clock.sys_uptime_ms - at);
        return export_us - int64_t{before} * 1000;
      }
      if (system_init_ms >= 0) return (system_init_ms + int64_t{at}) * 1000;
      return export_us;
    }
    case FastPlan::Time::kNone: break;
  }
  return export_us;
}

inline void SetV6(IpAddress& out, const uint8_t* p) {
  std::array<uint8_t, 16> bytes;
  std::memcpy(bytes.data(), p, 16);
  out.AssignV6(bytes);
}

// Where the field `f` is in a plan, or nullptr when the plan has no slot for it.
FastPlan::Slot* SlotOf(FastPlan& plan, Field f) {
  switch (f) {
    case Field::kSrcPort: return &plan.src_port;
    case Field::kDstPort: return &plan.dst_port;
    case Field::kProtocol: return &plan.protocol;
    case Field::kTcpFlags: return &plan.tcp_flags;
    default: return nullptr;
  }
}

}  // namespace

FastPlan CompilePlan(const Template& t) {
  FastPlan plan;
  if (t.options || t.variable || !t.flow_like || t.min_length > FastPlan::kMaxRecord) {
    return plan;
  }
  // The last of a field that appears twice wins, as in the general path.
  FastPlan::Slot at[static_cast<size_t>(Field::kCount)] = {};
  uint32_t offset = 0;
  for (const FieldOp& op : t.ops) {
    if (op.field != Field::kSkip) {
      if (op.length < 1 || (op.length > 8 && op.length != 16)) return plan;  // not classified so
      FastPlan::Slot& slot = at[static_cast<size_t>(op.field)];
      slot.offset = static_cast<uint16_t>(offset);
      slot.width = static_cast<uint8_t>(op.length);
      slot.shift = op.length <= 8 ? static_cast<uint8_t>(64 - 8 * op.length) : 0;
      slot.mask = ~uint64_t{0};
    }
    offset += op.length;
  }
  auto has = [&](Field f) { return at[static_cast<size_t>(f)].width != 0; };
  auto slot = [&](Field f) { return at[static_cast<size_t>(f)]; };
  // What the general path reads with rules of its own.
  for (Field f : {Field::kReversePackets, Field::kReverseOctets, Field::kReverseTcpFlags,
                  Field::kInitiatorOctets, Field::kResponderOctets, Field::kInitiatorPackets,
                  Field::kResponderPackets, Field::kBiflowDirection, Field::kSystemInitMs}) {
    if (has(f)) return plan;
  }
  const bool v4 = has(Field::kSrcV4) && has(Field::kDstV4);
  const bool v6 = has(Field::kSrcV6) && has(Field::kDstV6);
  if (v4 == v6) return plan;  // both families (read per record), or neither pair
  plan.v6 = v6;
  plan.src_address = slot(v6 ? Field::kSrcV6 : Field::kSrcV4).offset;
  plan.dst_address = slot(v6 ? Field::kDstV6 : Field::kDstV4).offset;
  for (Field f : {Field::kSrcPort, Field::kDstPort, Field::kProtocol, Field::kTcpFlags}) {
    *SlotOf(plan, f) = slot(f);
  }
  plan.packets = has(Field::kPacketDelta) ? slot(Field::kPacketDelta) : slot(Field::kPacketTotal);
  plan.octets = has(Field::kOctetDelta) ? slot(Field::kOctetDelta) : slot(Field::kOctetTotal);
  auto time = [&](FastPlan::Slot& out, FastPlan::Time& kind,
                  std::initializer_list<std::pair<Field, FastPlan::Time>> order) {
    for (const auto& [field, k] : order) {
      if (has(field)) {
        out = slot(field);
        kind = k;
        return;
      }
    }
  };
  time(plan.first, plan.first_kind,
       {{Field::kStartMs, FastPlan::Time::kMs},
        {Field::kStartNtp, FastPlan::Time::kNtp},
        {Field::kStartSec, FastPlan::Time::kSec},
        {Field::kStartDeltaUs, FastPlan::Time::kDeltaUs},
        {Field::kStartUptimeMs, FastPlan::Time::kUptimeMs}});
  time(plan.last, plan.last_kind,
       {{Field::kEndMs, FastPlan::Time::kMs},
        {Field::kEndNtp, FastPlan::Time::kNtp},
        {Field::kEndSec, FastPlan::Time::kSec},
        {Field::kEndDeltaUs, FastPlan::Time::kDeltaUs},
        {Field::kEndUptimeMs, FastPlan::Time::kUptimeMs}});
  plan.on = true;
  return plan;
}

}  // namespace netflow

uint64_t NetflowDecoder::State::DecodePlanned(const netflow::Template& t,
                                              netflow::Domain* dom, ByteCursor& body,
                                              const netflow::PacketClock& clock,
                                              const SourceRef& where, TrafficSink& sink,
                                              Diagnostics& d) {
  using netflow::FastPlan;
  const FastPlan& plan = t.plan;
  const size_t length = t.min_length;
  const size_t n = body.remaining() / length;
  const size_t first_at = body.offset();
  // One bounds check for the whole set; what is left after it is padding.
  std::span<const uint8_t> records = body.Bytes(n * length, "records");
  if (records.size() != n * length) return 0;  // cannot happen: n was taken from what is left
  const int64_t system_init_ms = dom != nullptr ? dom->system_init_ms : -1;
  const int64_t export_us =
      int64_t{clock.export_secs} * 1'000'000 + int64_t{clock.export_nsecs / 1000};
  const bool uptime_without_init =
      (plan.first_kind == FastPlan::Time::kUptimeMs ||
       plan.last_kind == FastPlan::Time::kUptimeMs) &&
      !clock.has_uptime && system_init_ms < 0;
  if (n > 0 && uptime_without_init) NoteUptimeWithoutInitTime(dom, t.id, d, where, first_at);
  // What is the same for every record of the set.
  obs.connections = 1;
  obs.action = TrafficAction::kObserved;
  obs.initiator = Initiator::kUnknown;
  obs.initiator_evidence = InitiatorEvidence::kNone;
  obs.one_direction = true;
  // A copy the compiler can keep apart from what the sink might change.
  const FastPlan k = plan;
  const bool has_protocol = k.protocol.width != 0;
  // Each slot is read with an 8-byte load, which may reach up to 7 bytes
  // past its record: records that close to the end of the set are copied
  // into a zero-padded buffer first.
  std::array<uint8_t, FastPlan::kMaxRecord + 8> tail{};
  const uint8_t* const end = records.data() + records.size();
  const uint8_t* p = records.data();
  for (size_t i = 0; i < n; ++i, p += length) {
    const uint8_t* r = p;
    if (static_cast<size_t>(end - p) < length + 8) {
      std::memcpy(tail.data(), p, length);
      r = tail.data();
    }
    if (k.v6) {
      netflow::SetV6(obs.src.address, r + k.src_address);
      netflow::SetV6(obs.dst.address, r + k.dst_address);
    } else {
      obs.src.address.AssignV4(netflow::Get32(r + k.src_address));
      obs.dst.address.AssignV4(netflow::Get32(r + k.dst_address));
    }
    // The low byte of an integer of any width (a static_cast<uint8_t>).
    const auto protocol = static_cast<uint8_t>(netflow::Get(r, k.protocol));
    obs.ip_protocol = protocol;
    const bool ports = !has_protocol || protocol == 6 || protocol == 17;
    obs.src.proto = obs.dst.proto = protocol == 17 ? Proto::kUdp : Proto::kTcp;
    obs.src.port = ports ? static_cast<uint16_t>(netflow::Get(r, k.src_port)) : 0;
    obs.dst.port = ports ? static_cast<uint16_t>(netflow::Get(r, k.dst_port)) : 0;
    obs.tcp_flags = static_cast<uint8_t>(netflow::Get(r, k.tcp_flags));
    obs.packets = netflow::Get(r, k.packets);
    obs.bytes = netflow::Get(r, k.octets);
    int64_t first = export_us, last = export_us;
    if (k.first_kind != FastPlan::Time::kNone) {
      first = netflow::PlannedTime(k.first_kind, netflow::Get(r, k.first), export_us, clock,
                                   system_init_ms);
      last = first;
    }
    if (k.last_kind != FastPlan::Time::kNone) {
      last = netflow::PlannedTime(k.last_kind, netflow::Get(r, k.last), export_us, clock,
                                  system_init_ms);
      if (k.first_kind == FastPlan::Time::kNone) first = last;
    }
    obs.first_us = first;
    obs.last_us = last;
    obs.source.offset = first_at + i * length;
    sink.OnFlow(obs);
  }
  stats.records += n;
  stats.flows += n;
  return n;
}

}  // namespace highport::ingest
