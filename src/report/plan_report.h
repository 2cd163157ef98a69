// What `highport plan` prints after writing plan.json: the proposals in a
// few short tables, for an administrator in a hurry. plan.json is the whole
// truth; this is its table of contents.
#pragma once

#include <string>

#include "plan/plan.h"

namespace highport::report {

std::string PlanSummaryText(const plan::Plan& plan);

}  // namespace highport::report
