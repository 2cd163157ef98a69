// Parsing a command's own arguments with CLI11, the same way for every
// command: --help prints and exits 0, a parse error names the flag and exits 2.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace highport::cli {

// args[0] is "highport COMMAND". Returns the exit code when the command
// should stop here (help shown, or a usage error printed), else nothing.
std::optional<int> ParseCommandLine(CLI::App& app, const std::vector<std::string>& args);

}  // namespace highport::cli
