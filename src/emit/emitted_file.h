// What every writer returns: files to write under the output directory,
// each with the bytes exactly as they go to disk. Writers are pure (a plan
// in, files out); `highport emit` writes them and lists them.
#pragma once

#include <string>
#include <vector>

namespace highport::emit {

struct EmittedFile {
  std::string path;     // relative to the output directory, '/'-separated: "reg/dc01.reg"
  std::string bytes;    // the content as written (UTF-16LE for .reg, UTF-8 elsewhere)
  std::string purpose;  // one line for README.txt and the command's listing
  bool rollback = false;  // undoes what another file of the same format applies
};

using EmittedFiles = std::vector<EmittedFile>;

}  // namespace highport::emit
