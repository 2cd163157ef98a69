// Windows tasklist: which process has which PID, and with /svc which services
// each process hosts. netstat -ano gives only the PID of a listening port;
// this file is how the PID becomes "svchost.exe hosting RpcEptMapper, RpcSs".
//
// tasklist writes three layouts, in the display language of the machine:
//
//   table (default)  a header, a ruler of '=' runs, then fixed-width rows.
//                    The header words are localised ("Image Name", "Abbildname",
//                    "Имя образа"), the ruler is not, so columns are cut at the
//                    ruler's widths, counted in characters. The first column is
//                    the image, the second the PID. With /svc there are exactly
//                    three columns and a long service list wraps onto
//                    continuation lines that are blank under image and PID.
//                    Without /svc (session, memory, /v's user and window title)
//                    the rest is ignored.
//   /fo csv          a header row, then one quoted record per process. The
//                    PID column is found by its name, "PID" in every language;
//                    the image is the first column; with /svc (three columns)
//                    the services are the one after PID, joined by ','.
//   /fo list         blocks of "Name:   value" lines separated by blank lines;
//                    the first field is the image, the "PID:" field the PID,
//                    and with /svc (three fields) the services are the field
//                    after it, one per line, further ones indented.
//
// A process that hosts no service gets a localised placeholder instead of a
// list: "N/A", "Nicht zutreffend" (both in real captures), "Н/Д", "N/D", ...
// Rather than keep a table of every language, a services cell is taken for a
// placeholder when it is a single value (no ',') and either contains '/'
// (forbidden in service names), or is the value the file shows for PID 0 or 4
// (the idle process and System never host a service), or is one of a few
// phrases without a slash (kPlaceholderPhrases). tasklist /m has the same
// three-column shape with modules instead of services; a ".dll" in the list
// gives it away, and then no services are reported.
//
// Rows that cannot be read (a PID that is not a number, a continuation line
// with no row above it, a CSV record that does not parse) are reported with
// file:line and skipped; the rest of the file is still read.
#include "ingest/tasklist.h"

#include <charconv>

#include "ingest/tasklist_internal.h"
#include "text/strings.h"

namespace highport::ingest {
namespace tasklist_internal {

std::optional<uint32_t> ParsePid(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint32_t pid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return pid;
}

std::string Abbreviate(std::string_view s) {
  if (s.size() <= 60) return std::string(s);
  size_t cut = 57;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole characters
  return std::string(s.substr(0, cut)) + "...";
}

}  // namespace tasklist_internal

namespace {

using tasklist_internal::RawProcess;

// "Not applicable" in languages whose word has no '/'. Only "Nicht zutreffend"
// is seen in a real capture (German); the others are unverified guesses, and
// the PID 0/4 rule covers any language whose file includes those rows.
constexpr std::string_view kPlaceholderPhrases[] = {
    "Nicht zutreffend", "Non applicable", "Non applicabile", "No disponible", "No aplicable",
    "Não aplicável",    "Niet van toepassing",
};

std::string JoinPieces(const std::vector<std::string>& pieces) {
  std::string joined;
  for (const std::string& piece : pieces) {
    if (!joined.empty()) joined += ',';
    joined += piece;
  }
  return std::string(text::Trim(joined));
}

// The values that PID 0 and 4 show in the services column: whatever they say
// means "none" in this file's language.
std::vector<std::string> PlaceholdersOfFile(const std::vector<RawProcess>& rows) {
  std::vector<std::string> values;
  for (const RawProcess& row : rows) {
    if (row.pid != 0 && row.pid != 4) continue;
    std::string value = JoinPieces(row.services_pieces);
    if (!value.empty() && value.find(',') == std::string::npos) values.push_back(value);
  }
  return values;
}

bool IsPlaceholder(std::string_view cell, const std::vector<std::string>& file_placeholders) {
  if (cell.find(',') != std::string_view::npos) return false;
  if (cell.find('/') != std::string_view::npos) return true;
  for (const std::string& value : file_placeholders) {
    if (text::EqualsIgnoreCase(cell, value)) return true;
  }
  for (std::string_view phrase : kPlaceholderPhrases) {
    if (text::EqualsIgnoreCase(cell, phrase)) return true;
  }
  return false;
}

// The service names of a cell: ", " between them in the table, "," in CSV,
// one per line in the list (pieces are joined with ',' first).
std::vector<std::string> SplitServices(std::string_view joined) {
  std::vector<std::string> services;
  for (std::string_view name : text::Split(joined, ',')) {
    name = text::Trim(name);
    if (!name.empty()) services.emplace_back(name);
  }
  return services;
}

bool EndsWithDll(std::string_view name) {
  return name.size() > 4 && text::EqualsIgnoreCase(name.substr(name.size() - 4), ".dll");
}

// Raw rows -> ProcessInfo: placeholders dropped, lists split.
void Finish(const text::TextDocument& doc, const std::vector<RawProcess>& rows,
            SocketInventory& out, Diagnostics& diag) {
  std::vector<std::string> file_placeholders = PlaceholdersOfFile(rows);
  size_t first = out.processes.size();
  uint64_t modules_line = 0;
  for (const RawProcess& row : rows) {
    ProcessInfo info;
    info.pid = row.pid;
    info.image = row.image;
    info.source = SourceRef{doc.name, row.line};
    std::string cell = JoinPieces(row.services_pieces);
    if (!cell.empty() && !IsPlaceholder(cell, file_placeholders)) {
      info.services = SplitServices(cell);
    }
    for (const std::string& name : info.services) {
      if (modules_line == 0 && EndsWithDll(name)) modules_line = row.line;
    }
    out.processes.push_back(std::move(info));
    ++out.lines_read;
  }
  if (modules_line != 0) {
    for (size_t i = first; i < out.processes.size(); ++i) out.processes[i].services.clear();
    diag.Note(doc.name, modules_line, "tasklist.modules",
              "the third column lists modules (tasklist /m), not services; "
              "only PIDs and images were read");
  }
}

enum class Layout : uint8_t { kNone, kTable, kCsv, kList };

constexpr size_t kProbeLines = 40;  // non-blank lines the probe and the layout guess look at

struct LayoutGuess {
  Layout layout = Layout::kNone;
  int score = 0;
};

// Which layout the document is in, and how sure we are. A ruler followed by
// a row with a numeric PID is sure; a ruler alone is not. So is a CSV header
// with a PID column once a record has a number there. A list needs a "PID:"
// field holding a number after another field of the same block.
LayoutGuess GuessLayout(const text::TextDocument& doc) {
  std::vector<tasklist_internal::RulerColumn> ruler;  // once a ruler is seen
  std::optional<tasklist_internal::CsvHeader> csv;    // when the first line is a header
  bool in_block = false;
  size_t examined = 0;
  for (const std::string& line : doc.lines) {
    if (text::Trim(line).empty()) {
      in_block = false;
      continue;
    }
    if (++examined > kProbeLines) break;
    if (!ruler.empty()) {
      if (tasklist_internal::ParsePid(tasklist_internal::TablePidCell(line, ruler))) {
        return {Layout::kTable, 90};
      }
      continue;
    }
    if (csv) {
      if (tasklist_internal::CsvRecordPid(line, *csv)) return {Layout::kCsv, 85};
      continue;
    }
    if (examined == 1) {
      csv = tasklist_internal::ParseCsvHeader(line);
      if (csv) continue;
    }
    ruler = tasklist_internal::ParseRuler(line);
    if (!ruler.empty()) continue;
    if (std::optional<tasklist_internal::ListField> field =
            tasklist_internal::ParseListField(line)) {
      if (in_block && text::EqualsIgnoreCase(field->key, "PID") &&
          tasklist_internal::ParsePid(field->value)) {
        return {Layout::kList, 85};
      }
      in_block = true;
    }
  }
  if (!ruler.empty()) return {Layout::kTable, 20};
  if (csv) return {Layout::kCsv, 50};
  return {};
}

}  // namespace

int ProbeTasklist(const text::TextDocument& doc) { return GuessLayout(doc).score; }

void ReadTasklist(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diagnostics) {
  std::vector<RawProcess> rows;
  switch (GuessLayout(doc).layout) {
    case Layout::kTable: tasklist_internal::ReadTable(doc, rows, diagnostics); break;
    case Layout::kCsv: tasklist_internal::ReadCsv(doc, rows, diagnostics); break;
    case Layout::kList:
    case Layout::kNone: tasklist_internal::ReadList(doc, rows, diagnostics); break;
  }
  Finish(doc, rows, out, diagnostics);
}

}  // namespace highport::ingest
