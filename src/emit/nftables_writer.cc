#include "emit/nftables_writer.h"

#include "emit/linux_config_text.h"
#include "emit/linux_firewall_common.h"
#include "fmt/format.h"

namespace highport::emit {
namespace {

constexpr size_t kMaxCommentBytes = 128;  // NFT_USERDATA_MAXLEN

// Creating the table first lets the delete succeed when it is not loaded yet,
// so loading the file again replaces the table in one transaction.
constexpr std::string_view kDeleteTable =
    "table inet highport {}\n"
    "delete table inet highport\n";

std::string PortSet(const std::vector<PortRange>& ports) {
  std::vector<std::string> items;
  for (const PortRange& range : ports) {
    items.push_back(range.first == range.last ? std::to_string(range.first)
                                              : fmt::format("{}-{}", range.first, range.last));
  }
  return fmt::format("{{ {} }}", fmt::join(items, ", "));
}

std::string AddressSet(std::string_view name, std::string_view type, bool interval,
                       const std::vector<std::string>& elements) {
  std::string out = fmt::format("\tset {} {{\n\t\ttype {}\n", name, type);
  // auto-merge: client blocks of a hand-edited plan may overlap, which a
  // plain interval set refuses.
  if (interval) out += "\t\tflags interval\n\t\tauto-merge\n";
  out += fmt::format("\t\telements = {{ {} }}\n\t}}\n", fmt::join(elements, ", "));
  return out;
}

std::string ClientSetName(const CheckedRule& rule, std::string_view family) {
  return fmt::format("clients_{}_{}", rule.position, family);
}

std::string Sets(const LinuxFirewall& fw) {
  std::string out;
  if (!fw.fenced_v4.empty()) out += AddressSet("fenced_v4", "ipv4_addr", false, fw.fenced_v4);
  if (!fw.fenced_v6.empty()) out += AddressSet("fenced_v6", "ipv6_addr", false, fw.fenced_v6);
  for (const CheckedRule& rule : fw.rules) {
    out += fmt::format("\n\t# {}\n", RuleLabel(*rule.rule));
    if (!rule.v4.clients.empty()) {
      out += AddressSet(ClientSetName(rule, "v4"), "ipv4_addr", true, rule.v4.clients);
    }
    if (!rule.v6.clients.empty()) {
      out += AddressSet(ClientSetName(rule, "v6"), "ipv6_addr", true, rule.v6.clients);
    }
  }
  return out;
}

std::string AllowChain(const LinuxFirewall& fw) {
  std::string out = "\n\tchain allow {\n";
  for (const CheckedRule& rule : fw.rules) {
    const plan::FirewallRule& plan_rule = *rule.rule;
    out += fmt::format("\t\t# {}: {}\n", RuleLabel(plan_rule), RuleEvidenceLine(plan_rule));
    for (const std::string& note : rule.notes) out += fmt::format("\t\t# note: {}\n", note);
    std::string match =
        fmt::format("{} dport {} accept comment \"{}\"", ProtoName(plan_rule.proto),
                    PortSet(rule.ports), QuotableAscii(plan_rule.id, kMaxCommentBytes));
    if (!rule.v4.servers.empty()) {
      out += fmt::format("\t\tip saddr @{} ip daddr {{ {} }} {}\n", ClientSetName(rule, "v4"),
                         fmt::join(rule.v4.servers, ", "), match);
    }
    if (!rule.v6.servers.empty()) {
      out += fmt::format("\t\tip6 saddr @{} ip6 daddr {{ {} }} {}\n", ClientSetName(rule, "v6"),
                         fmt::join(rule.v6.servers, ", "), match);
    }
  }
  return out + "\t}\n";
}

std::string FenceChain(const LinuxFirewall& fw) {
  std::string out =
      "\n"
      "\t# The fence: what the allow chain did not accept and goes to a fenced server\n"
      "\t# is dropped; traffic to any other address passes this table untouched.\n"
      "\tchain fence {\n"
      "\t\tct state established,related accept\n"
      "\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, "
      "nd-router-advert } accept\n"
      "\t\tjump allow\n";
  if (!fw.fenced_v4.empty()) out += "\t\tip daddr @fenced_v4 drop\n";
  if (!fw.fenced_v6.empty()) out += "\t\tip6 daddr @fenced_v6 drop\n";
  return out + "\t}\n";
}

constexpr std::string_view kHookChains =
    "\n"
    "\t# Loaded on a server itself: connections to it.\n"
    "\tchain input {\n"
    "\t\ttype filter hook input priority filter; policy accept;\n"
    "\t\tiif \"lo\" accept\n"
    "\t\tjump fence\n"
    "\t}\n"
    "\n"
    "\t# Loaded on a router or firewall in front of the servers: connections through it.\n"
    "\tchain forward {\n"
    "\t\ttype filter hook forward priority filter; policy accept;\n"
    "\t\tjump fence\n"
    "\t}\n";

std::string RulesetFile(const plan::Plan& plan, const LinuxFirewall& fw) {
  std::vector<std::string> header = GeneratedByLines(plan);
  header.push_back("");
  for (std::string& line : FirewallSummaryLines(plan, fw)) header.push_back(std::move(line));
  header.push_back("");
  header.insert(header.end(),
                {"Check: nft -c -f highport.nft",
                 "Load:  nft -f highport.nft   (replaces an earlier table inet highport; the",
                 "       host's other tables stay, and a packet must pass all of them)",
                 "Undo:  nft -f highport-rollback.nft",
                 "Make it permanent: include it from /etc/nftables.conf."});
  std::string out = "#!/usr/sbin/nft -f\n" + CommentBlock(header) + "\n";
  out += kDeleteTable;
  out += "\ntable inet highport {\n";
  out += Sets(fw);
  out += AllowChain(fw);
  out += FenceChain(fw);
  out += kHookChains;
  return out + "}\n";
}

std::string RollbackFile(const plan::Plan& plan) {
  std::vector<std::string> header = GeneratedByLines(plan);
  header.insert(header.end(),
                {"", "Undoes highport.nft: deletes table inet highport and everything in it.",
                 "Safe to run when it is not loaded. Run: nft -f highport-rollback.nft",
                 "Remove it from /etc/nftables.conf too if it was included there."});
  return "#!/usr/sbin/nft -f\n" + CommentBlock(header) + "\n" + std::string(kDeleteTable);
}

}  // namespace

EmittedFiles WriteNftables(const plan::Plan& plan) {
  LinuxFirewall fw = CheckFirewall(plan);
  EmittedFiles files;
  if (fw.rules.empty()) {
    // Every rule skipped (or none): say why instead of a ruleset that only fences.
    if (!fw.skipped.empty()) {
      files.push_back({"nftables/highport-skipped.txt", NothingWrittenText(plan, fw),
                       "why no nftables ruleset was written", false});
    }
    return files;
  }
  files.push_back({"nftables/highport.nft", RulesetFile(plan, fw),
                   fmt::format("nftables ruleset: {} allow rules, fences {} server addresses "
                               "(nft -f)",
                               fw.rules.size(), fw.fenced_v4.size() + fw.fenced_v6.size()),
                   false});
  files.push_back({"nftables/highport-rollback.nft", RollbackFile(plan),
                   "removes the nftables table inet highport (nft -f)", true});
  return files;
}

}  // namespace highport::emit
