// A plan's checked registry settings by host group, for the writers whose
// files are applied per group rather than per host (ADMX values for a GPO,
// sceregvl.inf Security Options): one GPO serves the hosts of one OU, so
// what an administrator enters once for the whole group and what only some
// of its hosts need must be told apart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "emit/reg_file.h"
#include "emit/reg_setting_checks.h"
#include "emit/registry_settings.h"

namespace highport::emit {

// Windows hosts with settings, by HostEntry group; groups in the order of
// their first host in the plan.
struct HostGroup {
  std::string name;
  std::vector<const CheckedHostSettings*> hosts;
  std::vector<std::string> HostNames() const;
};
std::vector<HostGroup> GroupHosts(const CheckedRegistryPlan& checked);

// One value (as text) and the hosts that get it, with the proposals and
// restarts behind it.
struct SharedValue {
  std::string value;
  std::vector<std::string> hosts;
  std::vector<std::string> proposal_ids;
  std::vector<std::string> restarts;  // RestartText, each once
};
// Adds `host` to the entry with `value`, or a new entry at the end.
void AddShared(std::vector<SharedValue>& values, const std::string& value, const std::string& host,
               const std::string& proposal_id, const std::string& restart);

// The restarts the settings need (RestartText), each once, in order.
std::vector<std::string> Restarts(const std::vector<RegistrySetting>& settings);

// "every host of the group (dc01, dc02)" or "dc01 only" / "dc01 and fs02 only".
std::string HostsPhrase(const std::vector<std::string>& hosts, size_t hosts_in_group);

// The data as an administrator types it: "5001-5100", "38901", "Y"; the
// strings of a REG_MULTI_SZ one per line in a box, here joined by " | ".
std::string DataText(const RegValue& value);

}  // namespace highport::emit
