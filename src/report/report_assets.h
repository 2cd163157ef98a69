// The HTML report's stylesheet and script, compiled in by
// cmake/EmbedAssets.cmake from src/report/assets/ and inlined into every
// report (it must open from disk with no request leaving the page).
#pragma once

#include <string_view>

namespace highport::report {

extern const std::string_view k_report_css;
extern const std::string_view k_report_js;

}  // namespace highport::report
