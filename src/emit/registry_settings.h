// The registry values a plan sets on one Windows host, in the order they are
// applied: the RPC port pool (KB 154596) and the pinned services' values
// (NTDS, Netlogon, NtFrs, a DCOM AppID's Endpoints, ...). The .reg, ADMX/ADML,
// sceregvl.inf and PowerShell writers all start from this list, so they can
// never disagree about a path, a name or a type.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "emit/reg_file.h"
#include "plan/plan.h"

namespace highport::emit {

inline constexpr std::string_view kRpcInternetKey = "HKLM\\Software\\Microsoft\\Rpc\\Internet";

struct RegistrySetting {
  std::string key;    // "HKLM\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters"
  RegValue value;     // name, type and data as written
  std::string why;    // "RPC port range 5001-5100 (range:dcs)", for comments
  std::string restart;       // "reboot", "service:Netlogon"
  std::string proposal_id;   // "range:dcs", "pin:dc01:NTDS"
  // True where the key is created by the plan and did not exist before (the
  // Rpc\Internet key does not exist by default): rollback removes the key,
  // not just the value.
  bool key_created_by_plan = false;
};

// The settings for `host` (a HostEntry name). Empty for hosts that are not
// Windows, or that no proposal touches. Pins of kind registry and dcom-appid
// become values; command and wmi pins do not (they are commands).
std::vector<RegistrySetting> RegistrySettingsFor(const plan::Plan& plan, std::string_view host);

// The Windows hosts of the plan that have any registry setting, in plan order.
std::vector<std::string> HostsWithRegistrySettings(const plan::Plan& plan);

// What undoes `settings`: a removed key for a key the plan created, else the
// value removed ("name"=-). The previous value is not known to a plan made from
// traffic, so "undo" means back to Windows' default, which is no value.
std::vector<RegKey> RollbackKeys(const std::vector<RegistrySetting>& settings);
// The settings grouped per key, in order, for a .reg file.
std::vector<RegKey> ApplyKeys(const std::vector<RegistrySetting>& settings);

}  // namespace highport::emit
