// What the decoder remembers between packets: exporters and their
// observation domains, sequence numbers, data waiting for its template, and
// how many findings of each kind were reported.
#include <algorithm>

#include "fmt/format.h"
#include "ingest/netflow_internal.h"

namespace highport::ingest {

size_t netflow::PendingPacket::bytes() const {
  size_t n = 0;
  for (const PendingSet& s : sets) n += s.body.size();
  return n;
}

void NetflowDecoder::State::Report(Diagnostics& d, Finding::Severity severity, std::string_view id,
                                   const SourceRef& where, size_t offset, std::string reason) {
  auto it = findings_per_id.find(id);
  if (it == findings_per_id.end()) it = findings_per_id.emplace(std::string(id), 0).first;
  if (++it->second > netflow::kMaxFindingsPerId) return;  // counted; Finish says how many
  Finding f;
  f.severity = severity;
  f.id = std::string(id);
  f.where = where;
  f.where.offset = offset;
  f.reason = std::move(reason);
  d.Report(std::move(f));
}

void NetflowDecoder::State::SetSource(const SourceRef& where) {
  if (obs.source.file != where.file) obs.source.file = where.file;  // once per input file
  obs.source.line = where.line;
  obs.source.packet = where.packet;
}

netflow::Exporter* NetflowDecoder::State::FindOrAddExporter(const Endpoint& e,
                                                            const SourceRef& where,
                                                            Diagnostics& d) {
  // Captures hold one exporter or a few, mostly in runs: the last one is
  // asked first (map nodes stay put, and exporters are never removed).
  if (last_exporter != nullptr && last_exporter->first == e) return &last_exporter->second;
  auto it = exporters.find(e);
  if (it != exporters.end()) {
    last_exporter = &*it;
    return &it->second;
  }
  if (exporters.size() >= limits.max_exporters) {
    // The longest silent exporter that holds nothing a later datagram needs
    // (no template, no data waiting) makes room: one that sends from a new
    // port each time, or junk from spoofed sources, must not lock out the
    // routers that come after it.
    auto silent = exporters.end();
    for (auto at = exporters.begin(); at != exporters.end(); ++at) {
      const netflow::Exporter& x = at->second;
      if (!x.templates.empty() || !x.pending.empty()) continue;
      if (silent == exporters.end() || x.last_heard_us < silent->second.last_heard_us) silent = at;
    }
    if (silent != exporters.end()) {
      if (last_exporter == &*silent) last_exporter = nullptr;
      exporters.erase(silent);
      ++stats.exporters_forgotten;
    }
  }
  if (exporters.size() >= limits.max_exporters) {
    ++stats.exporters_dropped;
    Report(d, Finding::Severity::kWarning, "netflow.too_many_exporters", where, 0,
           fmt::format("packet from {} dropped: {} exporters known already", e.ToString(),
                       exporters.size()));
    return nullptr;
  }
  netflow::Exporter& fresh = exporters[e];
  fresh.endpoint = e;
  return &fresh;
}

bool NetflowDecoder::State::RestartedExporter(netflow::Exporter& ex, uint32_t domain,
                                              uint32_t sys_uptime_ms, uint32_t sequence,
                                              const SourceRef& where, Diagnostics& d) {
  netflow::Domain* dom = FindOrAddDomain(ex, netflow::DomainKey(9, domain));
  if (dom == nullptr) return false;
  const int64_t before = dom->last_uptime_ms;
  dom->last_uptime_ms = sys_uptime_ms;
  // (Datagrams out of order go back by milliseconds, not a minute.)
  constexpr int64_t kBackMs = 60'000;
  if (before < 0 || int64_t{sys_uptime_ms} + kBackMs >= before) return false;
  // Not a restart: the uptime's 32 bits wrapping after 49.7 days (it goes
  // from near the top to near 0), or packets that go on numbering where
  // the last one left off (a restarted exporter begins its numbers again).
  constexpr int64_t kWrapMs = 600'000;
  if (before > int64_t{UINT32_MAX} - kWrapMs && sys_uptime_ms < kWrapMs) return false;
  if (dom->have_sequence && sequence == dom->next_sequence) return false;
  ++stats.restarts;
  const uint64_t first = netflow::TemplateKey(9, domain, 0);
  const uint64_t last = netflow::TemplateKey(9, domain, 0xffff);
  const size_t forgotten = std::erase_if(
      ex.templates, [&](const auto& kv) { return kv.first >= first && kv.first <= last; });
  templates_total -= forgotten;
  if (remembered != nullptr) {
    std::vector<uint64_t> keys;
    for (const auto& [at, entry] : remembered->templates) {
      if (at.first == ex.endpoint && at.second >= first && at.second <= last) keys.push_back(at.second);
    }
    for (const uint64_t key : keys) remembered->Withdraw(ex.endpoint, key, where.file);
  }
  dom->have_sequence = false;
  dom->system_init_ms = -1;
  Report(d, Finding::Severity::kNote, "netflow.exporter_restarted", where, 4,
         fmt::format("exporter {} source id {} restarted (its uptime went back from {} s to {} s): "
                     "its {} template(s) are forgotten, its data waits for the new ones",
                     ex.endpoint.ToString(), domain, before / 1000, sys_uptime_ms / 1000,
                     forgotten));
  return true;
}

void NetflowDecoder::State::NoteSampling(netflow::Exporter& ex, netflow::Domain& dom,
                                         uint64_t interval, const SourceRef& where, size_t offset,
                                         Diagnostics& d) {
  dom.sampling_interval = interval;
  if (interval <= 1 || dom.told_sampling) return;
  dom.told_sampling = true;
  Report(d, Finding::Severity::kNote, "netflow.sampled", where, offset,
         fmt::format("exporter {} samples 1 packet in {}: its packets and bytes are those of the "
                     "sampled packets, not scaled up, and connections none of whose packets was "
                     "sampled are missing",
                     ex.endpoint.ToString(), interval));
}

netflow::Domain* NetflowDecoder::State::FindOrAddDomain(netflow::Exporter& ex, uint64_t key) {
  auto it = ex.domains.find(key);
  if (it != ex.domains.end()) return &it->second;
  if (ex.domains.size() >= netflow::kMaxDomainsPerExporter) return nullptr;  // no sequence state
  return &ex.domains[key];
}

void NetflowDecoder::State::SequenceCheck(netflow::Exporter& ex, uint8_t version, uint32_t domain,
                                          uint32_t sequence, uint64_t advance, bool advance_known,
                                          const SourceRef& where, TrafficSink& sink,
                                          Diagnostics& d) {
  netflow::Domain* dom = FindOrAddDomain(ex, netflow::DomainKey(version, domain));
  if (dom == nullptr) return;
  if (dom->have_sequence && sequence != dom->next_sequence) {
    ReportGap(ex, version, domain, sequence, dom->next_sequence, where, sink, d);
  }
  dom->have_sequence = advance_known;
  dom->next_sequence = sequence + static_cast<uint32_t>(advance);
}

// RFC 7011 section 3.1 (as corrected by erratum 4396) and section 10.3.2:
// the sequence number counts the Data Records, options data included, sent
// before this message. softflowd (1.1.0, in Debian 12) writes the count up
// to and including this message's flow records, leaving its options data
// record out: each number is the previous one plus the message's own flow
// records, and the RFC reading finds records "lost" wherever two messages
// in a row carry different counts (its template refreshes, every 16th
// message). An exporter whose numbers fit that reading exactly where they
// do not fit the RFC's is read its way from then on (so a real loss is
// still found and counted right), and a note says so once; should its
// numbers fit the RFC reading again later, that one is used again.
void NetflowDecoder::State::IpfixSequenceCheck(netflow::Exporter& ex, uint32_t domain,
                                               uint32_t sequence, uint64_t records, uint64_t own,
                                               bool known, const SourceRef& where,
                                               TrafficSink& sink, Diagnostics& d) {
  netflow::Domain* dom = FindOrAddDomain(ex, netflow::DomainKey(10, domain));
  if (dom == nullptr) return;
  const uint32_t own_expected = dom->last_sequence + static_cast<uint32_t>(own);
  if (dom->have_sequence && dom->counts_own_records) {
    if (known && sequence != own_expected) {
      if (sequence == dom->next_sequence) {
        dom->counts_own_records = false;
      } else {
        ReportGap(ex, 10, domain, sequence, own_expected, where, sink, d);
      }
    }
  } else if (dom->have_sequence && sequence != dom->next_sequence) {
    if (known && own > 0 && sequence == own_expected) {
      dom->counts_own_records = true;
      if (!dom->told_own_records) {
        dom->told_own_records = true;
        Report(d, Finding::Severity::kNote, "netflow.sequence_counts_own_records", where, 8,
               fmt::format("sequence {} is the previous one, {}, plus this message's {} flow "
                           "records: the exporter counts each message's own records (as "
                           "softflowd does), where RFC 7011 counts the records before the "
                           "message; read that way, nothing was lost (domain {})",
                           sequence, dom->last_sequence, own, domain));
      }
    } else {
      ReportGap(ex, 10, domain, sequence, dom->next_sequence, where, sink, d);
    }
  }
  dom->have_sequence = known;
  dom->last_sequence = sequence;
  dom->next_sequence = sequence + static_cast<uint32_t>(records);
}

void NetflowDecoder::State::ReportGap(const netflow::Exporter& ex, uint8_t version, uint32_t domain,
                                      uint32_t sequence, uint32_t expected,
                                      const SourceRef& where, TrafficSink& sink, Diagnostics& d) {
  // Ahead by less than half the space: records were lost. Behind: a
  // reordered packet or a restarted exporter; start again from here.
  const uint32_t missing = sequence - expected;
  if (missing >= 0x80000000u) return;
  ++stats.sequence_gaps;
  const size_t field_at = version == 5 ? 16 : version == 9 ? 12 : 8;
  // v5 counts flow records, IPFIX data records: the loss is known. v9
  // counts export packets, whose records are unknown.
  std::string_view unit = version == 5    ? "flow records"
                          : version == 10 ? "data records"
                                          : "export packets";
  // (v9's lost packets count among the lost events too: how many records
  // they held is unknown, but that the picture is incomplete is not.)
  SourceRef at = where;
  at.offset = field_at;
  sink.OnLostEvents(missing, at);
  Report(d, Finding::Severity::kWarning, "netflow.sequence_gap", where, field_at,
         fmt::format("sequence {} where {} was expected: {} {} lost (exporter {}, domain {})",
                     sequence, expected, missing, unit, ex.endpoint.ToString(), domain));
}

void NetflowDecoder::State::HoldPending(netflow::Exporter& ex, netflow::PendingPacket held,
                                        Diagnostics& d) {
  const size_t bytes = held.bytes();
  if (limits.max_pending_packets_per_exporter == 0 ||
      pending_bytes + bytes > netflow::kMaxPendingBytesTotal) {
    pending_bytes += bytes;  // DropPending takes it off again
    DropPending(held, "no room to hold it until its template comes", d);
    return;
  }
  while (ex.pending.size() >= limits.max_pending_packets_per_exporter) {
    DropPending(ex.pending.front(), "newer data took its place while waiting for the template",
                d);
    ex.pending.pop_front();
  }
  stats.pending += held.sets.size();
  pending_bytes += bytes;
  ex.pending.push_back(std::move(held));
}

void NetflowDecoder::State::DecodePending(netflow::Exporter& ex, TrafficSink& sink,
                                          Diagnostics& d) {
  for (netflow::PendingPacket& p : ex.pending) {
    std::erase_if(p.sets, [&](const netflow::PendingSet& s) {
      auto it = ex.templates.find(s.template_key);
      if (it == ex.templates.end()) return false;
      ByteCursor body(s.body, ByteOrder::kBig, s.offset);
      DecodeDataSet(ex, it->second, s.domain, body, p.clock, p.where, sink, d);
      pending_bytes -= s.body.size();
      return true;
    });
  }
  std::erase_if(ex.pending, [](const netflow::PendingPacket& p) { return p.sets.empty(); });
}

void NetflowDecoder::State::ExpirePending(netflow::Exporter& ex, int64_t now_us, Diagnostics& d) {
  while (!ex.pending.empty() && now_us - ex.pending.front().arrival_us > limits.pending_max_age_us) {
    DropPending(ex.pending.front(),
                fmt::format("no template within {} s", limits.pending_max_age_us / 1'000'000), d);
    ex.pending.pop_front();
  }
}

void NetflowDecoder::State::DropPending(netflow::PendingPacket& p, std::string_view why,
                                        Diagnostics& d) {
  for (const netflow::PendingSet& s : p.sets) {
    ++stats.pending_dropped;
    pending_bytes -= std::min(pending_bytes, s.body.size());
    Report(d, Finding::Severity::kWarning, "netflow.template_missing", p.where, s.offset - 4,
           fmt::format("data set for template {} (domain {}) dropped: {}",
                       s.template_key & 0xffff, s.domain, why));
  }
  p.sets.clear();
}

void NetflowDecoder::Finish(TrafficSink& /*sink*/, Diagnostics& diagnostics) {
  State& s = *state_;
  for (auto& [endpoint, ex] : s.exporters) {
    for (netflow::PendingPacket& p : ex.pending) {
      s.DropPending(p, "the input ended before its template came", diagnostics);
    }
    ex.pending.clear();
  }
  s.pending_bytes = 0;
  for (auto& [id, count] : s.findings_per_id) {
    if (count > netflow::kMaxFindingsPerId) {
      Finding f;
      f.severity = Finding::Severity::kNote;
      f.id = "netflow.findings_suppressed";
      f.reason = fmt::format("{} more '{}' findings not listed", count - netflow::kMaxFindingsPerId,
                             id);
      diagnostics.Report(std::move(f));
    }
  }
  s.findings_per_id.clear();
}

}  // namespace highport::ingest
