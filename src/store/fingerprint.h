// Which file is this? A log is renamed (pfirewall.log -> pfirewall.log.old),
// copied off the server, and grows between two ingests, so neither its name
// nor its size tells. Its content does: a file whose first N bytes hash to
// what a stored source's N bytes hashed to is that source, grown or not.
// XXH3-64 (Debian libxxhash) is fast enough that hashing a gigabyte costs
// less than reading it.
#pragma once

#include <cstdint>
#include <map>
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

}  // namespace highport::store
