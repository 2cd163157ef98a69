// The flow table: every traffic observation folded into one Flow per
// (client address, server address, protocol, server port), after deciding
// which side is the server and classifying the server port. Memory grows
// with distinct keys (and, for the concurrency peak, with connections to
// dynamic RPC ports), never with the number of log rows or packets.
//
// Which side is the server, in this order; each flow says which rule decided:
//   1. listener: a socket inventory (netstat, ss, ...) or an endpoint mapper
//      says one side's address and port accept connections;
//   2. handshake: a capture saw the SYN; biflow: IPFIX says who initiated;
//   3. firewall: Windows Firewall ALLOW rows are written per new connection,
//      initiator first; a dropped packet goes to its destination;
//   4. port class: a port the catalog knows, else the port outside the
//      host's dynamic range, else (both or neither) the lower port, marked as
//      a guess. "Below 1024 is the server" is never used on its own.
//
// The server port's class, after the third seed's table:
//   fine         client high port -> server static port
//   low-source   client port 1-1023 (rare: flag it)
//   restricted   client high -> server high port that is fixed (VoIP ranges, agents)
//   problematic  client high -> server dynamic port
// A server port is dynamic when an endpoint mapper placed an interface there,
// or it lies in the host's dynamic range and is no known static service.
//
// Storage, for millions of observations per second and millions of keys:
// addresses and evidence file names become small ids (flow_interner.h); the
// index is an open-addressing table of 16-byte slots (flow_index.h) into a
// dense array of 96-byte counters, all OnFlow() touches; the first evidence
// of each key is kept apart as (file id, line, packet, offset) rows, and
// connection lifetimes for the peak in flat arrays (flow_peaks.h). Finish()
// builds the full FlowEntry records (addresses, evidence, service,
// interfaces) only once, in their final order.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "analysis/flow_index.h"
#include "analysis/flow_interner.h"
#include "analysis/flow_peaks.h"
#include "catalog/catalog.h"
#include "ingest/traffic_sink.h"
#include "model/observation.h"
#include "model/port_class.h"

namespace highport::analysis {

enum class ServerRule : uint8_t { kListener, kEndpointMapper, kHandshake, kBiflow, kFirewall, kPortClass, kGuess };
std::string_view ServerRuleName(ServerRule rule);  // "listener", "endpoint-mapper", ...

enum class FlowClass : uint8_t { kProblematic, kLowSource, kRestricted, kFine };
std::string_view FlowClassName(FlowClass flow_class);  // "problematic", "low-source", ...

struct FlowKey {
  IpAddress client;
  IpAddress server;
  Proto proto = Proto::kTcp;
  uint16_t port = 0;
  auto operator<=>(const FlowKey&) const = default;
};

// Every observation looks its key up: a hash table, not a tree of address compares.
struct FlowKeyHash {
  size_t operator()(const FlowKey& key) const noexcept;
};

struct FlowEntry {
  FlowKey key;
  int64_t first_us = 0;
  int64_t last_us = 0;
  uint64_t connections = 0;  // allowed or observed connections
  uint64_t attempts = 0;     // dropped packets and unanswered SYNs folded into attempts (one per
                             // client port and minute)
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t allowed = 0;      // connections a firewall allowed
  uint64_t dropped = 0;      // packets a firewall dropped
  uint64_t low_source = 0;   // connections from a client port 1-1023
  ServerRule rule = ServerRule::kGuess;
  FlowClass flow_class = FlowClass::kFine;
  bool dynamic = false;                 // the server port is dynamic (see above)
  std::vector<std::string> interfaces;  // RPC interfaces an endpoint mapper placed on it
  std::string service;                  // the catalog's name for a static port
  std::vector<SourceRef> evidence;      // the first few observations, for the reader
};

// What is known of the hosts before the traffic: listeners and dynamic ranges.
struct HostKnowledge {
  std::set<std::tuple<IpAddress, Proto, uint16_t>> listeners;  // address may be unspecified: any
  std::map<IpAddress, PortRange> dynamic_ranges;               // per host, where an input says
  PortRange default_dynamic_range = kWindowsDynamicRange;      // for every other host
};

class FlowTable : public ingest::TrafficSink {
 public:
  FlowTable(const catalog::Catalog& catalog, HostKnowledge knowledge);

  void OnFlow(const FlowObservation& flow) override;
  void OnRpcRegistration(const RpcRegistration& registration) override;
  void OnLostEvents(uint64_t count, const SourceRef& where) override;

  // Classifies every flow (registrations may arrive after the flows they
  // explain) and returns them: problematic first, then by server, port, client.
  std::vector<FlowEntry> Finish();

  uint64_t observations() const { return observations_; }
  uint64_t lost_events() const { return lost_events_; }
  uint64_t unported() const { return unported_; }  // ICMP and other protocols: counted, not keyed
  // Per server: the most connections to dynamic RPC ports open at the same time.
  const std::map<IpAddress, uint64_t>& peak_rpc_concurrency() const { return peak_; }
  // Per server address and TCP port: the interfaces an endpoint mapper placed there.
  const std::map<std::pair<IpAddress, uint16_t>, std::vector<std::string>>& rpc_ports() const {
    return rpc_ports_;
  }

 private:
  struct Decision {
    bool src_is_server = false;
    ServerRule rule = ServerRule::kGuess;
  };
  Decision DecideServer(const FlowObservation& flow) const;
  bool IsListener(const IpAddress& address, Proto proto, uint16_t port) const;
  PortRange DynamicRange(const IpAddress& server) const;
  bool IsDynamicPort(const IpAddress& server, Proto proto, uint16_t port) const;

  // What OnFlow() updates per key: ids and counters, no strings.
  struct Counters {
    CompactFlowKey key;
    ServerRule rule = ServerRule::kGuess;
    uint8_t evidence = 0;  // rows in evidence_
    // The last dropped packet: its retransmissions (same client port, within
    // a minute) belong to the same attempt.
    uint16_t last_drop_port = 0;
    int64_t last_drop_us = 0;
    int64_t first_us = 0;
    int64_t last_us = 0;
    uint64_t connections = 0, attempts = 0, packets = 0, bytes = 0, allowed = 0, dropped = 0,
             low_source = 0;
  };
  // One of the first observations of a key, without the file name's string.
  struct EvidenceRow {
    uint64_t line, packet, offset;
    uint32_t file;  // files_ id
    uint32_t flow;  // counters_ position
  };
  // What an observation adds to its flow, queued until its slot and counters
  // are in cache (OnFlow in flow_table.cc).
  struct Update {
    CompactFlowKey key;
    uint64_t hash = 0;
    uint32_t flow = 0;  // counters_ position, once located
    ServerRule rule = ServerRule::kGuess;
    bool dropped = false, allowed = false, answer_half = false, lifetime = false,
         unanswered = false;
    uint16_t client_port = 0;
    int64_t first_us = 0, last_us = 0;
    uint64_t packets = 0, bytes = 0, connections = 0;
    uint32_t file = 0;  // files_ id
    uint64_t line = 0, packet = 0, offset = 0;
  };
  static constexpr uint64_t kLookAhead = 8;
  static constexpr uint64_t kQueue = 2 * kLookAhead;
  void Locate(Update& u);
  void Apply(const Update& u);
  void Drain();  // everything queued, applied

  // `ids`: the dense address ids Finish() gives the keys.
  FlowEntry MakeEntry(const Counters& c, const AddressInterner& ids, bool dynamic,
                      FlowClass flow_class) const;
  bool IsKnownPort(Proto proto, uint16_t port) const;

  const catalog::Catalog& catalog_;
  HostKnowledge knowledge_;
  // The catalog's ports as bits: two lookups per observation stay in cache.
  std::bitset<65536> known_tcp_, known_udp_;
  AddressInterner addresses_;
  NameInterner files_;
  FlowIndex index_;  // into counters_
  std::vector<Counters> counters_;
  std::vector<EvidenceRow> evidence_;
  LifetimeLog lifetimes_;
  std::array<Update, kQueue> queue_;
  uint64_t queued_ = 0, located_ = 0, applied_ = 0;  // counts; positions modulo kQueue
  std::map<std::pair<IpAddress, uint16_t>, std::vector<std::string>> rpc_ports_;
  std::map<IpAddress, uint64_t> peak_;
  uint64_t observations_ = 0;
  uint64_t lost_events_ = 0;
  uint64_t unported_ = 0;
};

}  // namespace highport::analysis
