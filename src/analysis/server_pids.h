// Which process accepted connections on a server's port, as newer Windows
// Firewall logs say it: their 18th field, `pid`, is the owning process on the
// logging host. On a row where the logging host is the server (a RECEIVE
// row, the host's own port) that is the process listening there. A socket
// inventory names the listeners of one moment; a dynamic port changes at
// every start of its service, so the log's pid, taken when the connection was
// made, often names a port no inventory saw. The pid means something only
// beside a process list of the same host and moment (tasklist /svc in the
// log's folder: FolderProcesses); the CLI joins them (ListenerOwnersOf).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "model/endpoint.h"
#include "model/ip_address.h"

namespace highport::analysis {

struct ServerPid {
  IpAddress server;
  Proto proto = Proto::kTcp;
  uint16_t port = 0;
  uint32_t pid = 0;
  std::string file;          // the log that said so: its folder holds the process list
  uint64_t first_line = 0;    // the first row in it that named this pid there
  uint64_t observations = 0;  // rows that named this pid there
};

// Collects (server, protocol, port, pid, file) from the rows that carry a
// pid. Rows repeat the same few listeners: the last one is remembered, so
// that a run of them costs a comparison each.
class ServerPids {
 public:
  // `file` is an id the caller keeps (the flow table's file names); Result()
  // is given the names.
  void Note(const Endpoint& server, uint32_t pid, uint32_t file, uint64_t line);
  bool empty() const { return counts_.empty(); }
  // Every entry, by server, protocol, port, then the most observed pid first.
  template <class FileName>
  std::vector<ServerPid> Result(FileName&& file_name) const {
    std::vector<ServerPid> out;
    out.reserve(counts_.size());
    for (const auto& [key, seen] : counts_) {
      const auto& [server, proto, port, pid, file] = key;
      out.push_back({server, proto, port, pid, std::string(file_name(file)), seen.first_line, seen.count});
    }
    Order(out);
    return out;
  }

 private:
  static void Order(std::vector<ServerPid>& out);
  using Key = std::tuple<IpAddress, Proto, uint16_t, uint32_t, uint32_t>;
  struct Seen {
    uint64_t count = 0;
    uint64_t first_line = 0;
  };
  std::map<Key, Seen> counts_;
  Seen* last_ = nullptr;  // counts_[last_key_]: map nodes do not move
  Key last_key_;
};

}  // namespace highport::analysis
