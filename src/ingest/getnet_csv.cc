// PowerShell's Get-NetTCPConnection and Get-NetUDPEndpoint, piped to Export-Csv.
//
// Windows PowerShell 5.1 starts the file with a type line,
// "#TYPE Microsoft.Management.Infrastructure.CimInstance#ROOT/StandardCimv2/
// MSFT_NetTCPConnection" (or ...MSFT_NetUDPEndpoint, or cut short after
// "CimInstance", or "Selected...." after Select-Object); PowerShell 7 leaves it
// out. Then comes a header row and one row per socket. Users pick and order
// the columns themselves (Select-Object LocalPort,OwningProcess,...) and add
// computed ones (ProcessName), and German Excel or -UseCulture writes ';'
// instead of ',', so columns are found by header name and the delimiter is
// read off the header. Fields may or may not be quoted.
//
// The state is the enum name ("Listen") when PowerShell formats it and the
// CIM number ("2") when the object was exported raw; both are read. A file of
// UDP endpoints has no remote side and no state. Whether the file is TCP or
// UDP comes from the type line when it names the class, else from the columns:
// only TCP connections have State and RemotePort.
//
// A row that cannot be read (wrong number of fields, an address or port that
// does not parse) is reported and skipped. A second type line or header row
// in the middle (two exports appended into one file) starts a new table.
#include "ingest/getnet_csv.h"

#include <charconv>
#include <map>
#include <optional>

#include "fmt/format.h"
#include "ingest/getnet_csv_fields.h"
#include "text/strings.h"

namespace highport::ingest {
namespace {

constexpr std::string_view kTypePrefix = "#TYPE";

// Where each column we read sits in a row; nullopt when the header lacks it.
struct Columns {
  char delimiter = ',';
  size_t count = 0;
  std::optional<size_t> local_address, local_port, remote_address, remote_port, state,
      owning_process, process_name, protocol;
};

std::optional<size_t> FindColumn(const std::vector<std::string>& header, std::string_view name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (text::EqualsIgnoreCase(text::Trim(header[i]), name)) return i;
  }
  return std::nullopt;
}

// The header of a Get-Net* export: it has LocalAddress and LocalPort.
std::optional<Columns> ParseHeader(std::string_view line) {
  Columns c;
  c.delimiter = DetectCsvDelimiter(line);
  Result<std::vector<std::string>> header = SplitCsvRecord(line, c.delimiter);
  if (!header) return std::nullopt;
  c.local_address = FindColumn(*header, "LocalAddress");
  c.local_port = FindColumn(*header, "LocalPort");
  if (!c.local_address || !c.local_port) return std::nullopt;
  c.count = header->size();
  c.remote_address = FindColumn(*header, "RemoteAddress");
  c.remote_port = FindColumn(*header, "RemotePort");
  c.state = FindColumn(*header, "State");
  c.owning_process = FindColumn(*header, "OwningProcess");
  c.process_name = FindColumn(*header, "ProcessName");
  c.protocol = FindColumn(*header, "Protocol");  // user-added when TCP and UDP are merged
  return c;
}

// TCP or UDP from the type line; nothing when it does not name the class.
std::optional<Proto> ProtoFromTypeLine(std::string_view line) {
  if (line.find("MSFT_NetUDPEndpoint") != std::string_view::npos) return Proto::kUdp;
  if (line.find("MSFT_NetTCPConnection") != std::string_view::npos) return Proto::kTcp;
  return std::nullopt;
}

// MSFT_NetTCPConnection.State, by enum name or CIM number (MIB_TCP_STATE,
// plus Bound = 100). DeleteTCB is a connection being torn down: Closed.
SocketState StateFromField(std::string_view field) {
  struct Entry {
    std::string_view name;
    int number;
    SocketState state;
  };
  static constexpr Entry kStates[] = {
      {"Closed", 1, SocketState::kClosed},          {"Listen", 2, SocketState::kListen},
      {"SynSent", 3, SocketState::kSynSent},        {"SynReceived", 4, SocketState::kSynReceived},
      {"Established", 5, SocketState::kEstablished}, {"FinWait1", 6, SocketState::kFinWait1},
      {"FinWait2", 7, SocketState::kFinWait2},      {"CloseWait", 8, SocketState::kCloseWait},
      {"Closing", 9, SocketState::kClosing},        {"LastAck", 10, SocketState::kLastAck},
      {"TimeWait", 11, SocketState::kTimeWait},     {"DeleteTCB", 12, SocketState::kClosed},
      {"Bound", 100, SocketState::kBound},
  };
  int number = -1;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), number);
  bool numeric = ec == std::errc() && end == field.data() + field.size();
  for (const Entry& e : kStates) {
    if (numeric ? number == e.number : text::EqualsIgnoreCase(field, e.name)) return e.state;
  }
  return SocketState::kUnknown;
}

std::optional<uint32_t> ParsePid(std::string_view text) {
  uint32_t pid = 0;
  if (text.empty() || text.size() > 10) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return pid;
}

class GetNetCsvReader {
 public:
  GetNetCsvReader(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diag)
      : doc_(doc), out_(out), diag_(diag) {}

  void Run() {
    for (size_t i = 0; i < doc_.lines.size(); ++i) ReadLine(i + 1, doc_.lines[i]);
    for (const auto& [word, line] : unknown_states_) {
      diag_.Note(doc_.name, line, "getnet_csv.unknown_state",
                 fmt::format("state '{}' is not a MSFT_NetTCPConnection state; rows with it "
                             "were kept with an unknown state",
                             word));
    }
  }

 private:
  void ReadLine(uint64_t number, std::string_view line) {
    std::string_view trimmed = text::Trim(line);
    if (trimmed.empty()) return;
    if (trimmed.substr(0, kTypePrefix.size()) == kTypePrefix) {
      type_proto_ = ProtoFromTypeLine(trimmed);
      columns_.reset();  // a header follows
      return;
    }
    std::optional<Columns> header;
    if (text::ToLowerAscii(trimmed).find("localport") != std::string::npos) {
      header = ParseHeader(trimmed);  // only a header names the column: saves a split per row
    }
    if (header) {
      columns_ = header;
      proto_ = type_proto_ ? *type_proto_
               : (columns_->state || columns_->remote_port) ? Proto::kTcp
                                                            : Proto::kUdp;
      return;
    }
    if (!columns_) {
      diag_.SkipLine(doc_.name, number, "getnet_csv.no_header",
                     "row before a header with LocalAddress and LocalPort columns");
      return;
    }
    ReadRow(number, trimmed);
  }

  void ReadRow(uint64_t number, std::string_view line) {
    const Columns& c = *columns_;
    Result<std::vector<std::string>> fields = SplitCsvRecord(line, c.delimiter);
    if (!fields) {
      Skip(number, "getnet_csv.bad_csv", fields.error().message);
      return;
    }
    if (fields->size() != c.count) {
      Skip(number, "getnet_csv.field_count",
           fmt::format("row has {} fields, the header has {}", fields->size(), c.count));
      return;
    }
    auto field = [&](std::optional<size_t> column) -> std::string_view {
      return column ? text::Trim((*fields)[*column]) : std::string_view();
    };

    Socket s;
    s.source = SourceRef{doc_.name, number};
    s.local.proto = proto_;
    if (c.protocol) {
      if (std::optional<Proto> p = ParseProto(field(c.protocol))) s.local.proto = *p;
    }
    std::optional<IpAddress> address = IpAddress::Parse(field(c.local_address));
    if (!address) {
      Skip(number, "getnet_csv.bad_address",
           fmt::format("local address '{}' is not an IP address", field(c.local_address)));
      return;
    }
    std::optional<uint16_t> port = ParsePort(field(c.local_port));
    if (!port) {
      Skip(number, "getnet_csv.bad_port",
           fmt::format("local port '{}' is not a port number", field(c.local_port)));
      return;
    }
    s.local.address = *address;
    s.local.port = *port;

    if (s.local.proto == Proto::kTcp && !ReadRemote(number, field(c.remote_address),
                                                    field(c.remote_port), s)) {
      return;
    }

    if (c.owning_process && !field(c.owning_process).empty()) {
      std::optional<uint32_t> pid = ParsePid(field(c.owning_process));
      if (!pid) {
        Skip(number, "getnet_csv.bad_pid",
             fmt::format("OwningProcess '{}' is not a number", field(c.owning_process)));
        return;
      }
      s.pid = pid;
    }
    s.process = std::string(field(c.process_name));

    if (s.local.proto == Proto::kUdp) {
      s.state = SocketState::kUnconnected;
      s.remote.reset();
    } else {
      s.state_text = std::string(field(c.state));
      s.state = StateFromField(s.state_text);
      if (s.state == SocketState::kUnknown && c.state) {  // no State column: nothing to say
        unknown_states_.try_emplace(s.state_text, number);
      }
      if (s.state == SocketState::kListen || s.state == SocketState::kBound) s.remote.reset();
    }
    out_.sockets.push_back(std::move(s));
    ++out_.lines_read;
  }

  // The remote side of a TCP row; 0.0.0.0:0 and [::]:0 mean none. False when
  // the row was skipped.
  bool ReadRemote(uint64_t number, std::string_view address_text, std::string_view port_text,
                  Socket& s) {
    if (address_text.empty() && port_text.empty()) return true;  // columns not exported
    std::optional<IpAddress> address = IpAddress::Parse(address_text);
    if (!address) {
      Skip(number, "getnet_csv.bad_address",
           fmt::format("remote address '{}' is not an IP address", address_text));
      return false;
    }
    std::optional<uint16_t> port = port_text.empty() ? uint16_t{0} : ParsePort(port_text);
    if (!port) {
      Skip(number, "getnet_csv.bad_port",
           fmt::format("remote port '{}' is not a port number", port_text));
      return false;
    }
    if (!(address->is_unspecified() && *port == 0)) {
      s.remote = Endpoint{*address, Proto::kTcp, *port};
    }
    return true;
  }

  void Skip(uint64_t number, std::string id, std::string reason) {
    diag_.SkipLine(doc_.name, number, std::move(id), std::move(reason));
  }

  const text::TextDocument& doc_;
  SocketInventory& out_;
  Diagnostics& diag_;
  std::optional<Proto> type_proto_;  // from the last #TYPE line
  std::optional<Columns> columns_;   // from the last header row
  Proto proto_ = Proto::kTcp;
  std::map<std::string, uint64_t> unknown_states_;
};

}  // namespace

int ProbeGetNetCsv(const text::TextDocument& doc) {
  int examined = 0;
  bool type_line = false;
  for (const std::string& line : doc.lines) {
    std::string_view trimmed = text::Trim(line);
    if (trimmed.empty()) continue;
    if (++examined > 5) break;
    if (trimmed.substr(0, kTypePrefix.size()) == kTypePrefix) {
      type_line = ProtoFromTypeLine(trimmed).has_value();
      continue;
    }
    if (ParseHeader(trimmed)) return 95;
    break;  // the header is the first line that is not a type line
  }
  return type_line ? 40 : 0;
}

void ReadGetNetCsv(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diagnostics) {
  GetNetCsvReader(doc, out, diagnostics).Run();
}

}  // namespace highport::ingest
