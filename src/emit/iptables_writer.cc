#include "emit/iptables_writer.h"

#include "emit/linux_config_text.h"
#include "emit/linux_firewall_common.h"
#include "fmt/format.h"

namespace highport::emit {
namespace {

constexpr size_t kMaxMultiportWeight = 15;  // XT_MULTI_PORTS
constexpr size_t kMaxCommentBytes = 255;    // XT_MAX_COMMENT_LEN - 1

struct Family {
  bool v6 = false;
  std::string_view command;   // "iptables"
  std::string_view file;      // "highport.rules"
  std::string_view rollback;  // "highport-rollback.rules"
  std::string_view name;      // "IPv4"
};

constexpr Family kV4{false, "iptables", "highport.rules", "highport-rollback.rules", "IPv4"};
constexpr Family kV6{true, "ip6tables", "highport6.rules", "highport6-rollback.rules", "IPv6"};

const FamilyMatch& MatchOf(const CheckedRule& rule, const Family& family) {
  return family.v6 ? rule.v6 : rule.v4;
}

std::string PortMatch(const std::vector<PortRange>& ports) {
  auto text = [](const PortRange& range) {
    return range.first == range.last ? std::to_string(range.first)
                                     : fmt::format("{}:{}", range.first, range.last);
  };
  if (ports.size() == 1) return "--dport " + text(ports[0]);
  std::vector<std::string> items;
  for (const PortRange& range : ports) items.push_back(text(range));
  return fmt::format("-m multiport --dports {}", fmt::join(items, ","));
}

// Lines that must not be fenced: they return to the host's own rules.
std::string Passthrough(const Family& family) {
  std::string out =
      "# Loopback and established connections: not for HIGHPORT to decide.\n"
      "-A HIGHPORT -i lo -j RETURN\n"
      "-A HIGHPORT -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN\n";
  if (family.v6) {
    out += "# Neighbour discovery: without it no IPv6 address answers at all.\n";
    for (std::string_view type : {"router-solicitation", "router-advertisement",
                                  "neighbour-solicitation", "neighbour-advertisement"}) {
      out += fmt::format("-A HIGHPORT -p ipv6-icmp -m icmp6 --icmpv6-type {} -j RETURN\n", type);
    }
  }
  return out;
}

std::string AllowRules(const LinuxFirewall& fw, const Family& family) {
  std::string out;
  for (const CheckedRule& rule : fw.rules) {
    const FamilyMatch& match = MatchOf(rule, family);
    if (match.servers.empty()) continue;
    const plan::FirewallRule& plan_rule = *rule.rule;
    out += fmt::format("# {}: {}\n", RuleLabel(plan_rule), RuleEvidenceLine(plan_rule));
    for (const std::string& note : rule.notes) out += fmt::format("# note: {}\n", note);
    std::string comment = QuotableAscii(plan_rule.id, kMaxCommentBytes);
    for (const std::string& client : match.clients) {
      for (const std::string& server : match.servers) {
        for (const std::vector<PortRange>& chunk : PortChunks(rule.ports, kMaxMultiportWeight)) {
          out += fmt::format(
              "-A HIGHPORT -s {} -d {} -p {} {} -m comment --comment \"{}\" -j "
              "ACCEPT\n",
              client, server, ProtoName(plan_rule.proto), PortMatch(chunk), comment);
        }
      }
    }
  }
  return out;
}

std::string RulesFile(const plan::Plan& plan, const LinuxFirewall& fw, const Family& family) {
  std::vector<std::string> header = GeneratedByLines(plan);
  header.push_back("");
  for (std::string& line : FirewallSummaryLines(plan, fw)) header.push_back(std::move(line));
  header.insert(
      header.end(),
      {"", fmt::format("This file: the {} half, for {}-restore.", family.name, family.command),
       fmt::format("Check: {}-restore --test --noflush {}", family.command, family.file),
       fmt::format("Apply: {}-restore --noflush {}", family.command, family.file),
       "       (--noflush keeps your other rules; without it the whole filter table",
       "       would be replaced)",
       fmt::format("Undo:  {}-restore --noflush {}", family.command, family.rollback),
       "HIGHPORT comes first in INPUT (on a server) and FORWARD (on a router in front",
       "of the servers). Applying again replaces HIGHPORT's rules and adds a jump."});
  std::string out = CommentBlock(header);
  out += "*filter\n:HIGHPORT - [0:0]\n";
  out += Passthrough(family);
  out += AllowRules(fw, family);
  const auto& fenced = family.v6 ? fw.fenced_v6 : fw.fenced_v4;
  out += "# The fence: other new connections to the servers of the rules above.\n";
  for (const std::string& server : fenced)
    out += fmt::format("-A HIGHPORT -d {} -j DROP\n", server);
  out += "-I INPUT 1 -j HIGHPORT\n-I FORWARD 1 -j HIGHPORT\nCOMMIT\n";
  return out;
}

std::string RollbackFile(const plan::Plan& plan, const Family& family) {
  std::vector<std::string> header = GeneratedByLines(plan);
  header.insert(
      header.end(),
      {"", fmt::format("Undoes {}: empties the chain HIGHPORT, so that it neither", family.file),
       "accepts nor drops anything. Safe to run at any time, also twice.",
       fmt::format("Run: {}-restore --noflush {}", family.command, family.rollback),
       "Then, to remove the chain itself (repeat the -D while it succeeds):",
       fmt::format("  {} -D INPUT -j HIGHPORT", family.command),
       fmt::format("  {} -D FORWARD -j HIGHPORT", family.command),
       fmt::format("  {} -X HIGHPORT", family.command)});
  return CommentBlock(header) + "*filter\n:HIGHPORT - [0:0]\nCOMMIT\n";
}

bool HasRules(const LinuxFirewall& fw, const Family& family) {
  for (const CheckedRule& rule : fw.rules) {
    if (!MatchOf(rule, family).servers.empty()) return true;
  }
  return false;
}

}  // namespace

EmittedFiles WriteIptables(const plan::Plan& plan) {
  LinuxFirewall fw = CheckFirewall(plan);
  EmittedFiles files;
  for (const Family& family : {kV4, kV6}) {
    if (!HasRules(fw, family)) continue;
    files.push_back({fmt::format("iptables/{}", family.file), RulesFile(plan, fw, family),
                     fmt::format("{} allow-list and fence, chain HIGHPORT ({}-restore --noflush)",
                                 family.name, family.command),
                     false});
    files.push_back({fmt::format("iptables/{}", family.rollback), RollbackFile(plan, family),
                     fmt::format("empties the {} chain HIGHPORT ({}-restore --noflush)",
                                 family.name, family.command),
                     true});
  }
  // Every rule skipped: no ruleset, but a file that says why, so that the
  // skip is not silent.
  if (files.empty() && !fw.skipped.empty()) {
    files.push_back({"iptables/highport-skipped.txt", NothingWrittenText(plan, fw),
                     "why no iptables ruleset was written", false});
  }
  return files;
}

}  // namespace highport::emit
