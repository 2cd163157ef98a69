#include "net/epm_test_server.h"

#include <atomic>

namespace highport::net {
namespace {

using asio::ip::tcp;

// One accepted connection: read, feed the responder, (wait,) write back.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const EpmTestServerOptions& options)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        options_(options),
        responder_(options.entries, options.responder) {}

  void Read() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(buffer_), [self](const asio::error_code& ec, size_t n) {
      if (ec) return;  // the client closed or the server stops: drop the connection
      if (self->options_.silent) {
        self->Read();
        return;
      }
      self->responder_.Feed(std::span<const uint8_t>(self->buffer_.data(), n));
      self->pending_ = self->responder_.TakeOutput();
      if (self->pending_.empty()) {
        self->Read();
        return;
      }
      self->timer_.expires_after(self->options_.delay);
      self->timer_.async_wait([self](const asio::error_code& wait_error) {
        if (wait_error) return;
        asio::async_write(self->socket_, asio::buffer(self->pending_),
                          [self](const asio::error_code& write_error, size_t) {
                            if (!write_error) self->Read();
                          });
      });
    });
  }

 private:
  tcp::socket socket_;
  asio::steady_timer timer_;
  const EpmTestServerOptions& options_;
  rpc::EpmResponder responder_;
  std::array<uint8_t, 8192> buffer_{};
  std::vector<uint8_t> pending_;
};

}  // namespace

struct EpmTestServer::Impl {
  asio::io_context io;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  EpmTestServerOptions options;
  std::atomic<size_t> accepted{0};
  std::thread thread;
  bool stopped = false;

  void Accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](const asio::error_code& ec, tcp::socket socket) {
      if (ec) return;
      ++accepted;
      std::make_shared<Connection>(std::move(socket), options)->Read();
      Accept(acceptor);
    });
  }
};

EpmTestServer::EpmTestServer(const std::vector<tcp::endpoint>& endpoints,
                             EpmTestServerOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  for (const tcp::endpoint& endpoint : endpoints) {
    auto acceptor = std::make_unique<tcp::acceptor>(impl_->io);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    acceptor->bind(endpoint);
    acceptor->listen();
    impl_->Accept(*acceptor);
    impl_->acceptors.push_back(std::move(acceptor));
  }
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

EpmTestServer::~EpmTestServer() { Stop(); }

std::vector<tcp::endpoint> EpmTestServer::endpoints() const {
  std::vector<tcp::endpoint> out;
  for (const auto& acceptor : impl_->acceptors) out.push_back(acceptor->local_endpoint());
  return out;
}

size_t EpmTestServer::connections() const { return impl_->accepted; }

void EpmTestServer::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::vector<rpc::EpmEntry> SampleDcListing(const std::string& address, size_t count) {
  struct Interface {
    const char* uuid;
    uint16_t major;
    const char* annotation;
  };
  // Interfaces a Windows DC registers (data/rpc_interfaces.tsv has their sources).
  static const Interface kInterfaces[] = {
      {"e3514235-4b06-11d1-ab04-00c04fc2dcd2", 4, "MS NT Directory DRS Interface"},
      {"12345678-1234-abcd-ef00-01234567cffb", 1, ""},
      {"12345778-1234-abcd-ef00-0123456789ac", 1, ""},
      {"12345778-1234-abcd-ef00-0123456789ab", 0, ""},
      {"367abb81-9844-35f1-ad32-98f038001003", 2, ""},
      {"86d35949-83c9-4044-b424-db363231fd0c", 1, ""},
      {"897e2e5f-93f3-4376-9c9c-fd2277495c27", 1, "Frs2 Service"},
      {"50abc2a4-574d-40b3-9d66-ee4fd5fba076", 5, ""},
  };
  rpc::SyntaxId ndr{*rpc::Uuid::Parse("8a885d04-1ceb-11c9-9fe8-08002b104860"), 2, 0};
  std::vector<rpc::EpmEntry> out;
  for (size_t i = 0; i < count; ++i) {
    const Interface& k = kInterfaces[i % std::size(kInterfaces)];
    rpc::EpmEntry e;
    e.interface = {*rpc::Uuid::Parse(k.uuid), k.major, 0};
    e.transfer = ndr;
    e.annotation = k.annotation;
    switch (i % 3) {
      case 0: e.binding = {"ncacn_ip_tcp", address, static_cast<uint16_t>(49664 + i % 7), "", {}}; break;
      case 1: e.binding = {"ncacn_np", "\\\\DC01", std::nullopt, "\\PIPE\\lsass", {}}; break;
      default: e.binding = {"ncalrpc", "", std::nullopt, "LRPC-" + std::to_string(i), {}}; break;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace highport::net
