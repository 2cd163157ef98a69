// impacket's examples/rpcdump.py, as the 0.9.x to 0.12 releases print it:
// what the endpoint mapper of one host answered to ept_lookup, grouped by
// interface.
//
//   Impacket v0.11.0 - Copyright 2023 Fortra
//
//   [*] Retrieving endpoint list from 10.0.0.10
//   Protocol: [MS-SAMR]: Security Account Manager (SAM) Remote Protocol
//   Provider: samsrv.dll
//   UUID    : 12345778-1234-ABCD-EF00-0123456789AC v1.0 <annotation>
//   Bindings:
//             ncacn_ip_tcp:10.0.0.10[49664]
//             ncacn_np:\\DC01[\pipe\lsass]
//             ncalrpc:[samss lpc]
//
//   [*] Received 351 endpoints.
//
// Every binding line is one entry of the listing and becomes one
// RpcRegistration, duplicates included: the same binding listed twice is two
// entries (two object UUIDs), and "Received N endpoints." counts entries. The
// reader counts the binding lines of each run itself and compares; a listing
// with fewer lines than rpcdump received was cut short or edited.
//
// Lines that are not data come from impacket's logger: "[*]" info, "[+]"
// debug (-debug), "[!]" warning, "[-]" error, each maybe after a -ts time
// stamp "[2024-01-31 12:00:00] "; early versions printed some messages
// without a bullet. "Protocol failed: ..." means the listing could not be
// fetched; "No endpoints found." is an empty listing, not an error. impacket
// writes "Protocol: %s " and "Bindings: " with a trailing space, which tools
// such as AutoRecon strip; both read alike. The "--" lines that grep -A puts
// between its matches ("rpcdump.py dc01 | grep -A 6 MS-RPRN") end a block. A
// file may hold several runs, one after the other: each banner or "Retrieving
// endpoint list from HOST" starts a run, and HOST names the host of the
// registrations that follow.
//
// A binding is "protseq:address[endpoint]", as impacket's PrintStringBinding
// builds it from the tower. For ncacn_ip_tcp, ncacn_http (both TCP) and
// ncadg_ip_udp the endpoint is a port and the address the tower's IPv4
// address; current versions print a tower's 0.0.0.0 as it is, which means the
// host that answered, so when HOST is an address the endpoint takes it (as the
// live endpoint-mapper client does; an empty address too), while address_text
// and binding stay as written. Releases of about 2016 to 2018 wrote HOST
// itself in place of 0.0.0.0, which may be a name: such a binding keeps its
// name and has no endpoint.
// For ncacn_np and ncalrpc the endpoint is the pipe or port name. A tower
// impacket could not print whole comes out as "None", "IP: a.b.c.d",
// "NetBIOS: name" or "unknown_proto_0x12:[0]": the first three say nothing
// usable and are skipped, the last is kept under its made-up protocol name.
#include "ingest/rpcdump.h"

#include <charconv>
#include <map>
#include <utility>

#include "fmt/format.h"
#include "text/strings.h"

namespace highport::ingest {
namespace {

std::string Abbreviate(std::string_view s) {
  return s.size() <= 60 ? std::string(s) : std::string(s.substr(0, 57)) + "...";
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

template <typename T>
std::optional<T> ParseNumber(std::string_view t) {
  T value = 0;
  if (t.empty() || t.size() > 10 || !IsDigit(t[0])) return std::nullopt;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return value;
}

// "12345778-1234-ABCD-EF00-0123456789AC", in any case.
bool IsUuid(std::string_view t) {
  if (t.size() != 36) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? t[i] != '-' : !IsHex(t[i])) return false;
  }
  return true;
}

// -ts: "[2024-01-31 12:00:00] " before the bullet.
std::string_view StripTimestamp(std::string_view t) {
  constexpr std::string_view kShape = "[dddd-dd-dd dd:dd:dd] ";
  if (t.size() < kShape.size()) return t;
  for (size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !IsDigit(t[i]) : t[i] != kShape[i]) return t;
  }
  return t.substr(kShape.size());
}

enum class MessageKind {
  kRetrieving,      // Retrieving endpoint list from HOST
  kProtocolFailed,  // Protocol failed: REASON
  kReceived,        // Received N endpoints. / Received one endpoint.
  kNoEndpoints,     // No endpoints found.
  kChatter,         // Trying protocol ..., StringBinding ...: nothing to read
  kOther,
};

struct Message {
  MessageKind kind = MessageKind::kOther;
  std::string_view value;  // the host, the reason
  uint64_t count = 0;      // kReceived
};

Message ParseMessage(std::string_view m) {
  constexpr std::string_view kRetrieving = "Retrieving endpoint list from ";
  constexpr std::string_view kFailed = "Protocol failed:";
  if (m.starts_with(kRetrieving)) {
    std::string_view host = text::Trim(m.substr(kRetrieving.size()));
    if (!host.empty()) return {MessageKind::kRetrieving, host, 0};
  }
  if (m.starts_with(kFailed)) {
    return {MessageKind::kProtocolFailed, text::Trim(m.substr(kFailed.size())), 0};
  }
  if (m == "Received one endpoint.") return {MessageKind::kReceived, {}, 1};
  if (m.size() > 20 && m.starts_with("Received ") && m.ends_with(" endpoints.")) {
    std::string_view n = m.substr(9, m.size() - 9 - 11);
    if (std::optional<uint64_t> count = ParseNumber<uint64_t>(n)) {
      return {MessageKind::kReceived, {}, *count};
    }
  }
  if (m == "No endpoints found.") return {MessageKind::kNoEndpoints, {}, 0};
  if (m.starts_with("Trying protocol ") || m.starts_with("StringBinding ")) {
    return {MessageKind::kChatter, {}, 0};
  }
  return {MessageKind::kOther, {}, 0};
}

struct LogLine {
  char level = 0;  // '*', '+', '!', '-'; 0 for a message printed without a bullet
  Message message;
};

std::optional<LogLine> ParseLogLine(std::string_view t) {
  t = StripTimestamp(t);
  if (t.size() >= 3 && t[0] == '[' && t[2] == ']' && (t.size() == 3 || t[3] == ' ')) {
    char level = t[1];
    if (level == '*' || level == '+' || level == '!' || level == '-') {
      return LogLine{level, ParseMessage(text::Trim(t.substr(3)))};
    }
  }
  Message m = ParseMessage(t);
  if (m.kind == MessageKind::kOther) return std::nullopt;
  return LogLine{0, m};
}

// "Impacket v0.9.24 - Copyright 2021 SecureAuth Corporation", and the like.
bool IsBanner(std::string_view t) {
  return t.starts_with("Impacket v") && t.find(" - Copyright") != std::string_view::npos;
}

// The value of "Name: value" or "Name    : value"; nothing when the line is not that field.
std::optional<std::string_view> FieldValue(std::string_view t, std::string_view name) {
  if (!t.starts_with(name)) return std::nullopt;
  std::string_view rest = t.substr(name.size());
  size_t colon = rest.find_first_not_of(' ');
  if (colon == std::string_view::npos || rest[colon] != ':') return std::nullopt;
  return text::Trim(rest.substr(colon + 1));
}

// "UUID    : 12345778-1234-ABCD-EF00-0123456789AC v1.0 annotation".
struct Interface {
  std::string uuid;  // lowercase
  uint16_t major = 0;
  uint16_t minor = 0;
  std::string annotation;
};

std::optional<Interface> ParseInterface(std::string_view value) {
  size_t space = value.find_first_of(" \t");
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view uuid = value.substr(0, space);
  std::string_view rest = text::Trim(value.substr(space));
  size_t end = rest.find_first_of(" \t");
  std::string_view version = rest.substr(0, end);
  std::string_view annotation = end == std::string_view::npos ? "" : text::Trim(rest.substr(end));
  if (!IsUuid(uuid) || version.size() < 4 || version[0] != 'v') return std::nullopt;
  size_t dot = version.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::optional<uint16_t> major = ParseNumber<uint16_t>(version.substr(1, dot - 1));
  std::optional<uint16_t> minor = ParseNumber<uint16_t>(version.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return Interface{text::ToLowerAscii(uuid), *major, *minor, std::string(annotation)};
}

// "ncacn_ip_tcp", "unknown_proto_0x12": lowercase, digits, underscores.
bool IsProtseq(std::string_view t) {
  if (t.empty() || t.size() > 32 || t[0] < 'a' || t[0] > 'z') return false;
  for (char c : t) {
    if (!((c >= 'a' && c <= 'z') || IsDigit(c) || c == '_')) return false;
  }
  return true;
}

struct BindingText {
  std::string_view protocol;
  std::string_view address;
  std::string_view endpoint;
};

std::optional<BindingText> SplitBinding(std::string_view t) {
  size_t colon = t.find(':');
  if (colon == std::string_view::npos || !IsProtseq(t.substr(0, colon))) return std::nullopt;
  std::string_view rest = t.substr(colon + 1);
  size_t open = rest.find('[');
  if (open == std::string_view::npos || rest.back() != ']') return std::nullopt;
  return BindingText{t.substr(0, colon), rest.substr(0, open),
                     rest.substr(open + 1, rest.size() - open - 2)};
}

// What PrintStringBinding prints for a tower it cannot print whole.
bool IsIncompleteTower(std::string_view t) {
  return t == "None" || t.starts_with("IP: ") || t.starts_with("SPX: ") ||
         t.starts_with("NetBIOS: ");
}

std::optional<Proto> IpProtocol(std::string_view protocol) {
  if (protocol == "ncacn_ip_tcp" || protocol == "ncacn_http") return Proto::kTcp;
  if (protocol == "ncadg_ip_udp") return Proto::kUdp;
  return std::nullopt;
}

// Protocol sequences of MS-RPCE 2.1 and C706 other than the IP ones.
bool IsOtherKnownProtocol(std::string_view protocol) {
  constexpr std::string_view kKnown[] = {
      "ncacn_np",    "ncalrpc",   "ncacn_nb_tcp",   "ncacn_nb_nb", "ncacn_nb_ipx",
      "ncacn_spx",   "ncadg_ipx", "ncacn_dnet_nsp", "ncacn_at_dsp", "ncadg_mq",
      "ncacn_vns_spp", "ncacn_hvsocket"};
  for (std::string_view k : kKnown) {
    if (k == protocol) return true;
  }
  return false;
}

// An impacket dump from before 0.9.10: "<UUID>/StringBindings: ..." lines.
bool IsOldFormat(std::string_view t) {
  return t.size() > 37 && IsUuid(t.substr(0, 36)) && t[36] == '/';
}

class RpcdumpReader {
 public:
  RpcdumpReader(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diag)
      : doc_(doc), out_(out), diag_(diag) {}

  void Run() {
    for (size_t i = 0; i < doc_.lines.size(); ++i) ReadLine(i + 1, doc_.lines[i]);
    if (traceback_line_) EndTraceback("");
    CloseBlock();
    CloseRun();
    ReportSummaries();
    if (!saw_listing_) {
      diag_.Note(doc_.name, banner_line_, "rpcdump.no_listing",
                 "no endpoint listing in this file, only impacket's banner or messages: rpcdump "
                 "stopped before it asked the endpoint mapper (wrong port, or not rpcdump?)");
    }
  }

 private:
  // The lines of one interface: Protocol, Provider, UUID, Bindings, then bindings.
  struct Block {
    bool open = false;
    uint64_t first_line = 0;
    bool has_provider = false;
    uint64_t uuid_line = 0;  // 0: no UUID line yet
    std::optional<Interface> interface;
    bool bindings_header = false;
    size_t bindings = 0;
  };

  // One invocation of rpcdump: from a banner or "Retrieving ..." to the next.
  struct RunState {
    std::string host;
    std::optional<IpAddress> host_address;
    size_t bindings = 0;  // binding lines, read or not
    uint64_t last_binding_line = 0;
    bool counted = false;  // a "Received" or "No endpoints" line was seen
    bool failed = false;
  };

  struct Tally {
    size_t count = 0;
    uint64_t first_line = 0;
    std::string example;
  };

  void ReadLine(uint64_t number, std::string_view line) {
    std::string_view t = text::Trim(line);
    bool indented = !line.empty() && (line.front() == ' ' || line.front() == '\t');
    if (traceback_line_) {
      if (t.empty() || indented) return;
      EndTraceback(t);
      return;
    }
    if (t.empty() || t == "--") {
      CloseBlock();
      return;
    }
    if (indented && block_.open && (block_.bindings_header || block_.uuid_line)) {
      ReadBinding(number, t);
      return;
    }
    if (std::optional<LogLine> log = ParseLogLine(t)) {
      CloseBlock();
      ReadLog(number, *log);
      return;
    }
    if (IsBanner(t)) {
      if (!banner_line_) banner_line_ = number;
      CloseBlock();
      CloseRun();
      run_ = RunState{};
      return;
    }
    if (t.starts_with("Traceback (most recent call last)")) {
      CloseBlock();
      traceback_line_ = number;
      return;
    }
    if (FieldValue(t, "Protocol")) {  // always the first line of a block
      CloseBlock();
      OpenBlock(number);
      return;
    }
    if (FieldValue(t, "Provider")) {
      if (block_.has_provider || block_.uuid_line || block_.bindings_header) CloseBlock();
      OpenBlock(number);
      block_.has_provider = true;
      return;
    }
    if (std::optional<std::string_view> value = FieldValue(t, "UUID")) {
      if (block_.uuid_line || block_.bindings_header) CloseBlock();
      OpenBlock(number);
      ReadInterface(number, *value);
      return;
    }
    if (FieldValue(t, "Bindings")) {
      OpenBlock(number);
      block_.bindings_header = true;
      return;
    }
    if (block_.bindings_header && SplitBinding(t)) {  // a binding whose indent was lost
      ReadBinding(number, t);
      return;
    }
    if (IsOldFormat(t)) {
      saw_listing_ = true;
      diag_.SkipLine(doc_.name, number, "rpcdump.old_format",
                     fmt::format("'{}' is the output of impacket before 0.9.10, which highport "
                                 "does not read; run a current rpcdump.py",
                                 Abbreviate(t)));
      return;
    }
    diag_.SkipLine(doc_.name, number, "rpcdump.not_a_line",
                   fmt::format("not a line of rpcdump output: '{}'", Abbreviate(t)));
  }

  void ReadLog(uint64_t number, const LogLine& log) {
    const Message& m = log.message;
    if (m.kind != MessageKind::kChatter && m.kind != MessageKind::kOther) saw_listing_ = true;
    switch (m.kind) {
      case MessageKind::kRetrieving:
        CloseRun();
        StartRun(number, m.value);
        return;
      case MessageKind::kProtocolFailed:
        run_.failed = true;
        diag_.Report({Finding::Severity::kWarning, "rpcdump.protocol_failed",
                      SourceRef{doc_.name, number},
                      fmt::format("rpcdump could not read the endpoint mapper{}: {}", OnHost(),
                                  Abbreviate(m.value))});
        return;
      case MessageKind::kReceived:
        CheckCount(number, m.count);
        return;
      case MessageKind::kNoEndpoints:
        if (run_.bindings > 0) {
          CheckCount(number, 0);
        } else if (!run_.failed) {
          diag_.Note(doc_.name, number, "rpcdump.no_endpoints",
                     fmt::format("the endpoint mapper{} listed no endpoints", OnHost()));
        }
        run_.counted = true;
        return;
      case MessageKind::kChatter:
        return;
      case MessageKind::kOther:
        // Info and debug chatter says nothing about the listing; warnings and
        // errors are shown, since they may explain a short one.
        if (log.level == '!' || log.level == '-') {
          diag_.Note(doc_.name, number, "rpcdump.message",
                     fmt::format("rpcdump said: {}", Abbreviate(m.value.empty() ? "?" : m.value)));
        }
        return;
    }
  }

  void StartRun(uint64_t number, std::string_view host) {
    run_ = RunState{};
    run_.host = std::string(host);
    run_.host_address = IpAddress::Parse(host);
    if (out_.host.empty()) {
      out_.host = run_.host;
    } else if (out_.host != run_.host && !other_host_line_) {
      other_host_line_ = number;
      other_host_ = run_.host;
    }
  }

  std::string OnHost() const { return run_.host.empty() ? "" : " of " + run_.host; }

  void CheckCount(uint64_t number, uint64_t received) {
    run_.counted = true;
    if (received == run_.bindings) return;
    if (received > run_.bindings) {
      diag_.Report({Finding::Severity::kWarning, "rpcdump.count_mismatch",
                    SourceRef{doc_.name, number},
                    fmt::format("rpcdump received {} endpoint(s) but the file lists {} "
                                "binding(s): {} missing (output cut short or edited?)",
                                received, run_.bindings, received - run_.bindings)});
    } else {
      diag_.Note(doc_.name, number, "rpcdump.count_mismatch",
                 fmt::format("rpcdump received {} endpoint(s) but the file lists {} binding(s)",
                             received, run_.bindings));
    }
  }

  void CloseRun() {
    if (run_.counted || run_.bindings == 0) return;
    diag_.Note(doc_.name, run_.last_binding_line, "rpcdump.no_count",
               fmt::format("no 'Received N endpoints.' line after the {} binding(s) of this "
                           "listing: it may be cut short",
                           run_.bindings));
    run_.counted = true;
  }

  void OpenBlock(uint64_t number) {
    saw_listing_ = true;
    if (block_.open) return;
    block_ = Block{};
    block_.open = true;
    block_.first_line = number;
  }

  void CloseBlock() {
    if (!block_.open) return;
    if (!block_.uuid_line && block_.bindings == 0) {
      diag_.SkipLine(doc_.name, block_.first_line, "rpcdump.truncated_block",
                     "interface block without a UUID line or bindings (output cut short?)");
    } else if (block_.interface && block_.bindings == 0) {
      const Interface& i = *block_.interface;
      diag_.SkipLine(doc_.name, block_.uuid_line, "rpcdump.no_bindings",
                     fmt::format("interface {} v{}.{} has no bindings (output cut short?)", i.uuid,
                                 i.major, i.minor));
    }
    block_ = Block{};
  }

  void ReadInterface(uint64_t number, std::string_view value) {
    block_.uuid_line = number;
    block_.interface = ParseInterface(value);
    if (!block_.interface) {
      diag_.SkipLine(doc_.name, number, "rpcdump.bad_uuid",
                     fmt::format("'{}' is not a UUID and a version such as "
                                 "'12345778-1234-abcd-ef00-0123456789ac v1.0'",
                                 Abbreviate(value)));
    }
  }

  void ReadBinding(uint64_t number, std::string_view t) {
    ++run_.bindings;
    run_.last_binding_line = number;
    ++block_.bindings;
    if (!block_.interface) {
      std::string why = block_.uuid_line
                            ? fmt::format("the UUID line of its block (line {}) could not be read",
                                          block_.uuid_line)
                            : std::string("its block has no UUID line");
      diag_.SkipLine(doc_.name, number, "rpcdump.no_interface",
                     fmt::format("binding '{}' skipped: {}", Abbreviate(t), why));
      return;
    }
    if (IsIncompleteTower(t)) {
      diag_.SkipLine(doc_.name, number, "rpcdump.incomplete_tower",
                     fmt::format("rpcdump could not print this tower whole ('{}'): no protocol "
                                 "and endpoint to read",
                                 Abbreviate(t)));
      return;
    }
    std::optional<BindingText> b = SplitBinding(t);
    if (!b) {
      diag_.SkipLine(doc_.name, number, "rpcdump.bad_binding",
                     fmt::format("'{}' is not a binding such as 'ncacn_ip_tcp:10.0.0.5[49664]'",
                                 Abbreviate(t)));
      return;
    }
    const Interface& i = *block_.interface;
    RpcRegistration r;
    r.host = run_.host;
    r.uuid = i.uuid;
    r.version_major = i.major;
    r.version_minor = i.minor;
    r.annotation = i.annotation;
    r.protocol = std::string(b->protocol);
    r.address_text = std::string(b->address);
    r.binding = std::string(t);
    r.source = SourceRef{doc_.name, number};
    if (std::optional<Proto> proto = IpProtocol(b->protocol)) {
      // ncacn_http towers carry only a port; options after a comma are not ours.
      std::string_view port_text = b->endpoint.substr(0, b->endpoint.find(','));
      std::optional<uint16_t> port = ParsePort(port_text);
      if (!port) {
        diag_.SkipLine(doc_.name, number, "rpcdump.bad_port",
                       fmt::format("port '{}' of '{}' is not a number from 0 to 65535",
                                   Abbreviate(b->endpoint), Abbreviate(t)));
        return;
      }
      std::optional<IpAddress> address = IpAddress::Parse(b->address);
      bool any = address ? address->is_unspecified() : b->address.empty();
      if (any && run_.host_address) address = run_.host_address;
      if (address) {
        r.endpoint = Endpoint{*address, *proto, *port};
      } else {
        Count(named_addresses_, number, t);
      }
    } else if (b->protocol == "ncacn_np" || b->protocol == "ncalrpc") {
      r.pipe = std::string(b->endpoint);
    } else if (!IsOtherKnownProtocol(b->protocol)) {
      Count(unknown_protocols_[std::string(b->protocol)], number, t);
    }
    out_.rpc_registrations.push_back(std::move(r));
    ++out_.lines_read;
  }

  static void Count(Tally& tally, uint64_t number, std::string_view example) {
    if (tally.count++ == 0) {
      tally.first_line = number;
      tally.example = Abbreviate(example);
    }
  }

  void EndTraceback(std::string_view exception) {
    diag_.Report({Finding::Severity::kWarning, "rpcdump.traceback",
                  SourceRef{doc_.name, traceback_line_},
                  fmt::format("rpcdump stopped with a Python error: {}",
                              exception.empty() ? "(no exception line)" : Abbreviate(exception))});
    traceback_line_ = 0;
  }

  void ReportSummaries() {
    if (named_addresses_.count > 0) {
      diag_.Note(doc_.name, named_addresses_.first_line, "rpcdump.named_address",
                 fmt::format("{} IP binding(s) name a host or no address, not an address "
                             "(e.g. '{}'); kept without an endpoint",
                             named_addresses_.count, named_addresses_.example));
    }
    for (const auto& [protocol, tally] : unknown_protocols_) {
      diag_.Note(doc_.name, tally.first_line, "rpcdump.unknown_protocol",
                 fmt::format("{} binding(s) of protocol '{}' (e.g. '{}'); kept as written",
                             tally.count, protocol, tally.example));
    }
    if (other_host_line_) {
      diag_.Note(doc_.name, other_host_line_, "rpcdump.several_hosts",
                 fmt::format("this file holds the listings of several hosts ({}, {}, ...); each "
                             "registration names its own",
                             out_.host, other_host_));
    }
  }

  const text::TextDocument& doc_;
  SocketInventory& out_;
  Diagnostics& diag_;
  Block block_;
  RunState run_;
  uint64_t traceback_line_ = 0;  // inside a Python traceback that starts here
  Tally named_addresses_;
  std::map<std::string, Tally> unknown_protocols_;
  uint64_t other_host_line_ = 0;
  std::string other_host_;
  bool saw_listing_ = false;  // a run, a block or a count: more than a banner
  uint64_t banner_line_ = 0;
};

}  // namespace

int ProbeRpcdump(const text::TextDocument& doc) {
  bool banner = false;
  int examined = 0;
  for (const std::string& line : doc.lines) {
    std::string_view t = text::Trim(line);
    if (t.empty()) continue;
    if (++examined > 80) break;
    if (IsBanner(t)) {
      banner = true;
      continue;
    }
    std::optional<LogLine> log = ParseLogLine(t);
    if (log && log->message.kind == MessageKind::kRetrieving) return 95;
    std::optional<std::string_view> uuid = FieldValue(t, "UUID");
    if (uuid && ParseInterface(*uuid)) return 95;
  }
  // impacket's banner alone: an rpcdump that failed before it printed anything.
  return banner ? 60 : 0;
}

void ReadRpcdump(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diagnostics) {
  RpcdumpReader(doc, out, diagnostics).Run();
}

}  // namespace highport::ingest
