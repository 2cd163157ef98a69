#include "emit/registry_settings.h"

#include <charconv>

#include "fmt/format.h"

namespace highport::emit {
namespace {

RegValue StringValue(std::string name, std::string text) {
  RegValue v;
  v.name = std::move(name);
  v.type = RegType::kString;
  v.text = std::move(text);
  return v;
}

// A pin's value as its type says: REG_DWORD from the decimal text, REG_SZ as
// is, REG_MULTI_SZ one string per line (and per '|' for hand-edited plans).
RegValue PinValue(const plan::PinProposal& pin) {
  RegValue v;
  v.name = pin.value_name;
  if (pin.value_type == "REG_DWORD") {
    v.type = RegType::kDword;
    uint64_t number = pin.port;
    const char* end = pin.value_data.data() + pin.value_data.size();
    if (!pin.value_data.empty()) std::from_chars(pin.value_data.data(), end, number);
    v.number = number;
  } else if (pin.value_type == "REG_MULTI_SZ") {
    v.type = RegType::kMultiString;
    std::string_view rest = pin.value_data;
    while (!rest.empty()) {
      size_t cut = rest.find_first_of("\n|");
      v.strings.emplace_back(rest.substr(0, cut));
      if (cut == std::string_view::npos) break;
      rest.remove_prefix(cut + 1);
    }
  } else {
    v.type = RegType::kString;
    v.text = pin.value_data.empty() ? std::to_string(pin.port) : pin.value_data;
  }
  return v;
}

bool IsWindows(const plan::Plan& plan, std::string_view host) {
  const plan::HostEntry* entry = plan.FindHost(host);
  return entry != nullptr && entry->platform == plan::Platform::kWindows;
}

}  // namespace

std::vector<RegistrySetting> RegistrySettingsFor(const plan::Plan& plan, std::string_view host) {
  std::vector<RegistrySetting> out;
  if (!IsWindows(plan, host)) return out;
  if (const plan::RpcRangeProposal* range = plan.RangeFor(host)) {
    std::string why = fmt::format("RPC port range {} ({})", range->range.ToString(), range->id);
    RegValue ports;
    ports.name = "Ports";
    ports.type = RegType::kMultiString;
    ports.strings = {range->range.ToString()};
    out.push_back({std::string(kRpcInternetKey), ports, why, range->restart, range->id, true});
    out.push_back({std::string(kRpcInternetKey), StringValue("PortsInternetAvailable", "Y"), why,
                   range->restart, range->id, true});
    out.push_back({std::string(kRpcInternetKey), StringValue("UseInternetPorts", "Y"), why,
                   range->restart, range->id, true});
  }
  for (const plan::PinProposal& pin : plan.pins) {
    if (pin.host != host) continue;
    if (pin.kind != plan::PinKind::kRegistry && pin.kind != plan::PinKind::kDcomAppId) continue;
    if (pin.key.empty() || pin.value_name.empty()) continue;
    std::string why = fmt::format("{} on TCP {} ({})", pin.service, pin.port, pin.id);
    out.push_back({pin.key, PinValue(pin), why, pin.restart, pin.id, false});
  }
  return out;
}

std::vector<std::string> HostsWithRegistrySettings(const plan::Plan& plan) {
  std::vector<std::string> hosts;
  for (const plan::HostEntry& host : plan.hosts) {
    if (!RegistrySettingsFor(plan, host.name).empty()) hosts.push_back(host.name);
  }
  return hosts;
}

std::vector<RegKey> ApplyKeys(const std::vector<RegistrySetting>& settings) {
  std::vector<RegKey> keys;
  for (const RegistrySetting& s : settings) {
    if (keys.empty() || keys.back().path != s.key) keys.push_back({s.key, false, {}});
    keys.back().values.push_back(s.value);
  }
  return keys;
}

std::vector<RegKey> RollbackKeys(const std::vector<RegistrySetting>& settings) {
  std::vector<RegKey> keys;
  for (const RegistrySetting& s : settings) {
    if (s.key_created_by_plan) {
      if (keys.empty() || keys.back().path != s.key || !keys.back().remove) {
        keys.push_back({s.key, true, {}});
      }
      continue;
    }
    if (keys.empty() || keys.back().path != s.key || keys.back().remove) {
      keys.push_back({s.key, false, {}});
    }
    RegValue removed;
    removed.name = s.value.name;
    removed.type = RegType::kDelete;
    keys.back().values.push_back(removed);
  }
  return keys;
}

}  // namespace highport::emit
