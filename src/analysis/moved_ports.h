// The third way a server port counts as dynamic (flow_table.h): the same
// service was seen listening on different ports over time. A service that
// takes a free dynamic port at each start (Exchange's RPC services before
// they were pinned, a third-party RPC server, a Java agent) shows it in two
// socket inventories of its host taken at different times: a port it had
// is gone and another has come. Such ports are dynamic even where no
// endpoint mapper was asked and the host's range is not known (a server
// whose range is not the default, or that is no Windows host at all).
//
// What counts:
//   - two inventories of one host: its own address (a local address its
//     sockets show) in both; a listener on every address stands for each
//     of the host's own addresses of its family;
//   - the same owner: the process image and the services it hosts, from the
//     socket itself (netstat -b, ss -p) or by pid from a process list in the
//     same folder (evidence/dc01/2026-12-01/netstat-ano.txt and
//     tasklist-svc.txt: a folder is one moment of one host, and pids are
//     joined only within it, since a pid means another process after a
//     restart);
//   - a move: the owner lost a port and gained another between the two, on
//     the same protocol. A port that only came (a service enabled) or only
//     went (one stopped) is a change of configuration, not a move. Ports
//     below 1024 never move (a service there is configured, not allocated).
// The flow table leaves out ports the catalog knows (a known static
// service) and the endpoint mapper's own.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ingest/socket_inventory.h"
#include "model/ip_address.h"

namespace highport::analysis {

using MovedPortSet = std::set<std::tuple<IpAddress, Proto, uint16_t>>;

// The folder a file lies in, whole and absolute ("/srv/evidence/dc01"), so
// that "../dc01/pfirewall.log", "dc01/netstat.txt" and a database's stored
// path name the same folder; empty for standard input and live sources,
// which lie in no folder; a collector's records, "collect@ADDR:PORT": the
// same wherever the command runs.
std::string FolderKeyOf(const std::string& file);

// The process behind a socket's pid, from the process lists (tasklist /svc)
// of the socket's own folder: a folder is one moment of one host, and a pid
// names another process after a restart, so pids are never joined across
// folders. The first list of a folder to name a pid wins.
class FolderProcesses {
 public:
  explicit FolderProcesses(const std::vector<ingest::SocketInventory>& inventories);
  const ProcessInfo* Find(const Socket& socket) const;  // null: no pid, or none listed
  // The process `pid` of a log in `file`: from the process list of the log's
  // folder, or where that has none, of the nearest folder above it that has
  // one, two levels up at most (dc01/Firewall/pfirewall.log beside
  // dc01/tasklist-svc.txt, as a copy of %SystemRoot%\System32\LogFiles keeps it).
  const ProcessInfo* FindForLog(uint32_t pid, const std::string& file) const;

  // Two process lists in one folder that give a pid to different programs:
  // two hosts' lists copied into one folder (or one host's at two moments).
  // A pid there is named from the list read first, which may be the wrong
  // host's; the user is told (first such pid per pair of lists).
  struct Conflict {
    std::string folder, first_file, other_file;
    uint32_t pid = 0;
    std::string first_image, other_image;
  };
  const std::vector<Conflict>& conflicts() const { return conflicts_; }

 private:
  std::map<std::string, std::map<uint32_t, const ProcessInfo*>> by_folder_;
  std::vector<Conflict> conflicts_;
};

// (address, protocol, port) of every port some service moved from or to.
// The address is unspecified (0.0.0.0, ::) where the inventory shows no
// address of its own host: such a port stands for every server.
MovedPortSet MovedPorts(const std::vector<ingest::SocketInventory>& inventories);

}  // namespace highport::analysis
