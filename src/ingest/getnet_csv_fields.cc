#include "ingest/getnet_csv_fields.h"

namespace highport::ingest {
namespace {

size_t CountOutsideQuotes(std::string_view line, char c) {
  size_t count = 0;
  bool quoted = false;
  for (char x : line) {
    if (x == '"') quoted = !quoted;  // "" toggles twice: still right
    else if (x == c && !quoted) ++count;
  }
  return count;
}

}  // namespace

Result<std::vector<std::string>> SplitCsvRecord(std::string_view line, char delimiter) {
  std::vector<std::string> fields;
  size_t i = 0;
  while (true) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) return Error{"unterminated quote"};
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;  // the closing quote
          break;
        }
        field += line[i++];
      }
      // Only the delimiter, the end, or stray blanks may follow a closing quote.
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] != delimiter) return Error{"text after a closing quote"};
    } else {
      // Unquoted: up to the delimiter. A quote in the middle is kept as it is,
      // as spreadsheet programs do.
      size_t end = line.find(delimiter, i);
      if (end == std::string_view::npos) end = line.size();
      field.assign(line.substr(i, end - i));
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return fields;
    ++i;  // past the delimiter; a delimiter at the very end starts one empty field
  }
}

char DetectCsvDelimiter(std::string_view header) {
  return CountOutsideQuotes(header, ';') > CountOutsideQuotes(header, ',') ? ';' : ',';
}

}  // namespace highport::ingest
