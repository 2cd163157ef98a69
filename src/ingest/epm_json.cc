// What `highport epm --format json` wrote (report/epm_report.cc, docs/epm.md),
// read back as evidence, like an rpcdump file:
//
//   [{"host": "dc01", "address": "10.0.0.5", "status": "ok", ...,
//     "interfaces": [{"uuid": "12345678-1234-abcd-ef00-01234567cffb", "version": "1.0",
//                     "annotation": "", ...,
//                     "bindings": [{"protocol": "ncacn_ip_tcp", "address": "10.0.0.5",
//                                   "port": 49664, "binding": "ncacn_ip_tcp:10.0.0.5[49664]"},
//                                  {"protocol": "ncacn_np", "address": "\\\\DC01",
//                                   "pipe": "\\pipe\\lsass", ...}]}],
//     "tcp_ports": [...], "notes": []}]
//
// Every binding becomes one RpcRegistration, in the order of the file. The
// writer groups bindings by interface and drops repeated ones, so a listing
// read back has as many registrations as distinct bindings, not as "entries".
// "tcp_ports", the catalog's names and the counters are derived from the
// bindings and not read. A binding's address is the one the endpoint mapper
// gave; where it is 0.0.0.0 or missing, the host's "address" (or its "host",
// when that is an address) takes its place, as net/epm_client does for a live
// lookup. An IP binding whose address is a name, or that has no port, is kept
// without an endpoint.
//
// Only complete listings count: a host whose status is not "ok" (refused,
// timeout, error) adds nothing but a note, since a partial listing would make
// its missing interfaces look absent.
//
// The file is untrusted: each value of the wrong type, out of range or
// missing is a finding named by its JSON pointer and the line where it
// stands (epm_json_lines.h), the record it belongs to is skipped, and the
// rest is read.
#include "ingest/epm_json.h"

#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "fmt/format.h"
#include "ingest/epm_json_lines.h"
#include "nlohmann/json.hpp"
#include "rpc/epm_types.h"

namespace highport::ingest {
namespace {

using nlohmann::json;

// "/0/interfaces/3/bindings/1/port": a binding's members are six levels deep.
constexpr size_t kKeptDepth = 6;
// Deeper than any listing: refused before nlohmann builds it.
constexpr size_t kMaxDepth = 64;

std::string Abbreviate(std::string_view s, size_t most = 60) {
  return s.size() <= most ? std::string(s) : std::string(s.substr(0, most - 3)) + "...";
}

// nlohmann's DOM builder, keeping the offset and text of a syntax error
// instead of throwing.
class DomParser : public nlohmann::detail::json_sax_dom_parser<json> {
 public:
  explicit DomParser(json& root) : json_sax_dom_parser(root, /*allow_exceptions_=*/false) {}

  template <typename Exception>
  bool parse_error(size_t offset, const std::string& /*last_token*/, const Exception& e) {
    error_offset = offset;
    error = e.what();
    return false;
  }

  size_t error_offset = 0;
  std::string error;
};

// "[json.exception.parse_error.101] parse error at line 3, column 5: syntax
// error while parsing value - invalid literal; last read: 'x'": the reason only.
std::string ParseErrorReason(std::string_view what) {
  if (size_t bracket = what.find("] "); bracket != std::string_view::npos) {
    what.remove_prefix(bracket + 2);
  }
  if (what.starts_with("parse error at line ")) {
    if (size_t colon = what.find(": "); colon != std::string_view::npos) {
      what.remove_prefix(colon + 2);
    }
  }
  return Abbreviate(what, 120);
}

// "4.0": MAJOR.MINOR, each 0 to 65535.
std::optional<std::pair<uint16_t, uint16_t>> ParseVersion(std::string_view t) {
  size_t dot = t.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view n) -> std::optional<uint16_t> {
    uint16_t value = 0;
    if (n.empty() || n.size() > 5 || n[0] < '0' || n[0] > '9') return std::nullopt;
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
    if (ec != std::errc() || end != n.data() + n.size()) return std::nullopt;
    return value;
  };
  std::optional<uint16_t> major = number(t.substr(0, dot));
  std::optional<uint16_t> minor = number(t.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return std::make_pair(*major, *minor);
}

// "ncacn_ip_tcp", "unknown_proto_0x12": lowercase, digits, underscores.
bool IsProtseq(std::string_view t) {
  if (t.empty() || t.size() > 32 || t[0] < 'a' || t[0] > 'z') return false;
  return t.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string_view::npos;
}

std::optional<Proto> IpProtocol(std::string_view protocol) {
  if (protocol == "ncacn_ip_tcp" || protocol == "ncacn_http") return Proto::kTcp;
  if (protocol == "ncadg_ip_udp") return Proto::kUdp;
  return std::nullopt;
}

// "a string", "an array": what a value is, for messages.
std::string Kind(const json& value) {
  std::string_view name = value.type_name();
  bool vowel = !name.empty() && std::string_view("aeiou").find(name[0]) != std::string_view::npos;
  return fmt::format("{} {}", vowel ? "an" : "a", name);
}

struct HostContext {
  std::string name;                   // "host"
  std::optional<IpAddress> address;   // "address", else "host" when it is one
};


class EpmJsonReader {
 public:
  EpmJsonReader(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diag)
      : doc_(doc), out_(out), diag_(diag) {}

  void Run() {
    std::string text;
    for (const std::string& line : doc_.lines) {
      text += line;
      text += '\n';
    }
    lines_ = JsonLines(text, kKeptDepth);
    if (lines_.deepest() > kMaxDepth) {
      diag_.SkipLine(doc_.name, lines_.deepest_line(), "epm_json.too_deep",
                     fmt::format("values nested {} deep; an endpoint-mapper listing is {} deep, "
                                 "nothing read",
                                 lines_.deepest(), kKeptDepth));
      return;
    }
    json root;
    DomParser parser(root);
    if (!json::sax_parse(text, &parser)) {
      uint64_t line = 1;
      for (size_t i = 0; i < std::min(parser.error_offset, text.size()); ++i) line += text[i] == '\n';
      diag_.SkipLine(doc_.name, std::min<uint64_t>(line, doc_.lines.size()), "epm_json.not_json",
                     fmt::format("not JSON ({}); nothing read", ParseErrorReason(parser.error)));
      return;
    }
    if (!root.is_array()) {
      Skip("", "epm_json.not_an_array",
           fmt::format("{}, not the array of hosts that highport epm --format json writes",
                       Kind(root)));
      return;
    }
    for (size_t i = 0; i < root.size(); ++i) ReadHost(root[i], fmt::format("/{}", i));
    if (root.size() == 1 && root[0].is_object()) {
      auto host = root[0].find("host");
      if (host != root[0].end() && host->is_string()) out_.host = host->get<std::string>();
    }
    ReportSummaries();
  }

 private:
  struct Tally {
    size_t count = 0;
    std::string first_pointer;
  };

  void Skip(const std::string& pointer, std::string id, const std::string& reason) {
    diag_.SkipLine(doc_.name, lines_.LineOf(pointer), std::move(id),
                   fmt::format("{}: {}", pointer.empty() ? "/" : pointer, reason));
  }

  void Note(const std::string& pointer, std::string id, const std::string& reason) {
    diag_.Note(doc_.name, lines_.LineOf(pointer), std::move(id),
               fmt::format("{}: {}", pointer.empty() ? "/" : pointer, reason));
  }

  // The string member `key` of `object`; a finding when it is missing (and
  // `required`) or not a string. A required one missing is a skip, an
  // optional one of the wrong type a note.
  const std::string* StringMember(const json& object, const char* key, const std::string& pointer,
                                  bool required, std::string_view consequence) {
    std::string at = pointer + "/" + key;
    auto it = object.find(key);
    if (it == object.end()) {
      if (required) Skip(at, "epm_json.missing", fmt::format("missing; {}", consequence));
      return nullptr;
    }
    if (!it->is_string()) {
      std::string reason = fmt::format("{}, not a string; {}", Kind(*it), consequence);
      if (required) {
        Skip(at, "epm_json.wrong_type", reason);
      } else {
        Note(at, "epm_json.wrong_type", reason);
      }
      return nullptr;
    }
    return &it->get_ref<const std::string&>();
  }

  // The array member `key`; a skip when it is missing or not an array.
  const json* ArrayMember(const json& object, const char* key, const std::string& pointer,
                          std::string_view consequence) {
    std::string at = pointer + "/" + key;
    auto it = object.find(key);
    if (it == object.end()) {
      Skip(at, "epm_json.missing", fmt::format("missing; {}", consequence));
      return nullptr;
    }
    if (!it->is_array()) {
      Skip(at, "epm_json.wrong_type", fmt::format("{}, not an array; {}", Kind(*it), consequence));
      return nullptr;
    }
    return &*it;
  }

  void ReadHost(const json& h, const std::string& pointer) {
    if (!h.is_object()) {
      Skip(pointer, "epm_json.not_an_object", fmt::format("{}, not a host object", Kind(h)));
      return;
    }
    HostContext host;
    if (const std::string* name = StringMember(h, "host", pointer, false, "the host has no name")) {
      host.name = *name;
    } else if (h.find("host") == h.end()) {
      Note(pointer + "/host", "epm_json.missing", "missing; the host has no name");
    }
    const std::string* address = StringMember(h, "address", pointer, false, "address ignored");
    if (address) host.address = IpAddress::Parse(*address);
    if (!host.address) host.address = IpAddress::Parse(host.name);
    std::string label = !host.name.empty() ? host.name
                        : address          ? *address
                                           : pointer;
    const std::string* status =
        StringMember(h, "status", pointer, true, "the listing is not used, it may be incomplete");
    if (!status) return;
    if (*status != "ok") {
      const std::string* detail = StringMember(h, "detail", pointer, false, "detail ignored");
      Note(pointer + "/status", "epm_json.host_not_ok",
           fmt::format("{}: endpoint mapper {}{}; its listing is not used", Abbreviate(label),
                       Abbreviate(*status),
                       detail && !detail->empty() ? " (" + Abbreviate(*detail, 160) + ")" : ""));
      return;
    }
    const json* interfaces =
        ArrayMember(h, "interfaces", pointer, "nothing read from this host");
    if (!interfaces) return;
    for (size_t j = 0; j < interfaces->size(); ++j) {
      ReadInterface((*interfaces)[j], fmt::format("{}/interfaces/{}", pointer, j), host);
    }
  }

  void ReadInterface(const json& i, const std::string& pointer, const HostContext& host) {
    if (!i.is_object()) {
      Skip(pointer, "epm_json.not_an_object", fmt::format("{}, not an interface object", Kind(i)));
      return;
    }
    auto bindings_it = i.find("bindings");
    size_t count = bindings_it != i.end() && bindings_it->is_array() ? bindings_it->size() : 0;
    std::string lost = fmt::format("its {} binding(s) are skipped", count);
    // What every binding of the interface shares.
    RpcRegistration shared;
    shared.host = host.name;
    const std::string* uuid = StringMember(i, "uuid", pointer, true, lost);
    if (!uuid) return;
    std::optional<rpc::Uuid> parsed = rpc::Uuid::Parse(*uuid);
    if (!parsed) {
      Skip(pointer + "/uuid", "epm_json.bad_uuid",
           fmt::format("'{}' is not a UUID such as '12345778-1234-abcd-ef00-0123456789ac'; {}",
                       Abbreviate(*uuid), lost));
      return;
    }
    shared.uuid = parsed->ToString();
    const std::string* version = StringMember(i, "version", pointer, true, lost);
    if (!version) return;
    std::optional<std::pair<uint16_t, uint16_t>> v = ParseVersion(*version);
    if (!v) {
      Skip(pointer + "/version", "epm_json.bad_version",
           fmt::format("'{}' is not MAJOR.MINOR such as '1.0'; {}", Abbreviate(*version), lost));
      return;
    }
    shared.version_major = v->first;
    shared.version_minor = v->second;
    if (const std::string* annotation =
            StringMember(i, "annotation", pointer, false, "annotation ignored")) {
      shared.annotation = *annotation;
    }
    const json* bindings = ArrayMember(i, "bindings", pointer, "the interface has no bindings");
    if (!bindings) return;
    for (size_t k = 0; k < bindings->size(); ++k) {
      ReadBinding((*bindings)[k], fmt::format("{}/bindings/{}", pointer, k), host, shared);
    }
  }

  void ReadBinding(const json& b, const std::string& pointer, const HostContext& host,
                   const RpcRegistration& shared) {
    if (!b.is_object()) {
      Skip(pointer, "epm_json.not_an_object", fmt::format("{}, not a binding object", Kind(b)));
      return;
    }
    const std::string* protocol = StringMember(b, "protocol", pointer, true, "binding skipped");
    if (!protocol) return;
    if (!IsProtseq(*protocol)) {
      Skip(pointer + "/protocol", "epm_json.bad_protocol",
           fmt::format("'{}' is not a protocol sequence such as 'ncacn_ip_tcp'; binding skipped",
                       Abbreviate(*protocol)));
      return;
    }
    RpcRegistration r = shared;
    r.protocol = *protocol;
    const std::string* address = StringMember(b, "address", pointer, false, "address ignored");
    if (address) r.address_text = *address;
    if (const std::string* pipe = StringMember(b, "pipe", pointer, false, "pipe ignored")) {
      r.pipe = *pipe;
    }
    if (std::optional<Proto> proto = IpProtocol(r.protocol)) {
      auto port = b.find("port");
      if (port == b.end()) {
        Count(no_port_, pointer);
      } else if (!port->is_number_unsigned() || port->get<uint64_t>() > 65535) {
        std::string what = port->is_number() ? port->dump() + " is" : Kind(*port) + ",";
        Skip(pointer + "/port", "epm_json.bad_port",
             fmt::format("{} not a port number from 0 to 65535; binding skipped", what));
        return;
      } else {
        std::optional<IpAddress> ip = IpAddress::Parse(r.address_text);
        bool any = ip ? ip->is_unspecified() : r.address_text.empty();
        if (any) ip = host.address;
        if (ip) {
          r.endpoint = Endpoint{*ip, *proto, port->get<uint16_t>()};
          r.address_text = ip->ToString();
        } else {
          Count(named_address_, pointer);
        }
      }
    }
    if (const std::string* binding =
            StringMember(b, "binding", pointer, false, "rebuilt from the other members")) {
      r.binding = *binding;
    } else {
      std::string endpoint = r.endpoint ? std::to_string(r.endpoint->port) : r.pipe;
      r.binding = fmt::format("{}:{}[{}]", r.protocol, r.address_text, endpoint);
    }
    // The "binding" line reads best in a message; the object's line when there is none.
    r.source = SourceRef{doc_.name, lines_.LineOf(pointer + "/binding")};
    out_.rpc_registrations.push_back(std::move(r));
    ++out_.lines_read;
  }

  static void Count(Tally& tally, const std::string& pointer) {
    if (tally.count++ == 0) tally.first_pointer = pointer;
  }

  void ReportSummaries() {
    if (no_port_.count > 0) {
      Note(no_port_.first_pointer, "epm_json.no_port",
           fmt::format("{} IP binding(s) without a port, e.g. this one; kept without an endpoint",
                       no_port_.count));
    }
    if (named_address_.count > 0) {
      Note(named_address_.first_pointer, "epm_json.named_address",
           fmt::format("{} IP binding(s) without an address to use (a host name, or 0.0.0.0 "
                       "of a host that names no address), e.g. this one; kept without an endpoint",
                       named_address_.count));
    }
  }

  const text::TextDocument& doc_;
  SocketInventory& out_;
  Diagnostics& diag_;
  JsonLines lines_;
  Tally no_port_;
  Tally named_address_;
};

}  // namespace

int ProbeEpmJson(const text::TextDocument& doc) {
  constexpr size_t kHead = 8192;
  std::string head;
  for (size_t i = 0; i < doc.lines.size() && head.size() < kHead; ++i) {
    head.append(doc.lines[i], 0, kHead - head.size());
    head += '\n';
  }
  size_t start = head.find_first_not_of(" \t\r\n");
  if (start == std::string::npos || head[start] != '[') return 0;
  // The members of the first host; a prefix is enough for JsonLines.
  JsonLines lines(head, 2);
  if (!lines.Has("/0/host")) return 0;
  return lines.Has("/0/interfaces") || lines.Has("/0/tcp_ports") ? 95 : 0;
}

void ReadEpmJson(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diagnostics) {
  EpmJsonReader(doc, out, diagnostics).Run();
}

}  // namespace highport::ingest
