#include "report/table.h"

#include <algorithm>
#include <string_view>

#include "text/strings.h"

namespace highport::report {
namespace {

// Cuts at a code point boundary, never inside a UTF-8 sequence.
std::string Cut(const std::string& cell, size_t width) {
  if (text::DisplayWidth(cell) <= width) return cell;
  std::string out;
  size_t points = 0;
  for (char c : cell) {
    bool starts_point = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_point && ++points > width - 1) break;
    out += c;
  }
  return out + "…";
}

}  // namespace

TextTable::TextTable(std::vector<std::string> header, size_t max_cell_width)
    : header_(std::move(header)), max_cell_width_(max_cell_width) {}

void TextTable::AddRow(std::vector<std::string> row) {
  row.resize(header_.size());
  // The last column may run on: nothing stands to its right.
  for (size_t c = 0; c + 1 < row.size(); ++c) row[c] = Cut(row[c], max_cell_width_);
  rows_.push_back(std::move(row));
}

std::string TextTable::Render() const {
  TableLayout layout(header_, max_cell_width_);
  for (const auto& row : rows_) layout.Measure(row);
  std::string out;
  layout.AppendHeader(out);
  for (const auto& row : rows_) layout.AppendRow(row, out);
  return out;
}

TableLayout::TableLayout(std::vector<std::string> header, size_t max_cell_width)
    : header_(std::move(header)), widths_(header_.size()), max_cell_width_(max_cell_width) {
  for (size_t c = 0; c < header_.size(); ++c) widths_[c] = text::DisplayWidth(header_[c]);
}

// A cell as TextTable::AddRow() keeps it: cut, but the last column, which may
// run on. (Cutting a cut cell changes nothing.)
void TableLayout::Measure(const std::vector<std::string>& row) {
  for (size_t c = 0; c < row.size() && c < widths_.size(); ++c) {
    size_t width = text::DisplayWidth(row[c]);
    if (c + 1 < widths_.size() && width > max_cell_width_) {
      width = text::DisplayWidth(Cut(row[c], max_cell_width_));
    }
    widths_[c] = std::max(widths_[c], width);
  }
}

void TableLayout::MeasureWidths(const size_t* widths) {
  for (size_t c = 0; c < widths_.size(); ++c) {
    size_t width = widths[c];
    // A cut cell is max_cell_width_ code points: the first ones and "…".
    if (c + 1 < widths_.size() && width > max_cell_width_ && max_cell_width_ > 0) {
      width = max_cell_width_;
    }
    widths_[c] = std::max(widths_[c], width);
  }
}

void TableLayout::Append(const std::vector<std::string>& row, bool cut, const size_t* widths,
                         std::string& out) const {
  const size_t start = out.size();
  for (size_t c = 0; c < widths_.size(); ++c) {
    static const std::string kEmpty;
    const std::string& cell = c < row.size() ? row[c] : kEmpty;
    size_t width = widths != nullptr && c < row.size() ? widths[c] : text::DisplayWidth(cell);
    if (cut && c + 1 < widths_.size() && width > max_cell_width_) {
      const std::string shorter = Cut(cell, max_cell_width_);
      out += shorter;
      width = text::DisplayWidth(shorter);
    } else {
      out += cell;
    }
    if (c + 1 < widths_.size()) out.append(widths_[c] - width + 2, ' ');
  }
  while (out.size() > start && out.back() == ' ') out.pop_back();
  out += '\n';
}

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes
// doubled. Appended in place: a report writes millions of fields, and a
// copy (and find_first_of, a memchr over the four bytes per character) for
// each was a tenth of `highport flows --format csv` on a large capture.
void AppendCsvField(std::string& out, std::string_view value) {
  auto special = [](char c) { return c == ',' || c == '"' || c == '\r' || c == '\n'; };
  if (std::none_of(value.begin(), value.end(), special)) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string CsvField(const std::string& value) {
  std::string out;
  AppendCsvField(out, value);
  return out;
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string row;
  AppendCsvRow(row, fields);
  return row;
}

void AppendCsvRow(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    AppendCsvField(out, fields[i]);
  }
  out += "\r\n";
}

}  // namespace highport::report
