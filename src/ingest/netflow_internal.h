// The parts of the NetFlow/IPFIX decoder that its files share: the
// information elements a template is compiled into (netflow_fields.cc), the
// template cache (netflow_templates.cc), NetFlow v5 (netflow_v5.cc) and the
// decoder state with its findings and sequence tracking (netflow.cc).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ingest/netflow.h"
#include "model/byte_cursor.h"

namespace highport::ingest::netflow {

// Millisecond times from an exporter (flowStartMilliseconds, systemInitTime-
// Milliseconds) are masked to 53 bits before they become microseconds, so
// that "* 1000", also after adding a 32-bit uptime, stays inside int64_t
// whatever an exporter sends (2^53 ms is 285,000 years).
constexpr uint64_t kMaxExportedMs = (uint64_t{1} << 53) - 1;

// Bounds on what one exporter can make the decoder keep, beyond NetflowLimits.
inline constexpr size_t kMaxTemplateFields = 256;          // a real template has < 100
inline constexpr size_t kMaxDomainsPerExporter = 256;      // sequence state per source id
inline constexpr size_t kMaxTemplatesTotal = 32768;        // over all exporters
inline constexpr size_t kMaxPendingBytesTotal = 64 << 20;  // held data over all exporters
inline constexpr size_t kMaxFindingsPerId = 50;            // then only counted
inline constexpr uint32_t kEnterpriseReverse = 29305;      // RFC 5103 reverse IEs

// What a template field is to the decoder. Everything not listed is skipped
// by its length.
enum class Field : uint8_t {
  kSkip,
  kSrcV4, kDstV4, kSrcV6, kDstV6,
  kSrcPort, kDstPort, kProtocol, kTcpFlags,
  kPacketDelta, kPacketTotal, kOctetDelta, kOctetTotal,
  kReversePackets, kReverseOctets, kReverseTcpFlags,
  kInitiatorOctets, kResponderOctets, kInitiatorPackets, kResponderPackets,
  kStartUptimeMs, kEndUptimeMs,  // 22 / 21: sysUpTime-relative milliseconds
  kStartSec, kEndSec, kStartMs, kEndMs,
  kStartNtp, kEndNtp,            // 154/155 (micro) and 156/157 (nano): NTP format
  kStartDeltaUs, kEndDeltaUs,    // 158 / 159: microseconds before the export time
  kSystemInitMs,                 // 160 systemInitTimeMilliseconds
  kBiflowDirection,
  kSamplingInterval,
  kCount,
};

std::string_view FieldName(Field field);
// The field an (enterprise, element, length) specifier decodes into; kSkip
// when unknown or when the length does not fit the element's type.
// `length` 65535 is IPFIX variable length.
Field ClassifyField(uint32_t enterprise, uint16_t element, uint16_t length);

struct FieldOp {
  Field field = Field::kSkip;
  bool variable = false;  // IPFIX variable length: 1 byte, or 255 and 2 bytes
  uint32_t length = 0;    // fixed length; consecutive skipped fields are merged
};

// The values of one record, before they become a FlowObservation. Only the
// fields whose bit is set in `present` are meaningful, so a reset is one store.
struct RawRecord {
  uint64_t present = 0;
  uint32_t src4 = 0, dst4 = 0;
  std::array<uint8_t, 16> src6{}, dst6{};
  std::array<uint64_t, static_cast<size_t>(Field::kCount)> value{};

  bool has(Field f) const { return (present >> static_cast<unsigned>(f)) & 1u; }
  uint64_t get(Field f) const { return value[static_cast<size_t>(f)]; }
};
static_assert(static_cast<size_t>(Field::kCount) <= 64);

// Stores one field's bytes (already checked to be `length` long) into `out`.
void ApplyField(Field field, std::span<const uint8_t> bytes, RawRecord& out);

// What the packet header says about time, for sysUpTime-relative fields.
struct PacketClock {
  uint8_t version = 0;
  uint32_t export_secs = 0;  // unix seconds (v5/v9 unix_secs, IPFIX export time)
  uint32_t export_nsecs = 0; // v5 only
  uint32_t sys_uptime_ms = 0;  // v5/v9 only
  bool has_uptime = false;
};

struct RecordTimes {
  int64_t first_us = 0, last_us = 0;
  bool needed_init_time = false;  // IPFIX uptime fields without systemInitTime
};
// `system_init_ms` < 0 when the exporter never said (IPFIX IE 160).
RecordTimes ComputeTimes(const RawRecord& r, const PacketClock& clock, int64_t system_init_ms);

// Fills a FlowObservation from a record; false when the record has no
// source and destination address (not a flow). `obs.source` is left alone.
bool FillObservation(const RawRecord& r, const RecordTimes& times, FlowObservation& obs);

// A flow template compiled, when it arrives, for the common case (netflow_plan.cc):
// fixed-length records with one address family, the usual fields at fixed
// offsets, nothing that needs the general path's rules (reverse and initiator
// counters, biflowDirection, systemInitTime in the record). Each record of a
// data set is then read with straight-line loads after one bounds check for
// the whole set, straight into the reused FlowObservation.
struct FastPlan {
  // How a record says when the flow started or ended: the highest-priority
  // element the template has, as ComputeTimes chooses it.
  enum class Time : uint8_t { kNone, kMs, kNtp, kSec, kDeltaUs, kUptimeMs };
  // An unsigned integer of 1-8 bytes at `offset`, read as one 8-byte load:
  // (big-endian value >> shift) & mask. A field the template lacks reads as
  // 0 (mask 0).
  struct Slot {
    uint16_t offset = 0;
    uint8_t width = 0;  // 0: not in the template
    uint8_t shift = 0;
    uint64_t mask = 0;
  };
  static constexpr uint32_t kMaxRecord = 512;  // longer records take the general path
  bool on = false;
  bool v6 = false;
  // Ports 2 bytes, protocol and TCP flags 1, packets and octets 4, both
  // times sysUpTime-relative in 4 (softflowd, most v9 exporters): ReadSet
  // has a loop for these widths.
  bool classic = false;
  uint16_t src_address = 0, dst_address = 0;
  Slot src_port, dst_port, protocol, tcp_flags, packets, octets, first, last;
  Time first_kind = Time::kNone, last_kind = Time::kNone;
};

// One field specifier of a template: (enterprise, element id, length).
struct FieldSpec {
  uint32_t enterprise = 0;
  uint16_t element = 0;
  uint16_t length = 0;
};

struct Template {
  uint16_t id = 0;
  bool options = false;
  bool variable = false;      // has variable-length fields
  bool flow_like = false;     // has a source and a destination address
  uint32_t min_length = 0;    // fixed bytes + 1 per variable field; > 0
  std::vector<FieldOp> ops;
  FastPlan plan;              // CompileTemplate fills it
  // The template record as it came (id, counts, field specifiers): a refresh
  // with the same bytes is the same template, and is not compiled again.
  std::vector<uint8_t> wire;
  // What it was compiled from: what the database keeps (StoredTemplate).
  std::vector<FieldSpec> specs;
};

// The plan for `t`; `on` false when the general path must read it.
FastPlan CompilePlan(const Template& t);

// Compiles field specifiers into a Template; "" on success, else the reason.
std::string CompileTemplate(uint16_t id, bool options, std::span<const FieldSpec> fields,
                            Template& out);

// Reads one record of `t` from `c` into `out`; false (and `c` failed) when it
// does not fit.
bool ReadRecord(const Template& t, ByteCursor& c, RawRecord& out);

struct Domain {
  bool have_sequence = false;
  uint32_t next_sequence = 0;
  // IPFIX: the last message's sequence number, and whether this exporter
  // was seen to count each message's own flow records into its sequence
  // number (softflowd does) instead of the records before the message.
  uint32_t last_sequence = 0;
  bool counts_own_records = false;
  bool told_own_records = false;
  // NetFlow v9: the last header's uptime; -1 before the first. An uptime
  // that goes back is a restarted exporter (RestartedExporter).
  int64_t last_uptime_ms = -1;
  int64_t system_init_ms = -1;
  uint64_t sampling_interval = 0;  // remembered from options data; never applied
  bool told_sampling = false;      // NoteSampling said so once
  bool warned_init_time = false;
};

struct PendingSet {
  uint64_t template_key = 0;
  uint32_t domain = 0;
  size_t offset = 0;  // absolute offset of `body` in its packet
  std::vector<uint8_t> body;
};

struct PendingPacket {
  PacketClock clock;
  int64_t arrival_us = 0;
  SourceRef where;
  std::vector<PendingSet> sets;
  size_t bytes() const;
};

struct Exporter {
  Endpoint endpoint;  // the datagrams' source
  // The last datagram's XXH3-64 and size: one that repeats it is a copy.
  uint64_t last_hash = 0;
  size_t last_size = 0;
  std::unordered_map<uint64_t, Template> templates;
  std::unordered_map<uint64_t, Domain> domains;
  std::deque<PendingPacket> pending;
  int64_t last_heard_us = 0;  // the arrival of its last datagram: the cap forgets the longest silent
};

inline uint64_t TemplateKey(uint8_t version, uint32_t domain, uint16_t id) {
  return (static_cast<uint64_t>(version == 10) << 48) | (static_cast<uint64_t>(domain) << 16) | id;
}
inline uint64_t DomainKey(uint8_t version, uint32_t domain) {
  return (static_cast<uint64_t>(version) << 32) | domain;
}

}  // namespace highport::ingest::netflow

namespace highport::ingest {

// An earlier file's template, by (exporter, TemplateKey), with the file
// that defined it.
struct RememberedTemplates::Entries {
  struct Entry {
    netflow::Template t;
    std::string file;
    int64_t defined_us = 0;  // when the datagram that defined it arrived
  };
  std::map<std::pair<Endpoint, uint64_t>, Entry> templates;
  // Per file, the templates it withdrew: the database forgets them too,
  // whichever source defined them.
  std::map<std::string, std::set<std::pair<Endpoint, uint64_t>>, std::less<>> withdrawn;
  // Forgets a template `file` withdrew.
  void Withdraw(const Endpoint& exporter, uint64_t key, const std::string& file) {
    templates.erase({exporter, key});
    withdrawn[file].insert({exporter, key});
  }
};

struct NetflowDecoder::State {
  NetflowLimits limits;
  RememberedTemplates::Entries* remembered = nullptr;
  int64_t now_us = 0;  // the arrival of the datagram being decoded
  // How far from its definition a remembered template still serves: a
  // rotated capture's next file is minutes or an hour later; a template
  // stored a year ago is no guide to what id 256 means today.
  static constexpr int64_t kRememberedForUs = int64_t{24} * 3600 * 1'000'000;
  // Exporter and template keys told already that an earlier file's template served.
  std::set<std::pair<Endpoint, uint64_t>> told_remembered;
  // The template an earlier file defined for `key` of `ex`, made this
  // exporter's own (with a note); false when none was remembered.
  bool Recall(netflow::Exporter& ex, uint64_t key, const SourceRef& where, size_t offset,
              Diagnostics& d);
  NetflowStats stats;
  std::map<Endpoint, netflow::Exporter> exporters;
  std::pair<const Endpoint, netflow::Exporter>* last_exporter = nullptr;  // FindOrAddExporter
  size_t templates_total = 0;
  size_t pending_bytes = 0;
  std::map<std::string, uint64_t, std::less<>> findings_per_id;
  FlowObservation obs;        // reused for every record: no allocation per record
  netflow::RawRecord raw;

  // A finding at `where` + `offset`, unless this id was already reported
  // kMaxFindingsPerId times (then only counted; Finish says how many).
  void Report(Diagnostics& d, Finding::Severity severity, std::string_view id,
              const SourceRef& where, size_t offset, std::string reason);
  // Once per domain: template `template_id` gives times relative to the
  // exporter's uptime and no systemInitTimeMilliseconds came (netflow.cc).
  void NoteUptimeWithoutInitTime(netflow::Domain* dom, uint16_t template_id, Diagnostics& d,
                                 const SourceRef& where, size_t offset);
  netflow::Exporter* FindOrAddExporter(const Endpoint& e, const SourceRef& where,
                                       Diagnostics& d);
  netflow::Domain* FindOrAddDomain(netflow::Exporter& ex, uint64_t key);

  // netflow_v5.cc
  void DecodeV5(netflow::Exporter& ex, ByteCursor& c, const SourceRef& where, TrafficSink& sink,
                Diagnostics& d);
  // netflow_templates.cc: a template or options template set (v9 flowset 0/1,
  // IPFIX set 2/3). Returns how many templates it defined.
  size_t ReadTemplateSet(netflow::Exporter& ex, uint8_t version, uint32_t domain, uint16_t set_id,
                         ByteCursor body, const SourceRef& where, Diagnostics& d);
  // `remember`: also for the files after this one (not for one recalled
  // from an earlier file, which stays that file's).
  bool AddTemplate(netflow::Exporter& ex, uint64_t key, netflow::Template t,
                   const SourceRef& where, size_t offset, Diagnostics& d, bool remember = true);
  void Withdraw(netflow::Exporter& ex, uint8_t version, uint32_t domain, uint16_t id,
                bool options_set, const SourceRef& where, size_t offset, Diagnostics& d);
  // netflow.cc: the records of one data set; returns how many were read.
  uint64_t DecodeDataSet(netflow::Exporter& ex, const netflow::Template& t, uint32_t domain,
                         ByteCursor body, const netflow::PacketClock& clock, const SourceRef& where,
                         TrafficSink& sink, Diagnostics& d);
  // netflow_plan.cc: the records of a data set whose template has a plan.
  uint64_t DecodePlanned(const netflow::Template& t, netflow::Domain* dom, ByteCursor& body,
                         const netflow::PacketClock& clock, const SourceRef& where,
                         TrafficSink& sink, Diagnostics& d);
  void SequenceCheck(netflow::Exporter& ex, uint8_t version, uint32_t domain, uint32_t sequence,
                     uint64_t advance, bool advance_known, const SourceRef& where,
                     TrafficSink& sink, Diagnostics& d);
  // IPFIX: `records` data records in this message, `own` of them flow
  // records (not options data); `known` false when some could not be read.
  void IpfixSequenceCheck(netflow::Exporter& ex, uint32_t domain, uint32_t sequence,
                          uint64_t records, uint64_t own, bool known, const SourceRef& where,
                          TrafficSink& sink, Diagnostics& d);
  void ReportGap(const netflow::Exporter& ex, uint8_t version, uint32_t domain, uint32_t sequence,
                 uint32_t expected, const SourceRef& where, TrafficSink& sink, Diagnostics& d);
  // Keeps data that came before its template, within the limits.
  void HoldPending(netflow::Exporter& ex, netflow::PendingPacket held, Diagnostics& d);
  // Data held for templates that have now arrived.
  void DecodePending(netflow::Exporter& ex, TrafficSink& sink, Diagnostics& d);
  // v9 and IPFIX messages, after the version.
  void DecodeTemplated(netflow::Exporter& ex, uint8_t version, ByteCursor& c, size_t payload_size,
                       int64_t arrival_us, const SourceRef& where, TrafficSink& sink,
                       Diagnostics& d);
  void SetSource(const SourceRef& where);
  void ExpirePending(netflow::Exporter& ex, int64_t now_us, Diagnostics& d);
  // An exporter that samples (1 packet in `interval`, > 1), told once per
  // observation domain: its counts are of the sampled packets, not scaled.
  void NoteSampling(netflow::Exporter& ex, netflow::Domain& dom, uint64_t interval,
                    const SourceRef& where, size_t offset, Diagnostics& d);
  // A NetFlow v9 exporter whose uptime went back by more than a minute has
  // restarted: its templates of that source id may mean other fields now,
  // so they are forgotten (here and for later files), data waits for the new
  // ones, and its sequence numbers begin again. True if it restarted.
  bool RestartedExporter(netflow::Exporter& ex, uint32_t domain, uint32_t sys_uptime_ms,
                         uint32_t sequence, const SourceRef& where, Diagnostics& d);
  // When the exporter of the datagram being decoded booted, by its own
  // clock (NetFlow v9: export time less uptime); INT64_MIN when unknown. A
  // template remembered from before then is not recalled: the exporter
  // restarted since, and its template ids may mean other fields now.
  int64_t exporter_boot_us = INT64_MIN;
  void DropPending(netflow::PendingPacket& p, std::string_view why, Diagnostics& d);
};

}  // namespace highport::ingest
