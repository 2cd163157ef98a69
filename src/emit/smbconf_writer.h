// Samba: per Samba host of the plan, the smb.conf [global] lines that put its
// RPC servers on the planned ports. `rpc server dynamic port range` holds the
// dynamic listeners; each pinned interface gets `rpc server port:<interface>`.
// Never a bare `rpc server port`: Samba 4.17 moves only netlogon with it,
// although its manual says otherwise (shared/reference/rpc-and-windows.md,
// section 8). Per-interface ports apply only to an AD DC (the `samba`
// binary); the range applies to every role.
//
// Emits smbconf/<host>.conf (a [global] section to merge into smb.conf, or to
// include from it) and smbconf/<host>-rollback.conf (only comments: the lines
// to remove, since smb.conf has no way to unset a parameter), for each Samba
// host with anything to set. A proposal that cannot be written as Samba reads
// it is left out with a comment naming its id and the reason.
#pragma once

#include "emit/emitted_file.h"
#include "plan/plan.h"

namespace highport::emit {

EmittedFiles WriteSmbconf(const plan::Plan& plan);

}  // namespace highport::emit
