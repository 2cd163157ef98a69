#include "analysis/server_pids.h"

#include <algorithm>

namespace highport::analysis {

void ServerPids::Note(const Endpoint& server, uint32_t pid, uint32_t file, uint64_t line) {
  if (last_ != nullptr && std::get<2>(last_key_) == server.port && std::get<3>(last_key_) == pid &&
      std::get<4>(last_key_) == file && std::get<1>(last_key_) == server.proto &&
      std::get<0>(last_key_) == server.address) {
    ++last_->count;
    return;
  }
  last_key_ = Key{server.address, server.proto, server.port, pid, file};
  last_ = &counts_[last_key_];
  if (last_->count++ == 0) last_->first_line = line;
}

void ServerPids::Order(std::vector<ServerPid>& out) {
  // The map's order is the file's id (order of arrival) within a port: the
  // pid most rows named comes first, so that a reader sees the likely owner.
  std::stable_sort(out.begin(), out.end(), [](const ServerPid& a, const ServerPid& b) {
    if (a.server != b.server) return a.server < b.server;
    if (a.proto != b.proto) return a.proto < b.proto;
    if (a.port != b.port) return a.port < b.port;
    return a.observations > b.observations;
  });
}

}  // namespace highport::analysis
