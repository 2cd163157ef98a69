// `tasklist /fo list` (overview in tasklist.cc):
//
//   Abbildname:      lsass.exe
//   PID:             1000
//   Dienste:         KeyIso
//                    SamSs
//
// Blocks of "name: value" fields, one block per process, separated by blank
// lines. The field names are localised except "PID"; the image is the first
// field, and with /svc (three fields, PID the second) the services are the
// third, the first on the field's line and each further one on an indented
// line of its own. A block that starts with the first field's name again
// without a blank line before it is taken as a new block all the same.
#include "fmt/format.h"
#include "ingest/tasklist_internal.h"
#include "text/strings.h"

namespace highport::ingest::tasklist_internal {
namespace {

class ListReader {
 public:
  ListReader(const text::TextDocument& doc, std::vector<RawProcess>& rows, Diagnostics& diag)
      : doc_(doc), rows_(rows), diag_(diag) {}

  void Run() {
    for (size_t i = 0; i < doc_.lines.size(); ++i) ReadLine(i + 1, doc_.lines[i]);
    CloseBlock();
  }

 private:
  struct Field {
    std::string key;
    std::vector<std::string> values;  // the value, then one per continuation line
    uint64_t line = 0;
  };

  void ReadLine(uint64_t number, std::string_view line) {
    std::string_view trimmed = text::Trim(line);
    if (trimmed.empty()) {
      CloseBlock();
      return;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (block_.empty()) {
        Skip(number, "tasklist.orphan_continuation",
             "continuation line with no process field before it");
      } else {
        block_.back().values.emplace_back(trimmed);
      }
      return;
    }
    std::optional<ListField> field = ParseListField(line);
    if (!field) {
      Skip(number, "tasklist.not_a_field",
           fmt::format("not a 'name: value' line: '{}'", Abbreviate(trimmed)));
      return;
    }
    if (!block_.empty() && field->key == block_.front().key) CloseBlock();
    Field f{std::string(field->key), {}, number};
    if (!field->value.empty()) f.values.emplace_back(field->value);
    block_.push_back(std::move(f));
  }

  void CloseBlock() {
    if (block_.empty()) return;
    std::vector<Field> block = std::move(block_);
    block_.clear();
    size_t pid_index = 0;
    while (pid_index < block.size() && !text::EqualsIgnoreCase(block[pid_index].key, "PID")) {
      ++pid_index;
    }
    if (pid_index == block.size()) {
      Skip(block.front().line, "tasklist.no_pid",
           fmt::format("block '{}' has no PID field", Abbreviate(FirstValue(block.front()))));
      return;
    }
    const Field& pid_field = block[pid_index];
    std::optional<uint32_t> pid = ParsePid(FirstValue(pid_field));
    if (!pid) {
      Skip(pid_field.line, "tasklist.bad_pid",
           fmt::format("PID '{}' is not a number", Abbreviate(FirstValue(pid_field))));
      return;
    }
    RawProcess row;
    row.pid = *pid;
    row.image = FirstValue(block[pid_index == 0 && block.size() > 1 ? 1 : 0]);
    row.line = block.front().line;
    if (block.size() == 3 && pid_index == 1) row.services_pieces = block[2].values;
    rows_.push_back(std::move(row));
  }

  static std::string FirstValue(const Field& f) {
    return f.values.empty() ? std::string() : f.values.front();
  }

  void Skip(uint64_t number, std::string id, std::string reason) {
    diag_.SkipLine(doc_.name, number, std::move(id), std::move(reason));
  }

  const text::TextDocument& doc_;
  std::vector<RawProcess>& rows_;
  Diagnostics& diag_;
  std::vector<Field> block_;  // the fields of the process being read
};

}  // namespace

std::optional<ListField> ParseListField(std::string_view line) {
  if (line.empty() || line.front() == ' ' || line.front() == '\t') return std::nullopt;
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view key = text::Trim(line.substr(0, colon));
  if (key.empty()) return std::nullopt;
  return ListField{key, text::Trim(line.substr(colon + 1))};
}

void ReadList(const text::TextDocument& doc, std::vector<RawProcess>& rows, Diagnostics& diag) {
  ListReader(doc, rows, diag).Run();
}

}  // namespace highport::ingest::tasklist_internal
