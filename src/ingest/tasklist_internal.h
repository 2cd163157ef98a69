// Private to the tasklist reader (tasklist.cc): the three layouts tasklist
// writes each have a reader that turns lines into raw rows; tasklist.cc then
// drops the "not applicable" placeholders and splits the service lists, which
// is the same for all three.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/diagnostics.h"
#include "text/document.h"

namespace highport::ingest::tasklist_internal {

// One process as a layout reader found it, services still as written.
struct RawProcess {
  uint32_t pid = 0;
  std::string image;
  uint64_t line = 0;                         // where the row (or block) starts
  std::vector<std::string> services_pieces;  // the services cell and its continuation lines
};

// A decimal PID that fits 32 bits, nothing around it.
std::optional<uint32_t> ParsePid(std::string_view text);

// Short enough to quote in a message.
std::string Abbreviate(std::string_view s);

// ---- table (the default layout, /fo table) ------------------------------

// A column of the "===== ======== ====" ruler, in characters (code points).
struct RulerColumn {
  size_t begin = 0;
  size_t end = 0;
};

// The columns when the line is a ruler: two or more runs of '=' separated by
// single spaces, starting at the left margin. Otherwise empty.
std::vector<RulerColumn> ParseRuler(std::string_view line);

// The PID cell of a table row: the characters under the second ruler column
// (and the space before it, in case a PID outgrows it), trimmed.
std::string_view TablePidCell(std::string_view line, const std::vector<RulerColumn>& ruler);

void ReadTable(const text::TextDocument& doc, std::vector<RawProcess>& rows, Diagnostics& diag);

// ---- /fo csv -------------------------------------------------------------

// The header of `tasklist /fo csv`: the index of its "PID" column, the same
// word in every display language. Nothing for any other line, and nothing for
// a Get-NetTCPConnection export, which has no PID column but may gain one.
struct CsvHeader {
  char delimiter = ',';
  size_t fields = 0;
  size_t pid_column = 0;
};
std::optional<CsvHeader> ParseCsvHeader(std::string_view line);

// The PID of a record under that header; nothing when the record does not
// parse or the PID cell is not a number.
std::optional<uint32_t> CsvRecordPid(std::string_view line, const CsvHeader& header);

void ReadCsv(const text::TextDocument& doc, std::vector<RawProcess>& rows, Diagnostics& diag);

// ---- /fo list ------------------------------------------------------------

// "Abbildname:      svchost.exe" -> ("Abbildname", "svchost.exe"), both
// trimmed. Only an unindented line with a colon after a name is a field;
// indented lines continue the field above.
struct ListField {
  std::string_view key;
  std::string_view value;
};
std::optional<ListField> ParseListField(std::string_view line);

void ReadList(const text::TextDocument& doc, std::vector<RawProcess>& rows, Diagnostics& diag);

}  // namespace highport::ingest::tasklist_internal
