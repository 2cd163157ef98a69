#include "analysis/moved_ports.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>

#include "analysis/host_knowledge.h"
#include "text/strings.h"

namespace highport::analysis {
namespace {

// The folder a record came from (FolderKeyOf).
std::string FolderOf(const SourceRef& source) { return FolderKeyOf(source.file); }

// "svchost.exe|schedule", "lsass.exe|", "|spooler": the owner told apart
// from others whatever the case or the order of its services. Empty: unknown.
std::string OwnerKey(std::string_view image, std::vector<std::string> services) {
  if (image.empty() && services.empty()) return {};
  for (std::string& s : services) s = text::ToLowerAscii(s);
  std::sort(services.begin(), services.end());
  std::string key = text::ToLowerAscii(image);
  key += '|';
  for (size_t i = 0; i < services.size(); ++i) {
    if (i > 0) key += ',';
    key += services[i];
  }
  return key;
}

// The listener's owner, from the socket or from a process list of its folder.
std::string OwnerOf(const Socket& s, const FolderProcesses& processes) {
  std::string_view image = s.process;
  std::vector<std::string> services = s.services;
  if (const ProcessInfo* p = processes.Find(s)) {
    if (image.empty()) image = p->image;
    if (services.empty()) services = p->services;
  }
  return OwnerKey(image, std::move(services));
}

}  // namespace

std::string FolderKeyOf(const std::string& file) {
  if (file.empty() || file == "-" || file == "<stdin>") return {};
  // A collector's records ("collect@ADDR:PORT TIME", collect_command.cc) are
  // no file: their place is the collector's address, every run of it one
  // capture point, never the folder `flows --db` happens to run in.
  if (file.starts_with("collect@")) return file.substr(0, file.find(' '));
  std::error_code ec;
  std::filesystem::path whole = std::filesystem::absolute(file, ec);
  if (ec) return {};
  return whole.lexically_normal().parent_path().string();
}

FolderProcesses::FolderProcesses(const std::vector<ingest::SocketInventory>& inventories) {
  for (const ingest::SocketInventory& inv : inventories) {
    for (const ProcessInfo& p : inv.processes) {
      const std::string folder = FolderOf(p.source);
      const auto [it, fresh] = by_folder_[folder].try_emplace(p.pid, &p);
      const ProcessInfo& first = *it->second;
      // Another program, or the same image hosting other services
      // (svchost.exe 960 with RpcSs in one list, with Schedule in the other).
      if (fresh || first.source.file == p.source.file || first.image.empty() || p.image.empty() ||
          OwnerKey(first.image, first.services) == OwnerKey(p.image, p.services) ||
          (text::ToLowerAscii(first.image) == text::ToLowerAscii(p.image) &&
           (first.services.empty() || p.services.empty()))) {
        continue;
      }
      const bool told = std::any_of(conflicts_.begin(), conflicts_.end(), [&](const Conflict& c) {
        return c.first_file == first.source.file && c.other_file == p.source.file;
      });
      auto described = [](const ProcessInfo& q) {
        std::string text = q.image;
        for (size_t k = 0; k < q.services.size(); ++k) text += (k == 0 ? " (" : ", ") + q.services[k];
        return q.services.empty() ? text : text + ")";
      };
      if (!told) {
        conflicts_.push_back({folder, first.source.file, p.source.file, p.pid, described(first), described(p)});
      }
    }
  }
}

const ProcessInfo* FolderProcesses::Find(const Socket& socket) const {
  if (!socket.pid) return nullptr;
  auto folder = by_folder_.find(FolderOf(socket.source));
  if (folder == by_folder_.end()) return nullptr;
  auto it = folder->second.find(*socket.pid);
  return it == folder->second.end() ? nullptr : it->second;
}

const ProcessInfo* FolderProcesses::FindForLog(uint32_t pid, const std::string& file) const {
  const std::string key = FolderKeyOf(file);
  if (key.empty()) return nullptr;  // standard input lies in no folder
  std::filesystem::path folder(key);
  for (int up = 0; up <= 2; ++up) {
    if (auto listed = by_folder_.find(folder.string()); listed != by_folder_.end()) {
      auto it = listed->second.find(pid);
      return it == listed->second.end() ? nullptr : it->second;
    }
    if (folder.empty() || folder.parent_path() == folder) break;
    folder = folder.parent_path();
  }
  return nullptr;
}

MovedPortSet MovedPorts(const std::vector<ingest::SocketInventory>& inventories) {
  const FolderProcesses processes(inventories);
  // (address, protocol, owner) -> inventory -> the owner's ports there.
  using Key = std::tuple<IpAddress, Proto, std::string>;
  std::map<Key, std::map<size_t, std::set<uint16_t>>> ports;
  for (size_t i = 0; i < inventories.size(); ++i) {
    const ingest::SocketInventory& inv = inventories[i];
    const std::set<IpAddress> own = OwnAddresses(inv);
    for (const Socket& s : inv.sockets) {
      if (!s.IsListener() || s.local.address.is_loopback() || s.local.port < 1024) continue;
      const std::string owner = OwnerOf(s, processes);
      if (owner.empty()) continue;
      const IpAddress& a = s.local.address;
      // A wildcard listener of a list that shows no address of its own
      // (`netstat -ano | findstr LISTENING`) belongs to no known host: two
      // such lists may be two hosts whose Tomcats listen on 8080 and 8443,
      // no service that moved.
      if (a.is_unspecified() && own.empty()) continue;
      if (!a.is_unspecified()) {
        ports[{a, s.local.proto, owner}][i].insert(s.local.port);
        continue;
      }
      for (const IpAddress& mine : own) {
        if (mine.is_v4() == a.is_v4()) ports[{mine, s.local.proto, owner}][i].insert(s.local.port);
      }
    }
  }
  MovedPortSet moved;
  for (const auto& [key, by_inventory] : ports) {
    const auto& [address, proto, owner] = key;
    for (auto a = by_inventory.begin(); a != by_inventory.end(); ++a) {
      for (auto b = std::next(a); b != by_inventory.end(); ++b) {
        std::vector<uint16_t> gone, came;
        std::set_difference(a->second.begin(), a->second.end(), b->second.begin(),
                            b->second.end(), std::back_inserter(gone));
        std::set_difference(b->second.begin(), b->second.end(), a->second.begin(),
                            a->second.end(), std::back_inserter(came));
        if (gone.empty() || came.empty()) continue;  // only added, or only removed: no move
        for (uint16_t port : gone) moved.insert({address, proto, port});
        for (uint16_t port : came) moved.insert({address, proto, port});
      }
    }
  }
  return moved;
}

}  // namespace highport::analysis
