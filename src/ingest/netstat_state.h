// netstat's state column in the display languages Windows ships, mapped to
// SocketState. Only words with public evidence are in the table
// (../shared/reference/input-formats.md, section 2.3); anything else falls
// back to the foreign address, which does not depend on the language.
#pragma once

#include <string_view>

#include "model/records.h"

namespace highport::ingest {

// The state for a (UTF-8, already decoded) state word; kUnknown if unknown.
SocketState NetstatStateFromWord(std::string_view word);

}  // namespace highport::ingest
