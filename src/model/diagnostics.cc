#include "model/diagnostics.h"

#include "fmt/format.h"

namespace highport {

std::string Finding::ToString() const {
  std::string where_text = where.ToString();
  std::string_view label = severity == Severity::kNote ? "note: " : "";
  if (where_text.empty()) return fmt::format("{}{}", label, reason);
  return fmt::format("{}: {}{}", where_text, label, reason);
}

void Diagnostics::SkipLine(const std::string& file, uint64_t line, std::string id,
                           std::string reason) {
  Report({Finding::Severity::kWarning, std::move(id), SourceRef{file, line}, std::move(reason)});
}

void Diagnostics::SkipLines(const std::string& file, uint64_t line, std::string id,
                            std::string reason, uint64_t lines) {
  Report({Finding::Severity::kWarning, std::move(id), SourceRef{file, line}, std::move(reason)}, lines);
}

void Diagnostics::Note(const std::string& file, uint64_t line, std::string id,
                       std::string reason) {
  Report({Finding::Severity::kNote, std::move(id), SourceRef{file, line}, std::move(reason)});
}

void Diagnostics::Report(Finding finding, uint64_t times) {
  if (times == 0) return;
  IdCount& count = counts_[finding.id];
  const bool keep = count.count < keep_per_id_;
  count.count += times;
  count.severity = finding.severity;
  if (finding.severity != Finding::Severity::kNote) skipped_ += times;
  not_kept_ += times - (keep ? 1 : 0);
  if (!keep) return;
  findings_.push_back(std::move(finding));
}

void Diagnostics::RenameFile(const std::string& from, const std::string& to) {
  if (from == to) return;
  for (Finding& f : findings_) {
    if (f.where.file == from) f.where.file = to;
  }
}

}  // namespace highport
