// Packet captures (pcap and pcapng, through libpcap) as traffic evidence:
//
//   - every TCP connection becomes one FlowObservation (connections = 1),
//     its direction from the handshake: a SYN without ACK names the
//     initiator, a SYN/ACK alone names the responder (evidence kHandshake);
//     a connection first seen midway has Initiator::kUnknown. It ends at a
//     FIN from both sides or a RST (after a short linger that absorbs the
//     last ACK and retransmissions), at an idle timeout, at eviction, or at
//     the end of the capture;
//   - UDP conversations (per 5-tuple, both directions) and other IP
//     protocols (ICMP, GRE, ...; ports 0) end at an idle timeout;
//   - DCE/RPC on TCP 135 (and 593, ncacn_http) is reassembled per direction
//     and the endpoint mapper's ept_lookup / ept_map answers become
//     RpcRegistrations: "server S has interface U on port P";
//   - NetFlow v5/v9 and IPFIX export packets inside the capture go to a
//     NetflowDecoder (netflow.h) instead of being counted as UDP
//     conversations: the export traffic is transport, not evidence.
//
// Memory is bounded by options.max_open conversations (the oldest is
// emitted and counted as evicted when a new one needs room) and by
// per-connection reassembly caps; it does not grow with the packet count.
// Bad packets are findings ("capture.*") with the packet number and the
// byte offset in the frame; reading goes on. A link type highport cannot
// read, or a file that is no capture, is an error for the whole file.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/netflow.h"
#include "ingest/traffic_sink.h"
#include "model/diagnostics.h"
#include "model/result.h"

namespace highport::ingest {

struct CaptureOptions {
  int64_t tcp_idle_timeout_us = 3'600'000'000;   // an open connection with no packet for 1 h
  int64_t tcp_close_linger_us = 30'000'000;      // after FIN+FIN or RST: stragglers still count
  int64_t udp_idle_timeout_us = 120'000'000;     // UDP and other protocols
  size_t max_open = 1'000'000;                   // conversations held at once
  std::vector<uint16_t> epm_ports = {135, 593};  // TCP ports whose DCE/RPC is decoded
  size_t max_epm_streams = 16384;                // connections reassembled at once
  size_t max_rpc_call_bytes = 4u << 20;          // one reassembled endpoint-mapper answer
  // UDP destination ports of NetFlow/IPFIX collectors: 2055 and 9996 (Wireshark's
  // NetFlow defaults), 9555 (older Wireshark and Cisco examples), 4739 (IANA, IPFIX),
  // 9995 (nfcapd examples), 9990 and 9991 (pmacct, akvorado). 6343 is sFlow, another
  // format, so it is not here.
  std::vector<uint16_t> netflow_ports = {2055, 4739, 9555, 9990, 9991, 9995, 9996};
  // Also export packets to other ports: a source whose second datagram in a row
  // looks like NetFlow/IPFIX becomes an exporter (its first one is held until then).
  bool netflow_auto = true;
  NetflowLimits netflow_limits;
  // The run's templates from earlier capture files (RememberedTemplates,
  // netflow.h); null: this file's own only.
  RememberedTemplates* netflow_templates = nullptr;
  size_t max_findings = 1000;  // listed one by one; the rest are counted
  // Called every few thousand packets with the bytes read and the file's size.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

struct CaptureStats {
  uint64_t packets = 0;
  uint64_t bytes = 0;           // on the wire (frame length)
  uint64_t captured_bytes = 0;  // as stored in the file
  std::map<int, uint64_t> packets_by_link_type;
  uint64_t skipped_link_type = 0;  // frames of a link type highport does not read
  uint64_t malformed = 0;          // frames whose headers did not hold together
  uint64_t not_ip = 0;             // ARP, LLDP, STP...: read, nothing to learn
  uint64_t tunnelled = 0;          // IP packets read inside GRE, ERSPAN, VXLAN, IP in IP
  uint64_t later_fragments = 0;    // IP fragments after the first: counted, not parsed
  uint64_t no_ports = 0;           // TCP/UDP cut by the snap length before its ports
  uint64_t tcp_connections = 0;    // emitted, with connections = 1 each
  uint64_t tcp_handshakes = 0;     // of those, with a direction from the handshake
  uint64_t udp_conversations = 0;
  uint64_t other_flows = 0;        // ICMP and other IP protocols, ports 0
  uint64_t timed_out = 0;          // ended by an idle timeout
  uint64_t evicted = 0;            // emitted early to keep at most max_open
  uint64_t peak_open = 0;
  uint64_t rpc_pdus = 0;           // DCE/RPC PDUs read on the endpoint-mapper ports
  uint64_t rpc_answers = 0;        // ept_lookup / ept_map responses decoded
  uint64_t rpc_registrations = 0;  // bindings with a port, sent to OnRpcRegistration
  uint64_t rpc_other_bindings = 0; // named pipes, ncalrpc...: no port, not sent
  uint64_t rpc_stream_gaps = 0;    // reassembly restarts after a lost segment
  uint64_t rpc_errors = 0;         // PDUs or answers that could not be decoded
  uint64_t epm_streams_skipped = 0;  // connections not reassembled: max_epm_streams reached
  uint64_t netflow_packets = 0;      // export datagrams given to the NetFlow decoder,
  uint64_t netflow_bytes = 0;        // not reported as UDP conversations
  uint64_t netflow_exporters = 0;
  NetflowStats netflow;
  uint64_t findings_not_listed = 0;  // beyond max_findings
};

// Does the start of a file look like pcap (either byte order, micro- or
// nanosecond timestamps) or pcapng (a section header block)?
bool LooksLikeCapture(std::string_view head);

// Reads every packet of a file ("-" is standard input) into `sink`.
Result<CaptureStats> ReadCaptureFile(const std::string& path, TrafficSink& sink,
                                     Diagnostics& diagnostics, const CaptureOptions& options = {});
// The same from bytes in memory (tests, fuzzing); `name` goes into findings.
Result<CaptureStats> ReadCaptureBytes(std::span<const uint8_t> bytes, const std::string& name,
                                      TrafficSink& sink, Diagnostics& diagnostics,
                                      const CaptureOptions& options = {});

// The state of one capture: open conversations, DCE/RPC streams, the
// NetFlow decoder. Feed it frames in capture order, then call Finish once.
class CaptureReader {
 public:
  CaptureReader(std::string file, TrafficSink& sink, Diagnostics& diagnostics,
                CaptureOptions options = {});
  ~CaptureReader();
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // One frame as captured. `packet_number` is 1-based; `wire_length` is the
  // frame's length on the wire (0: the captured length).
  void ReadPacket(int linktype, int64_t ts_us, std::span<const uint8_t> frame,
                  uint64_t packet_number, uint32_t wire_length = 0);
  // A frame the file holds but that could not be handed over (a damaged
  // pcapng block, one naming no interface; the caller says why): it counts
  // among the packets, as malformed, so that packet numbers stay the file's.
  void LeftOut();
  // End of input: every open conversation is emitted.
  void Finish();

  const CaptureStats& stats() const;
  size_t open_conversations() const;

  struct State;  // capture_internal.h

 private:
  std::unique_ptr<State> state_;
};

}  // namespace highport::ingest
