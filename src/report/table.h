// A plain text table for terminals: columns padded to the widest cell
// (counted in code points, so "ABHÖREN" lines up), long cells cut with "…" (but the last column, which may run on).
#pragma once

#include <string>
#include <vector>

namespace highport::report {

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
std::string CsvRow(const std::vector<std::string>& fields);
// CsvRow(fields), appended to `out` without a copy of the row.
void AppendCsvRow(std::string& out, const std::vector<std::string>& fields);

}  // namespace highport::report
