// The plain records every input becomes (../DESIGN.md, "model"). Each keeps
// where it came from, so that every verdict and plan entry can cite evidence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/endpoint.h"
#include "model/port_class.h"

namespace highport {

// Where a record came from: a file and line, or a packet number and byte offset.
struct SourceRef {
  std::string file;
  uint64_t line = 0;    // 1-based line in the decoded text; 0 when not a text input
  uint64_t packet = 0;  // 1-based packet number; 0 when not a capture
  uint64_t offset = 0;  // byte offset inside the packet or file

  std::string ToString() const;  // "netstat.txt:12", "cap.pcap:packet 7+40"
};

// TCP states as the operating system reports them, whatever the display language.
enum class SocketState : uint8_t {
  kUnknown,
  kListen,
  kEstablished,
  kSynSent,
  kSynReceived,
  kFinWait1,
  kFinWait2,
  kCloseWait,
  kClosing,
  kLastAck,
  kTimeWait,
  kClosed,
  kBound,
  kUnconnected,  // a UDP socket: bound, no peer
};
std::string_view SocketStateName(SocketState state);  // "LISTEN", "ESTABLISHED", ...

// One row of a socket inventory (netstat, ss, Get-NetTCPConnection, /proc).
// A listener is a socket in kListen (TCP) or any bound UDP socket.
struct Socket {
  Endpoint local;
  std::optional<Endpoint> remote;  // absent for listeners and UDP endpoints
  std::string remote_text;         // as written, when it was a name netstat resolved
  SocketState state = SocketState::kUnknown;
  std::string state_text;          // as written ("ABHÖREN")
  std::optional<uint32_t> pid;
  std::string process;             // image name, "svchost.exe"
  std::vector<std::string> services;  // service short names, "RpcSs"
  bool owner_unavailable = false;  // "Can not obtain ownership information"
  SourceRef source;

  bool IsListener() const {
    return state == SocketState::kListen || (local.proto == Proto::kUdp && !remote);
  }
};

// A socket that accepts connections or datagrams: what `inventory` lists.
using Listener = Socket;

// What a process is and which services it hosts (tasklist /svc, /proc).
struct ProcessInfo {
  uint32_t pid = 0;
  std::string image;
  std::vector<std::string> services;
  SourceRef source;
};

// Traffic between a client and a server port, summed over observations.
struct Flow {
  Endpoint client;
  Endpoint server;
  uint64_t first_seen = 0;  // seconds since the Unix epoch, UTC
  uint64_t last_seen = 0;
  uint64_t connections = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t allowed = 0;
  uint64_t dropped = 0;
  std::vector<SourceRef> evidence;
};

// One endpoint-mapper entry: interface U version V is reachable at a binding.
struct RpcRegistration {
  std::string host;
  std::string uuid;  // lowercase canonical text
  uint16_t version_major = 0;
  uint16_t version_minor = 0;
  std::string annotation;
  std::string protocol;  // "ncacn_ip_tcp", "ncacn_np", ...
  std::optional<Endpoint> endpoint;  // for ip protocols
  std::string address_text;          // the address as given, also a NetBIOS or host name
  std::string pipe;                  // for named pipes and local RPC
  std::string binding;               // as rpcdump writes it: "ncacn_ip_tcp:10.0.0.5[49667]"
  SourceRef source;
};

// A host and what is known of it.
struct Host {
  std::string name;
  std::vector<IpAddress> addresses;
  PortRange tcp_dynamic_range = kWindowsDynamicRange;
  bool dynamic_range_known = false;  // from netsh or a plan, not assumed
};

}  // namespace highport
