// Both ends of the test traffic in tests/plan_nftables_netns_test.sh, where
// no socat or nc is installed:
//
//   tcp_peer serve [--bind ADDR] [--seconds N] PORT... [udp:PORT...]
//       Listens on each TCP PORT (accepts and closes at once) and on each
//       udp:PORT (answers every datagram with "pong"), on ADDR (default
//       0.0.0.0). Prints "ready" when every socket is bound, then runs until
//       its standard input closes (or reads end of file at once: give it a
//       pipe or a FIFO) or N seconds pass (default 120), so that a failed test
//       cannot leave it behind. Exit 1 when a socket cannot be bound.
//   tcp_peer connect ADDR PORT TIMEOUT_MS
//       One TCP connection: exit 0 connected, 1 refused, 2 no answer within
//       TIMEOUT_MS (a firewall that drops), 3 any other error.
//   tcp_peer udp ADDR PORT TIMEOUT_MS
//       Sends "ping" and waits for an answer: exit 0 answered, 1 refused (ICMP
//       port unreachable), 2 no answer within TIMEOUT_MS, 3 any other error.
//
// IPv4 only.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int Usage() {
  std::fprintf(stderr,
               "usage: tcp_peer serve [--bind ADDR] [--seconds N] PORT... [udp:PORT...]\n"
               "       tcp_peer connect ADDR PORT TIMEOUT_MS\n"
               "       tcp_peer udp ADDR PORT TIMEOUT_MS\n");
  return 3;
}

bool ParseNumber(const char* text, long low, long high, long* out) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < low || value > high) return false;
  *out = value;
  return true;
}

bool ParseAddress(const char* address, long port, sockaddr_in* out) {
  *out = sockaddr_in{};
  out->sin_family = AF_INET;
  out->sin_port = htons(static_cast<uint16_t>(port));
  return inet_pton(AF_INET, address, &out->sin_addr) == 1;
}

struct Listener {
  int fd = -1;
  bool udp = false;
};

int Serve(int argc, char** argv) {
  const char* bind_address = "0.0.0.0";
  long seconds = 120;
  std::vector<Listener> listeners;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--bind" && i + 1 < argc) {
      bind_address = argv[++i];
      continue;
    }
    if (arg == "--seconds" && i + 1 < argc) {
      if (!ParseNumber(argv[++i], 1, 86400, &seconds)) return Usage();
      continue;
    }
    bool udp = arg.rfind("udp:", 0) == 0;
    if (arg.rfind("tcp:", 0) == 0 || udp) arg = arg.substr(4);
    long port = 0;
    sockaddr_in address{};
    if (!ParseNumber(arg.c_str(), 1, 65535, &port) || !ParseAddress(bind_address, port, &address))
      return Usage();
    Listener listener{socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0), udp};
    int one = 1;
    if (listener.fd < 0 ||
        setsockopt(listener.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(listener.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        (!udp && listen(listener.fd, 64) != 0)) {
      std::fprintf(stderr, "tcp_peer: %s %s:%ld: %s\n", udp ? "udp" : "tcp", bind_address, port,
                   std::strerror(errno));
      return 1;
    }
    listeners.push_back(listener);
  }
  if (listeners.empty()) return Usage();
  std::printf("ready\n");
  std::fflush(stdout);

  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(seconds);
  std::vector<pollfd> fds;
  fds.push_back({STDIN_FILENO, POLLIN, 0});
  for (const Listener& listener : listeners) fds.push_back({listener.fd, POLLIN, 0});
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    for (pollfd& p : fds) p.revents = 0;
    int ready = poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) {
      char buffer[256];
      if (read(STDIN_FILENO, buffer, sizeof buffer) <= 0) break;  // closed
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      const Listener& listener = listeners[i - 1];
      if (listener.udp) {
        char buffer[512];
        sockaddr_in peer{};
        socklen_t length = sizeof peer;
        ssize_t got = recvfrom(listener.fd, buffer, sizeof buffer, 0,
                               reinterpret_cast<sockaddr*>(&peer), &length);
        if (got >= 0)
          sendto(listener.fd, "pong", 4, 0, reinterpret_cast<sockaddr*>(&peer), length);
      } else {
        int connection = accept(listener.fd, nullptr, nullptr);
        if (connection >= 0) close(connection);
      }
    }
  }
  for (const Listener& listener : listeners) close(listener.fd);
  return 0;
}

// Waits for `events` on `fd` until `deadline`; false on timeout.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return true;  // let the caller's next call report it
  }
}

int Connect(const sockaddr_in& address, long timeout_ms) {
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return 3;
  int status = 3;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    status = 0;
  } else if (errno == ECONNREFUSED) {
    status = 1;
  } else if (errno == EINPROGRESS) {
    if (!WaitFor(fd, POLLOUT, deadline)) {
      status = 2;
    } else {
      int error = 0;
      socklen_t length = sizeof error;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      status = error == 0 ? 0 : error == ECONNREFUSED ? 1 : 3;
      if (status == 3) std::fprintf(stderr, "tcp_peer: connect: %s\n", std::strerror(error));
    }
  } else {
    std::fprintf(stderr, "tcp_peer: connect: %s\n", std::strerror(errno));
  }
  close(fd);
  return status;
}

int Udp(const sockaddr_in& address, long timeout_ms) {
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return 3;
  int status = 3;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      send(fd, "ping", 4, 0) != 4) {
    std::fprintf(stderr, "tcp_peer: udp: %s\n", std::strerror(errno));
  } else if (!WaitFor(fd, POLLIN, deadline)) {
    status = 2;
  } else {
    char buffer[64];
    if (recv(fd, buffer, sizeof buffer, 0) >= 0) {
      status = 0;
    } else if (errno == ECONNREFUSED) {
      status = 1;
    } else {
      std::fprintf(stderr, "tcp_peer: udp: %s\n", std::strerror(errno));
    }
  }
  close(fd);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string command = argv[1];
  if (command == "serve") return Serve(argc - 2, argv + 2);
  if ((command == "connect" || command == "udp") && argc == 5) {
    long port = 0, timeout_ms = 0;
    sockaddr_in address{};
    if (!ParseNumber(argv[3], 1, 65535, &port) || !ParseNumber(argv[4], 1, 600000, &timeout_ms) ||
        !ParseAddress(argv[2], port, &address))
      return Usage();
    return command == "connect" ? Connect(address, timeout_ms) : Udp(address, timeout_ms);
  }
  return Usage();
}
