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
//      initiator first; a dropped packet goes to its destination, unless it
//      answers (a SYN-ACK; a reply from a port the port classes name);
//   4. port class: a port the catalog knows, else the port outside the
//      host's dynamic range, else (both or neither) the lower port, marked as
//      a guess. "Below 1024 is the server" is never used on its own. At the
//      finish a guess the rest of the evidence contradicts is turned round
//      (flow_table_guesses.cc).
//
// A connection two vantage points reported (both ends' logs, a log and
// NetFlow) counts once (shared_connections.h), and so does one an exporter
// reported in pieces (ContinuesSeenConnection).
//
// The server port's class, after the third seed's table:
//   fine         client high port -> server static port
//   low-source   client port 1-1023 (rare: flag it)
//   restricted   client high -> server high port that is fixed (VoIP ranges, agents)
//   problematic  client high -> server dynamic port
//   local        a host's connection to itself (both ends loopback, or one
//                address): no firewall on the network sees it, whatever the
//                port. Its port still counts as dynamic for the peak: a
//                narrowed RPC range must hold local callers too.
// A server port is dynamic when an endpoint mapper placed an interface there,
// or it lies in the host's dynamic range and is no known static service, or
// the same service was seen on different ports over time (two socket
// inventories of its host: moved_ports.h) and it is no known static service.
//
// Storage, for millions of observations per second and millions of keys:
// addresses and evidence file names become small ids (flow_interner.h); the
// index is an open-addressing table of 8-byte slots (flow_index.h: a hash
// tag and the position; the key is compared in the counters) into a dense
// array of 64-byte counters (one cache line, 32-bit counts that spill to a
// 64-bit row before they overflow), all OnFlow() touches; the first evidence
// of each key is kept apart as 12-byte (file id, line or packet and offset)
// rows, and connection lifetimes for the peak as a delta-coded stream of
// about 6 bytes per firewall row, or 24-byte spans (flow_peaks.h), all in
// fixed blocks that never move (flow_blocks.h). Finish() builds the
// full FlowEntry records (addresses, evidence, service, interfaces) only
// once, in their final order; FinishCompact() builds each only when asked,
// so that a report of a million flows never holds them all.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "analysis/flow_blocks.h"
#include "analysis/flow_index.h"
#include "analysis/flow_interner.h"
#include "analysis/flow_peaks.h"
#include "analysis/server_pids.h"
#include "analysis/shared_connections.h"
#include "catalog/catalog.h"
#include "ingest/traffic_sink.h"
#include "model/observation.h"
#include "model/port_class.h"

namespace highport::analysis {

enum class ServerRule : uint8_t {
  kListener, kEndpointMapper, kHandshake, kBiflow, kFirewall,
  kKnownServer,  // a guess turned: the other side is the server in flows a rule above decided
  kFanIn,        // a guess turned: the other side's port met other clients, this side's none
  kPortClass, kGuess
};
inline constexpr size_t kServerRules = 9;
std::string_view ServerRuleName(ServerRule rule);  // "listener", "endpoint-mapper", ...

enum class FlowClass : uint8_t { kProblematic, kLowSource, kRestricted, kFine, kLocal };
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
  // Ports a service moved from or to between two inventories of its host
  // (MovedPorts, moved_ports.h); the address may be unspecified: any.
  std::set<std::tuple<IpAddress, Proto, uint16_t>> moved_ports;
};

class FinishedFlows;

// A finished flow without copies (FinishedFlows::View): references into the
// FinishedFlows and the table, valid while both are. For writers that print
// fields as they go: Get() copies both addresses, the service name and every
// evidence file name into a FlowEntry, about 350 instructions a flow.
struct EvidenceView {
  std::string_view file;
  uint64_t line = 0, packet = 0, offset = 0;  // as in SourceRef
};
struct FlowView {
  const IpAddress* client = nullptr;
  const IpAddress* server = nullptr;
  Proto proto = Proto::kTcp;
  uint16_t port = 0;
  int64_t first_us = 0, last_us = 0;
  uint64_t connections = 0, attempts = 0, packets = 0, bytes = 0, allowed = 0, dropped = 0,
           low_source = 0;  // as in FlowEntry
  ServerRule rule = ServerRule::kGuess;
  FlowClass flow_class = FlowClass::kFine;
  bool dynamic = false;
  const std::vector<std::string>* interfaces = nullptr;  // nullptr: none
  std::string_view service;
  uint32_t evidence = 0;  // FinishedFlows::Evidence(i, 0 .. evidence - 1)

  // The seven counts from anything that names them as FlowEntry does (a
  // FlowEntry, the table's full-width counts): one list for both sources.
  template <class Counts>
  void SetCounts(const Counts& c) {
    connections = c.connections;
    attempts = c.attempts;
    packets = c.packets;
    bytes = c.bytes;
    allowed = c.allowed;
    dropped = c.dropped;
    low_source = c.low_source;
  }
};

class FlowTable : public ingest::TrafficSink {
 public:
  FlowTable(const catalog::Catalog& catalog, HostKnowledge knowledge);

  // Off (before the first observation): no connection lifetimes are kept and
  // no peak is found, so peak_rpc_concurrency() stays empty. For an output
  // that prints no peak (flows as CSV): the lifetimes are a record per
  // connection to a high port, and logging and sweeping them was 17% of a
  // real log's run.
  void set_peaks(bool on) { peaks_ = on; }
  // On (before the first observation): a connection that two inputs both
  // reported counts once (shared_connections.h). For runs whose inputs can
  // see the same connection (both ends' logs, a log beside a capture or
  // NetFlow); off, one host's own logs keep no sightings (32 bytes a
  // connection).
  void set_shared_connections(bool on) { shared_on_ = on; }

  void OnFlow(const FlowObservation& flow) override;
  void OnRpcRegistration(const RpcRegistration& registration) override;
  void OnLostEvents(uint64_t count, const SourceRef& where) override;

  // Classifies every flow (registrations may arrive after the flows they
  // explain) and returns them: problematic first, then by server, port, client.
  std::vector<FlowEntry> Finish();
  // The same flows in compact form, each FlowEntry built only when asked for:
  // a million keys as FlowEntry records were most of a large run's memory.
  // The table must outlive the result (its catalog and endpoint-mapper ports
  // name the services and interfaces).
  FinishedFlows FinishCompact();

  uint64_t observations() const { return observations_; }
  uint64_t lost_events() const { return lost_events_; }
  uint64_t unported() const { return unported_; }  // ICMP and other protocols: counted, not keyed
  // Connections taken off again because another input had reported them
  // too (set_shared_connections), ready once Finish() or FinishCompact() has run.
  uint64_t shared_connections() const { return shared_connections_; }
  // Per server: the most connections to dynamic RPC ports open at the same time.
  const std::map<IpAddress, uint64_t>& peak_rpc_concurrency() const { return peak_; }
  // Which process the logging host's firewall log named on each of its server
  // ports (server_pids.h), ready once Finish() or FinishCompact() has run.
  const std::vector<ServerPid>& server_pids() const { return server_pid_list_; }
  // Per server address and TCP port: the interfaces an endpoint mapper placed there.
  const std::map<std::pair<IpAddress, uint16_t>, std::vector<std::string>>& rpc_ports() const {
    return rpc_ports_;
  }

 private:
  friend class FinishedFlows;
  struct Decision {
    bool src_is_server = false;
    ServerRule rule = ServerRule::kGuess;
  };
  [[gnu::always_inline]] inline Decision DecideServer(const FlowObservation& flow) const;
  [[gnu::always_inline]] inline std::optional<Decision> ByPortClass(const FlowObservation& flow) const;
  bool IsListener(const IpAddress& address, Proto proto, uint16_t port) const {
    // Inline: the port's bit answers for nearly every observation.
    return (proto == Proto::kUdp ? listened_udp_ : listened_tcp_)[port] &&
           IsKnownListener(address, proto, port);
  }
  bool IsKnownListener(const IpAddress& address, Proto proto, uint16_t port) const;
  PortRange DynamicRange(const IpAddress& server) const {
    // Inline: most runs know no per-host range, and every observation asks twice.
    if (knowledge_.dynamic_ranges.empty()) return knowledge_.default_dynamic_range;
    return DynamicRangeOf(server);
  }
  PortRange DynamicRangeOf(const IpAddress& server) const;
  bool IsDynamicPort(const IpAddress& server, Proto proto, uint16_t port) const;
  bool IsMovedPort(const IpAddress& server, Proto proto, uint16_t port) const;
  // The same where no endpoint mapper placed an interface: the port in `range`
  // and no known static service (the endpoint mapper's own ports never are).
  bool IsDynamicIn(PortRange range, Proto proto, uint16_t port) const {
    if (proto == Proto::kTcp && (port == 135 || port == 593)) return false;
    return range.Contains(port) && !IsKnownPort(proto, port);
  }

  // Every count of a key, full width: what a key holds once one of its
  // counts no longer fits 32 bits, or once it has a low-source connection.
  struct WideCounts {
    uint64_t connections = 0, attempts = 0, packets = 0, bytes = 0, allowed = 0, dropped = 0,
             low_source = 0;
  };
  // What OnFlow() updates per key: ids and counters, no strings, in one
  // cache line. The counts are 32 bits: a key rarely sees 4 G packets or
  // bytes, and one that would is moved to a WideCounts row before the sum
  // overflows (`wide`), so every result stays exact. low_source has no
  // narrow field: a connection from a port below 1024 is rare, and makes its
  // key wide at once.
  struct alignas(64) Counters {
    CompactFlowKey key;
    ServerRule rule = ServerRule::kGuess;
    uint8_t evidence : 2 = 0;  // rows in evidence_ (at most kEvidencePerFlow)
    uint8_t wide : 1 = 0;      // the counts are in wide_counts_[counts.connections]
    // The last attempt (last_drop_port, last_drop_us) is in recent_attempts_
    // already: a key whose attempts keep changing ports (a scan, SYNs nobody
    // answered) then costs one look into the cache per attempt, not two.
    uint8_t last_attempt_cached : 1 = 0;
    // Merged into the reverse key at the finish (ReviseGuesses): no flow of its own.
    uint8_t merged : 1 = 0;
    // The last dropped packet: its retransmissions (same client port, within
    // a minute) belong to the same attempt.
    uint16_t last_drop_port = 0;
    int64_t last_drop_us = 0;
    int64_t first_us = 0;
    int64_t last_us = 0;
    struct {
      uint32_t connections = 0, attempts = 0, packets = 0, bytes = 0, allowed = 0, dropped = 0;
    } counts;
  };
  // 64 bytes: a million keys, 64 MB (the key, rule, evidence count and drop
  // port share the first 16 bytes).
  static_assert(sizeof(CompactFlowKey) == 12);
  static_assert(sizeof(Counters) == 64);
  // All of a key's counts, wherever they are kept.
  static WideCounts CountsOf(const Counters& c, const std::vector<WideCounts>& wide);
  // One of the first observations of a key, without the file name's string,
  // in 12 bytes (up to three per key): a text line below 2^32 is held in
  // `a`; a packet below 2^32 in `a` and its offset (below 2^16, a record's
  // place in a datagram) in the word, beside a file id below 2^14; anything
  // else is a row of wide_evidence_ that `a` points to.
  struct EvidenceRow {
    uint32_t flow;  // counters_ position
    uint32_t word;  // kLine, kWide: files_ id << 2 | kind; kPacket: id << 18 | offset << 2 | kind
    uint32_t a;
  };
  static_assert(sizeof(EvidenceRow) == 12);
  // The same without the flow, once the rows are laid out by flow (FinishedFlows).
  struct EvidenceWords {
    uint32_t word;
    uint32_t a;
  };
  struct WideEvidence {
    uint64_t line, packet, offset;
  };
  enum EvidenceKind : uint32_t { kLine = 0, kPacket = 1, kWide = 2 };
  [[gnu::always_inline]] inline EvidenceRow PackEvidence(uint32_t flow, uint32_t file,
                                                         uint64_t line, uint64_t packet,
                                                         uint64_t offset);
  [[gnu::noinline]] EvidenceRow PackWide(uint32_t flow, uint32_t file, uint64_t line,
                                         uint64_t packet, uint64_t offset);
  [[gnu::always_inline]] static inline void UnpackEvidence(EvidenceWords row, const std::vector<WideEvidence>& wide,
                             const NameInterner& files, SourceRef& out);
  // The same without copying the file name (FinishedFlows::Evidence).
  static EvidenceView ViewEvidence(EvidenceWords row, const std::vector<WideEvidence>& wide,
                                   const NameInterner& files);
  // What an observation adds to its flow, queued until its slot and counters
  // are in cache (OnFlow in flow_table.cc). 128 bytes, a power of two, not
  // the 112 its fields need: OnFlow finds an entry by its position in half a
  // dozen places, and a multiple of 112 took three instructions each time
  // (about 40 of the 460 an observation cost).
  struct alignas(128) Update {
    CompactFlowKey key;
    uint64_t hash = 0;
    uint32_t flow = 0;  // counters_ position, once located
    bool checked = false;  // flow is surely the key's (else Apply() compares)
    ServerRule rule = ServerRule::kGuess;
    bool dropped = false, allowed = false, answer_half = false, lifetime = false,
         unanswered = false;
    // A TCP conversation seen on the wire or exported (not a firewall row),
    // whose connection may have been reported in pieces (SeenConnection);
    // `continues`: its flags are known and hold no SYN, so it began earlier;
    // `opens`: they hold the SYN.
    bool tracked = false, continues = false, opens = false;
    // The vantage point of a SYN piece (SeenViewpointId) where connections
    // are matched across inputs; else 0.
    uint32_t viewpoint = 0;
    bool one_direction = false;  // the record counts one direction's packets (NetFlow)
    // A firewall row: 1 the logging host is the flow's client, 2 its
    // server; 0 another input (SharedConnections::Add).
    uint8_t log_side = 0;
    // A firewall row of a host's connection to itself (loopback, or its own
    // address) written by its client side: Windows logs such a connection
    // twice, SEND and RECEIVE, and the RECEIVE row counts it.
    bool self_send = false;
    uint16_t client_port = 0;
    int64_t first_us = 0, last_us = 0;
    uint64_t packets = 0, bytes = 0, connections = 0;
    uint32_t file = 0;  // files_ id
    uint64_t line = 0, packet = 0, offset = 0;
  };
  static constexpr uint64_t kLookAhead = 8;
  static constexpr uint64_t kQueue = 2 * kLookAhead;
  // Inline in OnFlow(): a call per step cost more than either step's work.
  [[gnu::always_inline]] inline void Locate(Update& u);
  void AddKey(const Update& u);  // fresh counters for u's key
  [[gnu::noinline]] uint32_t LookUpAgain(const Update& u);
  // A row with a pid whose logging host is the server: its process there.
  [[gnu::noinline]] void NotePid(const FlowObservation& f, const Decision& d, uint32_t file);
  [[gnu::noinline]] void Widen(Counters& e);  // its counts to a new WideCounts row
  [[gnu::always_inline]] inline void Apply(const Update& u);
  void Drain();  // everything queued, applied

  // `addresses`: by the dense ids Finish() gives the keys; `e`'s vectors are reused.
  void MakeEntry(const Counters& c, const std::vector<WideCounts>& wide,
                 const std::vector<IpAddress>& addresses, bool dynamic, FlowClass flow_class,
                 FlowEntry& e) const;
  // The endpoint mapper's interfaces on a server's TCP port, or nullptr.
  const std::vector<std::string>* InterfacesAt(const IpAddress& server, Proto proto,
                                               uint16_t port) const {
    if (proto != Proto::kTcp || rpc_ports_.empty()) return nullptr;
    auto it = rpc_ports_.find({server, port});
    return it == rpc_ports_.end() ? nullptr : &it->second;
  }
  bool IsKnownPort(Proto proto, uint16_t port) const {
    return (PortBitsOf(proto)[port] & kKnownPort) != 0;
  }
  // What DecideServer() asks of each port, one byte per protocol and port:
  // two loads and a XOR tell which of two ports the catalog knows, and
  // which lies in the default dynamic range, where bitsets and ranges took
  // a dozen instructions each.
  // kKnownServerPort: known, and outside Windows' dynamic range (ByPortClass).
  enum PortBits : uint8_t { kKnownPort = 1, kInDefaultRange = 2, kKnownServerPort = 4 };
  const uint8_t* PortBitsOf(Proto proto) const {
    return port_bits_.data() + (proto == Proto::kUdp ? 65536 : 0);
  }

  const catalog::Catalog& catalog_;
  HostKnowledge knowledge_;
  // PortBits per TCP port, then per UDP port: 128 KiB, on the heap.
  std::vector<uint8_t> port_bits_;
  // Ports some listener or endpoint-mapper answer names, on any address: most
  // observations are no listener's, and this bit says so without the sets.
  std::bitset<65536> listened_tcp_, listened_udp_;
  bool any_listened_ = false;  // some bit above is set: else no observation asks them
  AddressInterner addresses_;
  NameInterner files_;
  FlowIndex index_;  // into counters_
  BlockVector<Counters> counters_;
  std::vector<WideCounts> wide_counts_;  // the counts of wide keys
  BlockVector<EvidenceRow> evidence_;
  std::vector<WideEvidence> wide_evidence_;
  LifetimeLog lifetimes_;
  // Recent attempts by (key, client port), for retransmissions that
  // interleave: parallel connection attempts to one dropped port (a browser
  // opens six) retransmit in turn, and a key remembers only its last client
  // port. Direct-mapped, made at the first attempt whose port differs from
  // its key's last: a collision forgets an attempt, which can only count a
  // retransmission as a new attempt. An entry is 8 bytes (half a 16-byte
  // one's cache misses, measured on 337 k SYNs nobody answered): 32 bits of
  // the (key, port) hash beside the 16 that place it (two attempts merged
  // by a false match: about one chance in 2 billion), and the second.
  struct RecentAttempt {
    uint32_t tag = 0;  // 0: empty
    uint32_t second = 0;
  };
  static constexpr int kRecentAttemptBits = 16;  // 65536 x 8 bytes: 512 KiB
  std::vector<RecentAttempt> recent_attempts_;
  static uint64_t RecentAttemptHash(uint32_t flow, uint16_t client_port) {
    return (uint64_t{flow} << 16 | client_port) * 0x9E3779B97F4A7C15ull;
  }
  static size_t RecentAttemptIndex(uint32_t flow, uint16_t client_port) {
    return static_cast<size_t>(RecentAttemptHash(flow, client_port) >> (64 - kRecentAttemptBits));
  }
  [[gnu::always_inline]] inline RecentAttempt& RecentAttemptSlot(uint32_t flow, uint16_t client_port,
                                                                 uint32_t& tag);
  [[gnu::always_inline]] inline void RememberAttempt(uint32_t flow, uint16_t client_port, int64_t us);
  // Whether (flow, client port) had an attempt within the window of `us`;
  // remembers this one.
  [[gnu::always_inline]] inline bool AttemptSeenRecently(uint32_t flow, uint16_t client_port,
                                                         int64_t us);
  // Connections seen on the wire or in NetFlow, by (key, client port): an
  // exporter reports a long connection in pieces (its active timeout cuts
  // it every minute to 30 minutes; a capture's idle timeout and its file
  // boundaries do the same), and only the first piece holds the SYN. Two
  // pieces of one (key, client port) less than kPieceGapSeconds apart (one
  // begins within that time of the other's end) are one connection unless
  // both hold a SYN (the port reused for a new one), in whichever order
  // they are read: a piece without SYN read first counts, and its SYN piece
  // read later then does not. A day: an idle connection's keepalive (every
  // 2 hours, Windows' and Linux's default) is all a capture sees of it, and
  // its idle timeout (an hour) cuts it at each. One entry per (key, client
  // port): the next connection on the port read between two pieces of one
  // takes the entry (a folder's files come in natural order, so rotated
  // captures are read in time order). What a day costs: a connection whose SYN no
  // input holds, on a port that another connection to the same server port
  // used within the day, counts with that one.
  // Two SYN pieces that begin within kSameOpenSeconds of each other, from
  // one vantage point, are one connection reported twice, not the port
  // reused: a router exporting both ingress and egress, two routers on the
  // path exporting into one capture, two hosts' captures in one folder. The
  // copies begin within milliseconds; a client that closed first waits in
  // TIME_WAIT before it opens the same connection again, but one whose
  // server closed first, or that wraps its ports fast (a proxy, a health
  // check), may reopen within seconds: hence two seconds, not a minute.
  // (From two vantage points, SharedConnections matches them.)
  // Direct-mapped, made at the first such conversation; an entry is a tag
  // (bit 0 set: not empty; bit 1: the connection's SYN was seen) and the
  // seconds its pieces so far began and ended: a collision forgets a
  // connection, which can only count a later piece of it again, as every
  // piece counted before.
  // The SYN pieces have a table of their own, by (key, client port, vantage
  // point): the second the last one began. (Per vantage point, so that a
  // third report from another point between a point's two reports of one
  // connection changes nothing: any order of files counts the same.)
  struct SeenConnection {
    uint32_t tag = 0;
    uint32_t first = 0, last = 0;  // seconds
  };
  struct SeenOpen {
    uint32_t tag = 0;
    uint32_t second = 0;
  };
  static constexpr int kSeenConnectionBits = 18;  // 262144 x 12 (and 8) bytes: 3 (and 2) MiB
  static constexpr int64_t kPieceGapSeconds = 24 * 3600;
  static constexpr int64_t kSameOpenSeconds = 2;
  std::vector<SeenConnection> seen_connections_;
  std::vector<SeenOpen> seen_opens_;
  [[gnu::always_inline]] inline SeenConnection* SeenConnectionSlot(uint32_t flow,
                                                                   uint16_t client_port,
                                                                   uint32_t& tag);
  [[gnu::always_inline]] inline SeenOpen* SeenOpenSlot(uint32_t flow, uint16_t client_port,
                                                       uint32_t viewpoint, uint32_t& tag);
  // Whether this piece is part of a connection another piece counted
  // already (or, a SYN piece, the same report of it again); remembers it.
  [[gnu::always_inline]] inline bool ContinuesSeenConnection(const Update& u, uint32_t flow);
  // ReviseGuesses: the pieces of `from` (a guessed key turned round) on
  // `from_port` are of the connection `into` saw on `into_port`: two
  // entries near each other, not both with a SYN. If so, the entries become
  // one.
  bool JoinsSeenConnection(uint32_t from, uint16_t from_port, uint32_t into, uint16_t into_port);
  bool peaks_ = true;
  // Per key whose observations were guesses (ServerRule::kGuess): the
  // client port they had, so that the finish can turn a guess the rest of
  // the evidence contradicts (ReviseGuesses, flow_table_guesses.cc):
  // port | kGuessPortSet, | kGuessPortVaries once a second port came. And
  // the one-direction halves on either side: a NetFlow record's half that
  // the guess made the server's counted no connection, the other half one;
  // turned round, it is the other way. Made at the first guess; 12 bytes a key.
  static constexpr uint32_t kGuessPortSet = 1u << 16, kGuessPortVaries = 1u << 17;
  struct GuessedKey {
    uint32_t port = 0;
    uint32_t client_halves = 0;  // one-direction halves from the guessed client: counted
    uint32_t server_halves = 0;  // from the guessed server: not counted
  };
  std::vector<GuessedKey> guess_ports_;
  [[gnu::noinline]] void GrowGuessPorts(uint32_t flow) {
    guess_ports_.resize(std::max<size_t>(std::max<size_t>(flow + 1, 2 * guess_ports_.size()), 4096));
  }
  [[gnu::always_inline]] void NoteGuessPort(uint32_t flow, const Update& u) {
    if (flow >= guess_ports_.size()) [[unlikely]] GrowGuessPorts(flow);
    GuessedKey& g = guess_ports_[flow];
    if ((g.port & kGuessPortSet) == 0) {
      g.port = u.client_port | kGuessPortSet;
    } else if ((g.port & 0xffff) != u.client_port) {
      g.port |= kGuessPortVaries;
    }
    if (u.one_direction && !u.dropped && !u.unanswered) {
      // (Saturating: a count this high no longer matters.)
      uint32_t& halves = u.answer_half ? g.server_halves : g.client_halves;
      if (halves != UINT32_MAX) halves += static_cast<uint32_t>(std::min<uint64_t>(u.connections, 1));
    }
  }
  // Where a key's guess is contradicted, its reverse key (merged into one
  // that exists, in place otherwise). Returns per merged key the key it
  // went into. Before the index is released.
  std::vector<std::pair<uint32_t, uint32_t>> ReviseGuesses();
  bool shared_on_ = false;
  SharedConnections shared_;
  // The vantage point (ViewpointOf) of each evidence file, per Seen: its
  // id + 1, 0 until asked.
  std::array<std::vector<uint32_t>, 3> viewpoint_of_file_;
  std::map<std::string, uint32_t> viewpoints_;
  uint32_t ViewpointId(uint32_t file, Seen seen) {
    std::vector<uint32_t>& ids = viewpoint_of_file_[static_cast<size_t>(seen)];
    if (file < ids.size() && ids[file] != 0) return ids[file] - 1;
    return NewViewpointId(file, seen);
  }
  [[gnu::noinline]] uint32_t NewViewpointId(uint32_t file, Seen seen);
  // The vantage point of an update's input: a firewall log's connection is
  // an allowed one; a capture's and NetFlow's are observed, NetFlow's at a
  // record's offset in its packet.
  uint32_t SeenViewpointId(const Update& u) {
    return ViewpointId(u.file, u.allowed       ? Seen::kFirewallLog
                               : u.offset > 0 ? Seen::kNetflow
                                              : Seen::kPackets);
  }
  uint64_t shared_connections_ = 0;
  void TakeOffSharedConnections();  // at the finish: shared_'s excess off the counts
  std::array<Update, kQueue> queue_;
  uint64_t queued_ = 0, located_ = 0, applied_ = 0;  // counts; positions modulo kQueue
  std::map<std::pair<IpAddress, uint16_t>, std::vector<std::string>> rpc_ports_;
  std::map<IpAddress, uint64_t> peak_;
  ServerPids server_pids_;
  std::vector<ServerPid> server_pid_list_;  // server_pids_ with file names, at the finish
  uint64_t observations_ = 0;
  uint64_t lost_events_ = 0;
  uint64_t unported_ = 0;
};

// FlowTable::FinishCompact()'s flows, in their final order (problematic
// first, then by server, port, client).
class FinishedFlows {
 public:
  size_t size() const { return order_.size(); }
  bool empty() const { return order_.empty(); }
  // The flow at position `i`, built into `out` (whose vectors keep their
  // storage). Not for two threads at once: it keeps spare evidence records.
  void Get(size_t i, FlowEntry& out) const;
  FlowEntry Get(size_t i) const {
    FlowEntry e;
    Get(i, e);
    return e;
  }
  // The same flow as Get() builds, without building it (see FlowView).
  // Into the caller's view, as Get() fills an entry: a writer reuses one, and
  // a returned view was copied from a temporary (about 35 instructions a flow).
  void View(size_t i, FlowView& out) const;
  FlowView View(size_t i) const {
    FlowView v;
    View(i, v);
    return v;
  }
  // Its evidence record k (k < View(i).evidence), in the order Get() gives.
  void Evidence(size_t i, size_t k, EvidenceView& out) const;
  // Asks the CPU to fetch what View(i) and Evidence(i, k) read first. The
  // flows are ordered by server, port and client, not by where their
  // counters lie, so each View() of a large table waited for a cache miss
  // or two (a fifth of a firewall log's `highport flows`, by time); a
  // writer that asks for flow i + a few ahead has them there in time.
  // i < size(). Always inline: GCC 12 finds a function that only loads and
  // prefetches free of side effects and drops calls to it that it has not
  // inlined yet (the prefetch with them).
  [[gnu::always_inline]] void Prefetch(size_t i) const {
    const uint32_t flow = order_[i];
    __builtin_prefetch(&counters_[flow]);
    __builtin_prefetch(&first_row_[flow]);
    __builtin_prefetch(&classes_[flow]);
  }
  // The second step, for a flow whose Prefetch() has had time to arrive:
  // what its counters point at, the client's and server's addresses (the
  // client's text is the next miss of a CSV row) and its first evidence row.
  [[gnu::always_inline]] void PrefetchPointees(size_t i) const {
    const uint32_t flow = order_[i];
    const FlowTable::Counters& c = counters_[flow];
    __builtin_prefetch(&addresses_[c.key.client]);
    __builtin_prefetch(&addresses_[c.key.server]);
    if (c.evidence > 0) __builtin_prefetch(&evidence_[first_row_[flow]]);
  }
  EvidenceView Evidence(size_t i, size_t k) const {
    EvidenceView e;
    Evidence(i, k, e);
    return e;
  }
  FlowClass flow_class(size_t i) const { return static_cast<FlowClass>(classes_[order_[i]]); }
  // How many servers the flows have. Read in the order the counters lie, not
  // flow by flow: server(i) for each i waited for a cache miss per flow.
  size_t CountServers() const;
  const IpAddress& server(size_t i) const { return addresses_[counters_[order_[i]].key.server]; }
  // Drops the flows for which drop(flow_class, server) is true; the rest keep their order.
  template <class Drop>
  void EraseIf(Drop drop) {
    std::erase_if(order_, [&](uint32_t flow) {
      return drop(static_cast<FlowClass>(classes_[flow]), addresses_[counters_[flow].key.server]);
    });
  }

 private:
  friend class FlowTable;
  const FlowTable* table_ = nullptr;
  BlockVector<FlowTable::Counters> counters_;  // keys hold addresses_ positions
  std::vector<FlowTable::WideCounts> wide_counts_;
  std::vector<uint8_t> classes_;               // FlowClass per counters_ position
  std::vector<bool> dynamic_;
  std::vector<uint32_t> order_;                // counters_ positions, in the final order
  // Every flow's evidence rows in arrival order, the flows one after the
  // other in order_'s order: writers read them front to back.
  std::vector<FlowTable::EvidenceWords> evidence_;
  std::vector<FlowTable::WideEvidence> wide_evidence_;
  std::vector<uint32_t> first_row_;  // per counters_ position: its first row in evidence_
  std::vector<IpAddress> addresses_;  // by dense id, in order of first appearance
  mutable std::array<SourceRef, 3> spare_evidence_;  // Get()'s, the first spare_count_
  mutable size_t spare_count_ = 0;
  NameInterner files_;
};

}  // namespace highport::analysis
