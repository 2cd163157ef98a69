// The table of output formats of `highport emit`, and `--format all`: every
// writer's files plus README.txt, which says what to apply in which order,
// what needs a restart, and how to roll back.
#pragma once

#include <string_view>
#include <vector>

#include "emit/emitted_file.h"
#include "plan/plan.h"

namespace highport::emit {

struct EmitFormat {
  std::string_view name;         // "reg", "nftables", ...
  std::string_view description;  // one line for --help and README.txt
  EmittedFiles (*write)(const plan::Plan& plan);
};

const std::vector<EmitFormat>& EmitFormats();  // in the order README.txt applies them
const EmitFormat* FindEmitFormat(std::string_view name);

// Every format's files, then README.txt.
EmittedFiles WriteAll(const plan::Plan& plan);
// README.txt for the files of `written` (the output of the formats, in order).
EmittedFile WriteReadme(const plan::Plan& plan, const EmittedFiles& written);

}  // namespace highport::emit
