#include "ingest/load.h"

#include "fmt/format.h"

namespace highport::ingest {

Result<LoadedInventory> LoadInventory(const std::string& path, const LoadOptions& options,
                                      Diagnostics& diagnostics) {
  Result<std::string> bytes = text::ReadFileBytes(path);
  if (!bytes) return bytes.error();
  return LoadInventoryBytes(path == "-" ? "<stdin>" : path, *bytes, options, diagnostics);
}

Result<LoadedInventory> LoadInventoryBytes(const std::string& name, std::string_view bytes,
                                           const LoadOptions& options, Diagnostics& diagnostics) {
  text::TextDocument doc = text::MakeDocument(name, bytes, options.encoding);
  if (doc.replaced > 0) {
    diagnostics.Note(name, 0, "text.undecodable",
                     fmt::format("{} byte sequence(s) are not valid {}; shown as U+FFFD",
                                 doc.replaced, text::EncodingName(doc.encoding)));
  }
  std::optional<InputFormat> format = options.format ? options.format : DetectFormat(doc);
  if (!format) {
    return Error{fmt::format("{}: not a supported inventory format (tried {}{})", name,
                             FormatNamesTried(),
                             options.format_option ? "; force one with --input-format" : "")};
  }
  LoadedInventory loaded;
  loaded.inventory.file = name;
  loaded.format = *format;
  loaded.encoding = doc.encoding;
  GetFormatInfo(*format).read(doc, loaded.inventory, diagnostics);
  return loaded;
}

}  // namespace highport::ingest
