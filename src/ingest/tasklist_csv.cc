// `tasklist /fo csv` (overview in tasklist.cc):
//
//   "Image Name","PID","Services"
//   "svchost.exe","804","BrokerInfrastructure,DcomLaunch,Power,SystemEventsBroker"
//
// The header row is localised ("Abbildname","PID","Dienste") except for
// "PID", so that is the column looked for; the image is the first other
// column, and with /svc (three columns) the services are the column after
// PID. A spreadsheet that saved the file again may have dropped the quotes or
// switched to ';', which the shared CSV splitter handles.
#include "fmt/format.h"
#include "ingest/getnet_csv_fields.h"
#include "ingest/tasklist_internal.h"
#include "text/strings.h"

namespace highport::ingest::tasklist_internal {
namespace {

// Columns that only a Get-NetTCPConnection / Get-NetUDPEndpoint export has.
constexpr std::string_view kSocketColumns[] = {"LocalAddress", "LocalPort", "OwningProcess"};

class CsvReader {
 public:
  CsvReader(const text::TextDocument& doc, std::vector<RawProcess>& rows, Diagnostics& diag)
      : doc_(doc), rows_(rows), diag_(diag) {}

  void Run() {
    for (size_t i = 0; i < doc_.lines.size(); ++i) ReadLine(i + 1, text::Trim(doc_.lines[i]));
  }

 private:
  void ReadLine(uint64_t number, std::string_view line) {
    if (line.empty()) return;
    if (!header_) {
      header_ = ParseCsvHeader(line);
      if (!header_) Skip(number, "tasklist.no_header", "line before the CSV header");
      return;
    }
    Result<std::vector<std::string>> fields = SplitCsvRecord(line, header_->delimiter);
    if (!fields) {
      Skip(number, "tasklist.bad_csv", fields.error().message);
      return;
    }
    if (fields->size() != header_->fields) {
      Skip(number, "tasklist.field_count",
           fmt::format("row has {} fields, the header has {}", fields->size(), header_->fields));
      return;
    }
    size_t pid_column = header_->pid_column;
    std::string_view pid_text = text::Trim((*fields)[pid_column]);
    if (text::EqualsIgnoreCase(pid_text, "PID")) {  // the header again: outputs appended
      if (std::optional<CsvHeader> header = ParseCsvHeader(line)) header_ = header;
      return;
    }
    std::optional<uint32_t> pid = ParsePid(pid_text);
    if (!pid) {
      Skip(number, "tasklist.bad_pid", fmt::format("PID '{}' is not a number", Abbreviate(pid_text)));
      return;
    }
    RawProcess row;
    row.pid = *pid;
    row.image = std::string(text::Trim((*fields)[pid_column == 0 ? 1 : 0]));
    row.line = number;
    if (header_->fields == 3 && pid_column + 1 < 3) {
      row.services_pieces.push_back((*fields)[pid_column + 1]);
    }
    rows_.push_back(std::move(row));
  }

  void Skip(uint64_t number, std::string id, std::string reason) {
    diag_.SkipLine(doc_.name, number, std::move(id), std::move(reason));
  }

  const text::TextDocument& doc_;
  std::vector<RawProcess>& rows_;
  Diagnostics& diag_;
  std::optional<CsvHeader> header_;
};

}  // namespace

std::optional<CsvHeader> ParseCsvHeader(std::string_view line) {
  line = text::Trim(line);
  if (line.empty()) return std::nullopt;
  CsvHeader header;
  header.delimiter = DetectCsvDelimiter(line);
  Result<std::vector<std::string>> fields = SplitCsvRecord(line, header.delimiter);
  if (!fields || fields->size() < 2) return std::nullopt;
  std::optional<size_t> pid_column;
  for (size_t i = 0; i < fields->size(); ++i) {
    std::string_view name = text::Trim((*fields)[i]);
    for (std::string_view socket_column : kSocketColumns) {
      if (text::EqualsIgnoreCase(name, socket_column)) return std::nullopt;
    }
    if (!pid_column && text::EqualsIgnoreCase(name, "PID")) pid_column = i;
  }
  if (!pid_column) return std::nullopt;
  header.fields = fields->size();
  header.pid_column = *pid_column;
  return header;
}

std::optional<uint32_t> CsvRecordPid(std::string_view line, const CsvHeader& header) {
  Result<std::vector<std::string>> fields = SplitCsvRecord(text::Trim(line), header.delimiter);
  if (!fields || fields->size() != header.fields) return std::nullopt;
  return ParsePid(text::Trim((*fields)[header.pid_column]));
}

void ReadCsv(const text::TextDocument& doc, std::vector<RawProcess>& rows, Diagnostics& diag) {
  CsvReader(doc, rows, diag).Run();
}

}  // namespace highport::ingest::tasklist_internal
