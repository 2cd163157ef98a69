#include "plan/plan_diff.h"

#include <map>

#include "fmt/format.h"
#include "plan/plan_json.h"
#include "text/json_text.h"

namespace highport::plan {
namespace {

using Json = nlohmann::ordered_json;

// Fields that move with the evidence without changing what the plan does.
bool IsNoise(const std::string& key) {
  return key == "evidence" || key == "flows" || key == "connections" || key == "first_seen" ||
         key == "last_seen" || key == "risk" || key == "observed_peak" || key == "id" ||
         key == "name";
}

std::string Short(const Json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : text::JsonText(value);
  return text.size() > 120 ? text.substr(0, 117) + "..." : text;
}

std::vector<std::string> FieldChanges(const Json& before, const Json& after) {
  std::vector<std::string> out;
  for (const auto& [key, value] : after.items()) {
    if (IsNoise(key)) continue;
    auto it = before.find(key);
    if (it == before.end()) {
      out.push_back(fmt::format("{}: (none) -> {}", key, Short(value)));
    } else if (*it != value) {
      out.push_back(fmt::format("{}: {} -> {}", key, Short(*it), Short(value)));
    }
  }
  return out;
}

// Matches the items of one section by `identity` and records what changed.
void DiffSection(const Json& before, const Json& after, const std::string& section,
                 std::string (*identity)(const Json&), std::vector<PlanChange>& out) {
  std::map<std::string, const Json*> old_items;
  for (const Json& item : before) old_items[identity(item)] = &item;
  std::map<std::string, bool> seen;
  for (const Json& item : after) {
    std::string id = identity(item);
    seen[id] = true;
    auto it = old_items.find(id);
    if (it == old_items.end()) {
      out.push_back({PlanChange::Kind::kAdded, section, id, {}});
    } else if (auto details = FieldChanges(*it->second, item); !details.empty()) {
      out.push_back({PlanChange::Kind::kChanged, section, id, std::move(details)});
    }
  }
  for (const Json& item : before) {
    std::string id = identity(item);
    if (!seen.count(id)) out.push_back({PlanChange::Kind::kRemoved, section, id, {}});
  }
}

std::string ById(const Json& item) { return item.value("id", std::string("?")); }
std::string ByName(const Json& item) { return item.value("name", std::string("?")); }
std::string ByEffect(const Json& rule) {
  std::string keyword = rule.value("keyword", std::string());
  return fmt::format("{} {}{} {}", Short(rule["servers"]), rule.value("proto", std::string("?")),
                     keyword.empty() ? "" : " " + keyword, Short(rule["ports"]));
}

}  // namespace

std::vector<PlanChange> DiffPlans(const Plan& before, const Plan& after) {
  Json a = PlanToJson(before), b = PlanToJson(after);
  std::vector<PlanChange> out;
  DiffSection(a["hosts"], b["hosts"], "host", ByName, out);
  DiffSection(a["ranges"], b["ranges"], "range", ById, out);
  DiffSection(a["pins"], b["pins"], "pin", ById, out);
  DiffSection(a["minimise"], b["minimise"], "minimise", ById, out);
  DiffSection(a["firewall"]["rules"], b["firewall"]["rules"], "rule", ByEffect, out);
  return out;
}

std::string DiffText(const std::vector<PlanChange>& changes, std::string_view before_name,
                     std::string_view after_name) {
  if (changes.empty()) return fmt::format("{} and {} propose the same changes\n", before_name, after_name);
  std::string out = fmt::format("--- {}\n+++ {}\n", before_name, after_name);
  for (const PlanChange& c : changes) {
    char mark = c.kind == PlanChange::Kind::kAdded ? '+' : c.kind == PlanChange::Kind::kRemoved ? '-' : '~';
    out += fmt::format("{} {} {}\n", mark, c.section, c.label);
    for (const std::string& d : c.details) out += fmt::format("    {}\n", d);
  }
  return out;
}

}  // namespace highport::plan
