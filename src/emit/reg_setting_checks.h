// The registry settings of a plan, checked before any registry-based writer
// (.reg, ADMX values, sceregvl.inf lines) turns them into a file.
//
// plan.json may have been edited by hand, and these files change the
// registry of domain controllers: a reversed port range makes the RPC
// runtime treat its whole configuration as invalid (KB 154596), a key that
// starts with '-' deletes a key in a .reg file, a newline in a name or a
// comment starts a new line that regedit executes. So every setting is
// checked here, and one that cannot be written exactly as the plan says is
// left out and named, with its proposal id and the reason, in the files the
// writers emit. Nothing is dropped silently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "emit/registry_settings.h"
#include "plan/plan.h"

namespace highport::emit {

// A proposal (or part of one) that a writer left out, and why.
struct SkippedItem {
  std::string proposal_id;
  std::string host;    // empty when the item is not about one host
  std::string reason;  // "the range 5100-5001 is reversed"
};

// One Windows host's settings after the checks.
struct CheckedHostSettings {
  std::string host;
  std::string group;  // the host's group, or its name when it has none
  std::vector<RegistrySetting> settings;  // safe to write, in RegistrySettingsFor's order
  std::vector<SkippedItem> skipped;
};

struct CheckedRegistryPlan {
  // Windows hosts with any setting or any skipped item, in plan order, each once.
  std::vector<CheckedHostSettings> hosts;
  // Items that name a host the plan's host list does not have.
  std::vector<SkippedItem> skipped;

  bool HasSettings() const;
  // Every skipped item: the hosts' and the plan-level ones.
  std::vector<SkippedItem> AllSkipped() const;
};

CheckedRegistryPlan CheckRegistrySettings(const plan::Plan& plan);

// "range:dcs (dc01): the range 5100-5001 is reversed"
std::string DescribeSkipped(const SkippedItem& item);

}  // namespace highport::emit
