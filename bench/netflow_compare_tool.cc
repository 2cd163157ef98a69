// Helpers of bench/netflow_compare.sh (no highport code inside):
//
//   netflow_compare_tool traffic OUT.pcap FLOWS KEYS [SEED]
//     writes a capture of FLOWS one-packet conversations (Ethernet, IPv4,
//     10 us apart) for softflowd to read: one NetFlow record each. Each
//     conversation belongs to one of KEYS (client, server, protocol, server
//     port) keys, drawn at random (KEYS 0: every conversation a key of its
//     own), and gets a source port of its own, so softflowd never merges
//     two. A key: client 10.0.x.y (key mod 65536), one of 512 servers in
//     192.168.0.0/23, 3 in 4 TCP, server port from a Windows-like mix (135,
//     445, 389, 88, 53, 3389, dynamic RPC ports 49664-49791). The same
//     FLOWS, KEYS and SEED give the same bytes.
//
//   netflow_compare_tool tee OUT.pcap FORWARD_PORT IDLE_MS MAX_SECONDS
//     binds UDP 127.0.0.1:0, prints "listening PORT" on stdout, and writes
//     every datagram it receives to OUT.pcap (link type raw IPv4, with a
//     made-up IPv4/UDP header from the sender to 127.0.0.1:2055, the port
//     highport knows for NetFlow) and sends it on, unchanged, to
//     127.0.0.1:FORWARD_PORT (nfcapd). It stops IDLE_MS after the last
//     datagram (once one arrived) or after MAX_SECONDS, and prints
//     "datagrams N bytes B". Its receive buffer is made as large as the
//     kernel allows (SO_RCVBUFFORCE as root), so it keeps up with softflowd.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "netflow_compare_tool: %s%s%s\n", what.c_str(), errno ? ": " : "",
               errno ? std::strerror(errno) : "");
  std::exit(1);
}

void Put16(std::vector<uint8_t>& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
void Put32(std::vector<uint8_t>& b, uint32_t v) {
  Put16(b, static_cast<uint16_t>(v >> 16));
  Put16(b, static_cast<uint16_t>(v));
}
void PutLe32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PcapHeader(std::vector<uint8_t>& b, uint32_t linktype) {
  PutLe32(b, 0xa1b2c3d4);
  b.push_back(2), b.push_back(0), b.push_back(4), b.push_back(0);
  PutLe32(b, 0), PutLe32(b, 0), PutLe32(b, 65535), PutLe32(b, linktype);
}
uint16_t Checksum(const uint8_t* p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2) s += uint32_t{p[i]} << 8 | p[i + 1];
  if (n % 2) s += uint32_t{p[n - 1]} << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s);
}
// IPv4 header (20 bytes) with its checksum, appended to b.
void Ip4(std::vector<uint8_t>& b, uint32_t src, uint32_t dst, uint8_t proto, uint16_t payload) {
  size_t at = b.size();
  Put16(b, 0x4500), Put16(b, static_cast<uint16_t>(20 + payload)), Put16(b, 0), Put16(b, 0x4000);
  b.push_back(64), b.push_back(proto), Put16(b, 0), Put32(b, src), Put32(b, dst);
  uint16_t c = Checksum(b.data() + at, 20);
  b[at + 10] = static_cast<uint8_t>(c >> 8), b[at + 11] = static_cast<uint8_t>(c);
}

uint64_t Next(uint64_t& s) {  // splitmix64
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int Traffic(const char* path, uint64_t flows, uint64_t keys, uint64_t seed) {
  std::FILE* f = std::fopen(path, "wb");
  if (!f) Die(std::string("cannot write ") + path);
  std::vector<uint8_t> b;
  PcapHeader(b, 1);
  static const uint16_t kPorts[] = {135, 445, 389, 88, 53, 3389};
  const uint64_t t0_us = 1'709'294'400'000'000ULL;  // 2024-03-01 12:00:00 UTC
  uint64_t rng = seed;
  for (uint64_t i = 0; i < flows; ++i) {
    // The conversation's key: client, server, protocol and server port.
    uint64_t k = keys ? Next(rng) % keys : i;
    uint64_t key_rng = seed ^ (k * 0x2545f4914f6cdd1dULL);
    uint64_t r = Next(key_rng);
    bool tcp = (r & 3) != 0;
    uint32_t client = 0x0a000000u | static_cast<uint32_t>(k & 0xffff);
    // A new source port for every conversation: softflowd never merges two.
    // Windows ephemeral ports above every server port (the lower one is the server).
    uint16_t client_port = static_cast<uint16_t>(49792 + i % 15000);
    uint32_t server = 0xc0a80000u | static_cast<uint32_t>((r >> 8) % 512);
    uint16_t server_port = (r >> 20) % 3 == 0 ? kPorts[(r >> 24) % 6]
                                              : static_cast<uint16_t>(49664 + (r >> 32) % 128);
    r = Next(rng);
    uint16_t payload = static_cast<uint16_t>((r >> 40) % 64);
    uint16_t l4 = static_cast<uint16_t>((tcp ? 20 : 8) + payload);
    uint64_t t = t0_us + i * 10;
    uint32_t frame = 14 + 20 + l4;
    PutLe32(b, static_cast<uint32_t>(t / 1'000'000)), PutLe32(b, static_cast<uint32_t>(t % 1'000'000));
    PutLe32(b, frame), PutLe32(b, frame);
    static const uint8_t kMacs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
    b.insert(b.end(), kMacs, kMacs + 12);
    Put16(b, 0x0800);
    Ip4(b, client, server, tcp ? 6 : 17, l4);
    Put16(b, client_port), Put16(b, server_port);
    if (tcp) {
      Put32(b, static_cast<uint32_t>(r)), Put32(b, 0);
      Put16(b, 0x5002), Put16(b, 65535), Put16(b, 0), Put16(b, 0);  // SYN; checksum left 0
    } else {
      Put16(b, l4), Put16(b, 0);
    }
    b.insert(b.end(), payload, static_cast<uint8_t>('x'));
    if (b.size() > (1 << 20)) {
      if (std::fwrite(b.data(), 1, b.size(), f) != b.size()) Die("write failed");
      b.clear();
    }
  }
  if (std::fwrite(b.data(), 1, b.size(), f) != b.size() || std::fclose(f) != 0) Die("write failed");
  return 0;
}

int Tee(const char* path, int forward_port, int idle_ms, int max_seconds) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) Die("socket");
  int size = 256 << 20;
  if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
    errno = 0;
    setsockopt(s, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) Die("bind");
  socklen_t len = sizeof a;
  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  int out = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(static_cast<uint16_t>(forward_port));
  std::FILE* f = std::fopen(path, "wb");
  if (!f) Die(std::string("cannot write ") + path);
  std::vector<uint8_t> b;
  PcapHeader(b, 101);  // LINKTYPE_RAW
  std::fwrite(b.data(), 1, b.size(), f);
  std::printf("listening %d\n", ntohs(a.sin_port));
  std::fflush(stdout);

  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(max_seconds);
  uint64_t datagrams = 0, bytes = 0;
  std::vector<uint8_t> buf(65536);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{s, POLLIN, 0};
    int wait = datagrams ? std::min<int>(idle_ms, static_cast<int>(left)) : static_cast<int>(std::min<long long>(left, 1000));
    int r = poll(&p, 1, wait);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) Die("poll");
    if (r == 0) {
      if (datagrams) break;
      continue;
    }
    for (;;) {
      sockaddr_in from{};
      socklen_t fl = sizeof from;
      ssize_t n = recvfrom(s, buf.data(), buf.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n < 0) break;
      ++datagrams, bytes += static_cast<uint64_t>(n);
      if (forward_port > 0) {
        sendto(out, buf.data(), static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
      }
      timeval tv;
      gettimeofday(&tv, nullptr);
      b.clear();
      uint32_t frame = static_cast<uint32_t>(28 + n);
      PutLe32(b, static_cast<uint32_t>(tv.tv_sec)), PutLe32(b, static_cast<uint32_t>(tv.tv_usec));
      PutLe32(b, frame), PutLe32(b, frame);
      Ip4(b, ntohl(from.sin_addr.s_addr), 0x7f000001u, 17, static_cast<uint16_t>(8 + n));
      Put16(b, ntohs(from.sin_port)), Put16(b, 2055), Put16(b, static_cast<uint16_t>(8 + n)), Put16(b, 0);
      b.insert(b.end(), buf.begin(), buf.begin() + n);
      if (std::fwrite(b.data(), 1, b.size(), f) != b.size()) Die("write failed");
    }
  }
  if (std::fclose(f) != 0) Die("write failed");
  std::printf("datagrams %llu bytes %llu\n", static_cast<unsigned long long>(datagrams),
              static_cast<unsigned long long>(bytes));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "traffic" && (argc == 5 || argc == 6)) {
    return Traffic(argv[2], std::strtoull(argv[3], nullptr, 10), std::strtoull(argv[4], nullptr, 10),
                   argc == 6 ? std::strtoull(argv[5], nullptr, 10) : 42);
  }
  if (cmd == "tee" && argc == 6) {
    return Tee(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]));
  }
  std::fprintf(stderr,
               "usage: netflow_compare_tool traffic OUT.pcap FLOWS KEYS [SEED]\n"
               "       netflow_compare_tool tee OUT.pcap FORWARD_PORT IDLE_MS MAX_SECONDS\n");
  return 2;
}
