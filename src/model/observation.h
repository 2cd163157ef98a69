// What a traffic source says about one conversation (a firewall log row, a
// NetFlow/IPFIX record, a TCP connection or UDP conversation in a capture),
// before anyone has decided which side is the server. analysis/flow_table
// folds observations into Flow records keyed by (client, server, port).
#pragma once

#include <cstdint>
#include <optional>

#include "model/endpoint.h"
#include "model/records.h"

namespace highport {

// Who opened the conversation, as far as the input itself says.
enum class Initiator : uint8_t {
  kUnknown,
  kSource,       // `src` opened it
  kDestination,  // `dst` opened it (a record written from the answering side)
};

// Why the input knows the initiator: each flow later says which rule decided.
enum class InitiatorEvidence : uint8_t {
  kNone,
  kHandshake,     // a TCP SYN without ACK was seen from the initiator
  kBiflow,        // IPFIX biflowDirection / flowDirection / initiator octets
  kFirewallPath,  // Windows Firewall ALLOW rows are written per new connection, src first
};

enum class TrafficAction : uint8_t {
  kObserved,  // seen on the wire or exported by a router: nothing was enforced
  kAllowed,   // a firewall let it through
  kDropped,   // a firewall dropped it
};

// Firewall log path: which side of the row is the logging host.
enum class LocalSide : uint8_t { kUnknown, kSource, kDestination };

struct FlowObservation {
  Endpoint src;  // src.proto is the transport; ports are 0 for ICMP and other protocols
  Endpoint dst;
  uint8_t ip_protocol = 6;  // 6 TCP, 17 UDP, 1 ICMP, ... (src.proto says TCP or UDP only)
  // Microseconds since the Unix epoch. Windows Firewall logs write local time
  // without a zone; their readers store it as if it were UTC and say so once.
  int64_t first_us = 0;
  int64_t last_us = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t connections = 0;  // connections this observation stands for (0 for a dropped packet)
  uint8_t tcp_flags = 0;     // OR of the flags seen: FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10
  Initiator initiator = Initiator::kUnknown;
  InitiatorEvidence initiator_evidence = InitiatorEvidence::kNone;
  TrafficAction action = TrafficAction::kObserved;
  LocalSide local_side = LocalSide::kUnknown;
  // The record counts one direction's packets only (NetFlow v5/v9, IPFIX
  // without reverse counters): the answers of the same conversation are
  // another observation, which must not count as a second connection.
  bool one_direction = false;
  std::optional<uint32_t> pid;  // the owning process on the logging host (newer firewall logs)
  SourceRef source;
};

}  // namespace highport
