// Bad input is a finding, never a crash (../DESIGN.md). Readers report each
// line or packet they cannot read here, with a stable id and a short reason,
// skip it and go on; the command decides what to print and how to exit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/records.h"

namespace highport {

struct Finding {
  enum class Severity : uint8_t { kNote, kWarning, kError };
  Severity severity = Severity::kWarning;
  std::string id;      // stable, e.g. "netstat.bad_address"
  SourceRef where;
  std::string reason;  // short, for a human

  std::string ToString() const;  // "netstat.txt:12: bad local address '1.2.3:x'"
};

class Diagnostics {
 public:
  void Report(Finding finding) { findings_.push_back(std::move(finding)); }
  // The common case: a line of a text file that was skipped.
  void SkipLine(const std::string& file, uint64_t line, std::string id, std::string reason);
  void Note(const std::string& file, uint64_t line, std::string id, std::string reason);

  const std::vector<Finding>& findings() const { return findings_; }
  size_t skipped() const;  // findings that made a record be skipped (warnings and errors)
  bool empty() const { return findings_.empty(); }

 private:
  std::vector<Finding> findings_;
};

}  // namespace highport
