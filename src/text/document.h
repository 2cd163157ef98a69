// A text input, decoded and split into lines, with its name for messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"
#include "text/decode.h"

namespace highport::text {

struct TextDocument {
  std::string name;                // the path as the user gave it, or "<stdin>"
  Encoding encoding = Encoding::kUtf8;
  size_t replaced = 0;             // undecodable byte sequences
  std::vector<std::string> lines;  // line n is lines[n - 1]
};

TextDocument MakeDocument(std::string name, std::string_view bytes,
                          Encoding encoding = Encoding::kAuto);

// Reads a file ("-" is standard input) whole.
Result<std::string> ReadFileBytes(const std::string& path);

}  // namespace highport::text
