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

inline uint16_t Get16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap16(v);
  return v;
}

// A slot of a classic plan (FastPlan::classic): its width is known here, so
// the value is one load of exactly its bytes, which lie inside the record.
template <typename T>
inline uint64_t GetExact(const uint8_t* p, const FastPlan::Slot& s) {
  if constexpr (sizeof(T) == 1) return p[s.offset];
  if constexpr (sizeof(T) == 2) return Get16(p + s.offset);
  if constexpr (sizeof(T) == 4) return Get32(p + s.offset);
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
  // The widths of NetFlow v5 and of most v9 and IPFIX exporters (softflowd,
  // nprobe's defaults): each field one load of exactly its bytes.
  auto width = [](const FastPlan::Slot& s) { return s.width; };
  plan.classic = width(plan.src_port) == 2 && width(plan.dst_port) == 2 &&
                 width(plan.protocol) == 1 && width(plan.tcp_flags) == 1 &&
                 width(plan.packets) == 4 && width(plan.octets) == 4 &&
                 plan.first_kind == FastPlan::Time::kUptimeMs &&
                 plan.last_kind == FastPlan::Time::kUptimeMs && width(plan.first) == 4 &&
                 width(plan.last) == 4;
  plan.on = true;
  return plan;
}

namespace {

// A data set's records for ReadSet, and what is the same for all of them.
struct SetRecords {
  const FastPlan& plan;
  std::span<const uint8_t> records;  // n whole records, bounds checked
  size_t length;                     // of one record
  size_t first_at;                   // absolute offset of the first
  const PacketClock& clock;
  int64_t system_init_ms;
};

// ReadSet's kTime besides the FastPlan::Time values (both times of that kind):
inline constexpr int kAnyTime = -1;       // each time of its own kind, chosen per record
inline constexpr int kHeaderUptime = 100;  // both kUptimeMs, and the header has the uptime
inline constexpr int kInitUptime = 101;    // both kUptimeMs, IPFIX, systemInitTime known

// A slot's value: with kClassic one exact load of a T (the plan is classic,
// so the slot has that width), else Get's 8-byte load.
template <bool kClassic, typename T>
inline uint64_t Read(const uint8_t* r, const FastPlan::Slot& s) {
  if constexpr (kClassic) {
    return GetExact<T>(r, s);
  } else {
    return Get(r, s);
  }
}

// The records of a set into `obs`, one OnFlow each: what the general path
// (ReadRecord, ComputeTimes, FillObservation) makes of them.
template <bool kV6, int kTime, bool kClassic = false>
void ReadSet(const SetRecords& set, FlowObservation& obs,
                                            TrafficSink& sink) {
  // The plan by reference: each offset is loaded where it is used. A copy
  // kept them in registers that had to be saved around every OnFlow.
  const FastPlan& k = set.plan;
  const size_t length = set.length;
  const PacketClock& clock = set.clock;
  const int64_t system_init_ms = set.system_init_ms;
  const int64_t export_us =
      int64_t{clock.export_secs} * 1'000'000 + int64_t{clock.export_nsecs / 1000};
  const bool has_protocol = kClassic || k.protocol.width != 0;
  // Each slot of a plan that is not classic is read with an 8-byte load,
  // which may reach up to 7 bytes past its record: records that close to
  // the end of the set are copied into a buffer first, whose 8 bytes after
  // the record are zero. A classic plan reads inside its records only.
  std::array<uint8_t, FastPlan::kMaxRecord + 8> tail;
  const uint8_t* const end = set.records.data() + set.records.size();
  // Records from `direct` on are too close to the end to be read in place.
  const size_t n = set.records.size() / length;
  const size_t in_place = kClassic ? n : n - std::min(n, (length + 7) / length);
  const uint8_t* const direct = set.records.data() + in_place * length;
  const uint8_t* p = set.records.data();
  size_t at = set.first_at;
  for (; p != end; p += length, at += length) {
    const uint8_t* r = p;
    if (!kClassic && p >= direct) [[unlikely]] {
      std::memcpy(tail.data(), p, length);
      std::memset(tail.data() + length, 0, 8);
      r = tail.data();
    }
    if constexpr (kV6) {
      SetV6(obs.src.address, r + k.src_address);
      SetV6(obs.dst.address, r + k.dst_address);
    } else {
      obs.src.address.AssignV4(Get32(r + k.src_address));
      obs.dst.address.AssignV4(Get32(r + k.dst_address));
    }
    // The low byte of an integer of any width (a static_cast<uint8_t>).
    const auto protocol = static_cast<uint8_t>(Read<kClassic, uint8_t>(r, k.protocol));
    obs.ip_protocol = protocol;
    const bool ports = !has_protocol || protocol == 6 || protocol == 17;
    obs.src.proto = obs.dst.proto = protocol == 17 ? Proto::kUdp : Proto::kTcp;
    obs.src.port = ports ? static_cast<uint16_t>(Read<kClassic, uint16_t>(r, k.src_port)) : 0;
    obs.dst.port = ports ? static_cast<uint16_t>(Read<kClassic, uint16_t>(r, k.dst_port)) : 0;
    obs.tcp_flags = static_cast<uint8_t>(Read<kClassic, uint8_t>(r, k.tcp_flags));
    obs.packets = Read<kClassic, uint32_t>(r, k.packets);
    obs.bytes = Read<kClassic, uint32_t>(r, k.octets);
    int64_t first = export_us, last = export_us;
    if constexpr (kTime == kHeaderUptime) {
      // PlannedTime's kUptimeMs with clock.has_uptime, for both.
      const auto first_before = static_cast<int32_t>(
          clock.sys_uptime_ms - static_cast<uint32_t>(Read<kClassic, uint32_t>(r, k.first)));
      const auto last_before = static_cast<int32_t>(
          clock.sys_uptime_ms - static_cast<uint32_t>(Read<kClassic, uint32_t>(r, k.last)));
      first = export_us - int64_t{first_before} * 1000;
      last = export_us - int64_t{last_before} * 1000;
    } else if constexpr (kTime == kInitUptime) {
      // PlannedTime's kUptimeMs without clock.has_uptime, system_init_ms >= 0.
      first = (system_init_ms +
               int64_t{static_cast<uint32_t>(Read<kClassic, uint32_t>(r, k.first))}) * 1000;
      last = (system_init_ms +
              int64_t{static_cast<uint32_t>(Read<kClassic, uint32_t>(r, k.last))}) * 1000;
    } else if constexpr (kTime >= 0) {
      static_assert(!kClassic);
      constexpr auto kind = static_cast<FastPlan::Time>(kTime);
      first = PlannedTime(kind, Get(r, k.first), export_us, clock, system_init_ms);
      last = PlannedTime(kind, Get(r, k.last), export_us, clock, system_init_ms);
    } else {
      static_assert(!kClassic);
      if (k.first_kind != FastPlan::Time::kNone) {
        first = PlannedTime(k.first_kind, Get(r, k.first), export_us, clock, system_init_ms);
        last = first;
      }
      if (k.last_kind != FastPlan::Time::kNone) {
        last = PlannedTime(k.last_kind, Get(r, k.last), export_us, clock, system_init_ms);
        if (k.first_kind == FastPlan::Time::kNone) first = last;
      }
    }
    obs.first_us = first;
    obs.last_us = last;
    obs.source.offset = at;
    sink.OnFlow(obs);
  }
}

}  // namespace
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
  netflow::SetRecords set{plan, records, length, first_at, clock, system_init_ms};
  // The loop is compiled for the usual shapes (one address family, both
  // times of one kind, v9's uptime-relative times against the header's
  // uptime), so that no record asks again what the set already knows.
  using Time = FastPlan::Time;
  const bool same = plan.first_kind == plan.last_kind;
  const Time kind = plan.first_kind;
  if (same && kind == Time::kUptimeMs && clock.has_uptime && plan.classic) {
    plan.v6 ? netflow::ReadSet<true, netflow::kHeaderUptime, true>(set, obs, sink)
            : netflow::ReadSet<false, netflow::kHeaderUptime, true>(set, obs, sink);
  } else if (same && kind == Time::kUptimeMs && system_init_ms >= 0 && !clock.has_uptime &&
             plan.classic) {
    plan.v6 ? netflow::ReadSet<true, netflow::kInitUptime, true>(set, obs, sink)
            : netflow::ReadSet<false, netflow::kInitUptime, true>(set, obs, sink);
  } else if (same && kind == Time::kUptimeMs && clock.has_uptime) {
    plan.v6 ? netflow::ReadSet<true, netflow::kHeaderUptime>(set, obs, sink)
            : netflow::ReadSet<false, netflow::kHeaderUptime>(set, obs, sink);
  } else if (same && kind == Time::kUptimeMs && system_init_ms >= 0) {
    plan.v6 ? netflow::ReadSet<true, netflow::kInitUptime>(set, obs, sink)
            : netflow::ReadSet<false, netflow::kInitUptime>(set, obs, sink);
  } else if (same && kind == Time::kMs) {
    plan.v6 ? netflow::ReadSet<true, static_cast<int>(Time::kMs)>(set, obs, sink)
            : netflow::ReadSet<false, static_cast<int>(Time::kMs)>(set, obs, sink);
  } else if (same && kind == Time::kSec) {
    plan.v6 ? netflow::ReadSet<true, static_cast<int>(Time::kSec)>(set, obs, sink)
            : netflow::ReadSet<false, static_cast<int>(Time::kSec)>(set, obs, sink);
  } else {
    plan.v6 ? netflow::ReadSet<true, netflow::kAnyTime>(set, obs, sink)
            : netflow::ReadSet<false, netflow::kAnyTime>(set, obs, sink);
  }
  stats.records += n;
  stats.flows += n;
  return n;
}

}  // namespace highport::ingest
