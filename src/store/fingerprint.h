// Which file is this? A log is renamed (pfirewall.log -> pfirewall.log.old),
// copied off the server, and grows between two ingests, so neither its name
// nor its size tells. Its content does: a file whose first N bytes hash to
// what a stored source's N bytes hashed to is that source, grown or not.
// XXH3-64 (Debian libxxhash) is fast enough that hashing a gigabyte costs
// less than reading it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/result.h"

namespace highport::store {

// The XXH3-64 of the first `length` bytes of the file, and of the first b
// bytes for every b in `boundaries` (those beyond `length` are ignored), in
// one read: {b -> 16 hex digits}, `length` included.
Result<std::map<uint64_t, std::string>> HashPrefixes(const std::string& path, uint64_t length,
                                                     const std::vector<uint64_t>& boundaries);

// A text log that is still being written may end in half a line (and in NUL
// padding). Returns how many bytes hold complete lines: up to and including
// the last line feed (and its NUL in UTF-16LE). 0 when there is none.
Result<uint64_t> CompleteLinesLength(const std::string& path, uint64_t size);

// Logs copied off a server at two moments (day1/pfirewall.log, then the same
// log grown, day2/pfirewall.log; or today's pfirewall.log.old): the later
// copy begins with every whole line of the earlier one. For each of `paths`
// (text logs), the longest other one whose whole lines it begins with, and
// how many lines that is: the later copy's rows up to there are the earlier
// one's. Files that cannot be read, or begin with no other, get nothing.
struct EarlierCopy {
  size_t index = 0;    // into `paths`
  uint64_t lines = 0;  // whole lines of that copy, all at the start of this one
};
std::vector<std::optional<EarlierCopy>> FindEarlierCopies(const std::vector<std::string>& paths);

}  // namespace highport::store
