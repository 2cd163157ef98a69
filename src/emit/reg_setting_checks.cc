#include "emit/reg_setting_checks.h"

#include <optional>
#include <set>

#include "emit/reg_text.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "text/strings.h"

namespace highport::emit {
namespace {

using Problem = std::optional<std::string>;

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

bool AllDigits(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Problem KeyProblem(std::string_view key) {
  if (HasControl(key)) return "the key holds a control character (a line break?)";
  if (!text::StartsWithIgnoreCase(key, "HKLM\\") &&
      !text::StartsWithIgnoreCase(key, "HKEY_LOCAL_MACHINE\\")) {
    return fmt::format("the key \"{}\" is not under HKLM, where machine settings live", key);
  }
  if (key.find_first_of("[]") != std::string_view::npos) {
    return fmt::format("the key \"{}\" holds '[' or ']', which end a key name in a .reg file",
                       key);
  }
  if (key.find("\\\\") != std::string_view::npos || key.back() == '\\') {
    return fmt::format("the key \"{}\" has an empty part", key);
  }
  return std::nullopt;
}

Problem ValueProblem(const RegValue& value) {
  if (HasControl(value.name)) return "the value name holds a control character (a line break?)";
  if (value.type == RegType::kString && HasControl(value.text)) {
    return "the string holds a control character (a line break?)";
  }
  if (value.type == RegType::kMultiString) {
    if (value.strings.empty()) return "the string list is empty";
    for (const std::string& s : value.strings) {
      // An empty string would end a REG_MULTI_SZ early: the rest would be lost.
      if (s.empty()) return "the string list holds an empty string";
      if (HasControl(s)) return "a string of the list holds a control character";
    }
  }
  return std::nullopt;
}

// A DCOM Endpoints string: "protseq,flags,port" (learn.microsoft.com/windows/win32/com/endpoints).
std::optional<uint32_t> EndpointPort(std::string_view endpoint) {
  std::vector<std::string_view> fields = text::Split(endpoint, ',');
  if (fields.size() != 3 || fields[0].empty() || !AllDigits(fields[1])) return std::nullopt;
  if (!AllDigits(fields[2])) return std::nullopt;
  return static_cast<uint32_t>(std::stoul(std::string(fields[2])));
}

// What the plan says against what RegistrySettingsFor made of it: the value
// must be the pin's port, in a type the writers know.
Problem PinProblem(const plan::PinProposal& pin, const RegValue& value) {
  if (pin.port < 1024) return fmt::format("the port {} is below 1024", pin.port);
  if (pin.value_type == "REG_DWORD") {
    if (!pin.value_data.empty() &&
        (!AllDigits(pin.value_data) || std::stoul(pin.value_data) != pin.port)) {
      return fmt::format("the REG_DWORD data \"{}\" is not the port {}", pin.value_data,
                         pin.port);
    }
    return std::nullopt;
  }
  if (pin.value_type == "REG_MULTI_SZ") {
    if (pin.kind != plan::PinKind::kDcomAppId) return std::nullopt;
    bool has_port = false;
    for (const std::string& endpoint : value.strings) {
      std::optional<uint32_t> port = EndpointPort(endpoint);
      if (!port) return fmt::format("\"{}\" is not a DCOM endpoint (protseq,flags,port)", endpoint);
      if (*port < 1024 || *port > 65535) {
        return fmt::format("the endpoint \"{}\" has a port outside 1024-65535", endpoint);
      }
      has_port = has_port || *port == pin.port;
    }
    if (!has_port) return fmt::format("no endpoint of \"{}\" is the port {}", pin.value_data, pin.port);
    return std::nullopt;
  }
  if (pin.value_type == "REG_SZ") return std::nullopt;
  return fmt::format("the value type \"{}\" is none of REG_DWORD, REG_SZ, REG_MULTI_SZ",
                     pin.value_type);
}

Problem RangeProblem(const plan::Plan& plan, const plan::RpcRangeProposal& range,
                     std::string_view host) {
  std::vector<std::string> ids;
  for (const plan::RpcRangeProposal& r : plan.ranges) {
    for (const std::string& member : r.hosts) {
      if (member == host) ids.push_back(r.id);
    }
  }
  if (ids.size() > 1) {
    return fmt::format("{} ranges name this host ({}): which one applies is not clear",
                       ids.size(), fmt::join(ids, ", "));
  }
  if (range.range.first > range.range.last) {
    return fmt::format("the range {}-{} is reversed", range.range.first, range.range.last);
  }
  if (range.range.first < 1024) {
    return fmt::format("the range {} starts below 1024, among well-known ports",
                       range.range.ToString());
  }
  return std::nullopt;
}

// The pins that RegistrySettingsFor turns into values, in its order.
std::vector<const plan::PinProposal*> RegistryPins(const plan::Plan& plan, std::string_view host) {
  std::vector<const plan::PinProposal*> pins;
  for (const plan::PinProposal& pin : plan.pins) {
    if (pin.host != host) continue;
    if (pin.kind != plan::PinKind::kRegistry && pin.kind != plan::PinKind::kDcomAppId) continue;
    if (pin.key.empty() || pin.value_name.empty()) continue;
    pins.push_back(&pin);
  }
  return pins;
}

bool IsRegistryPin(const plan::PinProposal& pin) {
  return pin.kind == plan::PinKind::kRegistry || pin.kind == plan::PinKind::kDcomAppId;
}

std::string ValueIdentity(const RegistrySetting& s) {
  return text::ToLowerAscii(s.key) + "\\" + text::ToLowerAscii(s.value.name);
}

bool SameData(const RegValue& a, const RegValue& b) {
  return a.type == b.type && a.text == b.text && a.strings == b.strings && a.number == b.number;
}

// Two proposals that set one value: the same data once, different data never
// (the last line of a .reg file would win without anyone deciding it).
void DropConflicts(CheckedHostSettings& host) {
  std::vector<RegistrySetting> kept;
  for (const RegistrySetting& s : host.settings) {
    bool conflict = false;
    for (const RegistrySetting& other : host.settings) {
      if (&other != &s && ValueIdentity(other) == ValueIdentity(s) &&
          !SameData(other.value, s.value)) {
        host.skipped.push_back({s.proposal_id, host.host,
                                fmt::format("{} also sets \"{}\" in {}, to other data",
                                            other.proposal_id, s.value.name, s.key)});
        conflict = true;
        break;
      }
    }
    if (conflict) continue;
    bool repeated = false;
    for (const RegistrySetting& k : kept) repeated = repeated || ValueIdentity(k) == ValueIdentity(s);
    if (repeated) {
      host.skipped.push_back({s.proposal_id, host.host,
                              fmt::format("\"{}\" in {} is set already, to the same data",
                                          s.value.name, s.key)});
      continue;
    }
    kept.push_back(s);
  }
  host.settings = std::move(kept);
}

CheckedHostSettings CheckHost(const plan::Plan& plan, const plan::HostEntry& entry) {
  CheckedHostSettings out;
  out.host = entry.name;
  out.group = entry.group.empty() ? entry.name : entry.group;
  const plan::RpcRangeProposal* range = plan.RangeFor(entry.name);
  Problem range_problem = range ? RangeProblem(plan, *range, entry.name) : std::nullopt;
  if (range_problem) out.skipped.push_back({range->id, entry.name, *range_problem});
  std::vector<const plan::PinProposal*> pins = RegistryPins(plan, entry.name);
  std::vector<RegistrySetting> settings = RegistrySettingsFor(plan, entry.name);
  // The range's values come first, then one value per pin.
  const size_t range_values = settings.size() - pins.size();
  for (size_t i = 0; i < settings.size(); ++i) {
    const RegistrySetting& s = settings[i];
    bool from_range = i < range_values;
    const plan::PinProposal* pin = from_range ? nullptr : pins[i - range_values];
    if (from_range && range_problem) continue;
    Problem problem = KeyProblem(s.key);
    if (!problem) problem = ValueProblem(s.value);
    if (!problem && pin) problem = PinProblem(*pin, s.value);
    if (problem) {
      out.skipped.push_back({s.proposal_id, entry.name, *problem});
    } else {
      out.settings.push_back(s);
    }
  }
  for (const plan::PinProposal& pin : plan.pins) {
    if (pin.host == entry.name && IsRegistryPin(pin) && (pin.key.empty() || pin.value_name.empty())) {
      out.skipped.push_back({pin.id, entry.name, "the pin names no registry key or value name"});
    }
  }
  DropConflicts(out);
  return out;
}

}  // namespace

bool CheckedRegistryPlan::HasSettings() const {
  for (const CheckedHostSettings& host : hosts) {
    if (!host.settings.empty()) return true;
  }
  return false;
}

std::vector<SkippedItem> CheckedRegistryPlan::AllSkipped() const {
  std::vector<SkippedItem> all;
  for (const CheckedHostSettings& host : hosts) {
    all.insert(all.end(), host.skipped.begin(), host.skipped.end());
  }
  all.insert(all.end(), skipped.begin(), skipped.end());
  return all;
}

CheckedRegistryPlan CheckRegistrySettings(const plan::Plan& plan) {
  CheckedRegistryPlan out;
  std::set<std::string> seen;
  for (const plan::HostEntry& entry : plan.hosts) {
    if (entry.platform != plan::Platform::kWindows || !seen.insert(entry.name).second) continue;
    CheckedHostSettings host = CheckHost(plan, entry);
    if (!host.settings.empty() || !host.skipped.empty()) out.hosts.push_back(std::move(host));
  }
  for (const plan::RpcRangeProposal& range : plan.ranges) {
    for (const std::string& member : range.hosts) {
      if (plan.FindHost(member) == nullptr) {
        out.skipped.push_back({range.id, member, "the host is not in the plan's host list"});
      }
    }
  }
  for (const plan::PinProposal& pin : plan.pins) {
    if (IsRegistryPin(pin) && plan.FindHost(pin.host) == nullptr) {
      out.skipped.push_back({pin.id, pin.host, "the host is not in the plan's host list"});
    }
  }
  return out;
}

std::string DescribeSkipped(const SkippedItem& item) {
  if (item.host.empty()) return OneLine(fmt::format("{}: {}", item.proposal_id, item.reason));
  return OneLine(fmt::format("{} ({}): {}", item.proposal_id, item.host, item.reason));
}

}  // namespace highport::emit
