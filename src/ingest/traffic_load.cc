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
