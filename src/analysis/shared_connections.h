// Connections that two inputs both saw. Both ends of a connection may log it
// (the client's pfirewall.log says SEND, the server's says RECEIVE), and a
// firewall log, a capture and a router's NetFlow of the same link each report
// it again. The flow table adds what every input says; without this, a
// connection seen from both ends counted twice in the flow's connections,
// allowed connections, packets and bytes.
//
// One sighting is kept per connection an input reported (flow, input, client
// port, start second), and at the finish the sightings of one connection are
// found: the same flow and client port, each from another input, within
// kSkewSeconds of the first. The client port tells connections of one flow
// apart: a client cannot open a second connection from the same port to the
// same server port while the first is open or in TIME_WAIT (Windows keeps it
// 120 s, Linux 60 s), and domain members' clocks agree to seconds. An input
// gives at most one sighting to a connection: two rows of one log are two
// connections. Reuse within the window can only merge two connections where
// each input missed the other's, which the two ends of a connection, or a
// log beside the NetFlow of its link, do not.
//
// An "input" is a vantage point, not a file (ViewpointOf): one host's
// pfirewall.log and pfirewall.log.old are one, and so are the hourly files
// of one capture point in one folder. Two files of one vantage point never
// see the same connection, and telling them apart would merge the
// connections at their boundary that reused a port.
//
// What one connection counts, from its sightings: one connection; allowed if
// any input allowed it; the packets and bytes of the sighting that saw most
// (a firewall row sees one packet, the NetFlow record all of them). The rest
// is the excess, which FlowTable takes off the flow's counts.
//
// Memory grows with connections, 32 bytes each, which is why the table keeps
// sightings only where a run has inputs that can see the same connection
// (FlowTable::set_shared_connections): never for one host's own logs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace highport::analysis {

// The vantage point of what an input file reported: its folder and, for a
// firewall log, its name without ".old" (two hosts' logs copied flat into
// one folder are two); the packets every capture of one folder saw are one
// capture point, and the NetFlow records in them another.
enum class Seen : uint8_t { kFirewallLog, kPackets, kNetflow };
std::string ViewpointOf(std::string_view file, Seen seen);

class SharedConnections {
 public:
  static constexpr int64_t kSkewSeconds = 60;

  // A connection of flow `flow` (a FlowTable position) that input `input`
  // (its evidence file id) reported, from `client_port`, starting at `start_us`.
  // `answer`: a NetFlow half that a guess made the server's (no connection
  // unless the finish turns its key round: Turn). `log_side`: a firewall
  // row's logging host, 1 the client, 2 the server (0: not a log). Two rows
  // of one side are never one connection, whatever their files: they are
  // one host's (a log copied into two moment folders), or two clients'
  // behind one NAT address.
  void Add(uint32_t flow, uint32_t input, uint16_t client_port, int64_t start_us,
           uint64_t packets, uint64_t bytes, bool allowed, bool low_source, bool answer = false,
           uint8_t log_side = 0);

  // What the sightings beyond the first of each connection added to a flow.
  struct Excess {
    uint32_t flow = 0;
    uint64_t connections = 0, allowed = 0, low_source = 0, packets = 0, bytes = 0;
    uint64_t shared = 0;  // connections more than one input reported
  };
  // Per flow that has a connection seen more than once, by ascending flow.
  // Empties the log.
  std::vector<Excess> TakeExcess();

  size_t size() const { return sightings_.size(); }
  // A key turned round at the finish (FlowTable::ReviseGuesses): its
  // sightings become flow `to`'s, their client port `port` (the key's old
  // server port), and its halves change sides. `turned`: flow -> (to, port).
  void Turn(const std::unordered_map<uint32_t, std::pair<uint32_t, uint16_t>>& turned);

 private:
  struct Sighting {
    uint64_t bytes;
    uint32_t packets;  // saturated at 2^32 - 1
    uint32_t second;   // since the epoch, clamped to [0, 2^32 - 1]
    uint32_t flow;
    uint32_t input;
    uint16_t client_port;
    uint8_t allowed : 1;
    uint8_t low_source : 1;
    uint8_t answer : 1;
    uint8_t log_side : 2;
  };
  static_assert(sizeof(Sighting) == 32);
  std::vector<Sighting> sightings_;
};

}  // namespace highport::analysis
