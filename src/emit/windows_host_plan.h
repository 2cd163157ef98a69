// What a plan asks of each Windows host, gathered and checked once for the
// script writers (cmd and PowerShell): the registry values per proposal, the
// commands of command pins and of minimisation proposals, each parsed with
// its rollback, and everything that had to be left out with the reason.
//
// Order is the order of application: the RPC range, the registry pins, the
// command pins, then the minimisation proposals. Rollback runs it backwards.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "emit/registry_settings.h"
#include "emit/windows_command.h"
#include "emit/windows_script.h"
#include "plan/plan.h"

namespace highport::emit {

// The registry values of one proposal (the RPC range's three, or one pin's).
struct RegistryStep {
  std::string proposal_id;
  std::string title;  // "RPC port range 5001-5100", "Netlogon on TCP 38902"
  std::vector<RegistrySetting> settings;
  std::string restart;
  std::vector<std::string> notes;  // what the admin should know: risk, warnings
};

// The commands of one proposal, parsed, with the commands that undo them.
struct CommandStep {
  std::string proposal_id;
  std::string title;  // "DFS Replication on TCP 38904", "Print Spooler: disable"
  std::vector<WindowsCommand> apply;
  std::vector<WindowsCommand> rollback;  // in the order to run them
  std::string restart;                   // may be empty
  std::vector<std::string> notes;
  const plan::PinProposal* pin = nullptr;            // set for command and WMI pins
  const plan::MinimiseProposal* minimise = nullptr;  // set for minimisation
};

struct WindowsHostWork {
  const plan::HostEntry* host = nullptr;
  std::string file_stem;  // the host name made safe and unique as a file name
  std::vector<RegistryStep> registry;
  std::vector<CommandStep> commands;
  std::vector<SkippedProposal> skipped;
  // The host's RPC range proposal, for the ephemeral-range hint.
  const plan::RpcRangeProposal* range = nullptr;

  bool Empty() const { return registry.empty() && commands.empty() && skipped.empty(); }
};

struct WindowsPlanWork {
  std::vector<WindowsHostWork> hosts;      // Windows hosts with anything to do, in plan order
  std::vector<SkippedProposal> no_host;    // proposals naming a host the plan does not list
};

WindowsPlanWork GatherWindowsWork(const plan::Plan& plan);

// "reboot" -> "reboot"; "service:Netlogon" -> "restart the service Netlogon".
std::string DescribeRestart(const std::string& restart);

// A TCP ephemeral range clear of `rpc` (Windows' default 49152-65535 where
// that is clear, else the ports above it, else below it), at least 255
// ports and starting at 1025 or above, as netsh requires; none if no such.
std::optional<PortRange> EphemeralRangeClearOf(PortRange rpc);

// The host part of a computer name as %COMPUTERNAME% / $env:COMPUTERNAME
// shows it ("dc01.corp.example" -> "DC01"); empty when `name` is an address
// or not a valid NetBIOS name, so that no check can be written.
std::string ComputerNameOf(const std::string& name);

}  // namespace highport::emit
