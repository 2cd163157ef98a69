#include "report/table.h"

#include <algorithm>

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
  std::vector<size_t> widths(header_.size());
  for (size_t c = 0; c < header_.size(); ++c) widths[c] = text::DisplayWidth(header_[c]);
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], text::DisplayWidth(row[c]));
    }
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(widths[c] - text::DisplayWidth(row[c]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(header_);
  for (const auto& row : rows_) emit(row);
  return out;
}

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::string row;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) row += ',';
    row += CsvField(fields[i]);
  }
  return row + "\r\n";
}

}  // namespace highport::report
