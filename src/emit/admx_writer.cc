#include "emit/admx_writer.h"

#include <algorithm>
#include <map>

#include "emit/admx_policies.h"
#include "emit/admx_xml.h"
#include "emit/reg_group_settings.h"
#include "emit/reg_setting_checks.h"
#include "emit/reg_text.h"
#include "fmt/format.h"
#include "fmt/ranges.h"

namespace highport::emit {
namespace {

constexpr std::string_view kPolicyPath =
    "Computer Configuration > Policies > Administrative Templates > Network > highport: RPC ports";

// What one host gives one policy: each element's value, or why it cannot.
struct PolicyValues {
  std::map<std::string_view, const RegistrySetting*> by_element;
};

// The lines an administrator enters for one host's policy, or the reason
// it cannot be entered.
std::string ElementLines(const AdmxPolicy& policy, const PolicyValues& values,
                         std::string* problem) {
  std::vector<std::string> lines;
  for (const AdmxElement& e : policy.elements) {
    auto it = values.by_element.find(e.id);
    if (it == values.by_element.end()) {
      *problem = fmt::format("the plan sets no \"{}\", which the policy requires", e.value_name);
      return "";
    }
    const RegValue& v = it->second->value;
    if (e.kind == AdmxElementKind::kPort && (v.number < kAdmxMinPort || v.number > kAdmxMaxPort)) {
      *problem = fmt::format("the port {} is outside the policy's {}-{}", v.number, kAdmxMinPort,
                             kAdmxMaxPort);
      return "";
    }
    if (e.kind == AdmxElementKind::kYesNo && v.text != "Y" && v.text != "N") {
      *problem = fmt::format("\"{}\" is neither Y nor N", v.text);
      return "";
    }
    std::string data = DataText(v);
    if (e.kind == AdmxElementKind::kMultiText && v.strings.size() > 1) {
      data = fmt::format("{}   (one per line: {})", data, v.strings.size());
    }
    lines.push_back(fmt::format("      {:<28} {}", e.label, data));
  }
  return fmt::format("{}", fmt::join(lines, "\r\n"));
}

struct GroupValues {
  // Per policy (in table order): the distinct element lines and their hosts.
  std::vector<std::vector<SharedValue>> policies;
  std::vector<std::string> outside_template;  // settings no policy writes
  std::vector<SkippedItem> skipped;
};

GroupValues CollectGroup(const HostGroup& group) {
  const std::vector<AdmxPolicy>& policies = AdmxPolicies();
  GroupValues out;
  out.policies.resize(policies.size());
  for (const CheckedHostSettings* host : group.hosts) {
    std::vector<PolicyValues> per_policy(policies.size());
    for (const RegistrySetting& s : host->settings) {
      std::optional<AdmxTarget> target = FindAdmxTarget(s.key, s.value.name);
      if (!target) {
        out.outside_template.push_back(OneLine(fmt::format(
            "{} ({}): \"{}\" in {} = {}: no policy of the template sets it; apply reg/{}.reg",
            s.proposal_id, host->host, s.value.name, s.key, DataText(s.value),
            FileStem(host->host))));
        continue;
      }
      size_t index = static_cast<size_t>(target->policy - policies.data());
      per_policy[index].by_element[target->element->id] = &s;
    }
    for (size_t i = 0; i < policies.size(); ++i) {
      if (per_policy[i].by_element.empty()) continue;
      std::string problem;
      std::string lines = ElementLines(policies[i], per_policy[i], &problem);
      const RegistrySetting* first = per_policy[i].by_element.begin()->second;
      if (!problem.empty()) {
        out.skipped.push_back({first->proposal_id, host->host,
                               fmt::format("policy \"{}\": {}", policies[i].display_name, problem)});
        continue;
      }
      for (const auto& [element, setting] : per_policy[i].by_element) {
        AddShared(out.policies[i], lines, host->host, setting->proposal_id, setting->restart);
      }
    }
  }
  return out;
}

EmittedFile ValuesFile(const plan::Plan& plan, const HostGroup& group, const std::string& stem) {
  GroupValues values = CollectGroup(group);
  std::vector<std::string> hosts = group.HostNames();
  std::vector<std::string> lines = {
      OneLine(fmt::format("highport: Group Policy values for the group \"{}\" ({})", group.name,
                          fmt::join(hosts, ", "))),
      fmt::format("From {}.", PlanOrigin(plan.generator, plan.created)), "",
      "Install the template first (README.txt). Then edit the GPO linked to the OU of these hosts:",
      fmt::format("  {}", kPolicyPath),
      "A value for only some hosts of the group needs a GPO of its own, whose Security Filtering",
      "lists just those computer accounts (or the host's reg/<host>.reg instead)."};
  const std::vector<AdmxPolicy>& policies = AdmxPolicies();
  for (size_t i = 0; i < policies.size(); ++i) {
    for (const SharedValue& v : values.policies[i]) {
      lines.push_back("");
      lines.push_back(fmt::format("  \"{}\": Enabled, for {}", policies[i].display_name,
                                  HostsPhrase(v.hosts, hosts.size())));
      lines.push_back(v.value);
      lines.push_back(OneLine(fmt::format("      {:<28} {}", "Then:", fmt::join(v.restarts, ", "))));
      lines.push_back(OneLine(fmt::format("      {:<28} {}", "Proposals:",
                                          fmt::join(v.proposal_ids, ", "))));
    }
  }
  std::vector<SkippedItem> skipped = values.skipped;
  for (const CheckedHostSettings* host : group.hosts) {
    skipped.insert(skipped.end(), host->skipped.begin(), host->skipped.end());
  }
  if (!values.outside_template.empty() || !skipped.empty()) {
    lines.push_back("");
    lines.push_back("Not set by this template:");
    for (const std::string& line : values.outside_template) lines.push_back("  " + line);
    for (const SkippedItem& item : skipped) lines.push_back("  Left out, " + DescribeSkipped(item));
  }
  return {fmt::format("admx/values-{}.txt", stem), CrlfText(lines),
          OneLine(fmt::format("which policies to enable with which values for the group {}",
                              group.name)),
          false};
}

std::vector<std::string> LeftOutLines(const std::vector<SkippedItem>& skipped) {
  std::vector<std::string> lines;
  if (skipped.empty()) return lines;
  lines.push_back("");
  lines.push_back("Left out (correct plan.json and run highport emit again):");
  for (const SkippedItem& item : skipped) lines.push_back("  " + DescribeSkipped(item));
  return lines;
}

// When every setting was left out: no template to install, only why.
EmittedFile NothingToEnable(const plan::Plan& plan, const std::vector<SkippedItem>& skipped) {
  std::vector<std::string> lines = {
      fmt::format("highport: no Group Policy values from {}.", PlanOrigin(plan.generator, plan.created))};
  std::vector<std::string> left_out = LeftOutLines(skipped);
  lines.insert(lines.end(), left_out.begin(), left_out.end());
  return {"admx/README.txt", CrlfText(lines), "nothing to enable: what was left out", false};
}

EmittedFile Readme(const plan::Plan& plan, const std::vector<std::string>& stems,
                   const std::vector<SkippedItem>& plan_skipped) {
  std::vector<std::string> lines = {
      fmt::format("highport: administrative template for the RPC port pool and static service "
                  "ports, from {}.", PlanOrigin(plan.generator, plan.created)),
      "",
      "Files",
      "  highport.admx          the template: which policies exist (no value of the plan is in it)",
      "  en-US\\highport.adml    its English strings and dialog boxes"};
  for (const std::string& stem : stems) {
    lines.push_back(fmt::format("  {:<22} which policies to enable, with which values",
                                "values-" + stem + ".txt"));
  }
  std::vector<std::string> rest = {
      "  rollback.txt           how to undo it",
      "",
      "Where the template goes",
      "  On the computer where you edit Group Policy:",
      "    highport.admx  ->  %SystemRoot%\\PolicyDefinitions\\",
      "    highport.adml  ->  %SystemRoot%\\PolicyDefinitions\\en-US\\",
      "  or, for every administrator of the domain, in the central store:",
      "    highport.admx  ->  \\\\<domain>\\SYSVOL\\<domain>\\Policies\\PolicyDefinitions\\",
      "    highport.adml  ->  \\\\<domain>\\SYSVOL\\<domain>\\Policies\\PolicyDefinitions\\en-US\\",
      "  Where the central store exists, the editor reads only it.",
      "",
      "Then",
      fmt::format("  The policies appear under {}.", kPolicyPath),
      "  Enable them in a GPO as values-<group>.txt says. Hosts apply a GPO within 90 minutes",
      "  (gpupdate /force applies it now); the RPC port pool takes effect after a reboot.",
      "  Check on a host:  reg query HKLM\\Software\\Microsoft\\Rpc\\Internet",
      "  These values lie outside the Policies key: they stay when the GPO goes (rollback.txt)."};
  lines.insert(lines.end(), rest.begin(), rest.end());
  std::vector<std::string> left_out = LeftOutLines(plan_skipped);
  lines.insert(lines.end(), left_out.begin(), left_out.end());
  return {"admx/README.txt", CrlfText(lines),
          "where the ADMX and ADML go, and what to do with the values files", false};
}

EmittedFile Rollback(const plan::Plan& plan, const std::vector<HostGroup>& groups,
                     const std::vector<std::string>& stems) {
  std::vector<std::string> lines = {
      fmt::format("highport: undo the Group Policy settings of {}.", PlanOrigin(plan.generator, plan.created)),
      "",
      "1. In each GPO where you enabled these policies, set each of them to Disabled:",
      "   Group Policy then deletes their values on the hosts. (Not Configured, or deleting the",
      "   GPO, would leave the values in place: they lie outside the Policies key.)"};
  for (size_t i = 0; i < groups.size(); ++i) {
    const HostGroup& group = groups[i];
    std::vector<std::string> restarts;
    for (const CheckedHostSettings* host : group.hosts) {
      for (const std::string& restart : Restarts(host->settings)) {
        if (std::find(restarts.begin(), restarts.end(), restart) == restarts.end()) {
          restarts.push_back(restart);
        }
      }
    }
    lines.push_back(OneLine(fmt::format("   group {} ({}): values-{}.txt; then {}", group.name,
                                        fmt::join(group.HostNames(), ", "),
                                        stems[i], fmt::join(restarts, ", "))));
  }
  std::vector<std::string> rest = {
      "2. On each host: gpupdate /force (or wait up to 90 minutes).",
      "3. Disabled leaves the key HKLM\\Software\\Microsoft\\Rpc\\Internet behind, empty, and",
      "   Windows has no such key by default. Remove it on each host, after step 2:",
      "     reg delete \"HKLM\\Software\\Microsoft\\Rpc\\Internet\" /f",
      "4. Restart what step 1 names (the RPC port pool: reboot).",
      "5. Set the policies to Not Configured. Remove highport.admx and en-US\\highport.adml from",
      "   the policy store once no GPO uses them."};
  lines.insert(lines.end(), rest.begin(), rest.end());
  return {"admx/rollback.txt", CrlfText(lines), "how to undo the policies of values-*.txt", true};
}

}  // namespace

EmittedFiles WriteAdmx(const plan::Plan& plan) {
  CheckedRegistryPlan checked = CheckRegistrySettings(plan);
  std::vector<HostGroup> groups = GroupHosts(checked);
  // Skipped items of hosts that get no values file go to the README.
  std::vector<SkippedItem> unlisted = checked.skipped;
  for (const CheckedHostSettings& host : checked.hosts) {
    if (host.settings.empty()) unlisted.insert(unlisted.end(), host.skipped.begin(), host.skipped.end());
  }
  if (groups.empty()) {
    if (unlisted.empty()) return {};
    return {NothingToEnable(plan, unlisted)};
  }
  std::vector<std::string> names;
  for (const HostGroup& group : groups) names.push_back(group.name);
  std::vector<std::string> stems = UniqueFileStems(names);
  EmittedFiles files = {
      {"admx/highport.admx", AdmxText(),
       "administrative template: to PolicyDefinitions (README.txt)", false},
      {"admx/en-US/highport.adml", AdmlText(),
       "the template's en-US strings: to PolicyDefinitions\\en-US (README.txt)", false}};
  for (size_t i = 0; i < groups.size(); ++i) files.push_back(ValuesFile(plan, groups[i], stems[i]));
  files.push_back(Readme(plan, stems, unlisted));
  files.push_back(Rollback(plan, groups, stems));
  return files;
}

}  // namespace highport::emit
