// The sockets of this Linux machine, read the way ss reads them without
// netlink: the kernel's tables in /proc/net and the owners in /proc/[pid]/fd.
//
// /proc/net/tcp (and tcp6, udp, udp6) has a title row, then one row a socket:
//
//   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid timeout inode
//    0: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0       0 17455
//
// Addresses are hex. The kernel prints each 32-bit word of the network-order
// address as a native integer ("%08X"), so on a little-endian machine
// 127.0.0.1 reads 0100007F, and an IPv6 address is four such words, each
// reversed in itself. Reading each word back as a native integer and taking
// its bytes in memory order undoes that on any machine. Ports are printed in
// host order ("%04X"). `st` is the kernel's TCP state (tcp_states.h: 01
// ESTABLISHED ... 0A LISTEN); a UDP socket is 07 (CLOSE) until it connects,
// then 01. A TCP socket listens in state 0A; a UDP socket is a listener while
// it has no peer. Every socket is kept, listening or not: `inventory` picks.
//
// The rows name no process, only the socket's inode. Each open file of a
// process is a symlink /proc/[pid]/fd/N, which for a socket reads
// "socket:[17455]". So the owners come from a scan of the fd directory of
// every process, keeping only the inodes the tables named, and the names from
// /proc/[pid]/comm. Processes end while we scan, and without root the fd
// directories of other users' processes are closed to us: both are counted
// and reported in one note, and the sockets left without an owner are marked
// owner_unavailable. A socket held by several processes (forked workers,
// systemd socket activation) goes to the highest pid, the owner ss lists
// first, so that ss and highport name the same one.
//
// The addresses are those of ss -n, with one difference: a socket bound to a
// device (SO_BINDTODEVICE, ss's "127.0.0.53%lo") has no device here, because
// /proc/net does not show it. A dual-stack socket on :: is ::, which ss
// writes "*" (ss.cc reads that "*" as :: too).
//
// The rows are untrusted text like any input: a malformed row is reported
// with its file and line and skipped.
#include "ingest/proc_net_source.h"

#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <map>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include "fmt/format.h"
#include "fmt/ranges.h"
#include "text/decode.h"
#include "text/document.h"
#include "text/strings.h"

namespace highport::ingest {
namespace {

std::optional<uint32_t> HexWord(std::string_view hex) {
  if (hex.empty() || hex.size() > 8) return std::nullopt;
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
  if (ec != std::errc() || end != hex.data() + hex.size()) return std::nullopt;
  return value;
}

template <typename T>
std::optional<T> Decimal(std::string_view text) {
  T value = 0;
  if (text.empty() || text.size() > 20) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "0100007F:0277" (IPv4) or 32 hex digits and a port (IPv6).
std::optional<Endpoint> ParseHexEndpoint(std::string_view text, IpAddress::Family family,
                                         Proto proto) {
  const size_t hex_digits = family == IpAddress::Family::kV4 ? 8 : 32;
  if (text.size() != hex_digits + 5 || text[hex_digits] != ':') return std::nullopt;
  std::array<uint8_t, 16> bytes{};
  for (size_t word = 0; word < hex_digits / 8; ++word) {
    std::optional<uint32_t> value = HexWord(text.substr(word * 8, 8));
    if (!value) return std::nullopt;
    std::memcpy(bytes.data() + word * 4, &*value, 4);  // native order, as the kernel printed it
  }
  std::optional<uint32_t> port = HexWord(text.substr(hex_digits + 1));
  if (!port) return std::nullopt;
  Endpoint e;
  e.proto = proto;
  e.port = static_cast<uint16_t>(*port);
  if (family == IpAddress::Family::kV6) {
    e.address = IpAddress::V6(bytes);
  } else {
    e.address = IpAddress::V4(uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 |
                              uint32_t{bytes[2]} << 8 | bytes[3]);
  }
  return e;
}

// include/net/tcp_states.h
SocketState TcpState(uint32_t code) {
  switch (code) {
    case 0x01: return SocketState::kEstablished;
    case 0x02: return SocketState::kSynSent;
    case 0x03: return SocketState::kSynReceived;
    case 0x04: return SocketState::kFinWait1;
    case 0x05: return SocketState::kFinWait2;
    case 0x06: return SocketState::kTimeWait;
    case 0x07: return SocketState::kClosed;
    case 0x08: return SocketState::kCloseWait;
    case 0x09: return SocketState::kLastAck;
    case 0x0A: return SocketState::kListen;
    case 0x0B: return SocketState::kClosing;
    case 0x0C: return SocketState::kSynReceived;  // NEW_SYN_RECV: a request socket
    case 0x0D: return SocketState::kBound;        // BOUND_INACTIVE
    default: return SocketState::kUnknown;
  }
}

struct Table {
  std::string_view name;
  Proto proto;
  IpAddress::Family family;
};

constexpr Table kTables[] = {
    {"tcp", Proto::kTcp, IpAddress::Family::kV4},
    {"tcp6", Proto::kTcp, IpAddress::Family::kV6},
    {"udp", Proto::kUdp, IpAddress::Family::kV4},
    {"udp6", Proto::kUdp, IpAddress::Family::kV6},
};

// "socket:[17455]" -> 17455; anything else (files, pipes, anon inodes) -> nothing.
std::optional<uint64_t> SocketInode(std::string_view link) {
  constexpr std::string_view kPrefix = "socket:[";
  if (!link.starts_with(kPrefix) || !link.ends_with(']')) return std::nullopt;
  return Decimal<uint64_t>(link.substr(kPrefix.size(), link.size() - kPrefix.size() - 1));
}

std::string ReadTrimmed(const std::string& path) {
  Result<std::string> bytes = text::ReadFileBytes(path);
  return bytes ? std::string(text::Trim(*bytes)) : std::string();
}

// "32768\t60999": the range the kernel takes ephemeral ports from.
std::optional<PortRange> ReadPortRange(const std::string& path) {
  std::vector<std::string_view> parts;
  std::string content = ReadTrimmed(path);
  parts = text::SplitWhitespace(content);
  if (parts.size() != 2) return std::nullopt;
  std::optional<uint16_t> first = ParsePort(parts[0]);
  std::optional<uint16_t> last = ParsePort(parts[1]);
  if (!first || !last || *first > *last) return std::nullopt;
  return PortRange{*first, *last};
}

// Who holds the sockets the tables named.
struct OwnerScan {
  std::unordered_map<uint64_t, uint32_t> owner;  // inode -> highest pid holding it
  std::map<uint32_t, std::string> names;         // every pid holding one -> comm
  size_t vanished = 0;
  size_t denied = 0;
};

OwnerScan ScanOwners(const std::string& root, const std::unordered_set<uint64_t>& wanted) {
  namespace fs = std::filesystem;
  OwnerScan scan;
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    std::optional<uint32_t> pid = Decimal<uint32_t>(it->path().filename().native());
    if (!pid) continue;  // "net", "self", "sys", ...
    std::error_code fd_ec;
    fs::directory_iterator fds(it->path() / "fd", fd_ec);
    if (fd_ec) {
      bool denied = fd_ec == std::errc::permission_denied ||
                    fd_ec == std::errc::operation_not_permitted;
      ++(denied ? scan.denied : scan.vanished);
      continue;
    }
    bool owns = false;
    for (; !fd_ec && fds != end; fds.increment(fd_ec)) {
      std::error_code link_ec;
      fs::path target = fs::read_symlink(fds->path(), link_ec);
      if (link_ec) continue;  // closed since the listing
      std::optional<uint64_t> inode = SocketInode(target.native());
      if (!inode || !wanted.contains(*inode)) continue;
      owns = true;
      uint32_t& best = scan.owner[*inode];
      if (*pid > best) best = *pid;
    }
    if (owns) scan.names[*pid] = ReadTrimmed((it->path() / "comm").string());
  }
  return scan;
}

}  // namespace

Result<ProcNetRow> ParseProcNetRow(std::string_view line, Proto proto, IpAddress::Family family) {
  std::vector<std::string_view> f = text::SplitWhitespace(line);
  if (f.size() < 10) return Error{fmt::format("{} field(s), expected at least 10", f.size())};
  if (f[0].size() < 2 || f[0].back() != ':' ||
      !Decimal<uint64_t>(f[0].substr(0, f[0].size() - 1))) {
    return Error{fmt::format("slot '{}' is not a number and a colon", f[0])};
  }
  std::optional<Endpoint> local = ParseHexEndpoint(f[1], family, proto);
  if (!local) return Error{fmt::format("local address '{}' is not HEX:PORT", f[1])};
  std::optional<Endpoint> remote = ParseHexEndpoint(f[2], family, proto);
  if (!remote) return Error{fmt::format("remote address '{}' is not HEX:PORT", f[2])};
  std::optional<uint32_t> state = f[3].size() == 2 ? HexWord(f[3]) : std::nullopt;
  if (!state) return Error{fmt::format("state '{}' is not a hex byte", f[3])};
  std::optional<uint64_t> inode = Decimal<uint64_t>(f[9]);
  if (!inode) return Error{fmt::format("inode '{}' is not a number", f[9])};

  ProcNetRow row;
  row.inode = *inode;
  Socket& s = row.socket;
  s.local = *local;
  s.state_text = std::string(f[3]);
  bool has_peer = !(remote->address.is_unspecified() && remote->port == 0);
  if (proto == Proto::kTcp) {
    s.state = TcpState(*state);
    if (has_peer && s.state != SocketState::kListen) s.remote = *remote;
  } else {
    s.state = has_peer ? SocketState::kEstablished : SocketState::kUnconnected;
    if (has_peer) s.remote = *remote;
  }
  return row;
}

std::vector<ProcNetRow> ReadProcNetTable(const std::string& file, std::string_view text,
                                         Proto proto, IpAddress::Family family,
                                         Diagnostics& diagnostics) {
  std::vector<ProcNetRow> rows;
  std::vector<std::string> lines = text::SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = text::Trim(lines[i]);
    if (line.empty() || line.starts_with("sl ")) continue;  // the title row
    Result<ProcNetRow> row = ParseProcNetRow(line, proto, family);
    if (!row) {
      diagnostics.SkipLine(file, i + 1, "proc_net.bad_row", row.error().message);
      continue;
    }
    row->socket.source = SourceRef{file, i + 1};
    rows.push_back(std::move(*row));
  }
  return rows;
}

ProcNetSource::ProcNetSource(std::string proc_root) : root_(std::move(proc_root)) {}

Result<SocketInventory> ProcNetSource::Read(Diagnostics& diagnostics) {
  SocketInventory out;
  out.host = ReadTrimmed(root_ + "/sys/kernel/hostname");
  out.tcp_dynamic_range = ReadPortRange(root_ + "/sys/net/ipv4/ip_local_port_range");

  std::vector<ProcNetRow> rows;
  std::vector<std::string_view> missing;
  std::string first_error;
  for (const Table& table : kTables) {
    std::string path = fmt::format("{}/net/{}", root_, table.name);
    Result<std::string> bytes = text::ReadFileBytes(path);
    if (!bytes) {
      missing.push_back(table.name);
      if (first_error.empty()) first_error = bytes.error().message;
      continue;
    }
    for (ProcNetRow& row : ReadProcNetTable(path, *bytes, table.proto, table.family, diagnostics)) {
      rows.push_back(std::move(row));
    }
  }
  if (missing.size() == std::size(kTables)) {
    return Error{fmt::format("cannot read the kernel's socket tables: {} (is this Linux, with "
                             "/proc mounted?)",
                             first_error)};
  }
  if (!missing.empty()) {
    diagnostics.Note(root_ + "/net", 0, "proc_net.missing_table",
                     fmt::format("cannot read {}: their sockets are not listed (IPv6 disabled?)",
                                 fmt::join(missing, ", ")));
  }

  std::unordered_set<uint64_t> wanted;
  for (const ProcNetRow& row : rows) {
    if (row.inode != 0) wanted.insert(row.inode);
  }
  OwnerScan scan = ScanOwners(root_, wanted);
  if (scan.vanished + scan.denied > 0) {
    diagnostics.Note(root_, 0, "proc_net.unreadable_processes",
                     fmt::format("could not read the open files of {} process(es) ({} ended "
                                 "during the scan, {} denied access; run as root to see every "
                                 "owner): their sockets are listed without an owner",
                                 scan.vanished + scan.denied, scan.vanished, scan.denied));
  }

  for (ProcNetRow& row : rows) {
    Socket& s = row.socket;
    if (auto it = scan.owner.find(row.inode); row.inode != 0 && it != scan.owner.end()) {
      s.pid = it->second;
      s.process = scan.names[it->second];
    } else if (row.inode != 0 && scan.denied > 0) {
      s.owner_unavailable = true;
    }
    out.sockets.push_back(std::move(s));
    ++out.lines_read;
  }
  for (const auto& [pid, name] : scan.names) {
    ProcessInfo p;
    p.pid = pid;
    p.image = name;
    p.source = SourceRef{fmt::format("{}/{}/comm", root_, pid)};
    out.processes.push_back(std::move(p));
  }
  return out;
}

}  // namespace highport::ingest
