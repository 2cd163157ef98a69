// Bad input is a finding, never a crash (../DESIGN.md). Readers report each
// line or packet they cannot read here, with a stable id and a short reason,
// skip it and go on; the command decides what to print and how to exit.
#pragma once

#include <cstdint>
#include <map>
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

// A gigabyte of a damaged log can hold millions of bad rows: the first
// `keep_per_id` findings of each id are kept whole (file, line, reason) and
// every one is counted, so memory stays bounded and nothing goes unreported.
class Diagnostics {
 public:
  static constexpr size_t kDefaultKeepPerId = 200;
  struct IdCount {
    uint64_t count = 0;
    Finding::Severity severity = Finding::Severity::kWarning;
  };

  explicit Diagnostics(size_t keep_per_id = kDefaultKeepPerId) : keep_per_id_(keep_per_id) {}
  void Report(Finding finding, uint64_t times = 1);
  // The common case: a line of a text file that was skipped.
  void SkipLine(const std::string& file, uint64_t line, std::string id, std::string reason);
  // One finding that stands for `lines` skipped lines ("N more rows skipped
  // for this reason"): counted as that many, kept as one.
  void SkipLines(const std::string& file, uint64_t line, std::string id, std::string reason,
                 uint64_t lines);
  void Note(const std::string& file, uint64_t line, std::string id, std::string reason);

  // The kept findings about `from` say `to` instead: a file read from a
  // temporary copy (standard input) is named as the user knows it.
  void RenameFile(const std::string& from, const std::string& to);

  const std::vector<Finding>& findings() const { return findings_; }  // the kept ones
  // Findings that made a record be skipped (warnings and errors), kept or not.
  size_t skipped() const { return skipped_; }
  uint64_t not_kept() const { return not_kept_; }  // counted, but beyond keep_per_id
  const std::map<std::string, IdCount>& counts() const { return counts_; }  // per id, all
  bool empty() const { return findings_.empty(); }

 private:
  size_t keep_per_id_;
  std::vector<Finding> findings_;
  std::map<std::string, IdCount> counts_;
  size_t skipped_ = 0;
  uint64_t not_kept_ = 0;
};

}  // namespace highport
