#include "ingest/traffic_load.h"

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

// What kind of archive or compressed file `head` begins, if any: the logs
// inside one are read once unpacked, and an uncompressed zip or tar holds
// them as plain text a probe would take for a log (its header block a bad
// row, and every row counted again beside the unpacked copy).
std::string_view ArchiveKind(std::string_view head) {
  if (head.starts_with("PK\x03\x04") || head.starts_with("PK\x05\x06")) return "a zip archive";
  if (head.size() >= 262 && head.substr(257, 5) == "ustar") return "a tar archive";
  if (head.starts_with("\x1f\x8b")) return "a gzip-compressed file";
  if (head.starts_with("BZh") && head.size() > 3 && head[3] >= '1' && head[3] <= '9') return "a bzip2-compressed file";
  if (head.starts_with(std::string_view("\xfd" "7zXZ\x00", 6))) return "an xz-compressed file";
  if (head.starts_with("\x28\xb5\x2f\xfd")) return "a zstd-compressed file";
  if (head.starts_with("7z\xbc\xaf\x27\x1c")) return "a 7-Zip archive";
  if (head.starts_with("Rar!\x1a\x07")) return "a RAR archive";
  return {};
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
  if (head->empty()) return Error{fmt::format("{}: the file is empty", path)};
  if (const std::string_view archive = ArchiveKind(*head); !archive.empty()) {
    return Error{fmt::format("{}: {}: unpack it first, and give highport the files inside", path, archive)};
  }
  if (LooksLikeCapture(*head)) return EvidenceKind::kCapture;
  // A firewall log's probe is sure of its header; the inventory formats'
  // probes get the rest (LoadInventory says which formats were tried).
  if (ProbePfirewall(*head) >= 50) return EvidenceKind::kFirewallLog;
  return EvidenceKind::kInventory;
}

std::string_view ArchiveKindOf(const std::string& path) {
  Result<std::string> head = ReadHead(path);
  return head ? ArchiveKind(*head) : std::string_view();
}

Result<TrafficFileStats> ReadTrafficFile(const std::string& path, EvidenceKind kind,
                                         TrafficSink& sink, Diagnostics& diagnostics,
                                         const TrafficReadOptions& options) {
  TrafficFileStats stats;
  stats.kind = kind;
  if (kind == EvidenceKind::kCapture) {
    CaptureOptions capture_options;
    capture_options.progress = options.progress;
    capture_options.netflow_templates = options.netflow_templates;
    Result<CaptureStats> read = ReadCaptureFile(path, sink, diagnostics, capture_options);
    if (!read) return Error{read.error().message};
    stats.records = read->packets;
    stats.skipped = read->malformed + read->skipped_link_type;
    return stats;
  }
  if (kind == EvidenceKind::kFirewallLog) {
    PfirewallFileOptions file_options;
    file_options.byte_limit = options.byte_limit;
    file_options.progress = options.progress;
    file_options.leave_out_unfinished_last_line = !options.whole;
    Result<PfirewallStats> read = ReadPfirewallFile(path, sink, diagnostics, file_options);
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
