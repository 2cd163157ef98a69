// The plan's firewall allow-list as `netsh advfirewall firewall` commands:
// "advfirewall/highport-rules.cmd" adds one inbound allow rule per plan rule
// (protocol, localport, localip = the servers, remoteip = the clients,
// program where known; localport=RPC / RPC-EPMap where the rule has that
// keyword), first deleting a rule of the same name so that running it again
// replaces instead of duplicating; "advfirewall/highport-rules-rollback.cmd"
// deletes them by name.
//
// One file for every server: localip limits each rule to its own servers, so
// on any other host a rule matches nothing. profile=any: a domain controller
// that boots before it reaches another domain controller lands in the Public
// or Private profile, and rules bound to the Domain profile would then not
// apply; the address scoping is what fences. The default inbound policy is
// left alone: the file says how to check and set it, the admin decides.
#pragma once

#include "emit/emitted_file.h"
#include "plan/plan.h"

namespace highport::emit {

EmittedFiles WriteAdvfirewall(const plan::Plan& plan);

}  // namespace highport::emit
