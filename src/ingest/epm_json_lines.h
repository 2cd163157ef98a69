// Where the values of a JSON text start: the line of each, by its JSON pointer
// ("/0/interfaces/3/bindings/1/port"). nlohmann's DOM keeps no positions, so
// one pass over the text finds them, for the sources of records and the
// locations of findings. The pass trusts the structure (it runs after a
// parser accepted the text, or on a prefix for a probe) but never reads out of
// bounds, whatever the text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace highport::ingest {

class JsonLines {
 public:
  JsonLines() = default;
  // Keeps the values at most `max_depth` levels below the root (the root is 0).
  JsonLines(std::string_view text, size_t max_depth);

  bool Has(const std::string& pointer) const { return lines_.count(pointer) != 0; }
  // The line of the value at `pointer`, else of its nearest ancestor that is
  // kept (a missing member is named at its object's line); 1 at worst.
  uint64_t LineOf(std::string_view pointer) const;
  // The most containers open at once, and the line where that was first reached.
  size_t deepest() const { return deepest_; }
  uint64_t deepest_line() const { return deepest_line_; }

 private:
  std::unordered_map<std::string, uint64_t> lines_;
  size_t deepest_ = 0;
  uint64_t deepest_line_ = 0;
};

}  // namespace highport::ingest
