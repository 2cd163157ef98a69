// Proposal 3: network services the host's role does not need (the second
// seed: "what does not listen cannot be attacked"). For each listener of a
// host with a socket inventory, its owning service (tasklist /svc, or the
// catalog's service for the port) is looked up in the catalog's needed_by
// column; a service that the role does not need and that can be stopped is
// proposed, with the commands from the catalog's stop_how, what it takes
// down with it (dependents), and how to undo it. NetBIOS over TCP/IP is
// switched off per adapter; on an isolated host RPC is bound to loopback
// (`netsh rpc add 127.0.0.0`, second seed section 4.7).
#pragma once

#include <vector>

#include "catalog/catalog.h"
#include "plan/host_facts.h"
#include "plan/plan.h"

namespace highport::plan {

std::vector<MinimiseProposal> PlanMinimise(const HostFacts& host, Role role,
                                           const catalog::Catalog& catalog);

}  // namespace highport::plan
