#include "emit/cmd_writer.h"

#include <algorithm>

#include "emit/windows_host_plan.h"
#include "fmt/format.h"

namespace highport::emit {
namespace {

std::string RegTypeName(RegType type) {
  switch (type) {
    case RegType::kString: return "REG_SZ";
    case RegType::kExpandString: return "REG_EXPAND_SZ";
    case RegType::kMultiString: return "REG_MULTI_SZ";
    case RegType::kDword: return "REG_DWORD";
    case RegType::kQword: return "REG_QWORD";
    default: return "";
  }
}

// `reg add` takes REG_MULTI_SZ as one /d string with \0 between the strings.
Result<std::string> RegData(const RegValue& value) {
  switch (value.type) {
    case RegType::kDword:
    case RegType::kQword: return std::to_string(value.number);
    case RegType::kString:
    case RegType::kExpandString:
      if (value.text.empty()) return std::string("\"\"");
      return CmdQuote(value.text);
    case RegType::kMultiString: {
      std::string joined;
      for (const std::string& s : value.strings) {
        if (s.find("\\0") != std::string::npos) return Error{"a string holds \\0, reg's separator"};
        joined += (joined.empty() ? "" : "\\0") + s;
      }
      return CmdQuote(joined);
    }
    default: return Error{"reg add cannot write this value type"};
  }
}

Result<std::string> RegAdd(const RegistrySetting& s) {
  Result<std::string> key = CmdQuote(s.key), name = CmdQuote(s.value.name);
  Result<std::string> data = RegData(s.value);
  for (const auto* part : {&key, &name, &data}) {
    if (!*part) return Error{fmt::format("{}: {}", s.value.name, part->error().message)};
  }
  return fmt::format("reg add {} /v {} /t {} /d {} /f{}", *key, *name, RegTypeName(s.value.type),
                     *data, kCmdStopOnError);
}

// Deletes only what is there, so that a second rollback does not count failures.
Result<std::vector<std::string>> RegRollback(const std::vector<RegistrySetting>& settings) {
  std::vector<std::string> lines;
  for (const RegKey& key : RollbackKeys(settings)) {
    Result<std::string> path = CmdQuote(key.path);
    if (!path) return path.error();
    if (key.remove) {
      lines.push_back(fmt::format("reg query {0} >nul 2>&1 && (reg delete {0} /f{1})", *path,
                                  kCmdCountFailure));
    }
    for (const RegValue& v : key.values) {
      Result<std::string> name = CmdQuote(v.name);
      if (!name) return name.error();
      lines.push_back(fmt::format("reg query {0} /v {1} >nul 2>&1 && (reg delete {0} /v {1} /f{2})",
                                  *path, *name, kCmdCountFailure));
    }
  }
  return lines;
}

// One proposal as it appears in both files.
struct Section {
  std::string proposal_id;
  std::string title;
  std::string restart;
  std::vector<std::string> notes;
  std::vector<std::string> apply;     // finished batch lines
  std::vector<std::string> rollback;  // finished batch lines
};

std::vector<std::string> CommandLines(const std::vector<WindowsCommand>& cmds,
                                      std::string_view on_error) {
  std::vector<std::string> lines;
  for (const WindowsCommand& c : cmds) {
    lines.push_back(c.line + (c.stop_on_error ? std::string(on_error) : ""));
  }
  return lines;
}

std::vector<Section> Sections(WindowsHostWork& work) {
  std::vector<Section> out;
  for (const RegistryStep& step : work.registry) {
    Section s{step.proposal_id, step.title, step.restart, step.notes, {}, {}};
    std::string problem;
    for (const RegistrySetting& setting : step.settings) {
      Result<std::string> line = RegAdd(setting);
      if (!line) problem = line.error().message;
      if (line) s.apply.push_back(*line);
    }
    Result<std::vector<std::string>> undo = RegRollback(step.settings);
    if (!undo && problem.empty()) problem = undo.error().message;
    if (!problem.empty()) {
      work.skipped.push_back({step.proposal_id, "cannot be written as a reg command: " + problem});
      continue;
    }
    s.rollback = *undo;
    out.push_back(std::move(s));
  }
  for (const CommandStep& step : work.commands) {
    out.push_back({step.proposal_id, step.title, step.restart, step.notes,
                   CommandLines(step.apply, kCmdStopOnError),
                   CommandLines(step.rollback, kCmdCountFailure)});
  }
  return out;
}

void Header(ScriptText& t, const plan::Plan& plan, const WindowsHostWork& work, bool rollback) {
  const plan::HostEntry& host = *work.host;
  std::vector<std::string> remarks = {
      fmt::format("highport {} for {} ({}, role {}), from the plan of {} ({})",
                  rollback ? "rollback" : "hardening", host.name, plan::PlatformName(host.platform),
                  plan::RoleName(host.role), plan.created, plan.generator)};
  if (rollback) {
    remarks.push_back(fmt::format("Undoes {}.cmd in reverse order. A plan made from traffic does "
                                  "not know earlier values: values go back to Windows' default "
                                  "(absent).", work.file_stem));
    remarks.push_back("Failures are counted and the rest still runs; the exit code is 1 if any.");
  } else {
    remarks.push_back(fmt::format("Review every line, then run it as administrator on {}. It stops "
                                  "at the first command that fails. Undo: {}-rollback.cmd",
                                  host.name, work.file_stem));
  }
  std::vector<std::string> checks;
  std::string computer = ComputerNameOf(host.name);
  if (computer.empty()) {
    checks.push_back(CmdRemark(fmt::format("\"{}\" is no computer name: no check of "
                                           "%COMPUTERNAME%; run it on that host only", host.name)));
  } else {
    checks.push_back(fmt::format("if /i not \"%COMPUTERNAME%\"==\"{0}\" (echo This file is for {0}, "
                                 "not %COMPUTERNAME%. & exit /b 1)", computer));
  }
  CmdStart(t, remarks, checks, rollback);
}

void Skipped(ScriptText& t, const std::vector<SkippedProposal>& skipped) {
  for (const SkippedProposal& s : skipped) {
    t.Line(CmdRemark(fmt::format("NOT APPLIED {}: {}", s.proposal_id, s.reason)));
  }
  if (!skipped.empty()) t.Blank();
}

void SectionLines(ScriptText& t, const Section& s, const std::vector<std::string>& lines) {
  std::string restart = s.restart.empty() ? "" : ". Needs: " + DescribeRestart(s.restart);
  t.Line(CmdRemark(fmt::format("---- {}: {}{}", s.proposal_id, s.title, restart)));
  for (const std::string& note : s.notes) t.Line(CmdRemark("  " + note));
  t.Line(CmdEcho(fmt::format("[{}] {}", s.proposal_id, s.title)));
  for (const std::string& line : lines) t.Line(line);
  t.Blank();
}

// The TCP ephemeral range is another knob than the RPC pool; the plan only
// warns where they overlap, so the fix is a hint for the admin, never run.
void EphemeralHint(ScriptText& t, const WindowsHostWork& work) {
  if (work.range == nullptr || !work.range->ephemeral_overlap) return;
  t.Line(CmdRemark(fmt::format("The host's TCP ephemeral range overlaps the RPC range {} at {}: "
                               "outgoing connections may take those ports first.",
                               work.range->range.ToString(),
                               work.range->ephemeral_overlap->ToString())));
  std::optional<PortRange> clear = EphemeralRangeClearOf(work.range->range);
  if (!clear) {
    t.Line(CmdRemark("No ephemeral range of 255 ports or more is clear of it: choose another RPC range."));
  } else {
    t.Line(CmdRemark("To move it (not done here; check what else relies on it), for example:"));
    for (const char* family : {"ipv4", "ipv6"}) {
      t.Line(CmdRemark(fmt::format("  netsh int {} set dynamicport tcp start={} num={}", family,
                                   clear->first, clear->size())));
    }
  }
  t.Blank();
}

std::vector<std::string> Summary(const std::vector<Section>& sections, bool rollback) {
  std::vector<std::string> lines = {sections.empty() ? "Nothing was changed."
                                    : rollback      ? "Rolled back."
                                                    : "Applied."};
  std::vector<std::pair<std::string, std::string>> restarts;  // what, proposal ids
  for (const Section& s : sections) {
    if (s.restart.empty()) continue;
    auto it = std::find_if(restarts.begin(), restarts.end(),
                           [&](const auto& r) { return r.first == s.restart; });
    if (it == restarts.end()) {
      restarts.emplace_back(s.restart, s.proposal_id);
    } else {
      it->second += ", " + s.proposal_id;
    }
  }
  if (!restarts.empty()) lines.push_back("Needed before the changes take effect:");
  for (const auto& [what, ids] : restarts) {
    lines.push_back(fmt::format("  {} ({})", DescribeRestart(what), ids));
  }
  return lines;
}

std::string ApplyFile(const plan::Plan& plan, WindowsHostWork& work) {
  std::vector<Section> sections = Sections(work);
  ScriptText t;
  Header(t, plan, work, false);
  Skipped(t, work.skipped);
  EphemeralHint(t, work);
  for (const Section& s : sections) SectionLines(t, s, s.apply);
  CmdFinish(t, Summary(sections, false), false, work.file_stem + "-rollback.cmd");
  return t.Take();
}

std::string RollbackFile(const plan::Plan& plan, WindowsHostWork& work) {
  std::vector<Section> sections = Sections(work);
  ScriptText t;
  Header(t, plan, work, true);
  Skipped(t, work.skipped);
  for (auto it = sections.rbegin(); it != sections.rend(); ++it) SectionLines(t, *it, it->rollback);
  CmdFinish(t, Summary(sections, true), true, "");
  return t.Take();
}

}  // namespace

EmittedFiles WriteCmd(const plan::Plan& plan) {
  EmittedFiles files;
  WindowsPlanWork gathered = GatherWindowsWork(plan);
  for (WindowsHostWork& work : gathered.hosts) {
    WindowsHostWork for_rollback = work;  // Sections() adds to `skipped`
    std::string apply = CmdUtf8IfNeeded(ApplyFile(plan, work));
    std::string undo = CmdUtf8IfNeeded(RollbackFile(plan, for_rollback));
    const std::string& name = work.host->name;
    files.push_back({"cmd/" + work.file_stem + ".cmd", std::move(apply),
                     "cmd.exe commands that apply the plan on " + name, false});
    files.push_back({"cmd/" + work.file_stem + "-rollback.cmd", std::move(undo),
                     "cmd.exe commands that undo cmd/" + work.file_stem + ".cmd on " + name, true});
  }
  if (!gathered.no_host.empty()) {
    ScriptText t;
    t.Line("highport: proposals of the plan that no cmd file applies");
    t.Blank();
    for (const SkippedProposal& s : gathered.no_host) {
      t.Line(fmt::format("{}: {}", OneLineText(s.proposal_id), OneLineText(s.reason)));
    }
    files.push_back({"cmd/NOT-APPLIED.txt", t.Take(),
                     "proposals for hosts the plan does not list, left out", false});
  }
  return files;
}

}  // namespace highport::emit
