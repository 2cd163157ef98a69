// A strict reader for the catalog's TSV files: '#' comments, one header row
// naming the columns, then rows with exactly that many non-empty fields
// ('-' stands for "none"). Rows that break a rule are reported and left out.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/diagnostics.h"

namespace highport::catalog {

struct TsvRow {
  uint64_t line = 0;
  std::vector<std::string_view> fields;  // views into the compiled-in text

  // The field, or "" where the file says "-".
  std::string_view Get(size_t column) const {
    return fields[column] == "-" ? std::string_view() : fields[column];
  }
};

// `columns` is the header the file must have. Each well-formed row goes to
// `on_row` in file order, so that its own checks report in line order too.
// Views point into `text`.
void ParseTsv(std::string_view name, std::string_view text,
              const std::vector<std::string_view>& columns, Diagnostics& diagnostics,
              const std::function<void(const TsvRow&)>& on_row);

// Splits a list field ("a, b", "a;b", "a,b") into trimmed non-empty items.
std::vector<std::string> SplitList(std::string_view field);

}  // namespace highport::catalog
