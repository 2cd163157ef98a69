// The plan's firewall allow-list checked for Windows Firewall, shared by the
// advfirewall (netsh) and PowerShell (New-NetFirewallRule) writers so that
// both create the same rules under the same names.
//
// A Windows Firewall rule with an empty address or port list allows any, so
// a rule is left out (and named, with the reason) rather than written wider
// than the plan: no clients, no servers, no ports, an address that is not an
// IPv4/IPv6 address or CIDR block, a /0 block, a block with host bits set, a
// port 0 or a reversed range, an RPC keyword on UDP, a duplicate rule id.
// Rules whose servers are all Samba or Linux hosts of the plan are for the
// nftables/iptables writers and are left out with that reason.
//
// Names: netsh knows a rule only by its display name (`name=`), PowerShell
// by -Name, and either can delete by it, so both must be stable and unique
// per plan rule: the display name is the plan's name plus "[rule id]" with
// '"' and '\' replaced, the -Name is "highport-" plus the id in letters,
// digits and '-'.
#pragma once

#include <string>
#include <vector>

#include "emit/windows_script.h"
#include "plan/plan.h"

namespace highport::emit {

struct WindowsFirewallRule {
  const plan::FirewallRule* rule = nullptr;  // points into the plan
  std::string display_name;  // "highport: dcs tcp/389 (LDAP) [rule:1]"
  std::string rule_name;     // "highport-rule-1"
  std::string protocol;      // "TCP", "UDP"
  std::vector<std::string> netsh_ports;  // "389", "636", "5001-5100"; or "RPC" / "RPC-EPMap"
  std::vector<std::string> ps_ports;     // the same; or "RPC" / "RPCEPMap"
  std::vector<std::string> servers;      // the plan's text, each checked
  std::vector<std::string> clients;
};

struct WindowsFirewallPlan {
  std::vector<WindowsFirewallRule> rules;  // in plan order
  std::vector<SkippedProposal> skipped;
};

WindowsFirewallPlan CheckWindowsFirewallRules(const plan::Plan& plan);

// Whether `address` (a rule's server) is one of `host`'s addresses, compared
// as addresses ("fd00::11" equals "FD00:0::11").
bool IsHostAddress(const plan::HostEntry& host, const std::string& address);

// Each rule's first/last seen as "2025-12-05 00:00 UTC" for comments.
std::string UtcDate(int64_t seconds);

}  // namespace highport::emit
