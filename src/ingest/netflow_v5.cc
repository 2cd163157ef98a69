// NetFlow v5: a 24-byte header and up to 30 fixed 48-byte records, all in
// network byte order (Cisco's NetFlow Export Datagram Format):
//
//   header: version(2) count(2) sys_uptime(4) unix_secs(4) unix_nsecs(4)
//           flow_sequence(4) engine_type(1) engine_id(1) sampling_interval(2)
//   record: srcaddr(4) dstaddr(4) nexthop(4) input(2) output(2) dPkts(4)
//           dOctets(4) First(4) Last(4) srcport(2) dstport(2) pad1(1)
//           tcp_flags(1) prot(1) tos(1) src_as(2) dst_as(2) src_mask(1)
//           dst_mask(1) pad2(2)
//
// First and Last are sys_uptime milliseconds; flow_sequence counts flows
// (not packets), so a gap is a number of lost flow records.
#include "fmt/format.h"
#include "ingest/netflow_internal.h"

namespace highport::ingest {
namespace {

constexpr size_t kV5RecordSize = 48;
constexpr size_t kV5MaxRecords = 30;

void Set(netflow::RawRecord& r, netflow::Field f, uint64_t v) {
  r.present |= uint64_t{1} << static_cast<unsigned>(f);
  r.value[static_cast<size_t>(f)] = v;
}

}  // namespace

void NetflowDecoder::State::DecodeV5(netflow::Exporter& ex, ByteCursor& c, const SourceRef& where,
                                     TrafficSink& sink, Diagnostics& d) {
  using netflow::Field;
  const uint16_t count = c.U16("count");
  netflow::PacketClock clock;
  clock.version = 5;
  clock.has_uptime = true;
  clock.sys_uptime_ms = c.U32("sys_uptime");
  clock.export_secs = c.U32("unix_secs");
  clock.export_nsecs = c.U32("unix_nsecs");
  const uint32_t sequence = c.U32("flow_sequence");
  const uint8_t engine_type = c.U8("engine_type");
  const uint8_t engine_id = c.U8("engine_id");
  const uint16_t sampling = c.U16("sampling_interval");
  if (!c.ok()) {
    ++stats.malformed;
    Report(d, Finding::Severity::kWarning, "netflow.truncated_header", where, 0,
           fmt::format("NetFlow v5 header: {}", c.ErrorText()));
    return;
  }
  if (count == 0 || count > kV5MaxRecords) {
    ++stats.malformed;
    Report(d, Finding::Severity::kWarning, "netflow.bad_count", where, 2,
           fmt::format("NetFlow v5 record count {} (1 to {})", count, kV5MaxRecords));
    return;
  }
  const uint32_t engine = (uint32_t{engine_type} << 8) | engine_id;
  if (netflow::Domain* dom = FindOrAddDomain(ex, netflow::DomainKey(5, engine))) {
    NoteSampling(ex, *dom, sampling & 0x3fff, where, 22, d);  // the top 2 bits are the sampling mode
  }
  SequenceCheck(ex, 5, engine, sequence, count, true, where, sink, d);
  SetSource(where);
  netflow::RawRecord& r = raw;
  for (size_t i = 0; i < count; ++i) {
    const size_t at = c.offset();
    ByteCursor rec = c.Sub(kV5RecordSize, "record");
    if (!c.ok()) {
      ++stats.malformed;
      Report(d, Finding::Severity::kWarning, "netflow.truncated_record", where, at,
             fmt::format("NetFlow v5 record {} of {}: {}", i + 1, count, c.ErrorText()));
      return;
    }
    r.present = 0;
    r.src4 = rec.U32("srcaddr");
    r.dst4 = rec.U32("dstaddr");
    r.present |= (uint64_t{1} << static_cast<unsigned>(Field::kSrcV4)) |
                 (uint64_t{1} << static_cast<unsigned>(Field::kDstV4));
    rec.Skip(8, "nexthop, input, output");
    Set(r, Field::kPacketDelta, rec.U32("dPkts"));
    Set(r, Field::kOctetDelta, rec.U32("dOctets"));
    Set(r, Field::kStartUptimeMs, rec.U32("First"));
    Set(r, Field::kEndUptimeMs, rec.U32("Last"));
    Set(r, Field::kSrcPort, rec.U16("srcport"));
    Set(r, Field::kDstPort, rec.U16("dstport"));
    rec.Skip(1, "pad1");
    Set(r, Field::kTcpFlags, rec.U8("tcp_flags"));
    Set(r, Field::kProtocol, rec.U8("prot"));
    ++stats.records;
    // The 48 bytes were there (Sub succeeded), so every read above was too.
    netflow::RecordTimes times = netflow::ComputeTimes(r, clock, -1);
    if (!netflow::FillObservation(r, times, obs)) continue;
    obs.source.offset = at;
    sink.OnFlow(obs);
    ++stats.flows;
  }
  if (!c.empty()) {
    Report(d, Finding::Severity::kNote, "netflow.trailing_bytes", where, c.offset(),
           fmt::format("{} bytes after the {} records of a NetFlow v5 packet", c.remaining(),
                       count));
  }
}

}  // namespace highport::ingest
