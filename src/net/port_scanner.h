// A TCP connect scan with asio: for each host and port, one connection
// attempt that is closed as soon as it is made. One io_context on the calling
// thread; at most `concurrency` attempts in flight, at most `rate` new ones
// per second, each bounded by `connect_timeout`, so the run is bounded in
// time (about probes / rate + timeout) and polite to the network.
//
// A connect scan needs no privileges and sees what a client sees: open (the
// handshake completed), closed (RST: connection refused), filtered (no
// answer in time, or an ICMP unreachable: a firewall or a missing host).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace highport::net {

enum class PortState : uint8_t {
  kOpen,      // connected
  kClosed,    // refused (RST)
  kFiltered,  // no answer within the timeout, or unreachable
  kError,     // a local failure (no free local port, too many open files): not a finding
};
std::string_view PortStateName(PortState state);  // "open", "closed", "filtered", "error"

struct ScanOptions {
  std::chrono::milliseconds connect_timeout{1500};
  size_t concurrency = 256;  // attempts in flight at most
  double rate = 1000;        // new connection attempts per second at most
};

// One host and the ports to try on it.
struct ScanRequest {
  std::string host;             // an address literal or a name (resolved once, first address)
  std::vector<uint16_t> ports;  // sorted and unique is not required
};

struct PortResult {
  uint16_t port = 0;
  PortState state = PortState::kFiltered;
  std::string_view why;  // "connected", "refused", "timeout", "host unreachable", ...
};

struct ScanHostResult {
  std::string host;            // as requested
  std::string address;         // the address scanned; empty when the name did not resolve
  std::string source_address;  // the scanner's own address toward it ("as seen from where")
  std::string error;           // why the host was not scanned at all, else empty
  std::vector<PortResult> ports;  // sorted by port, each once
  std::chrono::microseconds elapsed{0};

  size_t Count(PortState state) const;
  std::vector<uint16_t> Ports(PortState state) const;
};

// Called from the I/O thread now and then: (probes done, probes in all).
using ScanProgress = std::function<void(size_t, size_t)>;

// One result per request, in order. Probes go round-robin over the hosts, so
// that no single host gets the whole rate.
std::vector<ScanHostResult> ScanPorts(const std::vector<ScanRequest>& requests,
                                      const ScanOptions& options, const ScanProgress& progress = {});

}  // namespace highport::net
