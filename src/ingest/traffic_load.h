// Reading one evidence file of any kind: traffic (pcap/pcapng captures,
// NetFlow/IPFIX export packets inside captures, Windows Firewall logs) goes
// to a TrafficSink as it is read; socket inventories (netstat, ss, tasklist,
// rpcdump, ...) are loaded whole, because they are small and the traffic
// analysis needs their listeners before it decides which side is the server.
#pragma once

#include <optional>
#include <string>

#include "ingest/load.h"
#include "ingest/traffic_sink.h"
#include "model/diagnostics.h"
#include "model/result.h"

namespace highport::ingest {

enum class EvidenceKind : uint8_t { kCapture, kFirewallLog, kInventory };
std::string_view EvidenceKindName(EvidenceKind kind);  // "capture", "firewall-log", "inventory"

// Looks at the first bytes of the file ("-": standard input is copied to a
// temporary file first, so that it can be read twice).
Result<EvidenceKind> DetectEvidence(const std::string& path);

struct TrafficFileStats {
  EvidenceKind kind = EvidenceKind::kCapture;
  uint64_t records = 0;   // packets or log rows
  uint64_t skipped = 0;
  bool local_time = false;
};

// Reads a capture or a firewall log into the sink.
Result<TrafficFileStats> ReadTrafficFile(const std::string& path, EvidenceKind kind,
                                         TrafficSink& sink, Diagnostics& diagnostics);

}  // namespace highport::ingest
