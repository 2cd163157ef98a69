// Receives export datagrams (NetFlow, IPFIX) on one UDP socket with asio and
// hands each to a callback, until a signal (SIGINT, SIGTERM), a time limit,
// an idle limit or a datagram count ends the run. A tick callback runs at a
// fixed interval, for committing batches. Decoding is the caller's: this
// file knows sockets, not formats.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "model/endpoint.h"
#include "model/result.h"

namespace highport::net {

struct CollectorLimits {
  std::chrono::milliseconds duration{0};  // 0: no limit
  std::chrono::milliseconds idle{0};      // without a datagram, once one came; 0: no limit
  uint64_t max_datagrams = 0;             // 0: no limit
  std::chrono::milliseconds tick{1000};
};

enum class CollectorStop : uint8_t { kSignal, kDuration, kIdle, kDatagrams, kError };
std::string_view CollectorStopName(CollectorStop stop);  // "signal", "duration", ...

struct CollectorRun {
  uint64_t datagrams = 0;
  uint64_t bytes = 0;
  CollectorStop stop = CollectorStop::kSignal;
  std::string error;  // when stop is kError
};

class UdpCollector {
 public:
  // payload: one datagram; arrival: microseconds since the Unix epoch.
  using OnDatagram =
      std::function<void(const Endpoint& from, std::span<const uint8_t> payload, int64_t arrival_us)>;

  // Binds ADDR:PORT ("0.0.0.0:2055", "[::]:4739", port 0 for any free one).
  static Result<std::unique_ptr<UdpCollector>> Bind(const std::string& listen);
  ~UdpCollector();
  UdpCollector(const UdpCollector&) = delete;
  UdpCollector& operator=(const UdpCollector&) = delete;

  Endpoint local_endpoint() const;
  // The socket's receive buffer as the kernel granted it: datagrams that
  // arrive while it is full are lost before highport sees them.
  int receive_buffer_bytes() const;

  // `on_tick` returns false to end the run (kError, with its `error` text).
  // Time spent in the callbacks is no idle time.
  CollectorRun Run(const CollectorLimits& limits, const OnDatagram& on_datagram,
                   const std::function<bool(std::string& error)>& on_tick);

  struct State;

 private:
  explicit UdpCollector(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace highport::net
