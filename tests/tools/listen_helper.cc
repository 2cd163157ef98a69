// A process with known sockets for tests/live_inventory_test.sh: a TCP
// listener and a UDP socket on 127.0.0.1, ports chosen by the kernel. Prints
// "tcp PORT" and "udp PORT", then holds the sockets until its standard input
// closes or 60 seconds pass, so that a failed test cannot leave it behind.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace {

int OpenBound(int type) {
  int fd = socket(AF_INET, type, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return -1;
  if (type == SOCK_STREAM && listen(fd, 4) != 0) return -1;
  return fd;
}

int PortOf(int fd) {
  sockaddr_in bound{};
  socklen_t length = sizeof bound;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) != 0) return -1;
  return ntohs(bound.sin_port);
}

}  // namespace

int main() {
  int tcp = OpenBound(SOCK_STREAM);
  int udp = OpenBound(SOCK_DGRAM);
  if (tcp < 0 || udp < 0) {
    std::perror("listen_helper");
    return 1;
  }
  std::printf("tcp %d\nudp %d\n", PortOf(tcp), PortOf(udp));
  std::fflush(stdout);

  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd in{STDIN_FILENO, POLLIN, 0};
    int ready = poll(&in, 1, static_cast<int>(left.count()) + 1);
    if (ready < 0) break;
    if (ready == 0) continue;
    char buffer[256];
    if (read(STDIN_FILENO, buffer, sizeof buffer) <= 0) break;  // closed
  }
  close(tcp);
  close(udp);
  return 0;
}
