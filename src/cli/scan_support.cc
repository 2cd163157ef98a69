#include "cli/scan_support.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "fmt/format.h"

namespace highport::cli {

void AddScanFlags(CLI::App& app, ScanFlags& f) {
  app.add_option("--rate", f.rate, "new connections per second, at most")
      ->check(CLI::Range(1.0, 100000.0))
      ->capture_default_str();
  app.add_option("--timeout", f.timeout, "seconds to wait for each connection")
      ->check(CLI::Range(0.01, 60.0))
      ->capture_default_str();
  app.add_option("--concurrency", f.concurrency, "connection attempts in flight at most")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--max-probes", f.max_probes, "refuse to try more host-port pairs than this")
      ->check(CLI::Range(1, 1 << 24))
      ->capture_default_str();
}

net::ScanOptions ToScanOptions(const ScanFlags& f) {
  net::ScanOptions o;
  o.rate = f.rate;
  o.concurrency = f.concurrency;
  o.connect_timeout = std::chrono::milliseconds(static_cast<int64_t>(std::lround(f.timeout * 1000)));
  return o;
}

std::vector<uint16_t> DefaultScanPorts(const catalog::Catalog& catalog, PortRange dynamic) {
  std::vector<uint16_t> ports{135, 593};
  for (const catalog::PortEntry& e : catalog.ports()) {
    if (e.proto == Proto::kTcp && (e.category == catalog::PortCategory::kWindowsCore ||
                                   e.category == catalog::PortCategory::kWindowsRole)) {
      ports.push_back(e.port);
    }
  }
  for (uint32_t p = dynamic.first; p <= dynamic.last; ++p) ports.push_back(static_cast<uint16_t>(p));
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  return ports;
}

net::ScanProgress MakeScanProgress(std::string_view command, size_t probes) {
  if (probes < 1000 || !isatty(STDERR_FILENO)) return {};
  return [command = std::string(command)](size_t done, size_t all) {
    fmt::print(stderr, "\r{}: {}/{} ports", command, done, all);
    if (done == all) fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
  };
}

report::ScanHostReport ToReport(const net::ScanHostResult& r, PortRange dynamic) {
  report::ScanHostReport h;
  h.host = r.host;
  h.address = r.address;
  h.source_address = r.source_address;
  h.error = r.error;
  h.dynamic_range = dynamic;
  h.elapsed_ms = static_cast<double>(r.elapsed.count()) / 1000.0;
  for (const net::PortResult& p : r.ports) {
    h.ports.push_back({p.port, std::string(net::PortStateName(p.state)), std::string(p.why)});
  }
  return h;
}

}  // namespace highport::cli
