// `highport plan --diff OLD NEW`: what a new plan changes against the one
// under review or already applied, proposal by proposal. Ranges, pins and
// minimisation proposals are matched by id; firewall rules by what they open
// (servers, protocol, keyword, ports), since rule ids are positions. Only
// what changes the effect counts: evidence, counters and risk notes move
// with every new log and are not differences.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plan/plan.h"

namespace highport::plan {

struct PlanChange {
  enum class Kind : uint8_t { kAdded, kRemoved, kChanged };
  Kind kind = Kind::kChanged;
  std::string section;  // "host", "range", "pin", "minimise", "rule"
  std::string label;    // the id, or the rule's servers/proto/ports
  std::vector<std::string> details;  // "range: 5001-5100 -> 5001-5200"
};

std::vector<PlanChange> DiffPlans(const Plan& before, const Plan& after);
// "+ pin pin:dc01:DFSR ...", "~ range range:dcs: range 5001-5100 -> 5001-5200"; ends in "\n".
std::string DiffText(const std::vector<PlanChange>& changes, std::string_view before_name,
                     std::string_view after_name);

}  // namespace highport::plan
