// The decoder's entry points: recognising an export packet, and walking the
// sets of NetFlow v9 (RFC 3954 section 5) and IPFIX (RFC 7011 section 3)
// messages. Templates are in netflow_templates.cc, the elements in
// netflow_fields.cc, v5 in netflow_v5.cc, pending data, sequence numbers and
// findings in netflow_state.cc.
#include "ingest/netflow.h"

#include <algorithm>

#include <xxhash.h>

#include "fmt/format.h"
#include "ingest/netflow_internal.h"

namespace highport::ingest {
namespace {

constexpr size_t kV5Header = 24, kV5Record = 48, kV9Header = 20, kIpfixHeader = 16;

inline uint16_t Be16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

// The first set of a v9/IPFIX message, whose header is at `at` of `head`
// (checked to be there): a known kind, and a length that fits in `size`.
bool FirstSetFits(std::span<const uint8_t> head, size_t at, size_t size, uint16_t version) {
  const uint16_t id = Be16(head, at);
  const uint16_t length = Be16(head, at + 2);
  const bool known = id >= 256 || (version == 9 ? id <= 1 : (id == 2 || id == 3));
  return known && length >= 4 && length - 4u <= size - (at + 4);
}

}  // namespace

// Asked of every datagram of a known exporter before it is decoded: the
// cursor hands over the longest header asked about (v9's, and the first
// set's header) in one block, read at fixed offsets, not field by field.
bool LooksLikeNetflow(std::span<const uint8_t> payload) {
  constexpr size_t kHead = kV9Header + 4;
  ByteCursor c(payload, ByteOrder::kBig);
  const std::span<const uint8_t> head = c.Bytes(std::min(payload.size(), kHead), "header");
  if (head.size() < 4) return false;
  const size_t size = payload.size();
  const uint16_t version = Be16(head, 0);
  const uint16_t second = Be16(head, 2);
  switch (version) {
    case 5:
      // 1-30 records, and exactly that many (a capture may cut the last one).
      return second >= 1 && second <= 30 && size > kV5Header &&
             size <= kV5Header + kV5Record * second && size > kV5Header + kV5Record * (second - 1u);
    case 9:
      return head.size() >= kV9Header + 4 && FirstSetFits(head, kV9Header, size, 9);
    case 10:
      // The message length is the UDP payload, or more when the capture cut it.
      return second >= kIpfixHeader + 4 && second >= size && head.size() >= kIpfixHeader + 4 &&
             FirstSetFits(head, kIpfixHeader, size, 10);
    default:
      return false;
  }
}

bool ClaimsNetflowVersion(std::span<const uint8_t> payload) {
  if (payload.size() < 2) return false;
  const uint16_t version = Be16(payload, 0);
  return version == 5 || version == 9 || version == 10;
}

NetflowDecoder::NetflowDecoder(NetflowLimits limits) : state_(std::make_unique<State>()) {
  state_->limits = limits;
}
NetflowDecoder::~NetflowDecoder() = default;
NetflowDecoder::NetflowDecoder(NetflowDecoder&&) noexcept = default;
NetflowDecoder& NetflowDecoder::operator=(NetflowDecoder&&) noexcept = default;

const NetflowStats& NetflowDecoder::stats() const { return state_->stats; }

void NetflowDecoder::set_remembered(RememberedTemplates* remembered) {
  state_->remembered = remembered ? remembered->entries_.get() : nullptr;
}

RememberedTemplates::RememberedTemplates() : entries_(std::make_unique<Entries>()) {}
RememberedTemplates::~RememberedTemplates() = default;
size_t RememberedTemplates::size() const { return entries_->templates.size(); }

std::vector<StoredTemplate> RememberedTemplates::DefinedIn(std::string_view file) const {
  std::vector<StoredTemplate> out;
  for (const auto& [at, entry] : entries_->templates) {
    if (entry.file != file) continue;
    StoredTemplate& s = out.emplace_back();
    s.exporter = at.first;
    s.key = at.second;
    s.options = entry.t.options;
    ByteWriter w(ByteOrder::kBig);
    for (const netflow::FieldSpec& f : entry.t.specs) {
      w.U32(f.enterprise);
      w.U16(f.element);
      w.U16(f.length);
    }
    s.fields = w.Take();
    s.defined_us = entry.defined_us;
  }
  return out;
}

std::vector<StoredTemplate> RememberedTemplates::WithdrawnIn(std::string_view file) const {
  std::vector<StoredTemplate> out;
  auto it = entries_->withdrawn.find(file);
  if (it == entries_->withdrawn.end()) return out;
  for (const auto& [exporter, key] : it->second) {
    StoredTemplate& s = out.emplace_back();
    s.exporter = exporter;
    s.key = key;
  }
  return out;
}

bool RememberedTemplates::Restore(const StoredTemplate& stored, std::string file) {
  if (stored.fields.size() % 8 != 0 || entries_->templates.size() >= netflow::kMaxTemplatesTotal) {
    return false;
  }
  std::vector<netflow::FieldSpec> specs;
  ByteCursor c(stored.fields, ByteOrder::kBig);
  while (!c.empty()) {
    netflow::FieldSpec& f = specs.emplace_back();
    f.enterprise = c.U32("enterprise");
    f.element = c.U16("element");
    f.length = c.U16("length");
  }
  netflow::Template t;
  const auto id = static_cast<uint16_t>(stored.key & 0xffff);
  if (id < 256 || !netflow::CompileTemplate(id, stored.options, specs, t).empty()) return false;
  t.specs = std::move(specs);
  entries_->templates[{stored.exporter, stored.key}] = {std::move(t), std::move(file), stored.defined_us};
  return true;
}

void NetflowDecoder::Decode(const Endpoint& exporter, std::span<const uint8_t> payload,
                            int64_t arrival_us, const SourceRef& where, TrafficSink& sink,
                            Diagnostics& diagnostics) {
  State& s = *state_;
  ++s.stats.packets;
  ByteCursor c(payload, ByteOrder::kBig);
  const uint16_t version = c.U16("version");
  if (!c.ok() || (version != 5 && version != 9 && version != 10)) {
    ++s.stats.malformed;
    s.Report(diagnostics, Finding::Severity::kWarning, "netflow.bad_version", where, 0,
             c.ok() ? fmt::format("version {} is not NetFlow v5, v9 or IPFIX (10)", version)
                    : c.ErrorText());
    return;
  }
  // A datagram too short for its version's header makes no exporter: junk
  // from a thousand spoofed sources must not fill the exporter cap.
  const size_t header = version == 5 ? kV5Header : version == 9 ? kV9Header : kIpfixHeader;
  if (payload.size() < header) {
    ++s.stats.malformed;
    s.Report(diagnostics, Finding::Severity::kWarning, "netflow.truncated_header", where, 0,
             fmt::format("{} header: {} byte(s), {} needed",
                         version == 5 ? "NetFlow v5" : version == 9 ? "NetFlow v9" : "IPFIX",
                         payload.size(), header));
    return;
  }
  netflow::Exporter* ex = s.FindOrAddExporter(exporter, where, diagnostics);
  if (ex == nullptr) return;
  ex->last_heard_us = arrival_us;
  s.now_us = arrival_us;
  // An exporter never sends the same datagram twice (its sequence number
  // moves on with each), but a mirror port that sees the export on its way
  // in and out copies each one twice: a repeat counts once.
  const uint64_t hash = XXH3_64bits(payload.data(), payload.size());
  if (hash == ex->last_hash && payload.size() == ex->last_size) {
    ++s.stats.repeated;
    s.Report(diagnostics, Finding::Severity::kNote, "netflow.repeated_datagram", where, 0,
             "the same bytes as this exporter's previous datagram (a mirror port's copy?): "
             "read once");
    return;
  }
  ex->last_hash = hash;
  ex->last_size = payload.size();
  s.ExpirePending(*ex, arrival_us, diagnostics);
  if (version == 5) {
    s.DecodeV5(*ex, c, where, sink, diagnostics);
  } else {
    s.DecodeTemplated(*ex, static_cast<uint8_t>(version), c, payload.size(), arrival_us, where,
                      sink, diagnostics);
  }
}

void NetflowDecoder::State::DecodeTemplated(netflow::Exporter& ex, uint8_t version,
                                            ByteCursor& c, size_t payload_size,
                                            int64_t arrival_us, const SourceRef& where,
                                            TrafficSink& sink, Diagnostics& d) {
  const bool ipfix = version == 10;
  netflow::PacketClock clock;
  clock.version = version;
  const uint16_t length = c.U16(ipfix ? "length" : "count");
  if (!ipfix) {
    clock.has_uptime = true;
    clock.sys_uptime_ms = c.U32("sys_uptime");
  }
  clock.export_secs = c.U32(ipfix ? "export_time" : "unix_secs");
  const uint32_t sequence = c.U32("sequence_number");
  const uint32_t domain = c.U32(ipfix ? "observation_domain_id" : "source_id");
  if (!c.ok()) {
    ++stats.malformed;
    Report(d, Finding::Severity::kWarning, "netflow.truncated_header", where, 0,
           fmt::format("{} header: {}", ipfix ? "IPFIX" : "NetFlow v9", c.ErrorText()));
    return;
  }
  if (ipfix) {
    exporter_boot_us = INT64_MIN;  // IPFIX tells no uptime
    // The message length counts the header; the message may not be all of
    // the UDP payload, and a capture may have cut it.
    if (length < kIpfixHeader) {
      ++stats.malformed;
      Report(d, Finding::Severity::kWarning, "netflow.bad_length", where, 2,
             fmt::format("IPFIX message length {} is shorter than its header", length));
      return;
    }
    if (length > payload_size) {
      ++stats.malformed;
      Report(d, Finding::Severity::kWarning, "netflow.truncated_message", where, 2,
             fmt::format("IPFIX message length {}, but the packet has {} bytes", length,
                         payload_size));
    } else {
      c.Limit(length - kIpfixHeader, "message");
    }
  } else {
    exporter_boot_us = int64_t{clock.export_secs} * 1'000'000 - int64_t{clock.sys_uptime_ms} * 1000;
    RestartedExporter(ex, domain, clock.sys_uptime_ms, sequence, where, d);
    SequenceCheck(ex, version, domain, sequence, 1, true, where, sink, d);
  }

  netflow::PendingPacket held;
  uint64_t data_records = 0, flow_records = 0;
  bool records_known = true;
  size_t defined = 0;
  while (c.remaining() >= 4) {
    const size_t at = c.offset();
    const uint16_t set_id = c.U16("set_id");
    const uint16_t set_length = c.U16("set_length");
    if (set_length < 4) {
      ++stats.malformed;
      Report(d, Finding::Severity::kWarning, "netflow.truncated_flowset", where, at,
             fmt::format("set {}: length {} is shorter than the set header", set_id, set_length));
      records_known = false;
      break;
    }
    ByteCursor body = c.Sub(set_length - 4u, "set body");
    if (!c.ok()) {
      ++stats.malformed;
      Report(d, Finding::Severity::kWarning, "netflow.truncated_flowset", where, at,
             fmt::format("set {}: {}", set_id, c.ErrorText()));
      records_known = false;
      break;
    }
    const bool template_set = ipfix ? (set_id == 2 || set_id == 3) : set_id <= 1;
    if (template_set) {
      defined += ReadTemplateSet(ex, version, domain, set_id, body, where, d);
      continue;
    }
    if (set_id < 256) {
      Report(d, Finding::Severity::kNote, "netflow.reserved_set", where, at,
             fmt::format("set id {} is reserved; skipped", set_id));
      continue;
    }
    const uint64_t key = netflow::TemplateKey(version, domain, set_id);
    auto it = ex.templates.find(key);
    if (it == ex.templates.end() && Recall(ex, key, where, at, d)) it = ex.templates.find(key);
    if (it != ex.templates.end()) {
      const uint64_t n = DecodeDataSet(ex, it->second, domain, body, clock, where, sink, d);
      data_records += n;
      if (!it->second.options) flow_records += n;
      continue;
    }
    // Data before its template: held (a copy of the set) until the template
    // comes, within the limits; ExpirePending and Finish report what never
    // found one.
    ++stats.unknown_template;
    records_known = false;
    held.sets.push_back(netflow::PendingSet{key, domain, body.offset(),
                                            std::vector<uint8_t>(body.rest().begin(),
                                                                 body.rest().end())});
  }
  if (ipfix) {
    IpfixSequenceCheck(ex, domain, sequence, data_records, flow_records, records_known, where,
                       sink, d);
  }
  if (!held.sets.empty()) {
    held.clock = clock;
    held.arrival_us = arrival_us;
    held.where = where;
    HoldPending(ex, std::move(held), d);
  }
  // A template later in this packet, or in this one for data held earlier.
  if (defined > 0 && !ex.pending.empty()) DecodePending(ex, sink, d);
}

void NetflowDecoder::State::NoteUptimeWithoutInitTime(netflow::Domain* dom, uint16_t template_id,
                                                     Diagnostics& d, const SourceRef& where,
                                                     size_t offset) {
  if (dom == nullptr || dom->warned_init_time) return;
  dom->warned_init_time = true;
  Report(d, Finding::Severity::kNote, "netflow.uptime_without_init_time", where, offset,
         fmt::format("template {} gives flow times relative to the exporter's uptime, but the "
                     "exporter never sent systemInitTimeMilliseconds: the export time is used "
                     "instead",
                     template_id));
}

uint64_t NetflowDecoder::State::DecodeDataSet(netflow::Exporter& ex, const netflow::Template& t,
                                              uint32_t domain, ByteCursor body,
                                              const netflow::PacketClock& clock,
                                              const SourceRef& where, TrafficSink& sink,
                                              Diagnostics& d) {
  netflow::Domain* dom = FindOrAddDomain(ex, netflow::DomainKey(clock.version, domain));
  const int64_t system_init_ms = dom != nullptr ? dom->system_init_ms : -1;
  SetSource(where);
  if (t.plan.on && limits.compiled_plans) return DecodePlanned(t, dom, body, clock, where, sink, d);
  uint64_t n = 0;
  // What is left when a record no longer fits is padding (RFC 3954 section
  // 5.3, RFC 7011 section 3.3.1: shorter than the shortest record).
  while (body.remaining() >= t.min_length) {
    const size_t at = body.offset();
    raw.present = 0;
    if (!netflow::ReadRecord(t, body, raw)) {
      ++stats.malformed;
      Report(d, Finding::Severity::kWarning, "netflow.truncated_record", where, at,
             fmt::format("template {}: {}", t.id, body.ErrorText()));
      break;
    }
    ++n;
    ++stats.records;
    if (t.options) {
      // Options data (sampler, interface and exporter tables): remembered
      // where it helps to read time, never turned into flows.
      ++stats.options_records;
      if (dom != nullptr && raw.has(netflow::Field::kSamplingInterval)) {
        NoteSampling(ex, *dom, raw.get(netflow::Field::kSamplingInterval), where, at, d);
      }
      if (dom != nullptr && raw.has(netflow::Field::kSystemInitMs)) {
        dom->system_init_ms =
            static_cast<int64_t>(raw.get(netflow::Field::kSystemInitMs) & netflow::kMaxExportedMs);
      }
      continue;
    }
    if (!t.flow_like) continue;
    netflow::RecordTimes times = netflow::ComputeTimes(raw, clock, system_init_ms);
    if (times.needed_init_time) NoteUptimeWithoutInitTime(dom, t.id, d, where, at);
    if (!netflow::FillObservation(raw, times, obs)) continue;
    obs.source.offset = at;
    sink.OnFlow(obs);
    ++stats.flows;
  }
  return n;
}

}  // namespace highport::ingest
