// The conversation table of a capture (contract in capture.h): TCP
// connections with their handshake direction, UDP conversations and other
// IP protocols, each keyed by its 5-tuple in both directions, ended by
// FIN+FIN or RST, idle timeouts or eviction, and emitted to the sink as
// FlowObservations.
//
// Each conversation sits in one of three lists ordered by last activity
// (open TCP, closed TCP lingering, UDP and others), each with one timeout,
// so expiry looks only at the list heads and eviction picks the oldest
// head: O(1) per packet whatever the number of open conversations.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "ingest/capture.h"
#include "ingest/packet.h"
#include "model/observation.h"

namespace highport::ingest::capture_internal {

class EpmStream;  // capture_epm.h

// Both directions of a conversation share a key: side a is the smaller
// (address, port).
struct ConnKey {
  std::array<uint8_t, 16> a{};
  std::array<uint8_t, 16> b{};
  uint16_t port_a = 0;
  uint16_t port_b = 0;
  uint8_t protocol = 0;
  uint8_t ip_version = 4;
  bool operator==(const ConnKey&) const = default;
};

struct ConnKeyHash {
  size_t operator()(const ConnKey& k) const;
};

// The key of a packet's conversation; `from_a` says the packet's source is side a.
ConnKey MakeKey(const PacketInfo& p, bool& from_a);
IpAddress KeyAddress(const ConnKey& k, bool side_a);

enum class TcpState : uint8_t { kNone, kSynSent, kOpen, kClosed };

struct Conn {
  const ConnKey* key = nullptr;  // the table's copy
  Conn* prev = nullptr;          // in its activity list
  Conn* next = nullptr;
  uint8_t list = 0;
  TcpState tcp = TcpState::kNone;
  bool src_is_a = true;  // FlowObservation::src is side a
  bool fin_a = false;
  bool fin_b = false;
  bool answered = false;  // a packet came from the side that is not src
  bool has_isn = false;   // the initiator's SYN was seen: `isn` is its sequence number
  uint32_t isn = 0;
  // The answer to the SYN was a reset, not a SYN-ACK: the connection was
  // refused (a closed port, a firewall that rejects), an attempt.
  bool refused = false;
  bool epm_server_is_a = false;  // for `epm`: which side serves the endpoint mapper
  bool epm_skipped = false;      // max_epm_streams was reached when it started
  Initiator initiator = Initiator::kUnknown;
  InitiatorEvidence evidence = InitiatorEvidence::kNone;
  uint8_t flags = 0;
  int64_t first_us = 0;
  int64_t last_us = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t first_packet = 0;
  std::unique_ptr<EpmStream> epm;  // DCE/RPC reassembly on endpoint-mapper ports

  Conn();
  ~Conn();
  Conn(Conn&&) noexcept;
};

class FlowTracker {
 public:
  FlowTracker(const std::string& file, const CaptureOptions& options, TrafficSink& sink,
              CaptureStats& stats);
  ~FlowTracker();

  // Counts the packet (kIp with addresses) into its conversation and returns
  // it; expires and evicts others first. `from_a` says the packet came from side a.
  Conn& Track(const PacketInfo& p, int64_t ts_us, uint64_t packet_number, bool& from_a);
  // Forgets the conversation of this packet without reporting it (traffic
  // found to be NetFlow export after its first datagram).
  void Discard(const PacketInfo& p);
  // Emits every open conversation.
  void Finish();
  size_t open() const { return table_.size(); }

 private:
  enum ListId : uint8_t { kTcpOpen, kTcpClosed, kIdle, kListCount };
  enum class End : uint8_t { kClosed, kTimeout, kEvicted, kReplaced, kFinish };
  struct List {
    Conn* head = nullptr;
    Conn* tail = nullptr;
  };

  Conn& Insert(const ConnKey& key, int64_t now);
  void Expire(int64_t now);
  void Emit(Conn& c, End why);  // reports and erases
  void Unlink(Conn& c);
  void Append(Conn& c, ListId list);
  int64_t Timeout(uint8_t list) const;

  const std::string& file_;
  const CaptureOptions& options_;
  TrafficSink& sink_;
  CaptureStats& stats_;
  std::unordered_map<ConnKey, Conn, ConnKeyHash> table_;
  List lists_[kListCount];
  int64_t now_ = INT64_MIN;  // the latest timestamp seen: captures are mostly in order
};

}  // namespace highport::ingest::capture_internal
