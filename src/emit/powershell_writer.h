// The plan as two PowerShell scripts: "powershell/highport-apply.ps1" and
// "powershell/highport-rollback.ps1", each holding every Windows host of the
// plan in one `switch` on the computer name (-ComputerName, by default
// $env:COMPUTERNAME). One script for all hosts rather than one per host: it
// is one file to review and sign, the same file can go to every server (GPO,
// Invoke-Command -FilePath), and no host can run another host's part.
//
// The apply script sets the RPC port range and the registry pins
// (New-ItemProperty -PropertyType MultiString/DWord/String, keys created
// only where missing), runs command pins and minimisation as cmdlets
// (Set-Service -StartupType, Stop-Service, Invoke-CimMethod SetTcpipNetbios)
// or as the tool itself (dfsrdiag, winmgmt, netsh rpc), and replaces the
// host's firewall rules (New-NetFirewallRule -Group highport, a stable -Name
// from the rule id, -LocalPort RPC / RPCEPMap for the keywords). Every
// change honours -WhatIf; the script ends by reading every value back,
// printing expected against actual, and exits 1 on a mismatch. The rollback
// script removes what the apply script created and runs the plan's rollback
// commands, in reverse order, and checks the same way.
//
// UTF-8 with a byte order mark (Windows PowerShell 5.1 reads a file without
// one as ANSI) and CRLF; every string single-quoted. Items that cannot be
// written are left out and named in a comment.
#pragma once

#include "emit/emitted_file.h"
#include "plan/plan.h"

namespace highport::emit {

EmittedFiles WritePowershell(const plan::Plan& plan);

}  // namespace highport::emit
