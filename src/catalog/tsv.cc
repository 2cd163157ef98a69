#include "catalog/tsv.h"

#include "fmt/format.h"
#include "text/strings.h"

namespace highport::catalog {

void ParseTsv(std::string_view name, std::string_view text,
              const std::vector<std::string_view>& columns, Diagnostics& diagnostics,
              const std::function<void(const TsvRow&)>& on_row) {
  std::string file(name);
  bool header_seen = false;
  uint64_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    std::vector<std::string_view> fields = text::Split(line, '\t');
    if (!header_seen) {
      header_seen = true;
      if (fields != columns) {
        diagnostics.SkipLine(file, line_number, "catalog.header",
                             fmt::format("header does not name the expected {} columns", columns.size()));
        return;
      }
      continue;
    }
    if (fields.size() != columns.size()) {
      diagnostics.SkipLine(file, line_number, "catalog.field_count",
                           fmt::format("{} fields, expected {}", fields.size(), columns.size()));
      continue;
    }
    bool has_empty = false;
    for (std::string_view f : fields) has_empty |= f.empty();
    if (has_empty) {
      diagnostics.SkipLine(file, line_number, "catalog.empty_field", "empty field (write '-')");
      continue;
    }
    on_row(TsvRow{line_number, std::move(fields)});
  }
  if (!header_seen) diagnostics.SkipLine(file, 0, "catalog.header", "no header row");
}

std::vector<std::string> SplitList(std::string_view field) {
  std::vector<std::string> items;
  std::string current;
  auto flush = [&] {
    std::string_view trimmed = text::Trim(current);
    if (!trimmed.empty() && trimmed != "-") items.emplace_back(trimmed);
    current.clear();
  };
  for (char c : field) {
    if (c == ',' || c == ';') {
      flush();
    } else {
      current += c;
    }
  }
  flush();
  return items;
}

}  // namespace highport::catalog
