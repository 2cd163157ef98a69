#include "cli/output.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "fmt/format.h"

namespace highport::cli {

Result<bool> WriteOutput(const std::string& path, const std::string& content) {
  if (path.empty() || path == "-") {
    // A full disk behind `> plan.json` must not pass for a whole file.
    if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() ||
        std::fflush(stdout) != 0) {
      return Error{fmt::format("standard output: write failed: {}", std::strerror(errno))};
    }
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
  uint64_t total = diagnostics.findings().size() + diagnostics.not_kept();
  if (total <= limit) return;
  // Too many to read one by one: how many of each kind, so that a damaged
  // log's millions of bad rows still say what was wrong with them.
  // Each kind with its first finding: a kind that first came after the
  // ones shown still says where to look. (Every kind keeps its first ones.)
  fmt::print(stderr, "... {} finding(s) in all, {} shown above; by kind, with the first of each:\n",
             total, std::min<uint64_t>(limit, diagnostics.findings().size()));
  std::map<std::string_view, const Finding*> first;
  for (const Finding& f : diagnostics.findings()) first.emplace(f.id, &f);
  for (const auto& [id, count] : diagnostics.counts()) {
    // Warnings and errors each skipped a record; notes skipped nothing.
    const bool notes = count.severity == Finding::Severity::kNote;
    fmt::print(stderr, "  {:>10}  {} ({})", count.count, id, notes ? "notes" : "skipped");
    if (auto it = first.find(id); it != first.end()) fmt::print(stderr, "  first: {}", it->second->ToString());
    fmt::print(stderr, "\n");
  }
}

Result<bool> WriteEmittedFiles(const std::string& dir, const emit::EmittedFiles& files) {
  for (const emit::EmittedFile& f : files) {
    std::filesystem::path relative(f.path);
    if (relative.is_absolute() || relative.lexically_normal().string().rfind("..", 0) == 0) {
      return Error{fmt::format("refusing to write '{}' outside {}", f.path, dir)};
    }
    std::filesystem::path path = std::filesystem::path(dir) / relative;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return Error{fmt::format("{}: {}", path.parent_path().string(), ec.message())};
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << f.bytes;
    out.close();
    if (!out) return Error{fmt::format("{}: cannot write", path.string())};
  }
  return true;
}

}  // namespace highport::cli
