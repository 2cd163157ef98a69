// CaptureReader: one frame at a time from the link layer (packet.h) into
// the conversation table (capture_flows.h), the endpoint-mapper streams
// (capture_epm.h) and the NetFlow decoder (netflow.h). Contract in capture.h.
#include <algorithm>
#include <bitset>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "ingest/capture.h"
#include "ingest/capture_epm.h"
#include "ingest/capture_flows.h"
#include "ingest/capture_internal.h"
#include "ingest/packet.h"

namespace highport::ingest {
namespace {

using capture_internal::CaptureContext;
using capture_internal::Conn;
using capture_internal::EpmStream;
using capture_internal::FlowTracker;
using capture_internal::KeyAddress;
using capture_internal::Segment;

constexpr size_t kMaxNetflowCandidates = 1024;
constexpr int64_t kMaxTimestampUs = int64_t{1} << 62;

// A UDP source: address, version and port.
using Exporter = std::tuple<std::array<uint8_t, 16>, uint8_t, uint16_t>;

// The first NetFlow-looking datagram of a source on a port not in the list,
// kept until the next datagram from that source says whether it exports.
struct HeldDatagram {
  PacketInfo info;  // payload cleared: `payload` holds the bytes
  std::vector<uint8_t> payload;
  int64_t ts_us = 0;
  uint64_t packet = 0;
};

Exporter SourceOf(const PacketInfo& p) { return {p.src, p.ip_version, p.src_port}; }

}  // namespace

struct CaptureReader::State {
  State(std::string file, TrafficSink& sink, Diagnostics& diagnostics, CaptureOptions options)
      : context(std::move(file), sink, diagnostics, std::move(options)),
        flows(context.file, context.options, sink, context.stats),
        netflow(context.options.netflow_limits),
        netflow_where{context.file} {
    for (uint16_t port : context.options.epm_ports) epm_ports.set(port);
    for (uint16_t port : context.options.netflow_ports) netflow_ports.set(port);
    netflow.set_remembered(context.options.netflow_templates);
  }

  void Packet(int linktype, int64_t ts_us, std::span<const uint8_t> frame, uint64_t number);
  bool Netflow(const PacketInfo& p, int64_t ts_us, uint64_t number);
  void DecodeNetflow(const PacketInfo& p, std::span<const uint8_t> payload, int64_t ts_us,
                     uint64_t number);
  void Epm(Conn& conn, bool from_a, const PacketInfo& p, uint64_t number);

  CaptureContext context;
  FlowTracker flows;
  NetflowDecoder netflow;
  SourceRef netflow_where;  // the packet being decoded, in the file
  Endpoint netflow_exporter{IpAddress(), Proto::kUdp, 0};  // its source
  std::bitset<65536> epm_ports;
  std::bitset<65536> netflow_ports;
  std::set<Exporter> exporters;
  Exporter last_exporter{};  // of `exporters`, when has_last_exporter
  bool has_last_exporter = false;
  std::map<Exporter, HeldDatagram> candidates;
  std::set<int> unsupported_reported;
  std::set<uint16_t> not_ip_types;  // the first few EtherTypes of frames that are not IP
  int last_linktype = 0;
  uint64_t* link_count = nullptr;  // stats.packets_by_link_type[last_linktype]
  bool finished = false;
};

void CaptureReader::State::Packet(int linktype, int64_t ts_us, std::span<const uint8_t> frame,
                                  uint64_t number) {
  CaptureStats& stats = context.stats;
  PacketInfo p = DecodePacket(linktype, frame);
  switch (p.kind) {
    case PacketKind::kUnsupportedLink:
      ++stats.skipped_link_type;
      if (unsupported_reported.insert(linktype).second) {
        context.Warn("capture.link_type", number, 0,
                     fmt::format("{} is not a link type highport reads; such frames are skipped",
                                 LinkTypeName(linktype)));
      }
      return;
    case PacketKind::kMalformed:
      ++stats.malformed;
      context.Warn("capture.malformed", number, p.error.offset,
                   fmt::format("{}: {}", p.error.field, p.error.reason));
      return;
    case PacketKind::kNotIp:
      ++stats.not_ip;
      if (not_ip_types.size() < 8) not_ip_types.insert(p.ethertype);
      return;
    case PacketKind::kLaterFragment: ++stats.later_fragments; return;
    case PacketKind::kIp: break;
  }
  if (p.tunnels > 0) ++stats.tunnelled;
  if (p.carried_by_udp) {
    // The tunnel's own datagram (VXLAN between two hosts, a cloud mirror's
    // session) is a conversation a firewall must allow too.
    const PacketInfo outer = DecodePacket(linktype, frame, /*open_tunnels=*/false);
    if (outer.kind == PacketKind::kIp && outer.has_ports) {
      bool outer_from_a = false;
      flows.Track(outer, ts_us, number, outer_from_a);
    }
  }
  bool ported = p.protocol == kIpProtoTcp || p.protocol == kIpProtoUdp;
  if (ported && !p.has_ports) {
    ++stats.no_ports;
    return;
  }
  if (p.protocol == kIpProtoUdp && !p.payload.empty() && Netflow(p, ts_us, number)) return;
  bool from_a = false;
  Conn& conn = flows.Track(p, ts_us, number, from_a);
  if (p.protocol == kIpProtoTcp && (epm_ports[p.dst_port] || epm_ports[p.src_port])) {
    Epm(conn, from_a, p, number);
  }
}

void CaptureReader::State::Epm(Conn& conn, bool from_a, const PacketInfo& p, uint64_t number) {
  if (!conn.epm) {
    if (conn.epm_skipped || conn.packets > 1) return;  // not from its first packet: never
    if (context.epm_streams_live >= context.options.max_epm_streams) {
      conn.epm_skipped = true;
      ++context.stats.epm_streams_skipped;
      return;
    }
    // The server is the side on an endpoint-mapper port, the destination if both are.
    bool dst_serves = epm_ports[p.dst_port];
    conn.epm_server_is_a = dst_serves ? !from_a : from_a;
    conn.epm = std::make_unique<EpmStream>(KeyAddress(*conn.key, conn.epm_server_is_a), context);
  }
  Segment s;
  s.to_server = from_a != conn.epm_server_is_a;
  s.seq = p.seq;
  s.flags = p.tcp_flags;
  s.payload = p.payload;
  s.wire_length = p.payload_wire_length;
  s.packet = number;
  s.payload_offset = p.payload_offset;
  conn.epm->OnSegment(s);
}

bool CaptureReader::State::Netflow(const PacketInfo& p, int64_t ts_us, uint64_t number) {
  Exporter source = SourceOf(p);
  // Export packets come from one exporter or a few, in runs: the last one
  // found is asked first (the set only grows).
  bool known = has_last_exporter && source == last_exporter;
  if (!known && exporters.count(source) > 0) {
    known = has_last_exporter = true;
    last_exporter = source;
  }
  bool listed = netflow_ports[p.dst_port];
  if (!known && !listed && !context.options.netflow_auto) return false;
  if (!LooksLikeNetflow(p.payload)) {
    // From a known exporter anything goes to the decoder (a version it does
    // not read is said so); to a NetFlow port, what says it is NetFlow.
    if (known || (listed && ClaimsNetflowVersion(p.payload))) {
      DecodeNetflow(p, p.payload, ts_us, number);  // damaged: the decoder says where
      return true;
    }
    if (!candidates.empty()) candidates.erase(source);
    return false;
  }
  if (known || listed) {
    if (!known && exporters.size() < context.options.netflow_limits.max_exporters) {
      exporters.insert(source);
    }
    DecodeNetflow(p, p.payload, ts_us, number);
    return true;
  }
  auto held = candidates.find(source);
  if (held == candidates.end()) {
    // The first one stays an ordinary UDP datagram unless the next confirms it.
    if (candidates.size() < kMaxNetflowCandidates) {
      HeldDatagram h{p, {p.payload.begin(), p.payload.end()}, ts_us, number};
      h.info.payload = {};
      candidates.emplace(source, std::move(h));
    }
    return false;
  }
  // Two in a row: an exporter. Its first datagram leaves the UDP conversations.
  HeldDatagram first = std::move(held->second);
  candidates.erase(held);
  if (exporters.size() < context.options.netflow_limits.max_exporters) exporters.insert(source);
  flows.Discard(first.info);
  DecodeNetflow(first.info, first.payload, first.ts_us, first.packet);
  DecodeNetflow(p, p.payload, ts_us, number);
  return true;
}

void CaptureReader::State::DecodeNetflow(const PacketInfo& p, std::span<const uint8_t> payload,
                                         int64_t ts_us, uint64_t number) {
  CaptureStats& stats = context.stats;
  ++stats.netflow_packets;
  stats.netflow_bytes += p.ip_length;
  // The exporter and the file name are kept and updated in place, not built
  // (and the name copied) for every packet.
  if (p.ip_version == 6) {
    netflow_exporter.address.AssignV6(p.src);
  } else {
    netflow_exporter.address.AssignV4(uint32_t{p.src[0]} << 24 | uint32_t{p.src[1]} << 16 |
                                      uint32_t{p.src[2]} << 8 | p.src[3]);
  }
  netflow_exporter.port = p.src_port;
  netflow_where.packet = number;
  netflow_where.offset = p.payload_offset;
  netflow.Decode(netflow_exporter, payload, ts_us, netflow_where, context.sink,
                 context.diagnostics);
  stats.netflow = netflow.stats();
  stats.netflow_exporters = exporters.size();
}

CaptureReader::CaptureReader(std::string file, TrafficSink& sink, Diagnostics& diagnostics,
                             CaptureOptions options)
    : state_(std::make_unique<State>(std::move(file), sink, diagnostics, std::move(options))) {}

CaptureReader::~CaptureReader() = default;

void CaptureReader::ReadPacket(int linktype, int64_t ts_us, std::span<const uint8_t> frame,
                               uint64_t packet_number, uint32_t wire_length) {
  if (state_->finished) return;
  CaptureStats& stats = state_->context.stats;
  ++stats.packets;
  stats.bytes += std::max<uint64_t>(wire_length, frame.size());
  stats.captured_bytes += frame.size();
  // A capture has one link type (pcapng may have several): the map is
  // searched only when it changes, and its node stays put.
  if (!state_->link_count || linktype != state_->last_linktype) {
    state_->link_count = &stats.packets_by_link_type[linktype];
    state_->last_linktype = linktype;
  }
  ++*state_->link_count;
  // Timestamps from a damaged file can be anything; time only orders expiry.
  ts_us = std::clamp<int64_t>(ts_us, 0, kMaxTimestampUs);
  state_->Packet(linktype, ts_us, frame, packet_number);
}

void CaptureReader::LeftOut() {
  if (state_->finished) return;
  ++state_->context.stats.packets;
  ++state_->context.stats.malformed;
}

void CaptureReader::Finish() {
  State& s = *state_;
  if (s.finished) return;
  s.finished = true;
  s.flows.Finish();
  s.netflow.Finish(s.context.sink, s.context.diagnostics);
  s.context.stats.netflow = s.netflow.stats();
  s.candidates.clear();
  const CaptureStats& stats = s.context.stats;
  // What the file as a whole showed, said once at its end.
  auto about_file = [&](Finding::Severity severity, const char* id, std::string reason) {
    s.context.diagnostics.Report(Finding{severity, id, SourceRef{s.context.file}, std::move(reason)});
  };
  if (stats.tunnelled > 0) {
    about_file(Finding::Severity::kNote, "capture.tunnelled",
               fmt::format("{} packet(s) came inside tunnels (GRE, ERSPAN, VXLAN, IP in IP): read "
                           "as the traffic they carry (a VXLAN tunnel's UDP datagrams are a "
                           "conversation of their own too)",
                           stats.tunnelled));
  }
  if (stats.rpc_stream_gaps > 0) {
    // An answer in a stream with a hole is not read: the flows to the ports
    // it named then have no interface, and this says why.
    about_file(Finding::Severity::kNote, "capture.dcerpc_gaps",
               fmt::format("{} gap(s) in endpoint-mapper streams (segments lost before the "
                           "capture point, or cut by its snap length): an answer with a gap is "
                           "not read, and the ports it named show no RPC interface",
                           stats.rpc_stream_gaps));
  }
  if (stats.not_ip > 0 && stats.not_ip == stats.packets) {
    // Nothing else came of the file: say what it held, not just "nothing".
    std::vector<std::string> types;
    for (const uint16_t t : s.not_ip_types) {
      types.push_back(t <= 1500 ? std::string("802.3 LLC") : fmt::format("0x{:04x}", t));
    }
    about_file(Finding::Severity::kWarning, "capture.no_ip",
               fmt::format("none of its {} frame(s) is IP (EtherType {}): nothing to learn from it",
                           stats.not_ip, fmt::join(types, ", ")));
  }
  if (stats.findings_not_listed > 0) {
    about_file(Finding::Severity::kNote, "capture.more_findings",
               fmt::format("{} more bad packets were skipped and not listed one by one",
                           stats.findings_not_listed));
  }
}

const CaptureStats& CaptureReader::stats() const { return state_->context.stats; }

size_t CaptureReader::open_conversations() const { return state_->flows.open(); }

}  // namespace highport::ingest
