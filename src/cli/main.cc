// highport: finds, pins and fences the dynamic high ports of a Windows network.
// main only dispatches: global flags, then the command from the table in
// commands.cc, which parses its own options and returns the exit code.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "fmt/format.h"

namespace highport::cli {
namespace {

void PrintUsage(std::FILE* out) {
  fmt::print(out,
             "highport {}: find, pin and fence the dynamic RPC/DCOM/WMI high ports of a Windows "
             "network\n\nUsage: highport COMMAND [OPTIONS] [ARGS]\n\nCommands:\n",
             HIGHPORT_VERSION);
  for (const Command& c : Commands()) fmt::print(out, "  {:<12}{}\n", c.name, c.summary);
  fmt::print(out,
             "\nGlobal options:\n  -h, --help    this text\n  --version     the version\n\n"
             "`highport help COMMAND` shows a command's options.\n"
             "Exit codes: 0 fine, 1 findings (for scripts), 2 usage or input error.\n");
}

int UnknownCommand(const std::string& name) {
  fmt::print(stderr, "highport: '{}' is not a command.", name);
  if (const Command* near = NearestCommand(name)) fmt::print(stderr, " Did you mean '{}'?", near->name);
  fmt::print(stderr, "\nSee 'highport --help'.\n");
  return kExitUsage;
}

int Main(std::vector<std::string> args) {
  if (args.size() < 2) {
    PrintUsage(stderr);
    return kExitUsage;
  }
  const std::string& first = args[1];
  if (first == "-h" || first == "--help") {
    PrintUsage(stdout);
    return kExitOk;
  }
  if (first == "--version" || first == "-V") {
    fmt::print("highport {}\n", HIGHPORT_VERSION);
    return kExitOk;
  }
  if (first == "help") {
    if (args.size() < 3) {
      PrintUsage(stdout);
      return kExitOk;
    }
    const Command* command = FindCommand(args[2]);
    if (!command) return UnknownCommand(args[2]);
    return command->run({"highport " + args[2], "--help"});
  }
  const Command* command = FindCommand(first);
  if (!command) return UnknownCommand(first);
  std::vector<std::string> command_args = {"highport " + first};
  command_args.insert(command_args.end(), args.begin() + 2, args.end());
  return command->run(std::move(command_args));
}

}  // namespace
}  // namespace highport::cli

int main(int argc, char** argv) {
  return highport::cli::Main(std::vector<std::string>(argv, argv + argc));
}
