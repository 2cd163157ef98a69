// highport emit plan.json --format F -o DIR
// Writes the files that apply a reviewed plan: one writer per format (emit/),
// or every format and README.txt with --format all. The plan is read back
// strictly (plan/plan_json.h): a hand-edited plan with any problem is refused
// whole, and nothing is written.
#include <filesystem>
#include <iostream>
#include <fstream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "emit/formats.h"
#include "fmt/format.h"
#include "plan/plan_json.h"

namespace highport::cli {
namespace {

struct EmitOptions {
  std::string plan;
  std::string format;
  std::string output;
};

std::vector<std::string> FormatNames() {
  std::vector<std::string> names;
  for (const emit::EmitFormat& f : emit::EmitFormats()) names.emplace_back(f.name);
  names.emplace_back("all");
  return names;
}

void Setup(CLI::App& app, EmitOptions& o) {
  std::string formats;
  for (const emit::EmitFormat& f : emit::EmitFormats()) {
    formats += fmt::format("  {:<12} {}\n", f.name, f.description);
  }
  app.description(
      "Writes the files that apply a plan (highport plan -o plan.json), each with its rollback.\n"
      "Formats:\n" + formats +
      "  all          every format, and README.txt: what to apply in which order, restarts, "
      "rollback\n"
      "Exit: 0 files written, 2 usage error or a plan that does not read.");
  app.add_option("plan", o.plan, "plan.json ('-': standard input)")->required();
  app.add_option("--format", o.format, "the format to write, or all")
      ->required()
      ->check(CLI::IsMember(FormatNames()));
  app.add_option("-o,--output", o.output, "the directory to write into (made if missing)")
      ->required();
}

int Run(const EmitOptions& o) {
  Result<plan::Plan> plan = ReadPlan(o.plan);
  if (!plan) {
    fmt::print(stderr, "highport emit: {}\n", plan.error().message);
    return kExitUsage;
  }
  emit::EmittedFiles files = o.format == "all" ? emit::WriteAll(*plan)
                                               : emit::FindEmitFormat(o.format)->write(*plan);
  if (Result<bool> written = WriteEmittedFiles(o.output, files); !written) {
    fmt::print(stderr, "highport emit: {}\n", written.error().message);
    return kExitUsage;
  }
  if (files.empty()) {
    fmt::print("nothing to write for --format {}: the plan has no proposal this format applies\n",
               o.format);
    return kExitOk;
  }
  for (const emit::EmittedFile& f : files) {
    fmt::print("{}{}  {}\n", (std::filesystem::path(o.output) / f.path).string(),
               f.rollback ? " (rollback)" : "", f.purpose);
  }
  fmt::print("{} file(s) written to {}\n", files.size(), o.output);
  return kExitOk;
}

}  // namespace

int RunEmit(std::vector<std::string> args) {
  CLI::App app;
  EmitOptions options;
  Setup(app, options);
  if (std::optional<int> stop = ParseCommandLine(app, args)) return *stop;
  return Run(options);
}

}  // namespace highport::cli
