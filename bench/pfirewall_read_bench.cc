// The firewall log reader's throughput, for bench/pfirewall_bench.sh.
//
//   pfirewall_read_bench generate OUT MEGABYTES SEED   writes a realistic log
//   pfirewall_read_bench read FILE                     reads it into a counting sink
//   pfirewall_read_bench read1 FILE                    the same with one thread
//   pfirewall_read_bench flows FILE                    reads it into the flow table,
//                                                      as `highport flows` does
//   pfirewall_read_bench floor FILE                    the least such work can cost:
//                                                      see Floor() below
//
// The generated log is what a busy domain controller writes with both kinds
// of logging on: clients' connections to LDAP, Kerberos, SMB, the endpoint
// mapper and its dynamic ports (RECEIVE), the server's own DNS and HTTPS
// (SEND), dropped broadcast and multicast noise, stray TCP SYNs, some IPv6
// and ICMP, and an INFO-EVENTS-LOST row now and then. The same seed gives the
// same bytes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstdlib>
#include <iterator>
#include <string>

#include "read_bench.h"
#include "fmt/format.h"
#include "ingest/pfirewall.h"
#include "ingest/traffic_load.h"

namespace {

class Random {  // splitmix64: small, and the same everywhere
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  unsigned Below(unsigned n) { return static_cast<unsigned>(Next() % n); }

 private:
  uint64_t state_;
};

int Generate(const char* out_path, uint64_t megabytes, uint64_t seed) {
  std::FILE* out = std::fopen(out_path, "wb");
  if (!out) {
    std::perror(out_path);
    return 2;
  }
  Random rng(seed);
  fmt::memory_buffer buf;
  fmt::format_to(std::back_inserter(buf),
                 "#Version: 1.5\n#Software: Microsoft Windows Firewall\n#Time Format: Local\n"
                 "#Fields: date time action protocol src-ip dst-ip src-port dst-port size "
                 "tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path\n\n");
  const uint64_t limit = megabytes << 20;
  uint64_t written = 0;
  int64_t seconds = 0;  // since 2024-03-01 00:00:00
  static const unsigned kServerPorts[] = {135, 445, 389, 88, 636, 3268, 53, 5985, 3389, 9389};
  while (written + buf.size() < limit) {
    if (rng.Below(4) == 0) ++seconds;
    int64_t day = 1 + seconds / 86400 % 28;
    int64_t t = seconds % 86400;
    fmt::format_to(std::back_inserter(buf), "2024-03-{:02} {:02}:{:02}:{:02} ", day, t / 3600,
                   t / 60 % 60, t % 60);
    const char* server = "10.1.0.10";
    unsigned client_c = 2 + rng.Below(40);
    unsigned client_d = 1 + rng.Below(250);
    unsigned client_port = 49152 + rng.Below(16384);
    unsigned kind = rng.Below(1000);
    auto out_row = std::back_inserter(buf);
    if (kind < 520) {  // a client connects to the server
      unsigned port = rng.Below(5) == 0 ? 49664 + rng.Below(24) : kServerPorts[rng.Below(10)];
      fmt::format_to(out_row, "ALLOW TCP 10.1.{}.{} {} {} {} 0 - 0 0 0 - - - RECEIVE\n",
                     client_c, client_d, server, client_port, port);
    } else if (kind < 680) {  // the server connects out
      fmt::format_to(out_row, "ALLOW TCP {} 10.1.{}.{} {} {} 0 - 0 0 0 - - - SEND\n", server,
                     rng.Below(3), 1 + rng.Below(20), client_port,
                     rng.Below(2) ? 443 : kServerPorts[rng.Below(10)]);
    } else if (kind < 760) {
      fmt::format_to(out_row, "ALLOW UDP {} 10.1.0.{} {} {} 0 - - - - - - - SEND\n", server,
                     1 + rng.Below(4), client_port, rng.Below(2) ? 53 : 123);
    } else if (kind < 900) {  // broadcast and multicast noise
      unsigned which = rng.Below(3);
      const char* dst = which == 0 ? "224.0.0.251" : which == 1 ? "239.255.255.250" : "10.1.255.255";
      unsigned port = which == 0 ? 5353 : which == 1 ? 1900 : 137;
      fmt::format_to(out_row, "DROP UDP 10.1.{}.{} {} {} {} {} - - - - - - - RECEIVE\n", client_c,
                     client_d, dst, which == 2 ? 137 : port, port, 60 + rng.Below(400));
    } else if (kind < 950) {  // a stray SYN
      fmt::format_to(out_row, "DROP TCP 10.1.{}.{} {} {} {} 52 S {} 0 64240 - - - RECEIVE\n",
                     client_c, client_d, server, client_port, 1 + rng.Below(65535),
                     rng.Next() % 4294967296ULL);
    } else if (kind < 985) {
      fmt::format_to(out_row,
                     "ALLOW TCP fd00:1::{:x}:{:x} fd00:1::a {} {} 0 - 0 0 0 - - - RECEIVE\n",
                     client_c, client_d, client_port, kServerPorts[rng.Below(10)]);
    } else if (kind < 999) {
      fmt::format_to(out_row, "ALLOW ICMP 10.1.{}.{} {} - - 0 - - - - 8 0 - RECEIVE\n", client_c,
                     client_d, server);
    } else {
      fmt::format_to(out_row, "INFO-EVENTS-LOST - - - - - - - - - - - - {} -\n",
                     1 + rng.Below(50));
    }
    if (buf.size() >= (1 << 20)) {
      std::fwrite(buf.data(), 1, buf.size(), out);
      written += buf.size();
      buf.clear();
    }
  }
  std::fwrite(buf.data(), 1, buf.size(), out);
  return std::fclose(out) == 0 ? 0 : 2;
}

void Report(const char* path, uint64_t lines, uint64_t rows, uint64_t skipped,
            const highport::bench::TimedRun& run) {
  uint64_t bytes = std::filesystem::file_size(path);
  fmt::print("lines {} rows {} flows {} lost {} skipped {} findings {} keys {} checksum {}\n", lines,
             rows, run.counting.flows, run.counting.lost, skipped,
             run.diagnostics.findings().size(), run.keys, run.counting.checksum);
  fmt::print("seconds {:.3f} MB/s {:.0f} lines/s {:.0f}\n", run.seconds,
             static_cast<double>(bytes) / 1e6 / run.seconds,
             static_cast<double>(lines) / run.seconds);
}

int Read(const char* path, bool flow_table) {
  // ReadTrafficFile: the path `highport flows log` takes.
  return highport::bench::TimedRead(
      flow_table,
      [&](highport::ingest::TrafficSink& sink, highport::Diagnostics& diagnostics) {
        return highport::ingest::ReadTrafficFile(
            path, highport::ingest::EvidenceKind::kFirewallLog, sink, diagnostics);
      },
      [&](const highport::ingest::TrafficFileStats& stats, const highport::bench::TimedRun& run) {
        Report(path, stats.lines, stats.records, stats.skipped, run);
      });
}

// The reader with its second thread off: what one core does.
int ReadOneThread(const char* path) {
  return highport::bench::TimedRead(
      false,
      [&](highport::ingest::TrafficSink& sink, highport::Diagnostics& diagnostics) {
        highport::ingest::PfirewallFileOptions options;
        options.parallel_min = 0;
        return highport::ingest::ReadPfirewallFile(path, sink, diagnostics, options);
      },
      [&](const highport::ingest::PfirewallStats& stats, const highport::bench::TimedRun& run) {
        Report(path, stats.lines, stats.rows, stats.skipped, run);
      });
}

// A yardstick, not a reader: the least a program must do to count a log by
// flow key, for judging the targets against this machine. One thread; only
// IPv4 TCP/UDP rows of the standard 17 fields, parsed by position with few
// checks (it trusts the log's shape: never for real input); the
// key (source, destination, protocol, destination port) counted with first
// and last time and bytes in a flat open-addressing table, each slot
// prefetched 16 rows ahead; the file mapped, not read. No evidence, no server decision, no order, no
// IPv6, no findings. `highport flows` does all of those; this is the floor
// under it.
int Floor(const char* path) {
  const int fd = open(path, O_RDONLY);
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) {
    std::perror(path);
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const size_t size = static_cast<size_t>(st.st_size);
  void* map = size == 0 ? nullptr : mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {
    std::perror(path);
    return 2;
  }
  const std::string_view text(static_cast<const char*>(map), size);
  struct Slot {
    uint64_t addresses = 0;
    uint32_t proto_port = 0;  // 0: empty
    uint32_t count = 0;
    uint32_t first = 0, last = 0;
    uint64_t bytes = 0;
  };
  // Doubled at half full, as a real table must be (its size is not known
  // ahead); rows carry their hash, so a row queued before a doubling finds
  // its slot after it.
  std::vector<Slot> table(size_t{1} << 16);
  size_t mask = table.size() - 1;
  size_t keys = 0, lines = 0;
  struct Row {
    uint64_t addresses;
    uint32_t proto_port, time;
    uint64_t bytes;
    uint64_t hash;
  };
  auto place = [&](std::vector<Slot>& into, size_t into_mask, const Slot& slot, uint64_t hash) {
    size_t i = hash & into_mask;
    while (into[i].proto_port != 0) i = (i + 1) & into_mask;
    into[i] = slot;
  };
  auto hash_of = [](uint64_t addresses, uint32_t proto_port) {
    uint64_t h = addresses * 0x9e3779b97f4a7c15ULL ^ proto_port * 0xc2b2ae3d27d4eb4fULL;
    h ^= h >> 32;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 29);  // its low bits pick the slot: mixed from every bit
  };
  std::vector<Row> rows;
  auto apply = [&] {
    for (const Row& r : rows) {
      for (size_t i = r.hash & mask;; i = (i + 1) & mask) {
        Slot& s = table[i];
        if (s.proto_port == 0) {
          s = {r.addresses, r.proto_port, 1, r.time, r.time, r.bytes};
          if (++keys * 2 > table.size()) {
            std::vector<Slot> bigger(table.size() * 2);
            for (const Slot& old : table) {
              if (old.proto_port != 0) place(bigger, bigger.size() - 1, old, hash_of(old.addresses, old.proto_port));
            }
            table.swap(bigger);
            mask = table.size() - 1;
          }
          break;
        }
        if (s.addresses == r.addresses && s.proto_port == r.proto_port) {
          ++s.count;
          s.last = r.time;
          s.bytes += r.bytes;
          break;
        }
      }
    }
    rows.clear();
  };
  // Both stop at the row's '\n' (`nl`), whatever the row holds.
  const char* nl = nullptr;
  auto number = [&nl](const char*& p) {
    uint32_t v = 0;
    for (; p < nl && *p >= '0' && *p <= '9'; ++p) v = v * 10 + uint32_t(*p - '0');
    return v;
  };
  auto skip = [&nl](const char*& p) {
    if (p < nl) ++p;
  };
  auto ipv4 = [&](const char*& p) {
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      v = v << 8 | number(p);
      skip(p);  // the '.' or ' ' after
    }
    return v;
  };
  const char* p = text.data();
  const char* const end = text.data() + text.size();
  while (p < end) {
    nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
    ++lines;
    if (nl == nullptr) break;  // a last row without '\n' is counted, not read: the parse needs one
    // "2024-03-01 00:00:00 ALLOW TCP 10.1.13.109 10.1.0.10 58260 3268 0 ..."
    if (nl - p > 40 && *p != '#') {
      const char* q = p + 11;
      const uint32_t time = uint32_t(((q[0] - '0') * 10 + (q[1] - '0')) * 3600 +
                                     ((q[3] - '0') * 10 + (q[4] - '0')) * 60 +
                                     (q[6] - '0') * 10 + (q[7] - '0'));
      const char* action_end = static_cast<const char*>(std::memchr(q + 9, ' ', size_t(nl - q - 9)));
      if (action_end == nullptr) action_end = nl - 1;
      q = action_end + 1;
      const uint32_t proto = q[0] == 'T' ? 6 : q[0] == 'U' ? 17 : 0;
      const char* proto_end = static_cast<const char*>(std::memchr(q, ' ', size_t(nl - q)));
      q = proto_end == nullptr ? nl : proto_end + 1;
      if (proto != 0 && q[0] >= '0' && q[0] <= '9' &&
          std::memchr(q, ':', std::min<size_t>(16, size_t(nl - q))) == nullptr) {
        const uint32_t src = ipv4(q), dst = ipv4(q);
        number(q);  // source port
        skip(q);
        const uint32_t port = number(q);
        skip(q);
        const uint64_t bytes = number(q);
        const uint64_t addresses = uint64_t{src} << 32 | dst;
        const uint32_t proto_port = proto << 16 | port;
        const uint64_t hash = hash_of(addresses, proto_port);
        __builtin_prefetch(&table[hash & mask], 1);
        rows.push_back({addresses, proto_port, time, bytes, hash});
        if (rows.size() == 16) apply();
      }
    }
    p = nl + 1;
  }
  apply();
  if (map != nullptr) munmap(map, size);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("lines {} keys {}\n", lines, keys);
  fmt::print("seconds {:.3f} lines/s {:.0f}\n", seconds, static_cast<double>(lines) / seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "read1") return ReadOneThread(argv[2]);
  if (argc == 3 && std::string(argv[1]) == "floor") return Floor(argv[2]);
  return highport::bench::ReadBenchMain(argc, argv, "pfirewall_read_bench", Generate, Read);
}
