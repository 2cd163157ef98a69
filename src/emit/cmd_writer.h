// The plan as cmd.exe batch files, one per Windows host: "cmd/<host>.cmd"
// applies the RPC port range and the registry pins with `reg add`, runs the
// command pins (dfsrdiag StaticRPC, winmgmt /standalonehost) and the
// minimisation commands (sc config, net stop, wmic ... SetTcpipNetbios,
// netsh rpc add 127.0.0.0), each under a REM that names the proposal and the
// restart it needs; "cmd/<host>-rollback.cmd" undoes them in reverse order.
// rpccfg is not used: it is a Windows Server 2003 Resource Kit tool.
//
// The files check for an elevated prompt and for the right computer, stop
// at the first failing command (the apply file) or count failures and go on
// (the rollback file), use CRLF, and are ASCII unless the plan's text is not
// (then UTF-8 after `chcp 65001`). Items that cannot be written safely are
// left out and named in a REM; proposals for hosts the plan does not list
// are named in "cmd/NOT-APPLIED.txt". Hosts with nothing to do get no file.
#pragma once

#include "emit/emitted_file.h"
#include "plan/plan.h"

namespace highport::emit {

EmittedFiles WriteCmd(const plan::Plan& plan);

}  // namespace highport::emit
