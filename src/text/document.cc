#include "text/document.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace highport::text {

TextDocument MakeDocument(std::string name, std::string_view bytes, Encoding encoding) {
  DecodedText decoded = Decode(bytes, encoding);
  TextDocument doc;
  doc.name = std::move(name);
  doc.encoding = decoded.encoding;
  doc.replaced = decoded.replaced;
  doc.lines = SplitLines(decoded.utf8);
  return doc;
}

Result<std::string> ReadFileBytes(const std::string& path) {
  if (path == "-") {
    std::ostringstream buffer;
    buffer << std::cin.rdbuf();
    return buffer.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": " + std::strerror(errno)};
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{path + ": read error"};
  return bytes;
}

}  // namespace highport::text
