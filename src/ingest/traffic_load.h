// Reading one evidence file of any kind: traffic (pcap/pcapng captures,
// NetFlow/IPFIX export packets inside captures, Windows Firewall logs) goes
// to a TrafficSink as it is read; socket inventories (netstat, ss, tasklist,
// rpcdump, ...) are loaded whole, because they are small and the traffic
// analysis needs their listeners before it decides which side is the server.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ingest/load.h"
#include "ingest/netflow.h"
#include "ingest/traffic_sink.h"
#include "model/diagnostics.h"
#include "model/result.h"

namespace highport::ingest {

enum class EvidenceKind : uint8_t { kCapture, kFirewallLog, kInventory };
std::string_view EvidenceKindName(EvidenceKind kind);  // "capture", "firewall-log", "inventory"

// Looks at the first bytes of the file ("-": standard input is copied to a
// temporary file first, so that it can be read twice).
Result<EvidenceKind> DetectEvidence(const std::string& path);

// "a zip archive", "a gzip-compressed file", ... when the file is one
// (DetectEvidence refuses it: unpack it first), else empty.
std::string_view ArchiveKindOf(const std::string& path);

struct TrafficFileStats {
  EvidenceKind kind = EvidenceKind::kCapture;
  uint64_t records = 0;   // packets or log rows
  uint64_t lines = 0;     // firewall logs: lines read, headers included
  uint64_t skipped = 0;
  bool local_time = false;
};

struct TrafficReadOptions {
  // Read only the first bytes of a firewall log (store/ leaves out a last
  // line that is still being written). Captures are always read whole.
  uint64_t byte_limit = UINT64_MAX;
  // The input is whole (standard input spooled to a file: the pipe ended),
  // so a firewall log's last line without a line end is a row, not one the
  // firewall is still writing.
  bool whole = false;
  // Called now and then with the bytes read so far and the file's size (0
  // when unknown), for a progress bar.
  std::function<void(uint64_t done, uint64_t total)> progress;
  // Captures: the run's NetFlow templates from earlier files (netflow.h).
  RememberedTemplates* netflow_templates = nullptr;
};

// Reads a capture or a firewall log into the sink.
Result<TrafficFileStats> ReadTrafficFile(const std::string& path, EvidenceKind kind,
                                         TrafficSink& sink, Diagnostics& diagnostics,
                                         const TrafficReadOptions& options = {});

}  // namespace highport::ingest
