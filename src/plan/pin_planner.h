// Proposal 2: static ports for services that can be pinned, where the
// evidence shows them on a dynamic port (an endpoint-mapper registration, a
// listener owned by the service, traffic to its interfaces). How each one is
// pinned comes from the catalog (data/windows_services.tsv, pin_* columns;
// KB 224196, KB 319553, KB 832017, the DCOM Endpoints value, winmgmt
// /standalonehost). NTDS and Netlogon go together on a domain controller and
// never share a port (KB 224196: event 5809). On Samba the interfaces are
// pinned one by one (`rpc server port:<interface>`): a bare `rpc server port`
// moves only netlogon on 4.17 (reference section 8).
//
// Ports: each service has a preferred port in 1024-49151 (38901 NTDS, 38902
// Netlogon, 38903 NtFrs, 38904 DFSR, 38905 certificate services, ...; WMI
// is always 24158); one that is taken on a host of the group, lies in the
// group's planned range or is a known service port moves up to the next free
// one. The same service gets the same port across a group, so one firewall
// rule serves them all.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "plan/host_facts.h"
#include "plan/plan.h"

namespace highport::plan {

std::vector<PinProposal> PlanPins(const std::vector<const HostFacts*>& group_hosts,
                                  const RpcRangeProposal* range, const catalog::Catalog& catalog);

}  // namespace highport::plan
