// One asio io_context on the calling thread runs every conversation. A
// conversation is resolve -> connect -> (write what the session wants, read
// and feed) until the session finishes; one timer bounds each step and a
// second one the whole host. Every handler first checks `finished_`, so a
// late completion after a timeout or an error changes nothing.
#include "net/epm_client.h"

#include <memory>

#include "asio.hpp"
#include "fmt/format.h"
#include "model/ip_address.h"

namespace highport::net {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string Seconds(std::chrono::milliseconds ms) {
  return fmt::format("{:g} s", static_cast<double>(ms.count()) / 1000.0);
}

class Conversation : public std::enable_shared_from_this<Conversation> {
 public:
  Conversation(asio::io_context& io, const EpmClientOptions& options, EpmHostResult& result,
               std::function<void()> on_done)
      : options_(options),
        result_(result),
        on_done_(std::move(on_done)),
        resolver_(io),
        socket_(io),
        step_timer_(io),
        deadline_(io),
        session_(options.query) {}

  void Start() {
    started_ = Clock::now();
    auto self = shared_from_this();
    deadline_.expires_after(options_.host_deadline);
    deadline_.async_wait([self](const asio::error_code& ec) {
      if (!ec) self->Finish(HostStatus::kTimeout,
                            fmt::format("no complete answer within {}", Seconds(self->options_.host_deadline)));
    });
    ArmStep(options_.connect_timeout, "no connection");
    asio::error_code ec;
    asio::ip::address literal = asio::ip::make_address(result_.target.host, ec);
    if (!ec) {
      Connect(tcp::resolver::results_type::create(tcp::endpoint(literal, result_.target.port),
                                                  result_.target.host, ""));
      return;
    }
    resolver_.async_resolve(result_.target.host, std::to_string(result_.target.port),
                            [self](const asio::error_code& error, tcp::resolver::results_type found) {
                              if (self->finished_) return;
                              if (error) {
                                self->Finish(HostStatus::kError,
                                             fmt::format("cannot resolve '{}': {}",
                                                         self->result_.target.host, error.message()));
                                return;
                              }
                              self->Connect(std::move(found));
                            });
  }

 private:
  // The step timer: when it fires, the pending operation is cancelled by
  // closing the socket, and the host is a timeout.
  void ArmStep(std::chrono::milliseconds timeout, std::string what) {
    auto self = shared_from_this();
    step_timer_.expires_after(timeout);
    step_timer_.async_wait([self, timeout, what = std::move(what)](const asio::error_code& ec) {
      if (!ec) self->Finish(HostStatus::kTimeout, fmt::format("{} within {}", what, Seconds(timeout)));
    });
  }

  void Connect(tcp::resolver::results_type endpoints) {
    auto self = shared_from_this();
    asio::async_connect(socket_, endpoints,
                        [self](const asio::error_code& ec, const tcp::endpoint& endpoint) {
                          if (self->finished_) return;
                          self->result_.address = endpoint.address().to_string();
                          if (ec) {
                            self->Finish(HostStatus::kError, ConnectError(ec));
                            return;
                          }
                          asio::error_code ignored;
                          self->socket_.set_option(tcp::no_delay(true), ignored);
                          self->WriteThenRead();
                        });
  }

  static std::string ConnectError(const asio::error_code& ec) {
    if (ec == asio::error::connection_refused) return "connection refused: nothing listens there";
    if (ec == asio::error::host_unreachable) return "host unreachable";
    if (ec == asio::error::network_unreachable) return "network unreachable";
    return fmt::format("cannot connect: {}", ec.message());
  }

  void WriteThenRead() {
    outgoing_ = session_.TakeOutput();
    if (outgoing_.empty()) {
      Read();
      return;
    }
    ArmStep(options_.read_timeout, "could not send the request");
    auto self = shared_from_this();
    asio::async_write(socket_, asio::buffer(outgoing_), [self](const asio::error_code& ec, size_t) {
      if (self->finished_) return;
      if (ec) {
        self->Finish(HostStatus::kError, fmt::format("send failed: {}", ec.message()));
        return;
      }
      self->Read();
    });
  }

  void Read() {
    ArmStep(options_.read_timeout, "no answer");
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_), [self](const asio::error_code& ec, size_t n) {
      if (self->finished_) return;
      if (n > 0 && self->session_.Feed(std::span<const uint8_t>(self->buffer_.data(), n))) {
        self->FinishFromSession();
        return;
      }
      if (ec == asio::error::eof || ec == asio::error::connection_reset) {
        self->session_.PeerClosed();
        self->FinishFromSession();
        return;
      }
      if (ec) {
        self->Finish(HostStatus::kError, fmt::format("receive failed: {}", ec.message()));
        return;
      }
      self->WriteThenRead();
    });
  }

  void FinishFromSession() {
    const rpc::EpmOutcome& outcome = session_.outcome();
    result_.entries = outcome.entries;
    result_.notes = outcome.notes;
    result_.calls = outcome.calls;
    switch (outcome.status) {
      case rpc::EpmStatus::kOk: Finish(HostStatus::kOk, outcome.detail); break;
      case rpc::EpmStatus::kRefused:
        // What hardened Windows servers do (RestrictRemoteClients, EnableAuthEpResolution).
        Finish(HostStatus::kRefused, "anonymous lookup refused: " + outcome.detail);
        break;
      case rpc::EpmStatus::kProtocolError: Finish(HostStatus::kError, outcome.detail); break;
    }
  }

  void Finish(HostStatus status, std::string detail) {
    if (finished_) return;
    finished_ = true;
    // What the session received before a timeout or error is still evidence.
    if (status != HostStatus::kOk && result_.entries.empty()) {
      result_.entries = session_.outcome().entries;
      result_.calls = session_.outcome().calls;
    }
    result_.status = status;
    result_.detail = std::move(detail);
    result_.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_);
    asio::error_code ignored;
    resolver_.cancel();
    step_timer_.cancel();
    deadline_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    on_done_();
  }

  const EpmClientOptions& options_;
  EpmHostResult& result_;
  std::function<void()> on_done_;
  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::steady_timer step_timer_;
  asio::steady_timer deadline_;
  rpc::EpmSession session_;
  std::array<uint8_t, 16384> buffer_{};
  std::vector<uint8_t> outgoing_;
  bool finished_ = false;
  Clock::time_point started_;
};

}  // namespace

std::string_view HostStatusName(HostStatus status) {
  switch (status) {
    case HostStatus::kOk: return "ok";
    case HostStatus::kRefused: return "refused";
    case HostStatus::kTimeout: return "timeout";
    case HostStatus::kError: return "error";
  }
  return "error";
}

std::vector<EpmHostResult> LookupEndpointMappers(const std::vector<Target>& targets,
                                                 const EpmClientOptions& options,
                                                 const EpmProgress& progress) {
  std::vector<EpmHostResult> results(targets.size());
  for (size_t i = 0; i < targets.size(); ++i) results[i].target = targets[i];
  asio::io_context io;
  size_t next = 0;
  size_t done = 0;
  // Starting the next host from the completion of the last keeps at most
  // `concurrency` connections open without a separate queue.
  std::function<void()> start_next = [&] {
    if (next >= targets.size()) return;
    size_t index = next++;
    std::make_shared<Conversation>(io, options, results[index], [&] {
      ++done;
      if (progress) progress(done, targets.size());
      asio::post(io, start_next);
    })->Start();
  };
  size_t parallel = std::max<size_t>(1, std::min(options.concurrency, targets.size()));
  for (size_t i = 0; i < parallel; ++i) start_next();
  io.run();
  return results;
}

std::vector<RpcRegistration> ToRegistrations(const EpmHostResult& result) {
  std::vector<RpcRegistration> out;
  out.reserve(result.entries.size());
  std::optional<IpAddress> asked = IpAddress::Parse(result.address.empty() ? result.target.host
                                                                          : result.address);
  for (size_t i = 0; i < result.entries.size(); ++i) {
    const rpc::EpmEntry& entry = result.entries[i];
    const rpc::Binding& b = entry.binding;
    RpcRegistration r;
    r.host = result.target.host;
    r.uuid = entry.interface.uuid.ToString();
    r.version_major = entry.interface.version_major;
    r.version_minor = entry.interface.version_minor;
    r.annotation = entry.annotation;
    r.protocol = b.protocol;
    r.address_text = b.address;
    r.pipe = b.endpoint;
    if (b.port) {
      std::optional<IpAddress> address = IpAddress::Parse(b.address);
      if ((!address || address->is_unspecified()) && asked) address = asked;
      if (address) {
        Proto proto = b.protocol.starts_with("ncadg") ? Proto::kUdp : Proto::kTcp;
        r.endpoint = Endpoint{*address, proto, *b.port};
        r.address_text = address->ToString();
      }
    }
    r.binding = b.ToString();
    r.source.file = fmt::format("epm://{}", result.target.ToString());
    r.source.line = i + 1;  // the entry's position in the listing
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace highport::net
