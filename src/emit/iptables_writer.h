// iptables: the plan's firewall allow-list for iptables-restore (IPv4) and
// ip6tables-restore (IPv6), in a chain of its own, HIGHPORT, which is
// inserted first into INPUT (the rules on a server itself) and FORWARD (on a
// router in front of the servers). HIGHPORT accepts the plan's flows, drops
// other new connections to the fenced servers (emit/linux_firewall_common.h)
// and returns everything else to the host's own rules.
//
// The files are applied with --noflush, which keeps the host's other rules:
// without it iptables-restore would replace the whole filter table. Applying
// again replaces HIGHPORT's rules (a chain declared in a --noflush restore is
// emptied first) and inserts one more jump, which changes no verdict.
//
// The rollback files only empty HIGHPORT: that undoes every effect and cannot
// fail, not even after the ruleset was applied twice (deleting a jump that is
// there twice, or a chain still jumped to, makes the whole restore fail, and a
// rollback is needed most when something has gone wrong). Their comments give
// the commands that remove the jumps and the chain.
//
// Emits iptables/highport.rules, iptables/highport6.rules and their
// -rollback files, for each family that has a rule; multiport matches of at
// most 15 ports (a range counts twice), one rule per client block and server.
#pragma once

#include "emit/emitted_file.h"
#include "plan/plan.h"

namespace highport::emit {

EmittedFiles WriteIptables(const plan::Plan& plan);

}  // namespace highport::emit
