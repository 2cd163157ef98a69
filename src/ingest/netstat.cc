// Windows netstat, as -ano, -anob, -ao, -an or -b write it, in any display
// language and code page.
//
// A socket row is "PROTO LOCAL FOREIGN [STATE...] [PID] [OFFLOAD]": the
// protocol is always TCP or UDP, the addresses never contain spaces, so rows
// are split at whitespace rather than at the fixed columns, which long IPv6
// addresses and resolved names overflow. The state may be one word or two
// ("IN ASCOLTO"); a trailing number is the PID (-o); a trailing InHost or
// Offloaded is the offload state (-t). Words we do not know are judged by the
// foreign address: 0.0.0.0:0, [::]:0, *:* and NAME:0 mean listening.
//
// -b adds owner lines under each row: indented service names ("  RpcSs"), the
// image in brackets (" [svchost.exe]"), or one sentence saying the owner is
// unknown ("Can not obtain ownership information", localised).
//
// Titles and the column header are localised too, so they are recognised by
// shape: unindented text before the first row is a title; an indented line
// starting with "Proto" is the header.
#include "ingest/netstat.h"

#include <algorithm>

#include <charconv>
#include <map>

#include "fmt/format.h"
#include "ingest/netstat_state.h"
#include "text/strings.h"

namespace highport::ingest {
namespace {

bool IsProtoToken(std::string_view t) { return t == "TCP" || t == "UDP"; }

bool IsAllDigits(std::string_view t) {
  if (t.empty() || t.size() > 10) return false;
  for (char c : t) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsOffloadState(std::string_view t) {
  return t == "InHost" || t == "Offloaded" || t == "Offloading" || t == "Uploading";
}

// A foreign address that says "nobody": the mark of a listener in any language.
bool IsWildcardPeer(std::string_view foreign) {
  if (foreign == "*:*") return true;
  std::optional<HostPortText> hp = SplitHostPort(foreign);
  return hp && (hp->port == "0" || hp->port == "*");
}

// Is this a line that netstat writes as a socket row (not necessarily valid)?
bool LooksLikeRow(const std::vector<std::string_view>& tokens) {
  return tokens.size() >= 3 && IsProtoToken(tokens[0]) &&
         tokens[1].find(':') != std::string_view::npos;
}

class NetstatReader {
 public:
  NetstatReader(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diag)
      : doc_(doc), out_(out), diag_(diag) {}

  void Run() {
    for (size_t i = 0; i < doc_.lines.size(); ++i) ReadLine(i + 1, doc_.lines[i]);
    // netstat lists listening sockets only with -a: without them the file
    // tells nothing of what a host offers, and "0 listeners" must not read
    // as a host that offers nothing.
    if (seen_row_ && std::none_of(out_.sockets.begin(), out_.sockets.end(),
                                  [](const Socket& s) { return s.IsListener(); })) {
      diag_.Note(doc_.name, 0, "netstat.no_listeners",
                 "no listening socket in it: netstat lists them only with -a; take `netstat "
                 "-ano` (and -b for the process names) to see what the host offers");
    }
    for (const auto& [word, line] : unknown_states_) {
      diag_.Note(doc_.name, line, "netstat.unknown_state",
                 fmt::format("state '{}' is not in the language table; rows with it were "
                             "judged by their foreign address",
                             word));
    }
  }

 private:
  void ReadLine(uint64_t number, std::string_view line) {
    std::string_view trimmed = text::Trim(line);
    if (trimmed.empty()) {
      last_row_ = -1;  // owner lines never follow a blank line
      return;
    }
    std::vector<std::string_view> tokens = text::SplitWhitespace(trimmed);
    if (LooksLikeRow(tokens)) {
      ReadRow(number, tokens);
      return;
    }
    bool indented = line.front() == ' ' || line.front() == '\t';
    if (indented && text::StartsWithIgnoreCase(tokens[0], "Proto")) return;  // column header
    // A row cut short ("TCP 0.0.0.0:5000" at the end of a copy) is no owner
    // line of the row above it.
    if (seen_row_ && IsProtoToken(tokens[0])) {
      last_row_ = -1;
      diag_.SkipLine(doc_.name, number, "netstat.short_row",
                     fmt::format("too few columns: '{}'", Abbreviate(trimmed)));
      return;
    }
    if (indented && last_row_ >= 0) {
      ReadOwnerLine(trimmed, tokens);
      return;
    }
    if (!seen_row_) return;  // title ("Active Connections", "Aktive Verbindungen", ...)
    if (IsProtoToken(tokens[0])) {
      diag_.SkipLine(doc_.name, number, "netstat.short_row",
                     fmt::format("too few columns: '{}'", trimmed));
    } else {
      diag_.SkipLine(doc_.name, number, "netstat.not_a_row",
                     fmt::format("not a netstat row: '{}'", Abbreviate(trimmed)));
    }
  }

  void ReadRow(uint64_t number, std::vector<std::string_view> tokens) {
    seen_row_ = true;
    last_row_ = -1;
    Socket s;
    s.source = SourceRef{doc_.name, number};
    s.local.proto = tokens[0] == "TCP" ? Proto::kTcp : Proto::kUdp;

    std::optional<Endpoint> local = ParseEndpoint(tokens[1], s.local.proto);
    if (!local) {
      diag_.SkipLine(doc_.name, number, "netstat.bad_local_address",
                     fmt::format("local address '{}' is not a numeric address:port "
                                 "(netstat without -n writes names; use netstat -ano)",
                                 tokens[1]));
      return;
    }
    s.local = *local;

    std::string_view foreign = tokens[2];
    if (foreign != "*:*") {
      if (std::optional<Endpoint> remote = ParseEndpoint(foreign, s.local.proto)) {
        if (!(remote->port == 0 && (remote->address.is_unspecified()))) s.remote = remote;
      }
      if (!s.remote && !IsWildcardPeer(foreign)) s.remote_text = std::string(foreign);
    }

    std::vector<std::string_view> rest(tokens.begin() + 3, tokens.end());
    if (!rest.empty() && IsOffloadState(rest.back())) rest.pop_back();
    if (!rest.empty() && IsAllDigits(rest.back())) {
      uint32_t pid = 0;
      std::from_chars(rest.back().data(), rest.back().data() + rest.back().size(), pid);
      s.pid = pid;
      rest.pop_back();
    }
    for (std::string_view word : rest) {
      if (!s.state_text.empty()) s.state_text += ' ';
      s.state_text += word;
    }

    if (s.local.proto == Proto::kUdp) {
      s.state = SocketState::kUnconnected;
      if (s.remote) s.state = SocketState::kEstablished;
    } else if (s.state_text.empty()) {
      diag_.SkipLine(doc_.name, number, "netstat.no_state",
                     fmt::format("TCP row without a state: '{}'", tokens[1]));
      return;
    } else {
      s.state = NetstatStateFromWord(s.state_text);
      if (s.state == SocketState::kUnknown) {
        unknown_states_.try_emplace(s.state_text, number);
        if (IsWildcardPeer(foreign)) s.state = SocketState::kListen;
      }
    }
    if (s.state == SocketState::kListen) s.remote.reset();
    out_.sockets.push_back(std::move(s));
    ++out_.lines_read;
    last_row_ = static_cast<long>(out_.sockets.size()) - 1;
  }

  void ReadOwnerLine(std::string_view trimmed, const std::vector<std::string_view>& tokens) {
    Socket& s = out_.sockets[static_cast<size_t>(last_row_)];
    if (trimmed.size() >= 2 && trimmed.front() == '[' && trimmed.back() == ']') {
      s.process = std::string(trimmed.substr(1, trimmed.size() - 2));
    } else if (tokens.size() == 1) {
      s.services.emplace_back(trimmed);
    } else {
      s.owner_unavailable = true;  // "Can not obtain ownership information", localised
    }
  }

  static std::optional<Endpoint> ParseEndpoint(std::string_view text, Proto proto) {
    std::optional<HostPortText> hp = SplitHostPort(text);
    if (!hp) return std::nullopt;
    std::optional<IpAddress> address = IpAddress::Parse(hp->host);
    std::optional<uint16_t> port = ParsePort(hp->port);
    if (!address || !port) return std::nullopt;
    return Endpoint{*address, proto, *port};
  }

  static std::string Abbreviate(std::string_view s) {
    return s.size() <= 60 ? std::string(s) : std::string(s.substr(0, 57)) + "...";
  }

  const text::TextDocument& doc_;
  SocketInventory& out_;
  Diagnostics& diag_;
  bool seen_row_ = false;
  long last_row_ = -1;  // the row owner lines belong to
  std::map<std::string, uint64_t> unknown_states_;
};

}  // namespace

int ProbeNetstat(const text::TextDocument& doc) {
  int rows = 0;
  int examined = 0;
  bool header = false;
  for (const std::string& line : doc.lines) {
    std::vector<std::string_view> tokens = text::SplitWhitespace(line);
    if (tokens.empty()) continue;
    if (++examined > 60) break;
    if (tokens[0] == "Proto" || tokens[0] == "Proto.") header = true;
    if (LooksLikeRow(tokens) && SplitHostPort(tokens[1])) ++rows;
  }
  if (rows == 0) return 0;
  return header ? 90 : 70;
}

void ReadNetstat(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diagnostics) {
  NetstatReader(doc, out, diagnostics).Run();
}

}  // namespace highport::ingest
