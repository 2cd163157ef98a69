// A plain text table for terminals: columns padded to the widest cell
// (counted in code points, so "ABHÖREN" lines up), long cells cut with "…" (but the last column, which may run on).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace highport::report {

// TextTable's layout for rows that are not kept: every row is measured
// first, then laid out again, the same cells in the same order.
class TableLayout {
 public:
  TableLayout(std::vector<std::string> header, size_t max_cell_width = 48);
  void Measure(const std::vector<std::string>& row);
  // Measure() of a row whose cells' DisplayWidth()s are `widths` (one per
  // column), for callers that can tell the widths without making the cells.
  void MeasureWidths(const size_t* widths);
  void AppendHeader(std::string& out) const { Append(header_, false, nullptr, out); }
  // Each column's width after the rows measured so far (its cells are
  // padded to it), and the width above which a cell but the last is cut.
  const std::vector<size_t>& widths() const { return widths_; }
  size_t max_cell_width() const { return max_cell_width_; }
  void AppendRow(const std::vector<std::string>& row, std::string& out) const {
    Append(row, true, nullptr, out);
  }
  // AppendRow() of a row whose cells' DisplayWidth()s are `widths`.
  void AppendRow(const std::vector<std::string>& row, const size_t* widths, std::string& out) const {
    Append(row, true, widths, out);
  }

 private:
  void Append(const std::vector<std::string>& row, bool cut, const size_t* widths,
              std::string& out) const;
  std::vector<std::string> header_;
  std::vector<size_t> widths_;
  size_t max_cell_width_;
};

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header, size_t max_cell_width = 48);
  void AddRow(std::vector<std::string> row);
  std::string Render() const;
  size_t rows() const { return rows_.size(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  size_t max_cell_width_;
};

// One CSV field, quoted when needed (RFC 4180).
std::string CsvField(const std::string& value);
void AppendCsvField(std::string& out, std::string_view value);  // CsvField(value), appended
std::string CsvRow(const std::vector<std::string>& fields);
// CsvRow(fields), appended to `out` without a copy of the row.
void AppendCsvRow(std::string& out, const std::vector<std::string>& fields);

}  // namespace highport::report
