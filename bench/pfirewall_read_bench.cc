// The firewall log reader's throughput, for bench/pfirewall_bench.sh.
//
//   pfirewall_read_bench generate OUT MEGABYTES SEED   writes a realistic log
//   pfirewall_read_bench read FILE                     reads it into a counting sink
//   pfirewall_read_bench read1 FILE                    the same with one thread
//   pfirewall_read_bench flows FILE                    reads it into the flow table,
//                                                      as `highport flows` does
//
// The generated log is what a busy domain controller writes with both kinds
// of logging on: clients' connections to LDAP, Kerberos, SMB, the endpoint
// mapper and its dynamic ports (RECEIVE), the server's own DNS and HTTPS
// (SEND), dropped broadcast and multicast noise, stray TCP SYNs, some IPv6
// and ICMP, and an INFO-EVENTS-LOST row now and then. The same seed gives the
// same bytes.
#include <filesystem>
#include <cstdio>
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

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "read1") return ReadOneThread(argv[2]);
  return highport::bench::ReadBenchMain(argc, argv, "pfirewall_read_bench", Generate, Read);
}
