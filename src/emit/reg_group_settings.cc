#include "emit/reg_group_settings.h"

#include <algorithm>

#include "emit/reg_text.h"
#include "fmt/format.h"
#include "fmt/ranges.h"

namespace highport::emit {
namespace {

void AddOnce(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

}  // namespace

std::vector<std::string> HostGroup::HostNames() const {
  std::vector<std::string> names;
  for (const CheckedHostSettings* host : hosts) names.push_back(host->host);
  return names;
}

std::vector<HostGroup> GroupHosts(const CheckedRegistryPlan& checked) {
  std::vector<HostGroup> groups;
  for (const CheckedHostSettings& host : checked.hosts) {
    if (host.settings.empty()) continue;
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const HostGroup& g) { return g.name == host.group; });
    if (it == groups.end()) it = groups.insert(groups.end(), HostGroup{host.group, {}});
    it->hosts.push_back(&host);
  }
  return groups;
}

void AddShared(std::vector<SharedValue>& values, const std::string& value, const std::string& host,
               const std::string& proposal_id, const std::string& restart) {
  auto it = std::find_if(values.begin(), values.end(),
                         [&](const SharedValue& v) { return v.value == value; });
  if (it == values.end()) it = values.insert(values.end(), SharedValue{value, {}, {}, {}});
  AddOnce(it->hosts, host);
  AddOnce(it->proposal_ids, proposal_id);
  AddOnce(it->restarts, RestartText(restart));
}

std::vector<std::string> Restarts(const std::vector<RegistrySetting>& settings) {
  std::vector<std::string> restarts;
  for (const RegistrySetting& s : settings) AddOnce(restarts, RestartText(s.restart));
  return restarts;
}

std::string HostsPhrase(const std::vector<std::string>& hosts, size_t hosts_in_group) {
  if (hosts.size() == hosts_in_group) {
    return OneLine(fmt::format("every host of the group ({})", fmt::join(hosts, ", ")));
  }
  if (hosts.size() == 1) return OneLine(hosts[0] + " only");
  std::vector<std::string> head(hosts.begin(), hosts.end() - 1);
  return OneLine(fmt::format("{} and {} only", fmt::join(head, ", "), hosts.back()));
}

std::string DataText(const RegValue& value) {
  switch (value.type) {
    case RegType::kDword:
    case RegType::kQword:
      return std::to_string(value.number);
    case RegType::kMultiString:
      return OneLine(fmt::format("{}", fmt::join(value.strings, " | ")));
    default:
      return OneLine(value.text);
  }
}

}  // namespace highport::emit
