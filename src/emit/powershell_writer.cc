#include "emit/powershell_writer.h"

#include "emit/powershell_helpers.h"
#include "emit/windows_firewall_rule.h"
#include "emit/windows_host_plan.h"
#include "fmt/format.h"
#include "fmt/ranges.h"

namespace highport::emit {
namespace {

constexpr std::string_view kIndent = "        ";  // inside switch { 'HOST' { ... } }

std::string PsRegType(RegType type) {
  switch (type) {
    case RegType::kString: return "String";
    case RegType::kExpandString: return "ExpandString";
    case RegType::kMultiString: return "MultiString";
    case RegType::kDword: return "DWord";
    case RegType::kQword: return "QWord";
    default: return "";
  }
}

std::string PsValue(const RegValue& v) {
  switch (v.type) {
    case RegType::kDword:
    case RegType::kQword: return std::to_string(v.number);
    case RegType::kMultiString: return PsArray(v.strings);
    default: return PsQuote(v.text);
  }
}

// "sc" is Set-Content in PowerShell: native tools are always called as "x.exe".
std::string ExeName(const std::string& program) {
  return program.size() > 4 && program.ends_with(".exe") ? program : program + ".exe";
}

std::string Native(const std::string& id, const WindowsCommand& c, std::string_view check = {}) {
  std::vector<std::string> args(c.args.begin() + 1, c.args.end());
  return fmt::format("Invoke-HighportNative -Proposal {} -FilePath {} -ArgumentList {}{}{}",
                     PsQuote(id), PsQuote(ExeName(c.args[0])), PsArray(args),
                     c.stop_on_error ? " -StopOnError" : "", check);
}

std::string CommandLine(const std::string& id, const WindowsCommand& c, const std::string& host) {
  switch (c.kind) {
    case WindowsCommandKind::kServiceStartType: {
      std::string type = c.start_type == "disabled" ? "Disabled"
                         : c.start_type == "demand" ? "Manual"
                         : c.start_type == "auto"   ? "Automatic"
                                                    : "";
      // Windows PowerShell 5.1's Set-Service has no delayed start: sc.exe sets it.
      if (type.empty()) return Native(id, c);
      return fmt::format("Set-HighportServiceStartType -Proposal {} -Name {} -StartupType {}",
                         PsQuote(id), PsQuote(c.service), PsQuote(type));
    }
    case WindowsCommandKind::kServiceStop:
    case WindowsCommandKind::kServiceStart:
      return fmt::format("Set-HighportServiceState -Proposal {} -Name {} -Status {}", PsQuote(id),
                         PsQuote(c.service),
                         c.kind == WindowsCommandKind::kServiceStop ? "'Stopped'" : "'Running'");
    case WindowsCommandKind::kNetbios:
      return fmt::format("Set-HighportNetbios -Proposal {}{} -To {}", PsQuote(id),
                         c.netbios_from ? fmt::format(" -From {}", *c.netbios_from) : "",
                         c.netbios_to);
    case WindowsCommandKind::kDfsrStaticRpc: {
      // The read-back sees this computer's DFSR only: no check for another /Member:.
      bool here = c.args.size() < 4 || c.args[3].size() <= 8 ||
                  ComputerNameOf(c.args[3].substr(8)) == ComputerNameOf(host);
      if (!here || !c.port) return Native(id, c);
      return Native(id, c, fmt::format(" -CheckKind 'dfsr-port' -Expected '{}'", *c.port));
    }
    case WindowsCommandKind::kWmiHost:
      if (c.args[1].ends_with("standalonehost")) {
        return Native(id, c, " -CheckKind 'tcp-listen' -Expected 'listening 24158' -AfterRestart");
      }
      return Native(id, c);
    default: return Native(id, c);
  }
}

struct HostPart {
  std::vector<std::string> apply, rollback;  // lines inside the host's switch case
};

void Comment(std::vector<std::string>& lines, std::string_view text) {
  lines.push_back(std::string(kIndent) + PsComment(text));
}
void Code(std::vector<std::string>& lines, std::string_view code) {
  lines.push_back(std::string(kIndent) + std::string(code));
}

void Heading(std::vector<std::string>& lines, const std::string& id, const std::string& title,
             const std::string& restart, const std::vector<std::string>& notes) {
  Comment(lines, fmt::format("---- {}: {}{}", id, title,
                             restart.empty() ? "" : ". Needs: " + DescribeRestart(restart)));
  for (const std::string& note : notes) Comment(lines, "  " + note);
}

// A step's rollback lines come first in `rollback` (undo runs backwards).
void AddRegistry(const RegistryStep& step, HostPart& part) {
  std::vector<std::string> undo;
  Heading(part.apply, step.proposal_id, step.title, step.restart, step.notes);
  Heading(undo, step.proposal_id, step.title, step.restart, step.notes);
  for (const RegistrySetting& s : step.settings) {
    Code(part.apply, fmt::format("Set-HighportRegistryValue -Proposal {} -Key {} -Name {} -Type {} "
                                 "-Value {}", PsQuote(step.proposal_id),
                                 PsQuote(FullKeyPath(s.key)), PsQuote(s.value.name),
                                 PsQuote(PsRegType(s.value.type)), PsValue(s.value)));
  }
  for (const RegKey& key : RollbackKeys(step.settings)) {
    if (key.remove) {
      Code(undo, fmt::format("Remove-HighportRegistryKey -Proposal {} -Key {}",
                             PsQuote(step.proposal_id), PsQuote(FullKeyPath(key.path))));
    }
    for (const RegValue& v : key.values) {
      Code(undo, fmt::format("Remove-HighportRegistryValue -Proposal {} -Key {} -Name {}",
                             PsQuote(step.proposal_id), PsQuote(FullKeyPath(key.path)),
                             PsQuote(v.name)));
    }
  }
  part.apply.push_back("");
  undo.push_back("");
  part.rollback.insert(part.rollback.begin(), undo.begin(), undo.end());
}

void AddCommands(const CommandStep& step, const std::string& host, HostPart& part) {
  std::vector<std::string> undo;
  Heading(part.apply, step.proposal_id, step.title, step.restart, step.notes);
  Heading(undo, step.proposal_id, step.title, step.restart, step.notes);
  for (const WindowsCommand& c : step.apply) {
    Comment(part.apply, "the plan: " + c.line);
    Code(part.apply, CommandLine(step.proposal_id, c, host));
  }
  for (WindowsCommand c : step.rollback) {
    c.stop_on_error = false;  // undo as much as can be undone
    Comment(undo, "the plan: " + c.line);
    Code(undo, CommandLine(step.proposal_id, c, host));
  }
  part.apply.push_back("");
  undo.push_back("");
  part.rollback.insert(part.rollback.begin(), undo.begin(), undo.end());
}

void AddRule(const WindowsFirewallRule& w, const plan::HostEntry& host, HostPart& part) {
  const plan::FirewallRule& rule = *w.rule;
  std::vector<std::string> local;
  for (const std::string& server : w.servers) {
    if (IsHostAddress(host, server)) local.push_back(server);
  }
  std::string summary = fmt::format("{} {}, {} flows, {} connections, seen {} to {}", rule.service,
                                    fmt::join(w.ps_ports, ","), rule.flows, rule.connections,
                                    UtcDate(rule.first_seen), UtcDate(rule.last_seen));
  std::string description = fmt::format("highport rule {}: {}", rule.id, rule.service);
  std::vector<std::string> undo;
  Heading(part.apply, rule.id, w.display_name, "", {summary});
  Heading(undo, rule.id, w.display_name, "", {});
  Code(part.apply,
       fmt::format("Set-HighportFirewallRule -Proposal {} -Name {} -DisplayName {} -Description {} "
                   "-Protocol {} -LocalPort {} -LocalAddress {} -RemoteAddress {}{}",
                   PsQuote(rule.id), PsQuote(w.rule_name), PsQuote(w.display_name),
                   PsQuote(OneLineText(description)), PsQuote(w.protocol), PsArray(w.ps_ports),
                   PsArray(local), PsArray(w.clients),
                   rule.program.empty() ? "" : " -Program " + PsQuote(rule.program)));
  Code(undo, fmt::format("Remove-HighportFirewallRule -Proposal {} -Name {} -DisplayName {}",
                         PsQuote(rule.id), PsQuote(w.rule_name), PsQuote(w.display_name)));
  part.apply.push_back("");
  undo.push_back("");
  part.rollback.insert(part.rollback.begin(), undo.begin(), undo.end());
}

bool IsWindowsHostAddress(const plan::Plan& plan, const std::string& address) {
  for (const plan::HostEntry& host : plan.hosts) {
    if (host.platform == plan::Platform::kWindows && IsHostAddress(host, address)) return true;
  }
  return false;
}

struct Script {
  std::string label;  // the switch case: the computer name
  const plan::HostEntry* host;
  HostPart part;
};

std::string Render(const plan::Plan& plan, const std::vector<Script>& scripts,
                   const std::vector<SkippedProposal>& skipped, bool rollback) {
  ScriptText t;
  t.Line("#Requires -RunAsAdministrator");
  t.Line("<#");
  t.Line(".SYNOPSIS");
  t.Line(rollback ? "    highport: undoes highport-apply.ps1 on the Windows host it runs on."
                  : "    highport: applies the hardening plan on the Windows host it runs on.");
  t.Line(".DESCRIPTION");
  t.Line(fmt::format("    From the plan of {} ({}).", OneLineText(plan.created),
                     OneLineText(plan.generator)));
  t.Line("    The part for -ComputerName (by default this computer) runs; other hosts' parts do not.");
  t.Line("    -WhatIf shows every change without making it. At the end every value is read back");
  t.Line("    and compared with the plan; the exit code is 1 if one differs.");
  if (rollback) {
    t.Line("    A plan made from traffic does not know earlier values: registry values go back to");
    t.Line("    Windows' default (absent); services and commands follow the plan's rollback lines.");
  }
  t.Line("#>");
  t.Line("[CmdletBinding(SupportsShouldProcess)]");
  t.Line("param(");
  t.Line("    # The plan host whose part runs: its computer name.");
  t.Line("    [string]$ComputerName = $env:COMPUTERNAME");
  t.Line(")");
  t.Line("Set-StrictMode -Version 3.0");
  t.Line(rollback ? "$ErrorActionPreference = 'Continue'  # undo as much as can be undone"
                  : "$ErrorActionPreference = 'Stop'  # the first failure stops the script");
  t.Blank();
  std::string_view helpers = PowershellHelpers();
  for (size_t start = 0; start < helpers.size();) {
    size_t end = helpers.find('\n', start);
    if (end == std::string_view::npos) end = helpers.size();
    t.Line(helpers.substr(start, end - start));
    start = end + 1;
  }
  t.Line("# ---- the plan ----------------------------------------------------------------");
  for (const SkippedProposal& s : skipped) {
    t.Line(PsComment(fmt::format("NOT APPLIED {}: {}", s.proposal_id, s.reason)));
  }
  t.Line("switch ($ComputerName.Split('.')[0]) {");
  for (const Script& s : scripts) {
    t.Line(fmt::format("    {} {{", PsQuote(s.label)));
    t.Line(fmt::format("        Write-Host {}", PsQuote(fmt::format(
                                               "highport: {} on {}", rollback ? "rollback" : "apply",
                                               s.host->name))));
    for (const std::string& line : rollback ? s.part.rollback : s.part.apply) t.Line(line);
    t.Line("    }");
  }
  t.Line("    default {");
  t.Line("        Write-Host \"highport: the plan has nothing for $ComputerName.\"");
  t.Line("        exit 2");
  t.Line("    }");
  t.Line("}");
  t.Line("exit (Show-HighportChecks)");
  return "\xEF\xBB\xBF" + t.Take();
}

}  // namespace

EmittedFiles WritePowershell(const plan::Plan& plan) {
  WindowsPlanWork gathered = GatherWindowsWork(plan);
  WindowsFirewallPlan firewall = CheckWindowsFirewallRules(plan);
  std::vector<SkippedProposal> skipped = gathered.no_host;
  skipped.insert(skipped.end(), firewall.skipped.begin(), firewall.skipped.end());
  for (const WindowsFirewallRule& w : firewall.rules) {
    bool any = false;
    for (const std::string& server : w.servers) any = any || IsWindowsHostAddress(plan, server);
    if (!any) {
      skipped.push_back({w.rule->id, "no server is an address of a Windows host of the plan; "
                                     "advfirewall/highport-rules.cmd has it"});
    }
  }
  std::vector<Script> scripts;
  for (const plan::HostEntry& host : plan.hosts) {
    if (host.platform != plan::Platform::kWindows) continue;
    std::string label = ComputerNameOf(host.name);
    Script script{label.empty() ? host.name : label, &host, {}};
    for (const WindowsHostWork& work : gathered.hosts) {
      if (work.host != &host) continue;
      for (const SkippedProposal& s : work.skipped) {
        Comment(script.part.apply, fmt::format("NOT APPLIED {}: {}", s.proposal_id, s.reason));
        Comment(script.part.rollback, fmt::format("NOT APPLIED {}: {}", s.proposal_id, s.reason));
      }
      for (const RegistryStep& step : work.registry) AddRegistry(step, script.part);
      for (const CommandStep& step : work.commands) AddCommands(step, host.name, script.part);
    }
    for (const WindowsFirewallRule& w : firewall.rules) {
      bool mine = false;
      for (const std::string& server : w.servers) mine = mine || IsHostAddress(host, server);
      if (mine) AddRule(w, host, script.part);
    }
    if (script.part.apply.empty()) continue;
    scripts.push_back(std::move(script));
  }
  if (scripts.empty() && skipped.empty()) return {};
  return {{"powershell/highport-apply.ps1", Render(plan, scripts, skipped, false),
           "PowerShell that applies the plan on each Windows host, honours -WhatIf and reads "
           "every value back", false},
          {"powershell/highport-rollback.ps1", Render(plan, scripts, skipped, true),
           "PowerShell that undoes powershell/highport-apply.ps1 and reads every value back",
           true}};
}

}  // namespace highport::emit
