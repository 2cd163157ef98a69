// JSON text of a document whose strings may hold bytes that are no UTF-8.
// nlohmann::json throws (type_error 316) when it meets such a byte while
// writing, and such bytes do reach the output: a file name given on the
// command line is whatever bytes the file system holds (a log copied from a
// German Windows share as Latin-1, say), and so is an IPv6 zone. Every JSON
// that highport writes goes through here, so those bytes become U+FFFD and
// the command finishes instead of aborting.
#pragma once

#include <string>

#include "nlohmann/json.hpp"

namespace highport::text {

// j.dump(indent) with invalid UTF-8 replaced by U+FFFD (written as UTF-8).
// A template, so that an ordered_json (the plan's key order) stays one.
template <class Json>
std::string JsonText(const Json& j, int indent = -1) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace highport::text
