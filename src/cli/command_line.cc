#include "cli/command_line.h"

#include "cli/commands.h"
#include "fmt/format.h"

namespace highport::cli {

std::optional<int> ParseCommandLine(CLI::App& app, const std::vector<std::string>& args) {
  app.name(args[0]);
  std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);  // CLI11 wants them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    fmt::print("{}", app.help());
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "{}: {}\nSee '{} --help'.\n", args[0], e.what(), args[0]);
    return kExitUsage;
  }
  return std::nullopt;
}

}  // namespace highport::cli
