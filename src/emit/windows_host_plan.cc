#include "emit/windows_host_plan.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "fmt/format.h"
#include "model/ip_address.h"

namespace highport::emit {
namespace {

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool HasControl(std::string_view text) {
  return OneLineText(text) != text;
}

// A host name as a file name: letters, digits, '.', '-', '_' stay; never
// empty, never starting with '.', never a device name Windows reserves.
std::string FileStem(std::string_view name) {
  std::string stem;
  for (char c : name) {
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    stem.push_back(keep && static_cast<unsigned char>(c) < 0x80 ? c : '_');
  }
  if (stem.empty() || stem[0] == '.') stem.insert(0, "host");
  static const std::set<std::string> kReserved = {"CON", "PRN", "AUX", "NUL", "COM1", "COM2",
                                                  "COM3", "COM4", "LPT1", "LPT2", "LPT3"};
  std::string base = Upper(stem.substr(0, stem.find('.')));
  if (kReserved.contains(base)) stem.insert(0, "host-");
  return stem;
}

std::optional<std::string> SettingProblem(const RegistrySetting& s) {
  std::string key = Upper(s.key);
  if (!key.starts_with("HKLM\\") && !key.starts_with("HKEY_LOCAL_MACHINE\\")) {
    return fmt::format("the key \"{}\" is not under HKLM", OneLineText(s.key));
  }
  if (HasControl(s.key) || HasControl(s.value.name)) {
    return "the key or value name holds a control character (a line break?)";
  }
  if (s.value.name.empty()) return "the value name is empty";
  if (s.value.type == RegType::kMultiString) {
    if (s.value.strings.empty()) return "the string list is empty";
    for (const std::string& text : s.value.strings) {
      if (text.empty() || HasControl(text)) return "a string of the list is empty or holds a control character";
    }
  }
  if ((s.value.type == RegType::kString || s.value.type == RegType::kExpandString) &&
      HasControl(s.value.text)) {
    return "the string holds a control character";
  }
  return std::nullopt;
}

std::optional<std::string> PinProblem(const plan::PinProposal& pin) {
  if (pin.key.empty() || pin.value_name.empty()) return "it has no registry key or value name";
  if (pin.value_type != "REG_DWORD" && pin.value_type != "REG_SZ" &&
      pin.value_type != "REG_MULTI_SZ") {
    return fmt::format("value type \"{}\" is not REG_DWORD, REG_SZ or REG_MULTI_SZ",
                       OneLineText(pin.value_type));
  }
  if (pin.value_type == "REG_DWORD" && !pin.value_data.empty()) {
    uint32_t number = 0;
    const char* end = pin.value_data.data() + pin.value_data.size();
    auto [stop, ec] = std::from_chars(pin.value_data.data(), end, number);
    if (ec != std::errc() || stop != end) {
      return fmt::format("REG_DWORD data \"{}\" is not a decimal number",
                         OneLineText(pin.value_data));
    }
  }
  return std::nullopt;
}

std::vector<std::string> RangeNotes(const plan::RpcRangeProposal& range) {
  std::vector<std::string> notes;
  notes.push_back(fmt::format("{} ports; observed peak {} concurrent RPC endpoints; floor {}",
                              range.range.size(), range.observed_peak, range.min_ports));
  for (const plan::PortConflict& c : range.avoided) {
    notes.push_back(fmt::format("kept clear of port {}: {}", c.port, c.what));
  }
  if (!range.risk.empty()) notes.push_back("risk: " + range.risk);
  for (const std::string& w : range.warnings) notes.push_back("warning: " + w);
  return notes;
}

std::vector<std::string> PinNotes(const plan::PinProposal& pin) {
  std::vector<std::string> notes;
  std::string moved;
  for (const std::string& i : pin.interfaces) moved += (moved.empty() ? "" : ", ") + i;
  notes.push_back(fmt::format("service {}{}", pin.service,
                              moved.empty() ? "" : "; RPC interfaces that move with it: " + moved));
  if (!pin.risk.empty()) notes.push_back("risk: " + pin.risk);
  return notes;
}

// Parses every line; the first refused line refuses the whole proposal, so
// that no host is left half minimised by a proposal that cannot be undone.
std::optional<std::string> ParseAll(const std::vector<std::string>& lines, const char* what,
                                    std::vector<WindowsCommand>& out) {
  for (const std::string& line : lines) {
    Result<WindowsCommand> cmd = ParseWindowsCommand(line);
    if (!cmd) return fmt::format("{} \"{}\": {}", what, OneLineText(line), cmd.error().message);
    out.push_back(std::move(*cmd));
  }
  return std::nullopt;
}

void AddRegistry(const plan::Plan& plan, WindowsHostWork& work) {
  const std::string& host = work.host->name;
  for (const plan::PinProposal& pin : plan.pins) {
    if (pin.host != host) continue;
    if (pin.kind == plan::PinKind::kSamba) {
      work.skipped.push_back({pin.id, "a Samba pin on a Windows host"});
    } else if (pin.kind == plan::PinKind::kRegistry || pin.kind == plan::PinKind::kDcomAppId) {
      if (auto problem = PinProblem(pin)) work.skipped.push_back({pin.id, *problem});
    }
  }
  std::vector<RegistryStep> steps;
  for (RegistrySetting& s : RegistrySettingsFor(plan, host)) {
    if (steps.empty() || steps.back().proposal_id != s.proposal_id) {
      steps.push_back({s.proposal_id, "", {}, s.restart, {}});
    }
    steps.back().settings.push_back(std::move(s));
  }
  for (RegistryStep& step : steps) {
    std::optional<std::string> problem;
    if (work.range != nullptr && step.proposal_id == work.range->id) {
      PortRange r = work.range->range;
      if (r.first == 0 || r.first > r.last) {
        problem = fmt::format("the range {}-{} is reversed or starts at 0 (the RPC runtime would "
                              "treat its whole configuration as invalid)", r.first, r.last);
      }
      step.title = "RPC port range " + r.ToString();
      step.notes = RangeNotes(*work.range);
    }
    for (const plan::PinProposal& pin : plan.pins) {
      if (pin.id != step.proposal_id) continue;
      if (auto pin_problem = PinProblem(pin)) problem = "";  // already named above
      step.title = fmt::format("{} on TCP {}", pin.display_name, pin.port);
      step.notes = PinNotes(pin);
    }
    for (const RegistrySetting& s : step.settings) {
      if (!problem) problem = SettingProblem(s);
    }
    if (!problem) {
      work.registry.push_back(std::move(step));
    } else if (!problem->empty()) {
      work.skipped.push_back({step.proposal_id, *problem});
    }
  }
}

void AddCommandPins(const plan::Plan& plan, WindowsHostWork& work) {
  for (const plan::PinProposal& pin : plan.pins) {
    if (pin.host != work.host->name) continue;
    if (pin.kind != plan::PinKind::kCommand && pin.kind != plan::PinKind::kWmi) continue;
    CommandStep step;
    step.proposal_id = pin.id;
    step.title = fmt::format("{} on TCP {}", pin.display_name, pin.port);
    step.restart = pin.restart;
    step.notes = PinNotes(pin);
    step.pin = &pin;
    std::vector<std::string> undo;
    if (!pin.rollback_command.empty()) undo.push_back(pin.rollback_command);
    auto problem = ParseAll({pin.command}, "command", step.apply);
    if (!problem) problem = ParseAll(undo, "rollback command", step.rollback);
    if (problem) {
      work.skipped.push_back({pin.id, *problem});
      continue;
    }
    if (undo.empty()) step.notes.push_back("the plan gives no rollback command");
    work.commands.push_back(std::move(step));
  }
}

void AddMinimise(const plan::Plan& plan, WindowsHostWork& work) {
  for (const plan::MinimiseProposal& m : plan.minimise) {
    if (m.host != work.host->name) continue;
    CommandStep step;
    step.proposal_id = m.id;
    step.title = fmt::format("{} ({}): {}", m.display_name, m.service,
                             plan::MinimiseActionName(m.action));
    step.minimise = &m;
    std::vector<std::string> apply = m.commands, undo = m.rollback;
    if (apply.empty() && m.action == plan::MinimiseAction::kBindLoopback) {
      // The second seed's cure; reset empties the subnet list again.
      apply = {"netsh rpc add 127.0.0.0"};
      undo = {"netsh rpc reset"};
    }
    if (apply.empty()) {
      work.skipped.push_back({m.id, "the plan gives no commands for it"});
      continue;
    }
    std::string listeners;
    for (const std::string& l : m.listeners) listeners += (listeners.empty() ? "" : ", ") + l;
    step.notes.push_back(fmt::format("listens on {} ({})", listeners, m.process));
    if (!m.dependents.empty()) {
      std::string deps;
      for (const std::string& d : m.dependents) deps += (deps.empty() ? "" : ", ") + d;
      step.notes.push_back("stops with it: " + deps);
    }
    if (!m.risk.empty()) step.notes.push_back("risk: " + m.risk);
    auto problem = ParseAll(apply, "command", step.apply);
    if (!problem) problem = ParseAll(undo, "rollback command", step.rollback);
    if (problem) {
      work.skipped.push_back({m.id, *problem});
      continue;
    }
    if (undo.empty()) step.notes.push_back("the plan gives no rollback commands");
    work.commands.push_back(std::move(step));
  }
}

}  // namespace

WindowsPlanWork GatherWindowsWork(const plan::Plan& plan) {
  WindowsPlanWork out;
  std::set<std::string> stems;
  for (const plan::HostEntry& host : plan.hosts) {
    if (host.platform != plan::Platform::kWindows) continue;
    WindowsHostWork work;
    work.host = &host;
    work.range = plan.RangeFor(host.name);
    AddRegistry(plan, work);
    AddCommandPins(plan, work);
    AddMinimise(plan, work);
    if (work.Empty()) continue;
    std::string stem = FileStem(host.name);
    for (int n = 2; !stems.insert(Upper(stem)).second; ++n) {
      stem = fmt::format("{}-{}", FileStem(host.name), n);
    }
    work.file_stem = stem;
    out.hosts.push_back(std::move(work));
  }
  auto unknown = [&](const std::string& id, const std::string& host) {
    if (plan.FindHost(host) == nullptr) {
      out.no_host.push_back({id, fmt::format("host \"{}\" is not in the plan's host list",
                                             OneLineText(host))});
    }
  };
  for (const plan::RpcRangeProposal& r : plan.ranges) {
    for (const std::string& h : r.hosts) unknown(r.id, h);
  }
  for (const plan::PinProposal& p : plan.pins) unknown(p.id, p.host);
  for (const plan::MinimiseProposal& m : plan.minimise) unknown(m.id, m.host);
  return out;
}

std::string DescribeRestart(const std::string& restart) {
  if (restart.starts_with("service:")) return "restart the service " + restart.substr(8);
  return restart;
}

std::optional<PortRange> EphemeralRangeClearOf(PortRange rpc) {
  constexpr uint32_t kMinPorts = 255, kMinStart = 1025;
  if (rpc.last < kWindowsDynamicRange.first) return kWindowsDynamicRange;
  // Above the RPC range first: low ports are where registered services listen.
  uint32_t above = std::max<uint32_t>(rpc.last + 1u, kMinStart);
  if (above <= 65535 && 65536 - above >= kMinPorts) return PortRange{static_cast<uint16_t>(above), 65535};
  if (rpc.first > kMinStart && rpc.first - kMinStart >= kMinPorts) {
    return PortRange{static_cast<uint16_t>(kMinStart), static_cast<uint16_t>(rpc.first - 1)};
  }
  return std::nullopt;
}

std::string ComputerNameOf(const std::string& name) {
  std::string label = name.substr(0, name.find('.'));
  if (label.empty() || label.size() > 15 || IpAddress::Parse(name)) return "";
  for (char c : label) {
    if (!std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80) {
      if (c != '-' && c != '_') return "";
    }
  }
  return Upper(label);
}

}  // namespace highport::emit
