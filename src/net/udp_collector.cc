#include "net/udp_collector.h"

#include <sys/socket.h>

#include <array>
#include <csignal>
#include <vector>

#include "asio.hpp"
#include "fmt/format.h"

namespace highport::net {

using asio::ip::udp;
using Clock = std::chrono::steady_clock;

namespace {

// Exporters send in bursts (softflowd flushes every flow at exit): ask for a
// receive buffer that holds a burst. SO_RCVBUFFORCE passes net.core.rmem_max
// when highport runs as root; otherwise the kernel caps SO_RCVBUF.
constexpr int kWantedReceiveBuffer = 16 << 20;

void GrowReceiveBuffer(udp::socket& socket) {
  int size = kWantedReceiveBuffer;
  if (::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
}

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Endpoint ToEndpoint(const udp::endpoint& e) {
  Endpoint out;
  out.proto = Proto::kUdp;
  out.port = e.port();
  asio::ip::address a = e.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  if (a.is_v4()) {
    out.address = IpAddress::V4(a.to_v4().to_uint());
  } else {
    out.address = IpAddress::V6(a.to_v6().to_bytes());
  }
  return out;
}

}  // namespace

struct UdpCollector::State {
  asio::io_context io;
  udp::socket socket{io};
};

std::string_view CollectorStopName(CollectorStop stop) {
  switch (stop) {
    case CollectorStop::kSignal: return "signal";
    case CollectorStop::kDuration: return "duration";
    case CollectorStop::kIdle: return "idle";
    case CollectorStop::kDatagrams: return "datagrams";
    case CollectorStop::kError: return "error";
  }
  return "error";
}

UdpCollector::UdpCollector(std::unique_ptr<State> state) : state_(std::move(state)) {}
UdpCollector::~UdpCollector() = default;

Result<std::unique_ptr<UdpCollector>> UdpCollector::Bind(const std::string& listen) {
  std::optional<HostPortText> parts = SplitHostPort(listen);
  std::optional<uint16_t> port = parts ? ParsePort(parts->port) : std::nullopt;
  std::optional<IpAddress> address = parts ? IpAddress::Parse(parts->host) : std::nullopt;
  if (!port || !address) {
    return Error{fmt::format("--listen: '{}' is not ADDR:PORT ([v6]:PORT for IPv6)", listen)};
  }
  auto state = std::make_unique<State>();
  asio::error_code ec;
  asio::ip::address bind_address = asio::ip::make_address(address->ToString(), ec);
  if (ec) return Error{fmt::format("--listen: '{}': {}", listen, ec.message())};
  udp::endpoint endpoint(bind_address, *port);
  state->socket.open(endpoint.protocol(), ec);
  if (!ec) state->socket.bind(endpoint, ec);
  if (ec) return Error{fmt::format("cannot listen on {}: {}", listen, ec.message())};
  GrowReceiveBuffer(state->socket);
  return std::unique_ptr<UdpCollector>(new UdpCollector(std::move(state)));
}

Endpoint UdpCollector::local_endpoint() const {
  asio::error_code ec;
  return ToEndpoint(state_->socket.local_endpoint(ec));
}

int UdpCollector::receive_buffer_bytes() const {
  asio::socket_base::receive_buffer_size size;
  asio::error_code ec;
  state_->socket.get_option(size, ec);
  return ec ? 0 : size.value();
}

CollectorRun UdpCollector::Run(const CollectorLimits& limits, const OnDatagram& on_datagram,
                               const std::function<bool(std::string& error)>& on_tick) {
  CollectorRun run;
  asio::io_context& io = state_->io;
  udp::socket& socket = state_->socket;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer ticker(io);
  asio::steady_timer deadline(io);
  std::vector<uint8_t> buffer(65536);
  udp::endpoint from;
  Clock::time_point last_datagram{};
  bool stopping = false;

  auto stop = [&](CollectorStop why) {
    if (stopping) return;
    stopping = true;
    run.stop = why;
    // Stopped by a signal or the time limit: the datagrams the kernel holds
    // already arrived in time, and an exporter's burst may queue thousands
    // of them: read them before the end (bounded, without waiting for more).
    if (why == CollectorStop::kSignal || why == CollectorStop::kDuration) {
      asio::error_code ec;
      socket.non_blocking(true, ec);
      // (A buffer of its own: a receive completed before the stop may still
      // hold its datagram in `buffer`, for its handler below.)
      std::vector<uint8_t> drained(buffer.size());
      udp::endpoint sender;
      const Clock::time_point until = Clock::now() + std::chrono::seconds(5);
      for (int i = 0; !ec && i < 1'000'000 && Clock::now() < until; ++i) {
        const size_t n = socket.receive_from(asio::buffer(drained), sender, 0, ec);
        if (ec) break;  // would_block: the queue is empty
        ++run.datagrams;
        run.bytes += n;
        on_datagram(ToEndpoint(sender), std::span<const uint8_t>(drained.data(), n), NowUs());
      }
    }
    asio::error_code ignored;
    socket.cancel(ignored);
    signals.cancel(ignored);
    ticker.cancel();
    deadline.cancel();
  };
  signals.async_wait([&](const asio::error_code& ec, int) {
    if (!ec) stop(CollectorStop::kSignal);
  });
  if (limits.duration.count() > 0) {
    deadline.expires_after(limits.duration);
    deadline.async_wait([&](const asio::error_code& ec) {
      if (!ec) stop(CollectorStop::kDuration);
    });
  }
  std::function<void()> arm_ticker = [&] {
    ticker.expires_after(limits.tick);
    ticker.async_wait([&](const asio::error_code& ec) {
      if (ec || stopping) return;
      // (Idle is asked first: a tick that waited for the database kept
      // datagrams queued, and they are received before the next tick.)
      if (limits.idle.count() > 0 && run.datagrams > 0 && Clock::now() - last_datagram >= limits.idle) {
        stop(CollectorStop::kIdle);
        return;
      }
      if (on_tick && !on_tick(run.error)) {
        stop(CollectorStop::kError);
        return;
      }
      arm_ticker();
    });
  };
  std::function<void()> receive = [&] {
    socket.async_receive_from(asio::buffer(buffer), from, [&](const asio::error_code& ec, size_t n) {
      if (stopping) {
        // A datagram this receive had taken before the stop drained the
        // rest: it came in time too.
        if (!ec && (run.stop == CollectorStop::kSignal || run.stop == CollectorStop::kDuration)) {
          ++run.datagrams;
          run.bytes += n;
          on_datagram(ToEndpoint(from), std::span<const uint8_t>(buffer.data(), n), NowUs());
        }
        return;
      }
      if (ec) {
        run.error = ec.message();
        stop(CollectorStop::kError);
        return;
      }
      last_datagram = Clock::now();
      ++run.datagrams;
      run.bytes += n;
      on_datagram(ToEndpoint(from), std::span<const uint8_t>(buffer.data(), n), NowUs());
      last_datagram = Clock::now();  // a datagram that waited for a commit is no idle time
      if (limits.max_datagrams > 0 && run.datagrams >= limits.max_datagrams) {
        stop(CollectorStop::kDatagrams);
        return;
      }
      receive();
    });
  };
  arm_ticker();
  receive();
  io.run();
  io.restart();
  return run;
}

}  // namespace highport::net
