// The `inf` format (the first seed's method 3): lines for sceregvl.inf, the
// file that tells the Group Policy editor which registry values to offer as
// Security Options, for the RPC port pool and the pinned ports of the plan,
// with the steps around them and the values to set per host group.
//
//   inf/sceregvl-lines.txt     apply: back up, take ownership, paste, regsvr32 scecli.dll
//   inf/sceregvl-rollback.txt  rollback: undefine, remove the values, restore the file
//
// A line is `MACHINE\<key>\<value name>,<type>,<display name>,<display type>`
// with the registry type (1 REG_SZ, 4 REG_DWORD, 7 REG_MULTI_SZ) and the way
// the editor shows it (1 number, 2 string, 4 one string per line), as the
// seed's RPC lines (Ports,7,...,4; PortsInternetAvailable,1,...,2).
// sceregvl.inf is UTF-16LE; these files are UTF-8 with CRLF, to be pasted in
// Notepad (which converts what it pastes), never appended with copy or type.
// A plan with nothing for Windows' registry gives no files at all.
#pragma once

#include "emit/emitted_file.h"
#include "plan/plan.h"

namespace highport::emit {

EmittedFiles WriteInf(const plan::Plan& plan);

}  // namespace highport::emit
