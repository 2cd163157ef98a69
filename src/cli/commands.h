// The table of commands: name, one-line summary, handler. `highport --help`,
// `highport help COMMAND` and the "did you mean" hint all come from it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace highport::cli {

// Exit codes for scripts (../DESIGN.md): 0 fine, 1 findings or drift, 2 usage or input error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  std::string_view name;
  std::string_view summary;
  // args[0] is "highport COMMAND"; the rest are the command's own arguments.
  int (*run)(std::vector<std::string> args);
};

const std::vector<Command>& Commands();
const Command* FindCommand(std::string_view name);
// The command whose name is closest to `typed`, if any is close enough.
const Command* NearestCommand(std::string_view typed);

int RunInventory(std::vector<std::string> args);
int RunEpm(std::vector<std::string> args);
int RunFlows(std::vector<std::string> args);
int RunIngest(std::vector<std::string> args);
int RunCollect(std::vector<std::string> args);
int RunPlan(std::vector<std::string> args);
int RunEmit(std::vector<std::string> args);
int RunReport(std::vector<std::string> args);
int RunAudit(std::vector<std::string> args);
int RunScan(std::vector<std::string> args);
int RunVerify(std::vector<std::string> args);

}  // namespace highport::cli
