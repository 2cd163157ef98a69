#include "emit/advfirewall_writer.h"

#include "emit/windows_firewall_rule.h"
#include "fmt/format.h"

namespace highport::emit {
namespace {

constexpr std::string_view kRulesFile = "highport-rules.cmd";
constexpr std::string_view kRollbackFile = "highport-rules-rollback.cmd";

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::string NoDoubleQuotes(std::string text) {
  for (char& c : text) {
    if (c == '"') c = '\'';
  }
  return OneLineText(text);
}

// A rule's lines, or why it cannot be written.
struct RuleLines {
  std::vector<std::string> remarks;
  std::string title;
  std::vector<std::string> apply;
  std::vector<std::string> rollback;
};

Result<RuleLines> Lines(const plan::Plan& plan, const WindowsFirewallRule& w) {
  const plan::FirewallRule& rule = *w.rule;
  Result<std::string> name = CmdQuote(w.display_name);
  if (!name) return Error{"its name: " + name.error().message};
  std::string program;
  if (!rule.program.empty()) {
    Result<std::string> quoted = CmdQuote(rule.program);
    if (!quoted) return Error{"its program: " + quoted.error().message};
    program = " program=" + *quoted;
  }
  std::string description = NoDoubleQuotes(fmt::format(
      "highport plan {}, {}: {}, {} flows, {} connections", plan.created, rule.id, rule.service,
      rule.flows, rule.connections));
  Result<std::string> quoted_description = CmdQuote(description);
  if (!quoted_description) return quoted_description.error();

  RuleLines out;
  out.title = w.display_name;
  out.remarks.push_back(fmt::format("---- {}: {} {}, {} flows, {} connections, seen {} to {}",
                                    rule.id, rule.service, Joined(w.netsh_ports), rule.flows,
                                    rule.connections, UtcDate(rule.first_seen),
                                    UtcDate(rule.last_seen)));
  if (rule.keyword != plan::RuleKeyword::kNone) {
    std::string ports;
    for (const PortRange& r : rule.ports) ports += (ports.empty() ? "" : ",") + r.ToString();
    bool rpc = rule.keyword == plan::RuleKeyword::kRpc;
    out.remarks.push_back(fmt::format(
        "  localport={}: {} (the plan's ports: {})", w.netsh_ports[0],
        rpc ? "the dynamic RPC ports of the program, inside the planned RPC range once it applies"
            : "the endpoint mapper, TCP 135 and 593",
        ports.empty() ? "none" : ports));
  }
  out.apply.push_back(fmt::format("netsh advfirewall firewall delete rule name={} >nul 2>&1", *name));
  out.apply.push_back(fmt::format(
      "netsh advfirewall firewall add rule name={} dir=in action=allow enable=yes profile=any "
      "protocol={} localport={} localip={} remoteip={}{} description={}{}",
      *name, w.protocol, Joined(w.netsh_ports), Joined(w.servers), Joined(w.clients), program,
      *quoted_description, kCmdStopOnError));
  out.rollback.push_back(fmt::format(
      "netsh advfirewall firewall show rule name={0} >nul 2>&1 && (netsh advfirewall firewall "
      "delete rule name={0}{1})", *name, kCmdCountFailure));
  return out;
}

std::vector<std::string> PolicyRemarks() {
  return {
      "Fencing needs the default inbound policy to be block (Windows' default) and the built-in",
      "allow rules for the same ports (\"Active Directory Domain Controller ...\", \"Remote",
      "Administration\", ...) to be disabled or scoped: this file changes neither; that is for the",
      "administrator to decide. Check:  netsh advfirewall show allprofiles firewallpolicy",
      "Set (not done here):  netsh advfirewall set allprofiles firewallpolicy "
      "blockinbound,allowoutbound",
  };
}

std::vector<std::string> CoverageRemarks(const plan::FirewallPlan& firewall) {
  std::vector<std::string> out = {fmt::format(
      "The plan's rules allow {} of {} observed flows ({:.1f}%).", firewall.covered_flows,
      firewall.allowed_flows, firewall.coverage * 100)};
  if (!firewall.uncovered.empty()) out.push_back("Observed flows these rules would block:");
  for (const plan::UncoveredFlow& f : firewall.uncovered) {
    out.push_back(fmt::format("  {} -> {} {}/{}: {} connections; {} ({})", f.client, f.server,
                              ProtoName(f.proto), f.port, f.connections, f.reason, f.source));
  }
  return out;
}

}  // namespace

EmittedFiles WriteAdvfirewall(const plan::Plan& plan) {
  WindowsFirewallPlan checked = CheckWindowsFirewallRules(plan);
  std::vector<RuleLines> rules;
  for (const WindowsFirewallRule& w : checked.rules) {
    Result<RuleLines> lines = Lines(plan, w);
    if (!lines) {
      checked.skipped.push_back({w.rule->id, lines.error().message});
      continue;
    }
    rules.push_back(std::move(*lines));
  }
  if (rules.empty() && checked.skipped.empty()) return {};

  std::string origin = fmt::format("from the plan of {} ({})", plan.created, plan.generator);
  ScriptText apply, undo;
  std::vector<std::string> apply_remarks = {
      "highport: Windows Firewall inbound allow rules " + origin,
      "Run it as administrator on each Windows server of the plan: localip limits every rule to",
      "its own servers, so on other hosts a rule matches nothing. Running it again replaces the",
      "rules (each is deleted by name first). profile=any: a domain controller that starts",
      "before it reaches another one is in the Public or Private profile; the addresses fence.",
      fmt::format("Undo: {}", kRollbackFile)};
  for (const std::string& line : PolicyRemarks()) apply_remarks.push_back(line);
  CmdStart(apply, apply_remarks, {}, false);
  CmdStart(undo,
           {"highport: deletes the Windows Firewall rules of " + std::string(kRulesFile) + ", " +
                origin,
            "The default inbound policy and the built-in rules were not changed, so nothing here "
            "restores them."},
           {}, true);
  for (ScriptText* t : {&apply, &undo}) {
    for (const SkippedProposal& s : checked.skipped) {
      t->Line(CmdRemark(fmt::format("NOT APPLIED {}: {}", s.proposal_id, s.reason)));
    }
    if (!checked.skipped.empty()) t->Blank();
  }
  for (const std::string& line : CoverageRemarks(plan.firewall)) apply.Line(CmdRemark(line));
  apply.Blank();
  for (const RuleLines& r : rules) {
    for (ScriptText* t : {&apply, &undo}) {
      for (const std::string& remark : r.remarks) t->Line(CmdRemark(remark));
      t->Line(CmdEcho(r.title));
      for (const std::string& line : t == &apply ? r.apply : r.rollback) t->Line(line);
      t->Blank();
    }
  }
  std::string count = fmt::format("{} rules", rules.size());
  CmdFinish(apply, {rules.empty() ? "Nothing was changed." : "Added " + count + "."}, false,
            kRollbackFile);
  CmdFinish(undo, {rules.empty() ? "Nothing was changed." : "Deleted " + count + "."}, true, "");
  return {{"advfirewall/" + std::string(kRulesFile), CmdUtf8IfNeeded(apply.Take()),
           "netsh advfirewall rules that allow the plan's flows on the Windows servers", false},
          {"advfirewall/" + std::string(kRollbackFile), CmdUtf8IfNeeded(undo.Take()),
           "deletes the rules of advfirewall/" + std::string(kRulesFile), true}};
}

}  // namespace highport::emit
