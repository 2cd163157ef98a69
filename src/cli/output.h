// Shared by the commands: the --format choice, writing results to stdout or
// -o FILE, and printing what the readers skipped to stderr.
#pragma once

#include <string>

#include "emit/emitted_file.h"
#include "model/diagnostics.h"
#include "model/result.h"

namespace highport::cli {

inline const std::vector<std::string> kRecordFormats = {"table", "json", "csv"};

// Writes `content` to `path`, or to stdout when path is empty or "-".
Result<bool> WriteOutput(const std::string& path, const std::string& content);

// Writes each emitted file under `dir` (made if missing); refuses a path that
// would leave it.
Result<bool> WriteEmittedFiles(const std::string& dir, const emit::EmittedFiles& files);

// "file:line: reason" per finding, at most `limit` of them, then a count.
void PrintFindings(const Diagnostics& diagnostics, size_t limit = 50);

}  // namespace highport::cli
