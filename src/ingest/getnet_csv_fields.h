// One record of comma- or semicolon-separated values, as Export-Csv and
// `tasklist /fo csv` write them: fields optionally in double quotes, a quote
// inside a quoted field doubled (RFC 4180). Shared by the Get-NetTCPConnection
// and the tasklist readers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"

namespace highport::ingest {

// Splits one line into fields, unquoting them. Fails with a short reason
// ("unterminated quote") when the line is not a well-formed record. A record
// never spans lines here: none of the columns we read can hold a line break.
Result<std::vector<std::string>> SplitCsvRecord(std::string_view line, char delimiter);

// ';' when the header splits into more fields at ';' than at ',' (German Excel,
// Export-Csv -UseCulture), else ','. Delimiters inside quotes are not counted.
char DetectCsvDelimiter(std::string_view header);

}  // namespace highport::ingest
