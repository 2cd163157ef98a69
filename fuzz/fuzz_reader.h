// The body every reader's fuzz target shares: decode the bytes as the
// command would (encoding guessed), run the reader, and check that what came
// out is consistent. A crash, a sanitizer report or a failed check is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/socket_inventory.h"
#include "text/document.h"

namespace highport::fuzz {

inline void RunReader(const uint8_t* data, size_t size, ingest::InventoryReader read) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  text::TextDocument doc = text::MakeDocument("fuzz.txt", bytes);
  ingest::SocketInventory out;
  Diagnostics diagnostics;
  read(doc, out, diagnostics);
  for (const Socket& s : out.sockets) {
    if (s.source.line == 0 || s.source.line > doc.lines.size()) std::abort();
  }
  for (const Finding& f : diagnostics.findings()) {
    if (f.where.line > doc.lines.size()) std::abort();
  }
}

}  // namespace highport::fuzz
