// One asio io_context runs every probe. A probe is one async_connect and one
// timer; whichever completes first decides, and the socket is closed at once
// (a connect scan sends nothing but the handshake). A pacing timer holds
// back new probes until their slot in the rate comes: probe n starts no
// earlier than start + n / rate.
#include "net/port_scanner.h"

#include <algorithm>
#include <cerrno>
#include <memory>

#include "asio.hpp"

namespace highport::net {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string_view FailureReason(const asio::error_code& ec, PortState& state) {
  state = PortState::kFiltered;
  if (ec == asio::error::connection_refused) {
    state = PortState::kClosed;
    return "refused";
  }
  if (ec == asio::error::operation_aborted || ec == asio::error::timed_out) return "timeout";
  if (ec == asio::error::host_unreachable) return "host unreachable";
  if (ec == asio::error::network_unreachable) return "network unreachable";
  // An ICMP "administratively prohibited" arrives as EACCES on Linux.
  if (ec == asio::error::access_denied) return "prohibited";
  state = PortState::kError;
  if (ec == asio::error::address_in_use || ec.value() == EADDRNOTAVAIL) return "no free local port";
  if (ec == asio::error::no_descriptors) return "too many open files";
  if (ec == asio::error::no_buffer_space) return "no buffer space";
  return "local error";
}

struct HostState {
  ScanHostResult* result = nullptr;
  tcp::endpoint endpoint;   // address, port filled per probe
  bool source_from_tcp = false;
  Clock::time_point started;
  size_t pending = 0;
};

class Probe : public std::enable_shared_from_this<Probe> {
 public:
  Probe(asio::io_context& io, HostState& host, size_t index, std::chrono::milliseconds timeout,
        std::function<void()> on_done)
      : host_(host), index_(index), timeout_(timeout), on_done_(std::move(on_done)), socket_(io),
        timer_(io) {}

  void Start() {
    auto self = shared_from_this();
    timer_.expires_after(timeout_);
    timer_.async_wait([self](const asio::error_code& ec) {
      if (ec || self->finished_) return;
      asio::error_code ignored;
      self->socket_.close(ignored);  // the connect completes with operation_aborted
    });
    tcp::endpoint to(host_.endpoint.address(), host_.result->ports[index_].port);
    socket_.async_connect(to, [self](const asio::error_code& ec) { self->Done(ec); });
  }

 private:
  void Done(const asio::error_code& ec) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    PortResult& port = host_.result->ports[index_];
    asio::error_code ignored;
    tcp::endpoint local = socket_.local_endpoint(ignored);
    if (!ec && !ignored && local == socket_.remote_endpoint(ignored) && !ignored) {
      // On loopback the kernel may pick the probed port as our own source
      // port, and the socket connects to itself: nothing listens there.
      port.state = PortState::kClosed;
      port.why = "self-connect";
    } else if (!ec) {
      port.state = PortState::kOpen;
      port.why = "connected";
      if (!host_.source_from_tcp) {
        host_.result->source_address = local.address().to_string();
        host_.source_from_tcp = true;
      }
    } else {
      port.why = FailureReason(ec, port.state);
    }
    socket_.close(ignored);
    on_done_();
  }

  HostState& host_;
  size_t index_;
  std::chrono::milliseconds timeout_;
  std::function<void()> on_done_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  bool finished_ = false;
};

// The local address the kernel would pick toward `to`: a UDP socket's
// connect only looks up the route and sends nothing.
std::string SourceAddressToward(asio::io_context& io, const tcp::endpoint& to) {
  asio::error_code ec;
  asio::ip::udp::socket probe(io);
  probe.open(to.address().is_v4() ? asio::ip::udp::v4() : asio::ip::udp::v6(), ec);
  if (ec) return {};
  probe.connect(asio::ip::udp::endpoint(to.address(), to.port() ? to.port() : 9), ec);
  if (ec) return {};
  asio::ip::udp::endpoint local = probe.local_endpoint(ec);
  return ec ? std::string() : local.address().to_string();
}

}  // namespace

std::string_view PortStateName(PortState state) {
  switch (state) {
    case PortState::kOpen: return "open";
    case PortState::kClosed: return "closed";
    case PortState::kFiltered: return "filtered";
    case PortState::kError: return "error";
  }
  return "error";
}

size_t ScanHostResult::Count(PortState state) const {
  return static_cast<size_t>(std::count_if(ports.begin(), ports.end(),
                                           [&](const PortResult& p) { return p.state == state; }));
}

std::vector<uint16_t> ScanHostResult::Ports(PortState state) const {
  std::vector<uint16_t> out;
  for (const PortResult& p : ports) {
    if (p.state == state) out.push_back(p.port);
  }
  return out;
}

std::vector<ScanHostResult> ScanPorts(const std::vector<ScanRequest>& requests,
                                      const ScanOptions& options, const ScanProgress& progress) {
  asio::io_context io;
  std::vector<ScanHostResult> results(requests.size());
  std::vector<HostState> hosts(requests.size());
  tcp::resolver resolver(io);
  for (size_t i = 0; i < requests.size(); ++i) {
    ScanHostResult& r = results[i];
    r.host = requests[i].host;
    std::vector<uint16_t> ports = requests[i].ports;
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    for (uint16_t p : ports) r.ports.push_back({p, PortState::kFiltered, "not tried"});
    hosts[i].result = &r;
    asio::error_code ec;
    asio::ip::address literal = asio::ip::make_address(r.host, ec);
    if (ec) {
      // A name: resolved once, before the scan, and the first address taken.
      auto found = resolver.resolve(r.host, "", ec);
      if (ec || found.empty()) {
        r.error = "cannot resolve '" + r.host + "': " + (ec ? ec.message() : "no address");
        continue;
      }
      literal = found.begin()->endpoint().address();
    }
    hosts[i].endpoint = tcp::endpoint(literal, ports.empty() ? 0 : ports.front());
    r.address = literal.to_string();
    r.source_address = SourceAddressToward(io, hosts[i].endpoint);
    hosts[i].pending = r.ports.size();
  }

  // Round-robin order over the hosts that resolved: (host, port index).
  std::vector<std::pair<uint32_t, uint32_t>> order;
  size_t longest = 0;
  for (const HostState& h : hosts) longest = std::max(longest, h.pending);
  for (size_t p = 0; p < longest; ++p) {
    for (size_t h = 0; h < hosts.size(); ++h) {
      if (p < hosts[h].pending) order.emplace_back(static_cast<uint32_t>(h), static_cast<uint32_t>(p));
    }
  }

  const Clock::time_point start = Clock::now();
  const double rate = options.rate > 0 ? options.rate : 0;
  const size_t concurrency = std::max<size_t>(1, options.concurrency);
  size_t next = 0, in_flight = 0, done = 0;
  asio::steady_timer pacer(io);
  bool pacer_armed = false;
  std::function<void()> launch;
  auto finish_one = [&](size_t host) {
    --in_flight;
    ++done;
    if (--hosts[host].pending == 0) {
      results[host].elapsed =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - hosts[host].started);
    }
    // Progress at most every 256 probes, and at the end.
    if (progress && (done % 256 == 0 || done == order.size())) progress(done, order.size());
    launch();
  };
  launch = [&] {
    while (next < order.size() && in_flight < concurrency) {
      if (rate > 0) {
        auto due = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(static_cast<double>(next) / rate));
        if (Clock::now() < due) {
          if (!pacer_armed) {
            pacer_armed = true;
            pacer.expires_at(due);
            pacer.async_wait([&](const asio::error_code& ec) {
              pacer_armed = false;
              if (!ec) launch();
            });
          }
          return;
        }
      }
      auto [host, index] = order[next++];
      ++in_flight;
      if (hosts[host].started == Clock::time_point{}) hosts[host].started = Clock::now();
      std::make_shared<Probe>(io, hosts[host], index, options.connect_timeout,
                              [&finish_one, host = host] { finish_one(host); })
          ->Start();
    }
  };
  launch();
  io.run();
  return results;
}

}  // namespace highport::net
