// The cmd.exe command lines a plan carries (minimisation commands and their
// rollback, command pins such as dfsrdiag and winmgmt), checked against the
// short list of commands highport itself proposes and taken apart.
//
// The cmd writer copies a line into a batch file only when it is one of
// these shapes and has nothing cmd.exe would read as an operator ('&', '|',
// '<', '>', '^' outside quotes) or expand ('%'): a hand-edited
// "sc config X start= disabled & del ..." or "sc config X binPath= ..." is
// left out, with its reason, instead of being run. The PowerShell writer
// turns the same parsed commands into cmdlets (Set-Service, Stop-Service,
// Invoke-CimMethod) or calls the tool, and knows what to read back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"

namespace highport::emit {

enum class WindowsCommandKind : uint8_t {
  kServiceStartType,  // sc config NAME start= disabled|demand|auto|delayed-auto
  kServiceStop,       // net stop NAME [/y], sc stop NAME
  kServiceStart,      // net start NAME, sc start NAME
  kNetbios,           // wmic nicconfig [where TcpipNetbiosOptions=N] call SetTcpipNetbios M
  kNetshRpc,          // netsh rpc add SUBNET | delete SUBNET | reset
  kDfsrStaticRpc,     // dfsrdiag StaticRPC /Port:N [/Member:HOST]
  kWmiHost,           // winmgmt /standalonehost [LEVEL] | /sharedhost
  kRegistry,          // reg add|delete HKLM\...
};

struct WindowsCommand {
  WindowsCommandKind kind = WindowsCommandKind::kServiceStop;
  std::string line;               // as the plan has it, checked safe for a batch file
  std::vector<std::string> args;  // the tokens, quotes removed; args[0] the program
  std::string service;            // the service kinds
  std::string start_type;         // kServiceStartType: "disabled", "demand", "auto", ...
  std::optional<int> netbios_from;  // kNetbios: the where clause's value, if any
  int netbios_to = 0;               // kNetbios
  std::optional<uint16_t> port;     // kDfsrStaticRpc
  // Whether a failure should stop the script. Stopping a service that is
  // already stopped, or a wmic call that matches no adapter, is not a failure
  // of the plan, so those go on.
  bool stop_on_error = true;
};

// Refuses, with a reason, any line that is not one of the shapes above.
Result<WindowsCommand> ParseWindowsCommand(std::string_view line);

}  // namespace highport::emit
