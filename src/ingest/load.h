// Reading one input file as a socket inventory: bytes, encoding, format,
// reader. The only place in ingest/ that opens files.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ingest/format.h"
#include "ingest/socket_inventory.h"
#include "model/result.h"
#include "text/decode.h"

namespace highport::ingest {

struct LoadOptions {
  std::optional<InputFormat> format;  // forced with --input-format; else detected
  text::Encoding encoding = text::Encoding::kAuto;
  // The command has --input-format: a file of no known format says so.
  bool format_option = false;
};

struct LoadedInventory {
  SocketInventory inventory;
  InputFormat format = InputFormat::kNetstat;
  text::Encoding encoding = text::Encoding::kUtf8;
};

// Fails when the file cannot be read or matches no format; lines it cannot
// read are reported to `diagnostics` and skipped.
Result<LoadedInventory> LoadInventory(const std::string& path, const LoadOptions& options,
                                      Diagnostics& diagnostics);
// The same for bytes already read (an inventory kept in the database);
// `name` is what findings and records say they came from.
Result<LoadedInventory> LoadInventoryBytes(const std::string& name, std::string_view bytes,
                                           const LoadOptions& options, Diagnostics& diagnostics);

}  // namespace highport::ingest
