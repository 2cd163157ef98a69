// The table layout of tasklist (overview in tasklist.cc):
//
//   Image Name                     PID Services
//   ========================= ======== ============================================
//   svchost.exe                    804 BrokerInfrastructure, DcomLaunch, Power,
//                                      SystemEventsBroker
//
// Rows are cut at the ruler's columns: image under the first run of '=', PID
// under the second, services (with /svc, three runs) from there to the end of
// the line. The ruler is ASCII, but rows are not: tasklist pads by characters,
// so the cut counts code points of the decoded line, not bytes. A line blank
// under image and PID continues the services of the row above. A header line
// is recognised by the ruler under it, so a file holding several tables (one
// per host, or tasklist run twice) is read table by table.
#include <string>

#include "fmt/format.h"
#include "ingest/tasklist_internal.h"
#include "text/strings.h"

namespace highport::ingest::tasklist_internal {
namespace {

constexpr size_t kToEnd = std::string_view::npos;
constexpr size_t kMinRun = 3;  // a ruler run is at least this long; "= =" is not a ruler

// The characters [begin, end) of a UTF-8 line, counted in code points.
std::string_view CharacterRange(std::string_view line, size_t begin, size_t end) {
  size_t begin_byte = line.size();
  size_t end_byte = line.size();
  size_t character = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;  // inside a character
    if (character == begin) begin_byte = i;
    if (character == end) {
      end_byte = i;
      break;
    }
    ++character;
  }
  if (begin_byte >= end_byte) return {};
  return line.substr(begin_byte, end_byte - begin_byte);
}

class TableReader {
 public:
  TableReader(const text::TextDocument& doc, std::vector<RawProcess>& rows, Diagnostics& diag)
      : doc_(doc), rows_(rows), diag_(diag) {}

  void Run() {
    const std::vector<std::string>& lines = doc_.lines;
    for (size_t i = 0; i < lines.size(); ++i) {
      std::vector<RulerColumn> ruler = ParseRuler(lines[i]);
      if (!ruler.empty()) {
        ruler_ = std::move(ruler);
        last_ = Last::kNone;
        continue;
      }
      if (ruler_.empty()) continue;  // title and header before the first table
      if (i + 1 < lines.size() && !ParseRuler(lines[i + 1]).empty()) continue;  // a header
      ReadLine(i + 1, lines[i]);
    }
  }

 private:
  // What the line above was, for continuation lines.
  enum class Last : uint8_t { kNone, kRow, kSkippedRow };

  bool HasServices() const { return ruler_.size() == 3; }

  void ReadLine(uint64_t number, std::string_view line) {
    if (text::Trim(line).empty()) {
      last_ = Last::kNone;  // tasklist never puts a blank line inside a wrapped list
      return;
    }
    size_t services_begin = ruler_[1].end;
    if (text::Trim(CharacterRange(line, 0, services_begin)).empty()) {
      ReadContinuation(number, text::Trim(line));
      return;
    }
    std::string_view pid_text = TablePidCell(line, ruler_);
    std::optional<uint32_t> pid = ParsePid(pid_text);
    if (!pid) {
      last_ = Last::kSkippedRow;
      std::string reason = pid_text.empty()
                               ? fmt::format("row has no PID: '{}'", Abbreviate(text::Trim(line)))
                               : fmt::format("PID '{}' is not a number", Abbreviate(pid_text));
      diag_.SkipLine(doc_.name, number, "tasklist.bad_pid", std::move(reason));
      return;
    }
    RawProcess row;
    row.pid = *pid;
    row.image = std::string(text::Trim(CharacterRange(line, 0, ruler_[0].end)));
    row.line = number;
    if (HasServices()) {
      std::string_view cell = text::Trim(CharacterRange(line, services_begin, kToEnd));
      if (!cell.empty()) row.services_pieces.emplace_back(cell);
    }
    rows_.push_back(std::move(row));
    last_ = Last::kRow;
  }

  void ReadContinuation(uint64_t number, std::string_view trimmed) {
    if (!HasServices()) {
      diag_.SkipLine(doc_.name, number, "tasklist.bad_pid",
                     fmt::format("row has no image and no PID: '{}'", Abbreviate(trimmed)));
    } else if (last_ == Last::kRow) {
      rows_.back().services_pieces.emplace_back(trimmed);
    } else if (last_ == Last::kSkippedRow) {
      diag_.SkipLine(doc_.name, number, "tasklist.orphan_continuation",
                     "continuation of the skipped row above");
    } else {
      diag_.SkipLine(doc_.name, number, "tasklist.orphan_continuation",
                     "continuation line with no process row before it");
    }
  }

  const text::TextDocument& doc_;
  std::vector<RawProcess>& rows_;
  Diagnostics& diag_;
  std::vector<RulerColumn> ruler_;  // of the table being read; empty before the first
  Last last_ = Last::kNone;
};

}  // namespace

std::vector<RulerColumn> ParseRuler(std::string_view line) {
  size_t last = line.find_last_not_of(" \t\r");
  if (last == std::string_view::npos || line[0] != '=') return {};
  line = line.substr(0, last + 1);
  std::vector<RulerColumn> columns;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] != '=') return {};
    size_t begin = i;
    while (i < line.size() && line[i] == '=') ++i;
    if (i - begin < kMinRun) return {};
    columns.push_back({begin, i});
    while (i < line.size() && line[i] == ' ') ++i;
  }
  if (columns.size() < 2) return {};
  return columns;
}

std::string_view TablePidCell(std::string_view line, const std::vector<RulerColumn>& ruler) {
  if (ruler.size() < 2) return {};
  return text::Trim(CharacterRange(line, ruler[0].end, ruler[1].end));
}

void ReadTable(const text::TextDocument& doc, std::vector<RawProcess>& rows, Diagnostics& diag) {
  TableReader(doc, rows, diag).Run();
}

}  // namespace highport::ingest::tasklist_internal
