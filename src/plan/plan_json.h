// plan.json: the plan as a versioned JSON document (docs/plan.md). Written by
// `highport plan`, read back by `highport emit` and `highport plan --diff`.
// An administrator may edit it in between, so reading is strict: every value
// is checked (types, port ranges, addresses, CIDR blocks, known names) and
// every problem is reported with its JSON pointer ("/pins/2/port: ..."). A plan
// with any problem is refused whole: applying half of a hand-edited plan is
// worse than applying none.
#pragma once

#include <string>
#include <string_view>

#include "model/result.h"
#include "nlohmann/json.hpp"
#include "plan/plan.h"

namespace highport::plan {

nlohmann::ordered_json PlanToJson(const Plan& plan);
std::string PlanToText(const Plan& plan);  // pretty-printed, ending in a newline

// `name` is used in messages ("plan.json: /pins/2/port: ...").
Result<Plan> PlanFromText(std::string_view text, std::string_view name);

}  // namespace highport::plan
