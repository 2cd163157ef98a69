// Helpers for the reader tests: run a reader over bytes, count listeners,
// find the corpus of public samples (../shared/corpus) when it is there.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>

#include "ingest/socket_inventory.h"
#include "text/document.h"

namespace highport::ingest::testing {

struct ReadResult {
  SocketInventory inventory;
  Diagnostics diagnostics;
  text::TextDocument doc;

  size_t listeners() const {
    return static_cast<size_t>(std::count_if(inventory.sockets.begin(), inventory.sockets.end(),
                                              [](const Socket& s) { return s.IsListener(); }));
  }
  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const Finding& f : diagnostics.findings()) out.push_back(f.ToString());
    return out;
  }
};

inline ReadResult ReadBytes(InventoryReader read, std::string_view bytes,
                            std::string name = "test.txt") {
  ReadResult r;
  r.doc = text::MakeDocument(std::move(name), bytes);
  read(r.doc, r.inventory, r.diagnostics);
  return r;
}

// The shared corpus of real public samples; empty when ../shared is missing.
inline std::string CorpusPath(const std::string& relative) {
  std::filesystem::path path = std::filesystem::path(HIGHPORT_SHARED_DIR) / "corpus" / relative;
  return std::filesystem::exists(path) ? path.string() : std::string();
}

}  // namespace highport::ingest::testing
