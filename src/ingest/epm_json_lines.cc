#include "ingest/epm_json_lines.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace highport::ingest {
namespace {

// RFC 6901: "~" and "/" inside a member name.
void AppendToken(std::string& pointer, std::string_view name) {
  pointer += '/';
  for (char c : name) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
}

bool IsDelimiter(char c) {
  return c == ',' || c == ':' || c == '[' || c == ']' || c == '{' || c == '}' || c == '"' ||
         c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

JsonLines::JsonLines(std::string_view text, size_t max_depth) {
  struct Frame {
    bool object = false;
    bool expect_key = false;  // objects: the next string is a member name
    size_t index = 0;         // arrays: the element being read
    std::string pointer;
    std::string key;          // objects: the member being read
  };
  // Frames down to max_depth only, so that "[[[[..." costs a counter, not memory.
  std::vector<Frame> stack;
  size_t below = 0;  // containers open below the kept depth
  uint64_t line = 1;

  // The pointer of the value that starts here, if it is kept.
  auto value_pointer = [&]() -> std::optional<std::string> {
    if (below > 0 || stack.size() > max_depth) return std::nullopt;
    if (stack.empty()) return std::string();
    const Frame& parent = stack.back();
    std::string pointer = parent.pointer;
    if (parent.object) {
      AppendToken(pointer, parent.key);
    } else {
      pointer += '/';
      pointer += std::to_string(parent.index);
    }
    return pointer;
  };

  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') ++line;
    if (c == '\n' || c == ' ' || c == '\t' || c == '\r' || c == ':') {
      ++i;
    } else if (c == ',') {
      if (below == 0 && !stack.empty()) {
        Frame& f = stack.back();
        if (f.object) {
          f.expect_key = true;
        } else {
          ++f.index;
        }
      }
      ++i;
    } else if (c == '}' || c == ']') {
      if (below > 0) {
        --below;
      } else if (!stack.empty()) {
        stack.pop_back();
      }
      ++i;
    } else if (c == '"') {
      uint64_t start_line = line;
      size_t end = i + 1;
      while (end < text.size() && text[end] != '"') {
        if (text[end] == '\n') ++line;  // not JSON, but keeps the count right
        end += text[end] == '\\' ? 2 : 1;
      }
      end = std::min(end, text.size());
      std::string_view body = text.substr(i + 1, end - i - 1);
      i = end + 1;
      if (below > 0) continue;
      if (!stack.empty() && stack.back().object && stack.back().expect_key) {
        stack.back().key = std::string(body);
        stack.back().expect_key = false;
      } else if (std::optional<std::string> pointer = value_pointer()) {
        lines_.insert_or_assign(std::move(*pointer), start_line);
      }
    } else {
      std::optional<std::string> pointer = value_pointer();
      if (pointer) lines_.insert_or_assign(*pointer, line);
      if (c == '{' || c == '[') {
        if (stack.size() + below + 1 > deepest_) {
          deepest_ = stack.size() + below + 1;
          deepest_line_ = line;
        }
        if (below > 0 || stack.size() >= max_depth) {
          ++below;
        } else {
          Frame f;
          f.object = c == '{';
          f.expect_key = f.object;
          if (pointer) f.pointer = std::move(*pointer);
          stack.push_back(std::move(f));
        }
        ++i;
      } else {
        do ++i;  // a number or a literal
        while (i < text.size() && !IsDelimiter(text[i]));
      }
    }
  }
}

uint64_t JsonLines::LineOf(std::string_view pointer) const {
  std::string p(pointer);
  while (true) {
    auto it = lines_.find(p);
    if (it != lines_.end()) return it->second;
    if (p.empty()) return 1;
    p.resize(p.rfind('/') == std::string::npos ? 0 : p.rfind('/'));
  }
}

}  // namespace highport::ingest
