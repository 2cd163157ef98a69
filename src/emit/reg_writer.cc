#include "emit/reg_writer.h"

#include <algorithm>

#include "emit/reg_file.h"
#include "emit/reg_group_settings.h"
#include "emit/reg_setting_checks.h"
#include "emit/reg_text.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "text/encode.h"

namespace highport::emit {
namespace {

constexpr std::string_view kRegHeader = "Windows Registry Editor Version 5.00\r\n\r\n";

// reg_file writes no comments; regedit skips lines that start with ';', so
// they go right after the header, before the first key.
std::string RegBytesWithComments(const std::vector<RegKey>& keys,
                                 const std::vector<std::string>& comments) {
  std::string text = RegFileText(keys);
  std::string body = text.substr(kRegHeader.size());
  std::vector<std::string> lines;
  for (const std::string& comment : comments) lines.push_back("; " + OneLine(comment));
  lines.push_back("");
  std::string with_comments = std::string(kRegHeader) + CrlfText(lines) + body;
  return std::string("\xFF\xFE", 2) + text::EncodeUtf16Le(with_comments);
}

// One line per proposal, in the order the settings come: what and the restart.
std::vector<std::string> ProposalLines(const std::vector<RegistrySetting>& settings) {
  std::vector<std::string> lines;
  std::vector<std::string> done;
  for (const RegistrySetting& s : settings) {
    if (std::find(done.begin(), done.end(), s.proposal_id) != done.end()) continue;
    done.push_back(s.proposal_id);
    // `why` ends with the id already ("... (range:dcs)"): keep it once, in front.
    std::string why = s.why;
    std::string suffix = " (" + s.proposal_id + ")";
    if (why.ends_with(suffix)) why.resize(why.size() - suffix.size());
    lines.push_back(fmt::format("{}: {}. Then {}.", s.proposal_id, why, RestartText(s.restart)));
  }
  return lines;
}

std::vector<std::string> SkippedLines(const std::vector<SkippedItem>& skipped) {
  std::vector<std::string> lines;
  for (const SkippedItem& item : skipped) {
    lines.push_back("Left out, " + DescribeSkipped(item));
  }
  return lines;
}

EmittedFile ApplyFile(const plan::Plan& plan, const CheckedHostSettings& host,
                      const std::string& stem) {
  std::vector<std::string> comments = {
      fmt::format("highport: registry values for {} (group {}), from {}.", host.host, host.group,
                  PlanOrigin(plan.generator, plan.created)),
      fmt::format("Apply on {} as an administrator: reg import {}.reg. Undo: {}-rollback.reg.",
                  host.host, stem, stem)};
  for (const std::string& line : ProposalLines(host.settings)) comments.push_back(line);
  for (const std::string& line : SkippedLines(host.skipped)) comments.push_back(line);
  return {fmt::format("reg/{}.reg", stem), RegBytesWithComments(ApplyKeys(host.settings), comments),
          fmt::format("registry values for {} (reg import; then {})", OneLine(host.host),
                      fmt::join(Restarts(host.settings), ", ")),
          false};
}

EmittedFile RollbackFile(const plan::Plan& plan, const CheckedHostSettings& host,
                         const std::string& stem) {
  std::vector<std::string> comments = {
      fmt::format("highport: undoes {}.reg for {}, from {}.", stem, host.host, PlanOrigin(plan.generator, plan.created)),
      "Keys the plan created (Rpc\\Internet does not exist by default) are removed whole; values "
      "in existing keys are removed,",
      "which is Windows' default: a plan made from traffic does not know earlier data.",
      fmt::format("Apply on {} as an administrator: reg import {}-rollback.reg. Then {}.",
                  host.host, stem, fmt::join(Restarts(host.settings), ", "))};
  return {fmt::format("reg/{}-rollback.reg", stem),
          RegBytesWithComments(RollbackKeys(host.settings), comments),
          fmt::format("undoes reg/{}.reg on {}", stem, OneLine(host.host)), true};
}

EmittedFile Readme(const plan::Plan& plan, const CheckedRegistryPlan& checked,
                   const std::vector<std::string>& stems) {
  std::vector<std::string> lines = {
      fmt::format("highport: .reg files from {}", OneLine(PlanOrigin(plan.generator, plan.created))), "",
      "Each <host>.reg sets the registry values the plan proposes for that Windows host.",
      "Apply it on the host, as an administrator:  reg import <host>.reg",
      "(or double-click it), then restart what it names: the RPC port range needs a reboot.",
      "Undo with <host>-rollback.reg, and the same restarts.", ""};
  size_t next = 0;
  for (const CheckedHostSettings& host : checked.hosts) {
    if (host.settings.empty()) continue;
    lines.push_back(fmt::format("{}.reg: {} (group {}); then {}", stems[next++],
                                OneLine(host.host), OneLine(host.group),
                                fmt::join(Restarts(host.settings), ", ")));
    for (const std::string& line : ProposalLines(host.settings)) {
      lines.push_back("  " + OneLine(line));
    }
  }
  std::vector<SkippedItem> skipped = checked.AllSkipped();
  if (!skipped.empty()) {
    lines.push_back("");
    lines.push_back("Left out: these items cannot be written as the plan says them.");
    lines.push_back("Correct plan.json and run highport emit again.");
    for (const SkippedItem& item : skipped) lines.push_back("  " + DescribeSkipped(item));
  }
  return {"reg/README.txt", CrlfText(lines), "what the .reg files do, in which order, and how to undo them",
          false};
}

}  // namespace

EmittedFiles WriteReg(const plan::Plan& plan) {
  CheckedRegistryPlan checked = CheckRegistrySettings(plan);
  EmittedFiles files;
  if (checked.hosts.empty() && checked.skipped.empty()) return files;
  std::vector<std::string> names;
  for (const CheckedHostSettings& host : checked.hosts) {
    if (!host.settings.empty()) names.push_back(host.host);
  }
  std::vector<std::string> stems = UniqueFileStems(names);
  size_t next = 0;
  for (const CheckedHostSettings& host : checked.hosts) {
    if (host.settings.empty()) continue;
    files.push_back(ApplyFile(plan, host, stems[next]));
    files.push_back(RollbackFile(plan, host, stems[next]));
    ++next;
  }
  files.push_back(Readme(plan, checked, stems));
  return files;
}

}  // namespace highport::emit
