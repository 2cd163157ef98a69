// Plans an administrator might hand-edit, for the Linux ruleset writers'
// tests: the sample plan's firewall with awkward names and values.
#pragma once

#include "plan/plan_testing.h"

namespace highport::emit::testing {

// A rule name that tries to leave its comment (newline, quotes, a backslash
// at the end), non-ASCII letters, an id with a quote, client blocks that
// overlap, ports that overlap and more than 15 of them, IPv6 written in
// capitals.
inline plan::Plan OddFirewallPlan() {
  plan::Plan p = plan::testing::SamplePlan();
  plan::FirewallRule& ldap = p.firewall.rules[0];
  ldap.id = "rule:\"1\"";
  ldap.name = "LDAP \"Zürich\" O'Brien\nflush ruleset\r\n-F INPUT\nÜbung \\";
  ldap.clients = {"10.0.1.0/28", "10.0.1.4/32", "10.0.1.0/24", "10.0.2.7"};
  ldap.ports = {{389, 389}, {380, 400}, {636, 636}, {3268, 3269}};
  for (uint16_t port = 7000; port < 7040; port += 2) ldap.ports.push_back({port, port});
  plan::FirewallRule& dns = p.firewall.rules[3];
  dns.servers = {"FD00::11"};
  dns.clients = {"FD00:1::/64", "fd00:2::5"};
  return p;
}

}  // namespace highport::emit::testing
