// Runs the real Linux tools (nft, iptables-restore, testparm) on what the
// writers emit, from the tests: the files go to a fresh temporary directory,
// the tool's exit code and output come back. Commands that load rules run in
// a network namespace of their own (`unshare -n`), so the machine's firewall
// is never touched; a test skips when the tool or the namespace is missing.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <string>

#include "emit/emitted_file.h"

namespace highport::emit::testing {

struct ToolResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

inline ToolResult RunShell(const std::string& command) {
  ToolResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// The tool's path in the usual places (tests may run without /usr/sbin in PATH).
inline std::optional<std::string> FindTool(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/sbin", "/usr/bin", "/bin"}) {
    std::filesystem::path path = std::filesystem::path(dir) / name;
    if (std::filesystem::exists(path)) return path.string();
  }
  return std::nullopt;
}

inline const EmittedFile* FileNamed(const EmittedFiles& files, const std::string& path) {
  for (const EmittedFile& file : files) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

inline bool CanUnshareNetwork() { return RunShell("unshare -n true").exit_code == 0; }

// Runs a shell script (no single quotes in it) in a new, empty network
// namespace; stops at the first failing command.
inline ToolResult InNetworkNamespace(const std::string& script) {
  return RunShell("unshare -n sh -ec '" + script + "'");
}

// Why a test of `tools` (file names such as "nft") that load rules cannot
// run here, or empty when it can.
inline std::string NamespaceToolSkipReason(std::initializer_list<const char*> tools,
                                           const std::string& package) {
  for (const char* tool : tools) {
    if (!FindTool(tool))
      return std::string(tool) + " not installed (Debian package " + package + ")";
  }
  if (!CanUnshareNetwork()) return "cannot make a network namespace (unshare -n; needs root)";
  return "";
}

// The bytes of the emitted file at `path`, empty when there is none.
inline std::string FileText(const EmittedFiles& files, const std::string& path) {
  const EmittedFile* file = FileNamed(files, path);
  return file == nullptr ? "" : file->bytes;
}

// Whether `text` holds `line` as a whole line.
inline bool HasLine(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

// A fresh directory under the system's temporary directory, removed when the
// object goes.
class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    std::string pattern = (std::filesystem::temp_directory_path() / (name + ".XXXXXX")).string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes every file under the directory, at its relative path.
  void Write(const EmittedFiles& files) const {
    for (const EmittedFile& file : files) WriteOne(file.path, file.bytes);
  }
  std::string WriteOne(const std::string& relative, const std::string& bytes) const {
    std::filesystem::path full = path_ / relative;
    std::filesystem::create_directories(full.parent_path());
    std::ofstream(full, std::ios::binary) << bytes;
    return full.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace highport::emit::testing
