// The firewall allow-list of a plan, checked and split by address family for
// the Linux rulesets (nftables, iptables). Both writers start from this, so
// they always agree on what is written, what is skipped and why, and which
// servers are fenced.
//
// plan.json may have been edited by hand, so every value is checked here, and
// the rule is: never wider than the plan. A rule with a value that cannot be
// written exactly (an address that does not parse, a client block with host
// bits set, no clients at all, a reversed port range) is skipped whole and
// named with the reason; it is never written with the bad part left out,
// because leaving out the clients of a rule would allow everyone.
//
// Fencing: a ruleset drops what its rules do not allow, but only towards the
// servers it has rules for (every address of their hosts), never as a policy
// for every packet. On a router in front of the servers that keeps the rest of
// the routed traffic and the router's own services alone; on the server itself
// it fences every listener the rules do not name. A host with no rule at all
// is not fenced: dropping everything to it would cut it off.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/endpoint.h"
#include "model/ip_address.h"
#include "model/port_class.h"
#include "plan/plan.h"

namespace highport::emit {

// "10.0.1.0/28", "fd00:1::/64"; a bare address is a block of one.
struct Cidr {
  IpAddress address;
  int prefix = 0;
  std::string ToString() const;  // canonical: "fd00:1::/64"
};
// Refuses host names, zones, prefixes out of range and host bits set; `why`
// says which.
std::optional<Cidr> ParseCidr(std::string_view text, std::string* why);

// One family's half of a rule: these clients to these servers.
struct FamilyMatch {
  std::vector<std::string> clients;  // canonical CIDR text, plan order, no duplicates
  std::vector<std::string> servers;  // canonical address text
};

struct CheckedRule {
  const plan::FirewallRule* rule = nullptr;
  size_t position = 0;             // 1-based in the plan: names sets ("clients_3_v4")
  std::vector<PortRange> ports;    // sorted, overlapping and adjacent ones merged
  FamilyMatch v4, v6;              // empty when the rule has nothing in that family
  std::vector<std::string> notes;  // clients left out for want of a server of their family
};

struct SkippedRule {
  std::string id;
  std::string name;
  std::string reason;
};

struct LinuxFirewall {
  std::vector<CheckedRule> rules;
  std::vector<SkippedRule> skipped;
  std::vector<std::string> fenced_v4;  // addresses that traffic not allowed to is dropped
  std::vector<std::string> fenced_v6;
  // Observed flows the plan says no rule allows, towards servers that are not
  // fenced: the ruleset lets them through. "10.0.9.9 -> 10.0.0.20 tcp/8080"
  std::vector<std::string> unfenced_uncovered;
};

LinuxFirewall CheckFirewall(const plan::Plan& plan);

// The rule's id and name for a comment; "(no id)" for a hand-edited rule without one.
std::string RuleLabel(const plan::FirewallRule& rule);
// "18 flows, 920 connections, seen 2025-12-05 to 2025-12-06"
std::string RuleEvidenceLine(const plan::FirewallRule& rule);

// The comment lines both rulesets open with: what is allowed, what is fenced,
// what was skipped, what passes unfenced.
std::vector<std::string> FirewallSummaryLines(const plan::Plan& plan, const LinuxFirewall& fw);

// The text of the file a ruleset writer emits instead of a ruleset when
// every rule of the plan was skipped: the skip must not be silent, and a
// ruleset that only fences would cut the servers off.
std::string NothingWrittenText(const plan::Plan& plan, const LinuxFirewall& fw);

// Ports grouped for matches that take at most `max_weight` entries, a range
// weighing 2 (iptables' multiport: 15).
std::vector<std::vector<PortRange>> PortChunks(const std::vector<PortRange>& ports,
                                               size_t max_weight);

}  // namespace highport::emit
