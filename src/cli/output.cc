#include "cli/output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "fmt/format.h"

namespace highport::cli {

Result<bool> WriteOutput(const std::string& path, const std::string& content) {
  if (path.empty() || path == "-") {
    std::fwrite(content.data(), 1, content.size(), stdout);
    return true;
  }
  std::ofstream out(path, std::ios::binary);
  if (!out) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  out << content;
  if (!out.flush()) return Error{fmt::format("{}: write failed", path)};
  return true;
}

void PrintFindings(const Diagnostics& diagnostics, size_t limit) {
  size_t shown = 0;
  for (const Finding& f : diagnostics.findings()) {
    if (shown++ == limit) break;
    fmt::print(stderr, "{}\n", f.ToString());
  }
  if (diagnostics.findings().size() > limit) {
    fmt::print(stderr, "... and {} more (--format json lists them all)\n",
               diagnostics.findings().size() - limit);
  }
}

}  // namespace highport::cli
