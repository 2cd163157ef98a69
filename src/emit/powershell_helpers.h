// The PowerShell functions that both emitted scripts (apply and rollback)
// define before their per-host part: every change goes through one of them,
// so that each honours -WhatIf ($PSCmdlet.ShouldProcess), is idempotent, and
// records what it expects; Show-HighportChecks reads every value back at the
// end, prints expected against actual and sets the exit code.
//
// The read-back compares normalised text: registry values joined with '|',
// service start types and states as Get-Service names them, firewall rules
// as "Allow TCP 389,636 local ... remote ..." with addresses in CIDR form
// (Windows reports 10.0.1.0/28 as 10.0.1.0/255.255.255.240 and a /32 as the
// bare address, so both sides are converted).
#pragma once

#include <string_view>

namespace highport::emit {

// The functions, LF-separated (the writer converts to CRLF).
std::string_view PowershellHelpers();

}  // namespace highport::emit
