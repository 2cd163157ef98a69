#include "ingest/traffic_load.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "fmt/format.h"
#include "ingest/capture.h"
#include "ingest/pfirewall.h"

namespace highport::ingest {
namespace {

// The first few kilobytes, enough for every probe.
Result<std::string> ReadHead(const std::string& path, size_t limit = 8192) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  std::string head(limit, '\0');
  size_t n = std::fread(head.data(), 1, limit, file.get());
  head.resize(n);
  return head;
}

// The firewall log in 1 MiB chunks through the push parser, up to the byte
// limit, with progress.
Result<PfirewallStats> ReadFirewallLog(const std::string& path, TrafficSink& sink,
                                       Diagnostics& diagnostics, const TrafficReadOptions& options) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  uint64_t total = 0;
  struct stat st {};
  if (::fstat(::fileno(file.get()), &st) == 0 && S_ISREG(st.st_mode)) {
    total = std::min<uint64_t>(static_cast<uint64_t>(st.st_size), options.byte_limit);
  }
  PfirewallParser parser(path, sink, diagnostics);
  constexpr size_t kChunk = 1 << 20;
  auto buffer = std::make_unique<char[]>(kChunk);
  uint64_t done = 0;
  while (done < options.byte_limit) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, options.byte_limit - done));
    size_t got = std::fread(buffer.get(), 1, want, file.get());
    if (got == 0) {
      if (std::ferror(file.get())) return Error{fmt::format("{}: read error", path)};
      break;
    }
    parser.Feed(std::string_view(buffer.get(), got));
    done += got;
    if (options.progress) options.progress(done, total);
  }
  return parser.Finish();
}

}  // namespace

std::string_view EvidenceKindName(EvidenceKind kind) {
  switch (kind) {
    case EvidenceKind::kCapture: return "capture";
    case EvidenceKind::kFirewallLog: return "firewall-log";
    case EvidenceKind::kInventory: return "inventory";
  }
  return "inventory";
}

Result<EvidenceKind> DetectEvidence(const std::string& path) {
  Result<std::string> head = ReadHead(path);
  if (!head) return Error{head.error().message};
  if (LooksLikeCapture(*head)) return EvidenceKind::kCapture;
  // A firewall log's probe is sure of its header; the inventory formats'
  // probes get the rest (LoadInventory says which formats were tried).
  if (ProbePfirewall(*head) >= 50) return EvidenceKind::kFirewallLog;
  return EvidenceKind::kInventory;
}

Result<TrafficFileStats> ReadTrafficFile(const std::string& path, EvidenceKind kind,
                                         TrafficSink& sink, Diagnostics& diagnostics,
                                         const TrafficReadOptions& options) {
  TrafficFileStats stats;
  stats.kind = kind;
  if (kind == EvidenceKind::kCapture) {
    CaptureOptions capture_options;
    capture_options.progress = options.progress;
    Result<CaptureStats> read = ReadCaptureFile(path, sink, diagnostics, capture_options);
    if (!read) return Error{read.error().message};
    stats.records = read->packets;
    stats.skipped = read->malformed + read->skipped_link_type;
    return stats;
  }
  if (kind == EvidenceKind::kFirewallLog) {
    Result<PfirewallStats> read = ReadFirewallLog(path, sink, diagnostics, options);
    if (!read) return Error{read.error().message};
    stats.records = read->rows;
    stats.lines = read->lines;
    stats.skipped = read->skipped;
    stats.local_time = read->local_time;
    return stats;
  }
  return Error{fmt::format("{}: not a capture or a firewall log", path)};
}

}  // namespace highport::ingest
