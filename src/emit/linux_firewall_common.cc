#include "emit/linux_firewall_common.h"

#include <algorithm>

#include "emit/linux_config_text.h"
#include "fmt/format.h"
#include "plan/cidr.h"

namespace highport::emit {
namespace {

void AddUnique(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

std::string Quoted(std::string_view text) { return "\"" + ConfigOneLine(text) + "\""; }

// A server of a rule: one address, no zone (a ruleset cannot match a zone).
std::optional<IpAddress> ParseServer(std::string_view text, std::string* why) {
  std::optional<IpAddress> address = IpAddress::Parse(text);
  if (!address) {
    *why = fmt::format("server {} is not an IP address", Quoted(text));
  } else if (!address->zone().empty()) {
    *why = fmt::format("server {} has a zone, which a ruleset cannot match", Quoted(text));
  } else if (address->is_unspecified()) {
    *why = fmt::format("server {} is the unspecified address", Quoted(text));
  } else {
    return address;
  }
  return std::nullopt;
}

std::optional<std::string> CheckPorts(const std::vector<PortRange>& ports) {
  if (ports.empty()) return "no ports";
  for (const PortRange& range : ports) {
    if (range.first == 0) return "port 0";
    if (range.first > range.last) {
      return fmt::format("reversed port range {}-{}", range.first, range.last);
    }
  }
  return std::nullopt;
}

std::vector<PortRange> MergedPorts(std::vector<PortRange> ports) {
  std::sort(ports.begin(), ports.end());
  std::vector<PortRange> merged;
  for (const PortRange& range : ports) {
    if (!merged.empty() && uint32_t{range.first} <= uint32_t{merged.back().last} + 1) {
      merged.back().last = std::max(merged.back().last, range.last);
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

// Checks one rule; on success fills `out`, else returns why it is skipped.
std::optional<std::string> CheckRule(const plan::FirewallRule& rule, CheckedRule& out) {
  if (rule.proto != Proto::kTcp && rule.proto != Proto::kUdp) return "protocol is not tcp or udp";
  if (std::optional<std::string> bad = CheckPorts(rule.ports)) return bad;
  if (rule.servers.empty()) return "no servers";
  if (rule.clients.empty()) return "no clients (a rule without clients would allow everyone)";
  out.ports = MergedPorts(rule.ports);
  std::string why;
  std::vector<std::string> servers_v4, servers_v6, clients_v4, clients_v6;
  for (const std::string& text : rule.servers) {
    std::optional<IpAddress> server = ParseServer(text, &why);
    if (!server) return why;
    AddUnique(server->is_v4() ? servers_v4 : servers_v6, server->ToString());
  }
  for (const std::string& text : rule.clients) {
    std::optional<Cidr> client = ParseCidr(text, &why);
    if (!client) return why;
    AddUnique(client->address.is_v4() ? clients_v4 : clients_v6, client->ToString());
  }
  auto pair_up = [&](std::vector<std::string>& clients, std::vector<std::string>& servers,
                     FamilyMatch& match, std::string_view family) {
    if (!clients.empty() && servers.empty()) {
      out.notes.push_back(fmt::format("{} clients {} left out: the rule has no {} server", family,
                                      fmt::join(clients, ", "), family));
    } else if (clients.empty() && !servers.empty()) {
      out.notes.push_back(fmt::format("{} servers {} left out: the rule has no {} client", family,
                                      fmt::join(servers, ", "), family));
    } else {
      match.clients = std::move(clients);
      match.servers = std::move(servers);
    }
  };
  pair_up(clients_v4, servers_v4, out.v4, "IPv4");
  pair_up(clients_v6, servers_v6, out.v6, "IPv6");
  if (out.v4.servers.empty() && out.v6.servers.empty()) {
    return "no clients and servers of the same address family";
  }
  return std::nullopt;
}

void Fence(const IpAddress& address, LinuxFirewall& fw) {
  AddUnique(address.is_v4() ? fw.fenced_v4 : fw.fenced_v6, address.ToString());
}

bool IsFenced(const LinuxFirewall& fw, const std::string& text) {
  std::optional<IpAddress> address = IpAddress::Parse(text);
  if (!address) return false;
  const auto& fenced = address->is_v4() ? fw.fenced_v4 : fw.fenced_v6;
  return std::find(fenced.begin(), fenced.end(), address->ToString()) != fenced.end();
}

// Every address of a host one of whose addresses a written rule serves: a
// listener reached through the host's other address is fenced too.
void FenceServers(const plan::Plan& plan, LinuxFirewall& fw) {
  for (const CheckedRule& rule : fw.rules) {
    for (const FamilyMatch* match : {&rule.v4, &rule.v6}) {
      for (const std::string& server : match->servers) Fence(*IpAddress::Parse(server), fw);
    }
  }
  for (const plan::HostEntry& host : plan.hosts) {
    bool served = std::any_of(host.addresses.begin(), host.addresses.end(),
                              [&](const std::string& a) { return IsFenced(fw, a); });
    if (!served) continue;
    for (const std::string& text : host.addresses) {
      std::string why;
      if (std::optional<IpAddress> address = ParseServer(text, &why)) Fence(*address, fw);
    }
  }
}

}  // namespace

std::string Cidr::ToString() const { return fmt::format("{}/{}", address.ToString(), prefix); }

std::optional<Cidr> ParseCidr(std::string_view text, std::string* why) {
  std::string reason;
  std::optional<plan::CidrBlock> block = plan::ParseCidr(text, &reason);
  if (!block) {
    *why = fmt::format("client {} {}", Quoted(text), reason);
    return std::nullopt;
  }
  return Cidr{block->network, block->prefix};
}

LinuxFirewall CheckFirewall(const plan::Plan& plan) {
  LinuxFirewall fw;
  const auto& rules = plan.firewall.rules;
  for (size_t i = 0; i < rules.size(); ++i) {
    CheckedRule checked;
    checked.rule = &rules[i];
    checked.position = i + 1;
    if (std::optional<std::string> why = CheckRule(rules[i], checked)) {
      fw.skipped.push_back({rules[i].id, rules[i].name, *why});
    } else {
      fw.rules.push_back(std::move(checked));
    }
  }
  FenceServers(plan, fw);
  for (const plan::UncoveredFlow& flow : plan.firewall.uncovered) {
    if (IsFenced(fw, flow.server)) continue;
    fw.unfenced_uncovered.push_back(ConfigOneLine(
        fmt::format("{} -> {} {}/{}", flow.client, flow.server, ProtoName(flow.proto), flow.port)));
  }
  return fw;
}

std::string RuleLabel(const plan::FirewallRule& rule) {
  std::string id = rule.id.empty() ? "(no id)" : ConfigOneLine(rule.id);
  return rule.name.empty() ? id : fmt::format("{} {}", id, Quoted(rule.name));
}

std::string RuleEvidenceLine(const plan::FirewallRule& rule) {
  std::string line = fmt::format("{} flows, {} connections", rule.flows, rule.connections);
  if (rule.first_seen > 0 && rule.last_seen >= rule.first_seen) {
    line += fmt::format(", seen {} to {}", UtcDay(rule.first_seen), UtcDay(rule.last_seen));
  }
  return line;
}

std::vector<std::string> FirewallSummaryLines(const plan::Plan& plan, const LinuxFirewall& fw) {
  const plan::FirewallPlan& firewall = plan.firewall;
  std::vector<std::string> lines;
  lines.push_back(fmt::format(
      "Allow-list: {} of the plan's {} rules written; the plan covers "
      "{} of {} observed flows.",
      fw.rules.size(), firewall.rules.size(), firewall.covered_flows, firewall.allowed_flows));
  lines.push_back("");
  lines.push_back("This ruleset FENCES the servers below: a new connection to them that no rule");
  lines.push_back("allows is dropped. Loopback, established connections and IPv6 neighbour");
  lines.push_back("discovery stay allowed; traffic to other addresses is not touched.");
  if (!fw.fenced_v4.empty())
    lines.push_back("  IPv4: " + fmt::format("{}", fmt::join(fw.fenced_v4, ", ")));
  if (!fw.fenced_v6.empty())
    lines.push_back("  IPv6: " + fmt::format("{}", fmt::join(fw.fenced_v6, ", ")));
  if (!fw.skipped.empty()) {
    lines.push_back("");
    lines.push_back("SKIPPED rules (their clients are blocked towards fenced servers until the");
    lines.push_back("plan is fixed and emitted again):");
    for (const SkippedRule& skipped : fw.skipped) {
      std::string id = skipped.id.empty() ? "(no id)" : ConfigOneLine(skipped.id);
      lines.push_back(fmt::format("  {}: {}", id, skipped.reason));
    }
  }
  if (!fw.unfenced_uncovered.empty()) {
    lines.push_back("");
    lines.push_back("Not blocked here, although the plan lists them as not allowed (no rule names");
    lines.push_back("their server, so it is not fenced):");
    for (const std::string& flow : fw.unfenced_uncovered) lines.push_back("  " + flow);
  }
  return lines;
}

std::string NothingWrittenText(const plan::Plan& plan, const LinuxFirewall& fw) {
  std::vector<std::string> lines = GeneratedByLines(plan);
  lines.push_back("");
  for (std::string& line : FirewallSummaryLines(plan, fw)) lines.push_back(std::move(line));
  lines.insert(lines.end(), {"", "Nothing to apply: no rule of the plan could be written."});
  return CommentBlock(lines);
}

std::vector<std::vector<PortRange>> PortChunks(const std::vector<PortRange>& ports,
                                               size_t max_weight) {
  std::vector<std::vector<PortRange>> chunks;
  size_t weight = 0;
  for (const PortRange& range : ports) {
    size_t w = range.first == range.last ? 1 : 2;
    if (chunks.empty() || weight + w > max_weight) {
      chunks.emplace_back();
      weight = 0;
    }
    chunks.back().push_back(range);
    weight += w;
  }
  return chunks;
}

}  // namespace highport::emit
