// Lookups in a writer's output for the registry-based writers' tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "emit/emitted_file.h"

namespace highport::emit::testing {

inline bool HasFile(const EmittedFiles& files, const std::string& path) {
  for (const EmittedFile& f : files) {
    if (f.path == path) return true;
  }
  return false;
}

// The file at `path`; a test failure (and an empty file) when there is none.
inline const EmittedFile& FileAt(const EmittedFiles& files, const std::string& path) {
  for (const EmittedFile& f : files) {
    if (f.path == path) return f;
  }
  static const EmittedFile kNone;
  ADD_FAILURE() << "no file " << path;
  return kNone;
}

}  // namespace highport::emit::testing
