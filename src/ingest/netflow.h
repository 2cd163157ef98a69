// A sans-I/O decoder of NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX
// (RFC 7011, v10) export packets into FlowObservations.
//
// The caller hands over one UDP payload at a time (from a pcap reader or a
// socket) with the exporter's address and port; the decoder keeps the
// templates each exporter announced, holds data that arrived before its
// template for a bounded while, and sends every flow record to the sink.
// Exporters are untrusted: every length goes through ByteCursor sub-cursors,
// templates and pending data are capped per exporter and exporters are
// capped in number; what is dropped is counted (stats()) and reported
// (Diagnostics, ids "netflow.*") with the packet number and byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/traffic_sink.h"
#include "model/diagnostics.h"
#include "model/endpoint.h"

namespace highport::ingest {

struct NetflowLimits {
  size_t max_templates_per_exporter = 1024;
  size_t max_pending_packets_per_exporter = 64;  // data that arrived before its template, held briefly
  int64_t pending_max_age_us = 60'000'000;
  size_t max_exporters = 4096;
  // Data sets of the usual templates are read through a plan compiled when
  // the template arrives (netflow_plan.cc); false reads every record field by
  // field, which tests use to hold the two to the same results.
  bool compiled_plans = true;
};

struct NetflowStats {
  uint64_t packets = 0, records = 0, flows = 0, templates = 0, options_templates = 0,
           options_records = 0, withdrawn = 0, pending = 0, pending_dropped = 0,
           templates_dropped = 0, malformed = 0, unknown_template = 0, sequence_gaps = 0;
  // Added after the agreed API: packets dropped because max_exporters were known already.
  uint64_t exporters_dropped = 0;
  // Datagrams that repeated their exporter's previous one byte for byte (a
  // mirror port that copies each twice): read once.
  uint64_t repeated = 0;
  // Silent exporters that held no template nor data, forgotten to make room
  // under max_exporters for a new one.
  uint64_t exporters_forgotten = 0;
  // NetFlow v9 exporters seen to restart (their uptime went back).
  uint64_t restarts = 0;
};

// Does this UDP payload look like a NetFlow v5/v9 or IPFIX export packet
// (version and length/count consistent)?
bool LooksLikeNetflow(std::span<const uint8_t> payload);
// Whether it at least says it is: version 5, 9 or 10 in its first two
// bytes. From an exporter already known, or to a NetFlow port, such a
// datagram that does not look right is a damaged export packet (the decoder
// says where), not some other UDP traffic.
bool ClaimsNetflowVersion(std::span<const uint8_t> payload);

// Templates outlive the capture file that carried them. A rotated capture
// of one export (tcpdump -G or -C starts a new file every hour or every
// 100 MB) begins with data whose template came in the file before: the
// exporter resends its templates only every few minutes (Cisco: 30), and
// without this every record up to the next refresh was dropped. One per
// run, handed to each file's decoder in turn (set_remembered,
// CaptureOptions::netflow_templates): data of an exporter with no template
// of its own for it is read with the one an earlier file defined, and a
// note says so.
// A remembered template as the database keeps it (store/), for the capture
// files of a later `ingest`.
struct StoredTemplate {
  Endpoint exporter;
  uint64_t key = 0;  // version, observation domain and template id (netflow_internal.h)
  bool options = false;
  // Per field specifier: enterprise number (4 bytes), element id and length
  // (2 bytes each), big-endian.
  std::vector<uint8_t> fields;
  // When the datagram that defined it arrived (microseconds since the
  // epoch): a remembered template serves data within a day of it only.
  int64_t defined_us = 0;
};

class RememberedTemplates {
 public:
  RememberedTemplates();
  ~RememberedTemplates();
  RememberedTemplates(const RememberedTemplates&) = delete;
  RememberedTemplates& operator=(const RememberedTemplates&) = delete;
  size_t size() const;
  // The templates `file` defined, or refreshed last, to be stored.
  std::vector<StoredTemplate> DefinedIn(std::string_view file) const;
  // The templates `file` withdrew (exporter and key only), to be forgotten
  // by the database whichever source defined them.
  std::vector<StoredTemplate> WithdrawnIn(std::string_view file) const;
  // One read back from the database, as defined in `file`; false (and
  // nothing remembered) when its fields do not make a template.
  bool Restore(const StoredTemplate& stored, std::string file);

  struct Entries;  // netflow_internal.h

 private:
  friend class NetflowDecoder;
  std::unique_ptr<Entries> entries_;
};

class NetflowDecoder {
 public:
  explicit NetflowDecoder(NetflowLimits limits = {});
  ~NetflowDecoder();
  NetflowDecoder(NetflowDecoder&&) noexcept;
  NetflowDecoder& operator=(NetflowDecoder&&) noexcept;

  // One export packet (a UDP payload) from `exporter`, received at
  // `arrival_us` (microseconds since the epoch); `where` names the packet for
  // findings (SourceRef with file and packet number; byte offsets are added).
  void Decode(const Endpoint& exporter, std::span<const uint8_t> payload, int64_t arrival_us,
              const SourceRef& where, TrafficSink& sink, Diagnostics& diagnostics);
  // End of input: data still waiting for a template is reported as dropped.
  void Finish(TrafficSink& sink, Diagnostics& diagnostics);
  const NetflowStats& stats() const;
  // Templates learned are remembered there, and data without a template is
  // read with one remembered from an earlier file. Null: none (the default).
  void set_remembered(RememberedTemplates* remembered);

  struct State;  // netflow_internal.h

 private:
  std::unique_ptr<State> state_;
};

}  // namespace highport::ingest
