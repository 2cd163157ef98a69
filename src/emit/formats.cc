#include "emit/formats.h"

#include <set>

#include "emit/admx_writer.h"
#include "emit/advfirewall_writer.h"
#include "emit/cmd_writer.h"
#include "emit/iptables_writer.h"
#include "emit/inf_writer.h"
#include "emit/nftables_writer.h"
#include "emit/powershell_writer.h"
#include "emit/reg_writer.h"
#include "emit/smbconf_writer.h"
#include "fmt/format.h"
#include "fmt/ranges.h"

namespace highport::emit {
namespace {

std::string Crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// Which formats do the same job: an administrator applies one of each line.
struct Step {
  std::string_view title;
  std::vector<std::string_view> formats;
  std::string_view how;
};

const std::vector<Step>& Steps() {
  static const std::vector<Step> steps = {
      {"Review", {}, "Read plan.json (or `highport plan` output): every proposal names its evidence and "
                     "its risk. Apply to one host first."},
      {"Firewall allow-list, in front of or on the servers",
       {"advfirewall", "nftables", "iptables"},
       "Add the allow rules BEFORE the RPC range takes effect, so that nothing in use is "
       "blocked in between. The rules only allow; switching the default inbound policy to "
       "block (Windows) or loading the fencing chain (Linux) is the step that fences, and "
       "needs a maintenance window."},
      {"RPC port range and pinned ports (Windows)",
       {"reg", "admx", "inf", "cmd", "powershell"},
       "One of: import the .reg file per host (regedit /s), a group policy with the ADMX "
       "template or the sceregvl.inf lines (first seed, methods 2 and 3), or the cmd / "
       "PowerShell scripts (PowerShell honours -WhatIf and reads every value back)."},
      {"Samba", {"smbconf"},
       "Merge the [global] lines into /etc/samba/smb.conf, run testparm, restart Samba, then "
       "`highport epm HOST` to see every dynamic port inside the range."},
  };
  return steps;
}

}  // namespace

const std::vector<EmitFormat>& EmitFormats() {
  static const std::vector<EmitFormat> formats = {
      {"advfirewall", "netsh advfirewall firewall rules (cmd)", WriteAdvfirewall},
      {"nftables", "nftables ruleset for a Linux firewall in front of the servers", WriteNftables},
      {"iptables", "iptables-restore / ip6tables-restore rulesets", WriteIptables},
      {"reg", "regedit .reg files per Windows host (UTF-16LE), with rollback", WriteReg},
      {"admx", "administrative template (ADMX + en-US ADML) for group policy", WriteAdmx},
      {"inf", "sceregvl.inf lines for the security template editor", WriteInf},
      {"cmd", "cmd.exe scripts: reg add, sc config, dfsrdiag, netsh", WriteCmd},
      {"powershell", "idempotent PowerShell (-WhatIf, reads every value back)", WritePowershell},
      {"smbconf", "Samba [global] lines: rpc server dynamic port range, rpc server port:IF",
       WriteSmbconf},
  };
  return formats;
}

const EmitFormat* FindEmitFormat(std::string_view name) {
  for (const EmitFormat& f : EmitFormats()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

EmittedFile WriteReadme(const plan::Plan& plan, const EmittedFiles& written) {
  std::string t;
  t += "highport: files that apply a hardening plan\n";
  t += "==========================================\n\n";
  t += fmt::format("Plan: created {} by {}, from {} input(s).\n", plan.created, plan.generator,
                   plan.inputs.size());
  t += fmt::format("{} RPC range(s), {} pinned port(s), {} service(s) to stop, {} firewall "
                   "rule(s) covering {} of {} observed flow(s).\n\n",
                   plan.ranges.size(), plan.pins.size(), plan.minimise.size(),
                   plan.firewall.rules.size(), plan.firewall.covered_flows,
                   plan.firewall.allowed_flows);
  int number = 0;
  for (const Step& step : Steps()) {
    std::vector<const EmittedFile*> files;
    for (const EmittedFile& f : written) {
      for (std::string_view format : step.formats) {
        if (f.path.rfind(std::string(format) + "/", 0) == 0) files.push_back(&f);
      }
    }
    if (!step.formats.empty() && files.empty()) continue;
    t += fmt::format("{}. {}\n   {}\n", ++number, step.title, step.how);
    for (const EmittedFile* f : files) {
      if (!f->rollback) t += fmt::format("   - {}: {}\n", f->path, f->purpose);
    }
    t += "\n";
  }
  // Restarts: what each change needs before it takes effect.
  std::set<std::string> restarts;
  for (const plan::RpcRangeProposal& r : plan.ranges) {
    restarts.insert(fmt::format("{}: {} ({})", fmt::join(r.hosts, ", "), r.restart, r.id));
  }
  for (const plan::PinProposal& p : plan.pins) {
    restarts.insert(fmt::format("{}: {} ({})", p.host, p.restart, p.id));
  }
  if (!restarts.empty()) {
    t += "Restarts needed before a change takes effect (\"reboot\": the computer; "
         "\"service:X\": restart service X):\n";
    for (const std::string& r : restarts) t += "   - " + r + "\n";
    t += "\n";
  }
  t += "Rolling back\n   Each format has its rollback files; they remove what the plan "
       "created. The values before the change are not in the evidence, so rollback returns "
       "to Windows' and Samba's defaults (no RPC port pool, no static ports), which is what "
       "a host has until someone sets them.\n";
  for (const EmittedFile& f : written) {
    if (f.rollback) t += fmt::format("   - {}: {}\n", f.path, f.purpose);
  }
  t += "\nThen verify: ask each host's endpoint mapper again (highport epm HOST) and check "
       "that every dynamic port lies inside the planned range.\n";
  return {"README.txt", Crlf(t), "what to apply in which order, restarts, rollback", false};
}

EmittedFiles WriteAll(const plan::Plan& plan) {
  EmittedFiles all;
  for (const EmitFormat& f : EmitFormats()) {
    EmittedFiles files = f.write(plan);
    all.insert(all.end(), std::make_move_iterator(files.begin()), std::make_move_iterator(files.end()));
  }
  all.push_back(WriteReadme(plan, all));
  return all;
}

}  // namespace highport::emit
