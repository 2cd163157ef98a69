#include "emit/inf_writer.h"

#include <algorithm>
#include <optional>

#include "emit/reg_group_settings.h"
#include "emit/reg_setting_checks.h"
#include "emit/reg_text.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "text/strings.h"

namespace highport::emit {
namespace {

// One sceregvl.inf line, and the setting it is for.
struct InfLine {
  std::string identity;      // lower-case key\value, as the registry compares them
  std::string machine_path;  // MACHINE\...\value name
  std::string display_name;  // "RPC_Ports", "NTDS_TCPIP_Port"
  std::string line;
};

std::string Identifier(std::string_view text) {
  std::string out;
  for (char c : text) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      out += c;
    } else if (c == ' ') {
      out += '_';
    }
  }
  return out;
}

// The seed's names for the RPC pool; "<service>_<value>" for a pin, the
// service taken from its proposal id ("pin:dc01:NTDS").
std::string DisplayName(const RegistrySetting& s) {
  if (text::EqualsIgnoreCase(s.key, kRpcInternetKey)) return "RPC_" + Identifier(s.value.name);
  std::string_view id = s.proposal_id;
  std::string service = Identifier(id.substr(id.rfind(':') + 1));
  if (service.empty()) service = "highport";
  return service + "_" + Identifier(s.value.name);
}

// Why sceregvl.inf cannot hold this setting, if it cannot.
std::optional<std::string> InfProblem(const RegistrySetting& s) {
  // An INF line splits fields at ',', starts a comment at ';', quotes with
  // '"' and substitutes %strings%; the value name ends at the last '\'.
  for (std::string_view part : {std::string_view(s.key), std::string_view(s.value.name)}) {
    if (part.find_first_of(",;\"%") != std::string_view::npos) {
      return fmt::format("\"{}\" holds one of , ; \" %, which an INF line cannot hold", part);
    }
  }
  if (s.value.name.find('\\') != std::string::npos) {
    return "the value name holds a '\\', which sceregvl.inf reads as part of the key";
  }
  return std::nullopt;
}

std::string MachinePath(const RegistrySetting& s) {
  std::string_view key = s.key;
  for (std::string_view root : {"HKLM\\", "HKEY_LOCAL_MACHINE\\"}) {
    if (text::StartsWithIgnoreCase(key, root)) key.remove_prefix(root.size());
  }
  return fmt::format("MACHINE\\{}\\{}", key, s.value.name);
}

std::pair<int, int> TypeCodes(RegType type) {
  switch (type) {
    case RegType::kDword: return {4, 1};        // REG_DWORD, shown as a number
    case RegType::kMultiString: return {7, 4};  // REG_MULTI_SZ, one string per line
    default: return {1, 2};                     // REG_SZ, shown as a string
  }
}

struct InfPlan {
  std::vector<InfLine> lines;
  std::vector<SkippedItem> skipped;  // every item left out, the checks' and the INF's
};

InfPlan CollectLines(const CheckedRegistryPlan& checked) {
  InfPlan out;
  for (const CheckedHostSettings& host : checked.hosts) {
    out.skipped.insert(out.skipped.end(), host.skipped.begin(), host.skipped.end());
    for (const RegistrySetting& s : host.settings) {
      if (std::optional<std::string> problem = InfProblem(s)) {
        out.skipped.push_back({s.proposal_id, host.host, *problem});
        continue;
      }
      std::string identity = text::ToLowerAscii(MachinePath(s));
      bool known = std::any_of(out.lines.begin(), out.lines.end(),
                               [&](const InfLine& l) { return l.identity == identity; });
      if (known) continue;
      std::string name = DisplayName(s);
      for (int n = 2; std::any_of(out.lines.begin(), out.lines.end(),
                                  [&](const InfLine& l) { return l.display_name == name; });
           ++n) {
        name = fmt::format("{}_{}", DisplayName(s), n);
      }
      auto [type, display] = TypeCodes(s.value.type);
      std::string path = MachinePath(s);
      out.lines.push_back(
          {identity, path, name, fmt::format("{},{},{},{}", path, type, name, display)});
    }
  }
  out.skipped.insert(out.skipped.end(), checked.skipped.begin(), checked.skipped.end());
  return out;
}

const InfLine* LineFor(const InfPlan& inf, const RegistrySetting& s) {
  std::string identity = text::ToLowerAscii(MachinePath(s));
  for (const InfLine& l : inf.lines) {
    if (l.identity == identity) return &l;
  }
  return nullptr;
}

// What to enter in the Security Options of each group's GPO.
std::vector<std::string> ValueComments(const InfPlan& inf, const CheckedRegistryPlan& checked) {
  std::vector<std::string> out;
  for (const HostGroup& group : GroupHosts(checked)) {
    out.push_back(OneLine(fmt::format("; group {} ({}):", group.name,
                                      fmt::join(group.HostNames(), ", "))));
    for (const InfLine& line : inf.lines) {
      std::vector<SharedValue> values;
      for (const CheckedHostSettings* host : group.hosts) {
        for (const RegistrySetting& s : host->settings) {
          if (LineFor(inf, s) == &line) {
            AddShared(values, DataText(s.value), host->host, s.proposal_id, s.restart);
          }
        }
      }
      for (const SharedValue& v : values) {
        out.push_back(OneLine(fmt::format(";   {} = {}   for {} [{}]; then {}", line.display_name,
                                          v.value, HostsPhrase(v.hosts, group.hosts.size()),
                                          fmt::join(v.proposal_ids, ", "),
                                          fmt::join(v.restarts, ", "))));
      }
    }
  }
  return out;
}

EmittedFile LinesFile(const plan::Plan& plan, const CheckedRegistryPlan& checked,
                      const InfPlan& inf) {
  std::vector<std::string> lines = {
      "; highport: lines for %SystemRoot%\\inf\\sceregvl.inf (the first seed, method 3),",
      fmt::format("; from {}.", PlanOrigin(plan.generator, plan.created)),
      "; They make the registry values below editable as Security Options of a GPO:",
      ";   Computer Configuration > Policies > Windows Settings > Security Settings >",
      ";   Local Policies > Security Options",
      ";",
      "; On the computer where you edit Group Policy, in a command prompt run as administrator:",
      ";  1. Back up the file:",
      ";       copy %SystemRoot%\\inf\\sceregvl.inf %SystemRoot%\\inf\\sceregvl.inf.highport-backup",
      ";  2. Take ownership of it (it belongs to TrustedInstaller) and allow Administrators to",
      ";     change it (S-1-5-32-544 is the Administrators group in every language):",
      ";       takeown /f %SystemRoot%\\inf\\sceregvl.inf /a",
      ";       icacls %SystemRoot%\\inf\\sceregvl.inf /grant *S-1-5-32-544:F",
      ";  3. Open it in Notepad (run as administrator), find [Register Registry Values] and paste",
      ";     the lines between the markers right below it, above the other registry lines. Paste;",
      ";     do not append this file with copy or type: sceregvl.inf is UTF-16LE, this file UTF-8.",
      ";  4. Register the Security Configuration client again:  regsvr32 scecli.dll",
      ";  5. In the GPO of each group, define the values listed at the end of this file.",
      "; A Windows update may replace sceregvl.inf: the lines are then gone from the editor",
      "; (not from the GPO or the hosts); paste them again before editing these values.",
      "; Undo: sceregvl-rollback.txt.",
      ";",
      "; ---- paste from here ----"};
  for (const InfLine& l : inf.lines) lines.push_back(l.line);
  lines.push_back("; ---- to here ----");
  lines.push_back(";");
  lines.push_back("; Values to define, per group (the GPO linked to the OU of its hosts). A value for");
  lines.push_back("; only some hosts of a group needs a GPO filtered to those computer accounts.");
  std::vector<std::string> values = ValueComments(inf, checked);
  lines.insert(lines.end(), values.begin(), values.end());
  if (!inf.skipped.empty()) {
    lines.push_back(";");
    lines.push_back("; Left out (correct plan.json and run highport emit again):");
    for (const SkippedItem& item : inf.skipped) lines.push_back(";   " + DescribeSkipped(item));
  }
  return {"inf/sceregvl-lines.txt", CrlfText(lines),
          "sceregvl.inf lines that make the plan's registry values Security Options, and the "
          "values per group",
          false};
}

// reg delete lines that remove what the Security Options set on one host.
std::vector<std::string> DeleteCommands(const CheckedHostSettings& host, const InfPlan& inf) {
  std::vector<std::string> out;
  bool pool_done = false;
  for (const RegistrySetting& s : host.settings) {
    if (LineFor(inf, s) == nullptr) continue;
    if (s.key_created_by_plan) {
      if (!pool_done) out.push_back(fmt::format(";       reg delete \"{}\" /f", s.key));
      pool_done = true;
      continue;
    }
    out.push_back(fmt::format(";       reg delete \"{}\" /v \"{}\" /f", s.key, s.value.name));
  }
  return out;
}

EmittedFile RollbackFile(const plan::Plan& plan, const CheckedRegistryPlan& checked,
                         const InfPlan& inf) {
  std::vector<std::string> lines = {
      "; highport: undo sceregvl-lines.txt,",
      fmt::format("; from {}.", PlanOrigin(plan.generator, plan.created)),
      ";  1. In each GPO where you defined these Security Options, open each one and clear",
      ";     \"Define this policy setting\". Security settings stay in the registry of the hosts",
      ";     (they tattoo), so also remove them on each host, as an administrator:"};
  for (const CheckedHostSettings& host : checked.hosts) {
    std::vector<std::string> commands = DeleteCommands(host, inf);
    if (commands.empty()) continue;
    std::vector<std::string> restarts = Restarts(host.settings);
    lines.push_back(OneLine(fmt::format(";     on {} (then {}):", host.host,
                                        fmt::join(restarts, ", "))));
    lines.insert(lines.end(), commands.begin(), commands.end());
  }
  std::vector<std::string> rest = {
      ";     The RPC port pool's key does not exist by default: it is removed whole.",
      ";  2. On the computer where you edited sceregvl.inf, restore the backup:",
      ";       copy /y %SystemRoot%\\inf\\sceregvl.inf.highport-backup %SystemRoot%\\inf\\sceregvl.inf",
      ";     or delete these lines from it with Notepad:"};
  lines.insert(lines.end(), rest.begin(), rest.end());
  for (const InfLine& l : inf.lines) lines.push_back(";       " + l.line);
  lines.push_back(";  3. Register the Security Configuration client again:  regsvr32 scecli.dll");
  return {"inf/sceregvl-rollback.txt", CrlfText(lines),
          "undoes sceregvl-lines.txt: Security Options undefined, values removed, file restored",
          true};
}

}  // namespace

EmittedFiles WriteInf(const plan::Plan& plan) {
  CheckedRegistryPlan checked = CheckRegistrySettings(plan);
  if (checked.hosts.empty() && checked.skipped.empty()) return {};
  InfPlan inf = CollectLines(checked);
  if (inf.lines.empty()) {
    // Nothing to paste; the file only says what was left out and why.
    std::vector<std::string> lines = {
        fmt::format("; highport: no sceregvl.inf lines from {}.", PlanOrigin(plan.generator, plan.created)),
        "; Left out (correct plan.json and run highport emit again):"};
    for (const SkippedItem& item : inf.skipped) lines.push_back(";   " + DescribeSkipped(item));
    return {{"inf/sceregvl-lines.txt", CrlfText(lines), "nothing to paste: what was left out", false}};
  }
  return {LinesFile(plan, checked, inf), RollbackFile(plan, checked, inf)};
}

}  // namespace highport::emit
