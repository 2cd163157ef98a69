// Per server: the static ports, the dynamic ports with the clients that use
// them, and the number of clients, as `highport flows` summarises them after
// the flows (table and JSON).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "report/flows_report.h"

namespace highport::report {

using PortOf = std::pair<Proto, uint16_t>;

struct DynamicPortUse {
  PortOf port;
  std::vector<IpAddress> clients;  // sorted, distinct
  std::string what;  // What() of the last flow to this port that names it, else ""
  bool operator==(const DynamicPortUse&) const = default;
};

struct ServerSummary {
  IpAddress server;
  std::vector<PortOf> static_ports;           // sorted, distinct
  std::vector<DynamicPortUse> dynamic_ports;  // sorted by port
  size_t clients = 0;                         // distinct clients over every port
  bool operator==(const ServerSummary&) const = default;
};

// What is behind the server port: the RPC interfaces, else the catalog's
// service, else the process the server's inventory shows listening there.
std::string FlowWhat(const analysis::FlowEntry& e, const ListenerOwners& owners);
void AppendFlowWhat(std::string& out, const analysis::FlowView& v, const ListenerOwners& owners);

// Sorted by server. Sorts one small record per flow (addresses as integers);
// reports with an IPv6 zone take ServerSummariesBySets().
std::vector<ServerSummary> ServerSummaries(const FlowsReport& report);

// ServerSummaries(report) from the flows a writer passes anyway (each flow
// of the report once, in order): a second pass would build every record again.
class ServerSummaryBuilder {
 public:
  explicit ServerSummaryBuilder(const FlowsReport& report);
  void Add(const analysis::FlowEntry& e) { Add(FlowRef::Of(e).v); }
  void Add(const analysis::FlowView& v);
  // After the last Add(): the number of servers, and each server's summary
  // in turn (one reused record: a large run never holds them all).
  size_t ServerCount();
  void ForEach(const std::function<void(const ServerSummary&)>& each);
  std::vector<ServerSummary> Finish();  // ForEach's summaries, all kept

  struct Key {  // an address without a zone as two big-endian integers: ordered as IpAddress
    IpAddress::Family family;
    uint64_t high, low;
    auto operator<=>(const Key&) const = default;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept;
  };
  // One per flow, 16 bytes: a million flows are 16 MB, not the 64 that two
  // whole addresses per flow took. Addresses are ids into keys_ (first-seen
  // order) until Finish() turns them into ranks in address order. Packed
  // into two words so that the sort by (server, proto, port, client) compares
  // two words (a comparison of four fields was most of the sort).
  struct Use {
    // server << 32 | proto << 24 | port << 8 | dynamic
    uint64_t major;
    // client << 32 | what: what is whats_ position + 1, 0 for none; later
    // flows have higher ones. (Flow keys are unique: what never decides the
    // order; dynamic does, before the client, which ForEach() does not mind:
    // a port's dynamic uses still come sorted by client.)
    uint64_t minor;
    static Use Of(uint32_t server, uint32_t client, uint32_t what, Proto proto, uint16_t port,
                  bool dynamic) {
      return {uint64_t{server} << 32 | uint64_t{static_cast<uint8_t>(proto)} << 24 |
                  uint64_t{port} << 8 | uint64_t{dynamic},
              uint64_t{client} << 32 | what};
    }
    uint32_t server() const { return static_cast<uint32_t>(major >> 32); }
    Proto proto() const { return static_cast<Proto>(static_cast<uint8_t>(major >> 24)); }
    uint16_t port() const { return static_cast<uint16_t>(major >> 8); }
    bool dynamic() const { return (major & 1) != 0; }
    uint32_t client() const { return static_cast<uint32_t>(minor >> 32); }
    uint32_t what() const { return static_cast<uint32_t>(minor); }
    // (server, proto, port): the port a flow uses.
    uint64_t port_key() const { return major >> 8; }
    void set_server(uint32_t s) { major = (major & 0xffff'ffffULL) | uint64_t{s} << 32; }
    void set_client(uint32_t c) { minor = (minor & 0xffff'ffffULL) | uint64_t{c} << 32; }
    bool operator<(const Use& other) const {
      return major != other.major ? major < other.major : minor < other.minor;
    }
  };

 private:
  uint32_t IdOf(const IpAddress& address);
  void Prepare();  // ids to ranks, uses sorted; once

  const FlowsReport& report_;
  std::vector<Use> uses_;
  std::vector<Key> keys_;  // distinct addresses, by id
  // Open addressing over keys_: each slot an id + 1, 0 for none; a power of
  // two, at most half full. (A node per address, as std::unordered_map
  // keeps, was most of Add() on a capture of many clients.)
  std::vector<uint32_t> slots_;
  // The last flow's server and its id: flows come ordered by server within
  // their class, so most flows skip the hash of the server.
  Key last_server_{};
  uint32_t last_server_id_ = UINT32_MAX;
  std::vector<std::string> whats_;  // the named whats, one per run of equal ones
  std::string what_;
  std::vector<uint32_t> by_address_;  // rank -> id, after Prepare()
  bool prepared_ = false;
  bool zoned_ = false;
};
// The same from sets and maps of addresses, one insert per flow: the general
// path, and what the fast one is held to.
std::vector<ServerSummary> ServerSummariesBySets(const FlowsReport& report);

}  // namespace highport::report
