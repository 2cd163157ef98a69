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

void Diagnostics::Note(const std::string& file, uint64_t line, std::string id,
                       std::string reason) {
  Report({Finding::Severity::kNote, std::move(id), SourceRef{file, line}, std::move(reason)});
}

size_t Diagnostics::skipped() const {
  size_t count = 0;
  for (const Finding& f : findings_) {
    if (f.severity != Finding::Severity::kNote) ++count;
  }
  return count;
}

}  // namespace highport
