// Linux ss (iproute2), as `ss -tulpn`, -tlnp, -ulpn, -tan and the like write it.
//
// A row is "[NETID] STATE RECV-Q SEND-Q LOCAL PEER [PROCESS]". ss prints the
// Netid column only when more than one protocol was asked for (-tu), so a row
// starts either with a lowercase netid ("tcp", "udp", "u_str") or with an
// uppercase state ("LISTEN", "UNCONN", "ESTAB"): the case tells which, row by
// row. Without a netid the protocol comes from the states of the section (the
// rows under one header, or the whole file): a state only TCP has (LISTEN,
// TIME-WAIT, ...) means tcp; else UNCONN means udp; else, ESTAB alone, tcp is
// assumed (`ss -tn` is far more common than `ss -un`) and a note says so.
//
// Columns are padded to line up, so a row is split at whitespace, all but
// the process column: `users:(("node /opt/nexus",pid=929814,fd=23),...)`
// quotes the process name, which may hold spaces and commas, so that column
// is read from "users:(" to its closing parenthesis by a small parser.
// Several owners per socket are normal (forked nginx workers, systemd socket
// activation). ss lists the process it found last in /proc first, which is
// the highest pid; Socket.pid and .process take that first owner, as a reader
// of ss would, and every (pid, name) pair becomes a ProcessInfo. ss shows no
// owner for sockets of processes the user may not inspect (not root): when
// some rows have owners and others do not, the others are marked
// owner_unavailable.
//
// Addresses, as ss writes them today:
//     0.0.0.0:22   127.0.0.53%lo:53   [::]:111   [fe80::1]%eth0:546   *:80
// "%lo" is the device the socket is bound to, kept as the address's zone; a
// zone inside the brackets ("[fe80::1%eth0]:546") is read too. "*" is an IPv6
// socket on :: that also accepts IPv4 (IPV6_V6ONLY off). /proc/net/tcp6 shows
// that same socket as ::, so "*" becomes :: here, and this reader and the live
// source (proc_net_source.cc) name the socket alike. Older ss wrote "*" for
// 0.0.0.0 and IPv6 without brackets (":::22"); a document with an unbracketed
// IPv6 address is read that way. A peer with port "*" means no peer.
//
// The header is optional (-H), and its last two titles may run together
// ("Peer Address:PortProcess"), so only its first word is looked at. When ss
// wraps rows to the terminal's width, the process column lands on an indented
// line of its own; -e, -i and -m add indented detail lines. Such lines belong
// to the row above them.
#include "ingest/ss.h"

#include <charconv>
#include <map>
#include <set>
#include <utility>

#include "fmt/format.h"
#include "text/strings.h"

namespace highport::ingest {
namespace {

struct StateWord {
  std::string_view word;
  SocketState state;
  bool tcp_only;  // a state that a UDP socket never has
};

// ss's names (sstate_name in misc/ss.c); UNCONN is the kernel's CLOSE state.
constexpr StateWord kStates[] = {
    {"LISTEN", SocketState::kListen, true},
    {"UNCONN", SocketState::kUnconnected, false},
    {"ESTAB", SocketState::kEstablished, false},
    {"SYN-SENT", SocketState::kSynSent, true},
    {"SYN-RECV", SocketState::kSynReceived, true},
    {"FIN-WAIT-1", SocketState::kFinWait1, true},
    {"FIN-WAIT-2", SocketState::kFinWait2, true},
    {"TIME-WAIT", SocketState::kTimeWait, true},
    {"CLOSE-WAIT", SocketState::kCloseWait, true},
    {"LAST-ACK", SocketState::kLastAck, true},
    {"CLOSING", SocketState::kClosing, true},
    {"BOUND-INACTIVE", SocketState::kBound, true},
    {"UNKNOWN", SocketState::kUnknown, false},
};

const StateWord* FindState(std::string_view word) {
  for (const StateWord& s : kStates) {
    if (s.word == word) return &s;
  }
  return nullptr;
}

// "LISTEN", "SYN-RECV", and words a newer ss may add in the same style.
bool IsStateShape(std::string_view t) {
  if (t.empty() || t.size() > 20 || t[0] < 'A' || t[0] > 'Z') return false;
  for (char c : t) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// "tcp", "udp", "u_str", "p_raw", "icmp6", "mptcp": lowercase, short.
bool IsNetidShape(std::string_view t) {
  if (t.empty() || t.size() > 8 || t[0] < 'a' || t[0] > 'z') return false;
  for (char c : t) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool IsDigits(std::string_view t) {
  if (t.empty() || t.size() > 10) return false;
  for (char c : t) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<uint32_t> ParseU32(std::string_view t) {
  uint32_t value = 0;
  if (!IsDigits(t)) return std::nullopt;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return value;
}

std::string Abbreviate(std::string_view s) {
  return s.size() <= 60 ? std::string(s) : std::string(s.substr(0, 57)) + "...";
}

constexpr std::string_view kUsersPrefix = "users:(";

// The whitespace-separated columns of a line, up to the process column.
struct Columns {
  std::vector<std::string_view> tokens;
  std::string_view users;  // from "users:(" to the end of the line; empty if none
};

Columns SplitColumns(std::string_view line) {
  Columns c;
  size_t users = line.find(kUsersPrefix);
  if (users != std::string_view::npos) {
    c.users = line.substr(users);
    line = line.substr(0, users);
  }
  c.tokens = text::SplitWhitespace(line);
  return c;
}

// The fields of a line that has the shape of an ss socket row.
struct RowShape {
  std::string_view netid;  // empty: no Netid column
  std::string_view state;
  std::string_view local;
  std::string_view peer;
};

std::optional<RowShape> MatchRow(const std::vector<std::string_view>& tokens) {
  RowShape row;
  size_t i = 0;
  if (!tokens.empty() && IsNetidShape(tokens[0])) {
    row.netid = tokens[0];
    i = 1;
  }
  if (tokens.size() < i + 5) return std::nullopt;
  if (!IsStateShape(tokens[i]) || !IsDigits(tokens[i + 1]) || !IsDigits(tokens[i + 2])) {
    return std::nullopt;
  }
  row.state = tokens[i];
  row.local = tokens[i + 3];
  row.peer = tokens[i + 4];
  return row;
}

// A row of another socket family (unix, netlink, packet, raw): a netid and a
// state, then addresses that are not host:port.
bool IsOtherFamilyRow(const std::vector<std::string_view>& tokens) {
  return tokens.size() >= 2 && IsNetidShape(tokens[0]) && tokens[0] != "tcp" &&
         tokens[0] != "udp" && IsStateShape(tokens[1]);
}

bool IsHeader(const std::vector<std::string_view>& tokens) {
  return !tokens.empty() && (tokens[0] == "Netid" || tokens[0] == "State");
}

bool IsTcpOrUdp(std::string_view netid) { return netid == "tcp" || netid == "udp"; }

// An IPv6 address written without brackets: the older ss style.
bool IsUnbracketedV6(std::string_view address) {
  return !address.empty() && address.front() != '[' &&
         address.find(':') != address.rfind(':');
}

// The host part of an ss address (port already split off).
std::optional<IpAddress> ParseSsHost(std::string_view host, bool star_is_v4) {
  std::string zone;
  std::string_view base = host;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    base = host.substr(1, close - 1);
    std::string_view after = host.substr(close + 1);
    if (!after.empty()) {
      if (after.size() < 2 || after.front() != '%') return std::nullopt;
      if (base.find('%') != std::string_view::npos) return std::nullopt;  // two zones
      zone = std::string(after.substr(1));
    }
  } else if (!host.empty() && host.front() == '*') {
    std::string_view after = host.substr(1);
    if (!after.empty() && (after.size() < 2 || after.front() != '%')) return std::nullopt;
    base = star_is_v4 ? "0.0.0.0" : "::";
    if (!after.empty()) zone = std::string(after.substr(1));
  }
  if (zone.empty()) return IpAddress::Parse(base);
  return IpAddress::Parse(fmt::format("{}%{}", base, zone));
}

struct Owner {
  std::string name;
  uint32_t pid = 0;
};

struct Owners {
  std::vector<Owner> list;
  bool complete = false;  // the whole column was well-formed
};

// Where the quoted process name that starts at `from` ends: at the quote
// followed by ",pid=", by ",<digit>" (ss before "pid=" was written) or by ")".
// The name itself may hold quotes, commas and spaces.
size_t FindNameEnd(std::string_view text, size_t from) {
  for (size_t q = text.find('"', from); q != std::string_view::npos; q = text.find('"', q + 1)) {
    std::string_view after = text.substr(q + 1);
    if (after.starts_with(')') || after.starts_with(",pid=")) return q;
    if (after.size() >= 2 && after[0] == ',' && after[1] >= '0' && after[1] <= '9') return q;
  }
  return std::string_view::npos;
}

// Reads `users:(("sshd",pid=851,fd=6),("systemd",pid=1,fd=43))` up to its
// closing parenthesis; what follows (-e details) is not ours. The owners read
// before a malformed part are kept.
Owners ParseUsers(std::string_view text) {
  Owners owners;
  size_t i = kUsersPrefix.size();
  const size_t n = text.size();
  while (true) {
    if (i + 1 >= n || text[i] != '(' || text[i + 1] != '"') return owners;
    size_t name_end = FindNameEnd(text, i + 2);
    if (name_end == std::string_view::npos) return owners;
    Owner owner;
    owner.name = std::string(text.substr(i + 2, name_end - (i + 2)));
    i = name_end + 1;
    bool have_pid = false;
    while (i < n && text[i] == ',') {
      size_t field_end = text.find_first_of(",)", i + 1);
      if (field_end == std::string_view::npos) return owners;
      std::string_view field = text.substr(i + 1, field_end - (i + 1));
      if (field.starts_with("pid=")) field.remove_prefix(4);
      // "pid=851" or, in old ss, a bare "851" before the fd; other fields
      // (fd=6, proc_ctx=..., sock_ctx=...) say nothing about the owner.
      if (!have_pid && IsDigits(field)) {
        std::optional<uint32_t> pid = ParseU32(field);
        if (!pid) return owners;
        owner.pid = *pid;
        have_pid = true;
      }
      i = field_end;
    }
    if (i >= n || text[i] != ')' || !have_pid) return owners;
    ++i;
    owners.list.push_back(std::move(owner));
    if (i < n && text[i] == ',') {
      ++i;
      continue;
    }
    owners.complete = i < n && text[i] == ')';
    return owners;
  }
}

// What a section (the rows under one header) says about rows without a netid.
struct SectionGuess {
  Proto proto = Proto::kTcp;
  bool assumed = false;  // ESTAB rows only: tcp is a guess
  uint64_t first_line = 0;
};

class SsReader {
 public:
  SsReader(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diag)
      : doc_(doc), out_(out), diag_(diag), first_socket_(out.sockets.size()) {}

  void Run() {
    Prescan();
    for (size_t i = 0; i < doc_.lines.size(); ++i) ReadLine(i + 1, doc_.lines[i]);
    ReportOtherFamilies();
    MarkMissingOwners();
  }

 private:
  // One pass ahead of reading: the address style of the whole document and
  // the protocol of netid-less rows in each section.
  void Prescan() {
    sections_.emplace_back();
    bool has_tcp_only = false;
    bool has_unconn = false;
    bool has_rows = false;
    auto close_section = [&] {
      SectionGuess& s = sections_.back();
      s.proto = has_tcp_only || !has_unconn ? Proto::kTcp : Proto::kUdp;
      s.assumed = has_rows && !has_tcp_only && !has_unconn;
      has_tcp_only = has_unconn = has_rows = false;
    };
    for (size_t i = 0; i < doc_.lines.size(); ++i) {
      Columns c = SplitColumns(doc_.lines[i]);
      if (IsHeader(c.tokens)) {
        close_section();
        sections_.emplace_back();
        continue;
      }
      std::optional<RowShape> row = MatchRow(c.tokens);
      if (!row || (!row->netid.empty() && !IsTcpOrUdp(row->netid))) continue;
      if (IsUnbracketedV6(row->local) || IsUnbracketedV6(row->peer)) old_style_ = true;
      if (!row->netid.empty()) continue;
      const StateWord* state = FindState(row->state);
      if (!has_rows) sections_.back().first_line = i + 1;
      has_rows = true;
      if (state && state->tcp_only) has_tcp_only = true;
      if (row->state == "UNCONN") has_unconn = true;
    }
    close_section();
  }

  void ReadLine(uint64_t number, std::string_view line) {
    Columns c = SplitColumns(line);
    if (c.tokens.empty() && c.users.empty()) return;  // blank: not data, nothing lost
    if (IsHeader(c.tokens)) {
      ++section_;
      after_row_ = false;
      last_row_ = -1;
      return;
    }
    if (std::optional<RowShape> row = MatchRow(c.tokens)) {
      if (row->netid.empty() || IsTcpOrUdp(row->netid)) {
        after_row_ = true;
        last_row_ = -1;
        ReadRow(number, *row, c.users);
        return;
      }
    }
    if (IsOtherFamilyRow(c.tokens)) {
      auto it = other_families_.try_emplace(std::string(c.tokens[0]), number, 0).first;
      ++it->second.second;
      after_row_ = true;
      last_row_ = -1;
      return;
    }
    bool indented = line.front() == ' ' || line.front() == '\t';
    if (indented && after_row_ && !StartsLikeRow(c.tokens)) {
      // The process column wrapped onto its own line, or -e/-i/-m details.
      if (last_row_ >= 0 && !c.users.empty() && c.tokens.empty()) {
        AttachOwners(out_.sockets[static_cast<size_t>(last_row_)], c.users, number);
      }
      return;
    }
    if (StartsLikeRow(c.tokens)) {
      after_row_ = true;
      last_row_ = -1;
      diag_.SkipLine(doc_.name, number, "ss.bad_row",
                     fmt::format("row without the columns STATE RECV-Q SEND-Q LOCAL PEER: '{}'",
                                 Abbreviate(text::Trim(line))));
      return;
    }
    diag_.SkipLine(doc_.name, number, "ss.not_a_row",
                   fmt::format("not an ss row: '{}'", Abbreviate(text::Trim(line))));
  }

  // "tcp ..." or "LISTEN ...": meant as a row, whatever follows.
  static bool StartsLikeRow(const std::vector<std::string_view>& tokens) {
    return !tokens.empty() && (IsTcpOrUdp(tokens[0]) || FindState(tokens[0]) != nullptr);
  }

  void ReadRow(uint64_t number, const RowShape& row, std::string_view users) {
    Socket s;
    s.source = SourceRef{doc_.name, number};
    s.local.proto = ProtoOfRow(row);
    s.state_text = std::string(row.state);

    std::optional<HostPortText> local = SplitAtLastColon(row.local);
    if (!local) {
      diag_.SkipLine(doc_.name, number, "ss.bad_address",
                     fmt::format("local address '{}' has no port", row.local));
      return;
    }
    std::optional<IpAddress> address = ParseSsHost(local->host, old_style_);
    std::optional<uint16_t> port = local->port == "*" ? 0 : ParsePort(local->port);
    if (!port && IsDigits(local->port)) {
      diag_.SkipLine(doc_.name, number, "ss.bad_address",
                     fmt::format("local port '{}' is out of range", local->port));
      return;
    }
    if (!port) {
      diag_.SkipLine(doc_.name, number, "ss.not_numeric",
                     fmt::format("local port '{}' is not a number (ss without -n writes "
                                 "service names; use ss -tulpn)",
                                 local->port));
      return;
    }
    if (!address) {
      diag_.SkipLine(doc_.name, number, "ss.bad_address",
                     fmt::format("local address '{}' is not a numeric address (ss -r writes "
                                 "host names; use ss -tulpn)",
                                 row.local));
      return;
    }
    s.local.address = *address;
    s.local.port = *port;
    ReadPeer(s, row.peer);

    const StateWord* state = FindState(row.state);
    if (!state) {
      unknown_states_.try_emplace(std::string(row.state), number);
      s.state = SocketState::kUnknown;
    } else if (state->state == SocketState::kUnconnected && s.local.proto == Proto::kTcp) {
      s.state = SocketState::kClosed;  // a TCP socket bound but neither listening nor connected
    } else {
      s.state = state->state;
    }
    if (s.local.proto == Proto::kUdp && s.state == SocketState::kUnconnected) s.remote.reset();
    if (s.state == SocketState::kListen) s.remote.reset();

    if (!users.empty()) AttachOwners(s, users, number);
    out_.sockets.push_back(std::move(s));
    ++out_.lines_read;
    last_row_ = static_cast<long>(out_.sockets.size()) - 1;
  }

  Proto ProtoOfRow(const RowShape& row) {
    if (row.netid == "udp") return Proto::kUdp;
    if (row.netid == "tcp") return Proto::kTcp;
    const SectionGuess& guess = sections_[section_];
    if (guess.assumed && assumption_noted_.insert(section_).second) {
      diag_.Note(doc_.name, guess.first_line, "ss.no_netid",
                 "no Netid column and only ESTAB rows: read as tcp (ss -t); for ss -u output "
                 "give ss -tu so that each row names its protocol");
    }
    return guess.proto;
  }

  // "0.0.0.0:*", "[::]:*" and "*:*" mean no peer; ss writes a port of 0 as "*".
  void ReadPeer(Socket& s, std::string_view peer) {
    std::optional<HostPortText> hp = SplitAtLastColon(peer);
    if (hp && hp->port == "*") return;
    if (hp) {
      std::optional<IpAddress> address = ParseSsHost(hp->host, old_style_);
      std::optional<uint16_t> port = ParsePort(hp->port);
      if (address && port) {
        if (!(address->is_unspecified() && *port == 0)) {
          s.remote = Endpoint{*address, s.local.proto, *port};
        }
        return;
      }
    }
    s.remote_text = std::string(peer);
  }

  // Unlike SplitHostPort, accepts a zone after the brackets: "[fe80::1]%eth0:546".
  static std::optional<HostPortText> SplitAtLastColon(std::string_view text) {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
      return std::nullopt;
    }
    return HostPortText{text.substr(0, colon), text.substr(colon + 1)};
  }

  void AttachOwners(Socket& s, std::string_view users, uint64_t number) {
    saw_owners_ = true;
    Owners owners = ParseUsers(users);
    if (!owners.complete) {
      diag_.Note(doc_.name, number, "ss.bad_process",
                 fmt::format("could not read all of the process column '{}'; kept {} owner(s)",
                             Abbreviate(users), owners.list.size()));
    }
    if (owners.list.empty()) return;
    s.pid = owners.list.front().pid;
    s.process = owners.list.front().name;
    for (const Owner& owner : owners.list) {
      if (!seen_processes_.emplace(owner.pid, owner.name).second) continue;
      ProcessInfo p;
      p.pid = owner.pid;
      p.image = owner.name;
      p.source = SourceRef{doc_.name, number};
      out_.processes.push_back(std::move(p));
    }
  }

  void ReportOtherFamilies() {
    for (const auto& [netid, where] : other_families_) {
      diag_.Note(doc_.name, where.first, "ss.other_netid",
                 fmt::format("{} row(s) of netid '{}' ignored: highport reads tcp and udp",
                             where.second, netid));
    }
    for (const auto& [word, line] : unknown_states_) {
      diag_.Note(doc_.name, line, "ss.unknown_state",
                 fmt::format("state '{}' is not one ss is known to write; rows with it are "
                             "kept with an unknown state",
                             word));
    }
  }

  // ss -p shows owners only for processes the user may inspect: when some
  // rows have owners, the listeners without one were hidden, not ownerless.
  void MarkMissingOwners() {
    if (!saw_owners_) return;
    size_t hidden = 0;
    uint64_t first_line = 0;
    for (size_t i = first_socket_; i < out_.sockets.size(); ++i) {
      Socket& s = out_.sockets[i];
      if (s.pid || !s.IsListener()) continue;
      s.owner_unavailable = true;
      if (hidden++ == 0) first_line = s.source.line;
    }
    if (hidden > 0) {
      diag_.Note(doc_.name, first_line, "ss.no_owner",
                 fmt::format("{} listener(s) without an owner: ss shows the owners of other "
                             "users' sockets only to root (sudo ss -tulpn)",
                             hidden));
    }
  }

  const text::TextDocument& doc_;
  SocketInventory& out_;
  Diagnostics& diag_;
  size_t first_socket_;
  bool old_style_ = false;
  std::vector<SectionGuess> sections_;
  std::set<size_t> assumption_noted_;  // sections whose guess has had its note
  size_t section_ = 0;
  bool after_row_ = false;  // indented lines here continue the row above
  long last_row_ = -1;      // the socket the row above became, if it did
  bool saw_owners_ = false;
  std::set<std::pair<uint32_t, std::string>> seen_processes_;
  std::map<std::string, std::pair<uint64_t, size_t>> other_families_;  // first line, rows
  std::map<std::string, uint64_t> unknown_states_;
};

}  // namespace

int ProbeSs(const text::TextDocument& doc) {
  bool header = false;
  int rows = 0;
  int examined = 0;
  for (const std::string& line : doc.lines) {
    Columns c = SplitColumns(line);
    if (c.tokens.empty()) continue;
    if (++examined > 60) break;
    if (IsHeader(c.tokens) && line.find("Local Address:Port") != std::string::npos) {
      header = true;
      continue;
    }
    std::optional<RowShape> row = MatchRow(c.tokens);
    if (row && FindState(row->state) && (row->netid.empty() || IsTcpOrUdp(row->netid)) &&
        row->local.find(':') != std::string_view::npos) {
      ++rows;
    } else if (IsOtherFamilyRow(c.tokens) && FindState(c.tokens[1])) {
      ++rows;
    }
  }
  if (header) return 95;  // even with no rows: an ss that found nothing
  if (rows == 0) return 0;
  return rows * 2 >= examined ? 85 : 60;
}

void ReadSs(const text::TextDocument& doc, SocketInventory& out, Diagnostics& diagnostics) {
  SsReader(doc, out, diagnostics).Run();
}

}  // namespace highport::ingest
