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

  // Stopped by a signal or the time limit, the datagrams the kernel holds
  // already arrived in time (an exporter's burst may queue thousands): the
  // receive chain goes on until the queue is empty (bounded), so that they
  // are read, and read in order, before the end.
  bool draining = false;
  uint64_t drained = 0;
  Clock::time_point drain_until{};
  auto stop = [&](CollectorStop why) {
    if (stopping) return;
    stopping = true;
    run.stop = why;
    asio::error_code ignored;
    signals.cancel(ignored);
    ticker.cancel();
    deadline.cancel();
    if ((why == CollectorStop::kSignal || why == CollectorStop::kDuration) &&
        socket.available(ignored) > 0 && !ignored) {
      draining = true;
      drain_until = Clock::now() + std::chrono::seconds(5);
      return;
    }
    socket.cancel(ignored);
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
      if (stopping && !draining) return;
      if (ec) {
        if (!stopping) {
          run.error = ec.message();
          stop(CollectorStop::kError);
        }
        return;
      }
      last_datagram = Clock::now();
      ++run.datagrams;
      run.bytes += n;
      on_datagram(ToEndpoint(from), std::span<const uint8_t>(buffer.data(), n), NowUs());
      last_datagram = Clock::now();  // a datagram that waited for a commit is no idle time
      if (draining) {
        asio::error_code ignored;
        if (socket.available(ignored) == 0 || ignored || ++drained >= 1'000'000 ||
            Clock::now() >= drain_until ||
            (limits.max_datagrams > 0 && run.datagrams >= limits.max_datagrams)) {
          socket.cancel(ignored);
          return;
        }
      } else if (limits.max_datagrams > 0 && run.datagrams >= limits.max_datagrams) {
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
