// nftables: the plan's firewall allow-list as one ruleset for `nft -f`, in a
// table of its own (`table inet highport`, IPv4 and IPv6 together) so that it
// is loaded, replaced and removed without touching the host's other rules.
//
// Its chains hook both input (the ruleset on a Linux or Samba server itself)
// and forward (on a Linux router or firewall in front of the servers): which
// of the two sees the traffic depends on where it is loaded, and the other
// one stays idle. What is fenced and why: emit/linux_firewall_common.h.
//
// Emits nftables/highport.nft and nftables/highport-rollback.nft (which
// deletes the table); nothing when the plan has no firewall rules.
#pragma once

#include "emit/emitted_file.h"
#include "plan/plan.h"

namespace highport::emit {

EmittedFiles WriteNftables(const plan::Plan& plan);

}  // namespace highport::emit
