// The scanner against real sockets on loopback: listeners (open), ports bound
// without listening (closed: nothing else can take them meanwhile) and a
// listener whose accept queue is full (the kernel drops the SYN: filtered).
#include "net/port_scanner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <fcntl.h>

namespace highport::net {
namespace {

using Clock = std::chrono::steady_clock;

// A TCP socket on 127.0.0.1, any free port; listening with `backlog`, or only bound.
class LoopbackSocket {
 public:
  explicit LoopbackSocket(int backlog = -1) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    if (backlog >= 0 && listen(fd_, backlog) != 0) return;
    socklen_t size = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &size);
    port_ = ntohs(a.sin_port);
  }
  ~LoopbackSocket() {
    if (fd_ >= 0) close(fd_);
  }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// A non-blocking connect to 127.0.0.1:port; true when it completed within `ms`.
// The file descriptor is kept open in `keep` (closing it would free the queue slot).
bool ConnectWithin(uint16_t port, int ms, std::vector<int>& keep) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  keep.push_back(fd);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p{fd, POLLOUT, 0};
  if (poll(&p, 1, ms) != 1) return false;
  int error = 0;
  socklen_t size = sizeof error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
  return error == 0;
}

TEST(PortScanner, OpenAndClosedPorts) {
  LoopbackSocket open1(16), open2(16), closed(-1);
  ASSERT_NE(open1.port(), 0);
  ASSERT_NE(open2.port(), 0);
  ASSERT_NE(closed.port(), 0);
  ScanOptions options;
  options.connect_timeout = std::chrono::milliseconds(2000);
  auto results = ScanPorts({{"127.0.0.1", {open1.port(), closed.port(), open2.port(), open1.port()}}},
                           options);
  ASSERT_EQ(results.size(), 1u);
  const ScanHostResult& r = results[0];
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.address, "127.0.0.1");
  EXPECT_EQ(r.source_address, "127.0.0.1");
  ASSERT_EQ(r.ports.size(), 3u);  // each port once
  std::vector<uint16_t> open{open1.port(), open2.port()};
  std::sort(open.begin(), open.end());
  EXPECT_EQ(r.Ports(PortState::kOpen), open);
  EXPECT_EQ(r.Ports(PortState::kClosed), std::vector<uint16_t>{closed.port()});
  EXPECT_EQ(r.Count(PortState::kFiltered), 0u);
  for (const PortResult& p : r.ports) {
    EXPECT_EQ(p.why, p.state == PortState::kOpen ? "connected" : "refused");
  }
}

TEST(PortScanner, RateLimitHoldsNewConnectionsBack) {
  // 120 ports that refuse: bound, not listening.
  std::vector<std::unique_ptr<LoopbackSocket>> sockets;
  std::vector<uint16_t> ports;
  for (int i = 0; i < 120; ++i) {
    sockets.push_back(std::make_unique<LoopbackSocket>(-1));
    ASSERT_NE(sockets.back()->port(), 0);
    ports.push_back(sockets.back()->port());
  }
  ScanOptions options;
  options.rate = 300;  // 120 probes: the last may start after 119/300 s = 0.40 s
  size_t last_done = 0, calls = 0;
  auto started = Clock::now();
  auto results = ScanPorts({{"127.0.0.1", ports}}, options, [&](size_t done, size_t total) {
    EXPECT_EQ(total, 120u);
    EXPECT_GT(done, last_done);
    last_done = done;
    ++calls;
  });
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  EXPECT_EQ(results[0].Count(PortState::kClosed), 120u);
  EXPECT_GE(seconds, 0.39);
  EXPECT_LT(seconds, 3.0) << "far slower than the rate asks";
  EXPECT_EQ(last_done, 120u);
  EXPECT_GE(calls, 1u);

  // Unlimited (rate 0) is much faster than that on loopback.
  options.rate = 0;
  started = Clock::now();
  results = ScanPorts({{"127.0.0.1", ports}}, options);
  EXPECT_EQ(results[0].Count(PortState::kClosed), 120u);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - started).count(), 0.39);
}

TEST(PortScanner, ConcurrencyOfOneStillScansEverything) {
  LoopbackSocket open(4), closed(-1);
  ScanOptions options;
  options.concurrency = 1;
  auto results = ScanPorts({{"127.0.0.1", {open.port(), closed.port()}},
                            {"::1", {}},
                            {"127.0.0.1", {closed.port()}}},
                           options);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].Ports(PortState::kOpen), std::vector<uint16_t>{open.port()});
  EXPECT_TRUE(results[1].ports.empty());
  EXPECT_EQ(results[2].Ports(PortState::kClosed), std::vector<uint16_t>{closed.port()});
}

TEST(PortScanner, FullAcceptQueueTimesOutAsFiltered) {
  // listen(fd, 0): Linux queues one connection; with the queue full it drops
  // further SYNs, so a connect waits until our timeout. Fill it first.
  LoopbackSocket full(0);
  ASSERT_NE(full.port(), 0);
  std::vector<int> keep;
  bool dropping = false;
  for (int i = 0; i < 8 && !dropping; ++i) dropping = !ConnectWithin(full.port(), 200, keep);
  if (!dropping) {
    for (int fd : keep) close(fd);
    GTEST_SKIP() << "this kernel accepts more connections than the listen backlog";
  }
  ScanOptions options;
  options.connect_timeout = std::chrono::milliseconds(300);
  auto started = Clock::now();
  auto results = ScanPorts({{"127.0.0.1", {full.port()}}}, options);
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  for (int fd : keep) close(fd);
  ASSERT_EQ(results[0].ports.size(), 1u);
  EXPECT_EQ(results[0].ports[0].state, PortState::kFiltered);
  EXPECT_EQ(results[0].ports[0].why, "timeout");
  EXPECT_GE(seconds, 0.29);
  EXPECT_LT(seconds, 2.0);
}

TEST(PortScanner, StateNames) {
  EXPECT_EQ(PortStateName(PortState::kOpen), "open");
  EXPECT_EQ(PortStateName(PortState::kClosed), "closed");
  EXPECT_EQ(PortStateName(PortState::kFiltered), "filtered");
}

}  // namespace
}  // namespace highport::net
