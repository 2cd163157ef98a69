#include "analysis/inventory.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "analysis/moved_ports.h"
#include "analysis/verdict.h"
#include "text/strings.h"

namespace highport::analysis {
namespace {

// The catalog's entry for the owner's service. A shared process hosts several
// (lsass: Kdc, Netlogon, NTDS, SamSs); the one whose port can be pinned says
// most about what to do, so it comes first, then any RPC server, then any.
const catalog::ServiceEntry* FindOwningService(const Listener& listener,
                                               const catalog::Catalog& catalog) {
  const catalog::ServiceEntry* rpc = nullptr;
  const catalog::ServiceEntry* any = nullptr;
  for (const std::string& service : listener.services) {
    const catalog::ServiceEntry* entry = catalog.FindService(service);
    if (!entry) continue;
    if (entry->HasRpcDynamicPort() && entry->CanBePinned()) return entry;
    if (!rpc && entry->HasRpcDynamicPort()) rpc = entry;
    if (!any) any = entry;
  }
  if (rpc || any) return rpc ? rpc : any;
  // Kernel-owned sockets (SMB, NetBT, HTTP.sys) belong to "System", PID 4.
  if (listener.process == "System" || (listener.pid == 4u && listener.process.empty())) {
    return catalog.FindService("System");
  }
  return nullptr;
}

// A port is dynamic when the host handed it out: inside its dynamic range
// and not the catalog's fixed port of a known service.
bool IsDynamic(const Listener& listener, const Host& host, const catalog::PortEntry* port_entry) {
  return host.tcp_dynamic_range.Contains(listener.local.port) && port_entry == nullptr;
}

// TCP port -> the names of the RPC interfaces registered there, in listing order.
std::map<uint16_t, std::vector<std::string>> RpcInterfacesByPort(
    const std::vector<ingest::SocketInventory>& inputs, const catalog::Catalog& catalog) {
  std::map<uint16_t, std::vector<std::string>> by_port;
  for (const ingest::SocketInventory& input : inputs) {
    for (const RpcRegistration& r : input.rpc_registrations) {
      if (!r.endpoint || r.endpoint->proto != Proto::kTcp) continue;
      const catalog::RpcInterfaceEntry* known =
          catalog.FindRpcInterface(r.uuid, r.version_major, r.version_minor);
      std::string name = known ? known->name : !r.annotation.empty() ? r.annotation : r.uuid;
      std::vector<std::string>& names = by_port[r.endpoint->port];
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return by_port;
}

}  // namespace

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kOk: return "ok";
    case Severity::kReview: return "review";
    case Severity::kAct: return "act";
  }
  return "?";
}

HostInventory BuildInventory(const std::vector<ingest::SocketInventory>& inputs, Host host,
                             const catalog::Catalog& catalog) {
  HostInventory result;
  std::map<uint32_t, const ProcessInfo*> processes;
  for (const ingest::SocketInventory& input : inputs) {
    for (const ProcessInfo& p : input.processes) processes.try_emplace(p.pid, &p);
    if (host.name.empty() && !input.host.empty()) host.name = input.host;  // --host wins
  }
  result.host = std::move(host);
  std::map<uint16_t, std::vector<std::string>> rpc_by_port = RpcInterfacesByPort(inputs, catalog);
  const FolderProcesses folder_processes(inputs);
  // One host: a port some service moved from or to, on any of its addresses.
  std::set<std::pair<Proto, uint16_t>> moved;
  for (const auto& [address, proto, port] : MovedPorts(inputs)) moved.emplace(proto, port);

  using Key = std::tuple<Proto, IpAddress, uint16_t, uint32_t>;
  std::set<Key> seen;
  for (const ingest::SocketInventory& input : inputs) {
    for (const Socket& socket : input.sockets) {
      if (!socket.IsListener()) continue;
      Key key{socket.local.proto, socket.local.address, socket.local.port, socket.pid.value_or(0)};
      if (!seen.insert(key).second) {
        ++result.duplicates;
        continue;
      }
      InventoryEntry entry;
      entry.listener = socket;
      Listener& l = entry.listener;
      if (l.pid) {
        const ProcessInfo* owner = folder_processes.Find(socket);
        if (auto it = processes.find(*l.pid); owner == nullptr && it != processes.end()) owner = it->second;
        if (owner) {
          if (l.process.empty()) l.process = owner->image;
          for (const std::string& s : owner->services) {
            if (std::find(l.services.begin(), l.services.end(), s) == l.services.end()) {
              l.services.push_back(s);
            }
          }
        }
        if (*l.pid == 4 && l.process.empty()) l.process = "System";
      }
      entry.port_class = IanaPortClass(l.local.port);
      entry.port_entry = catalog.FindPort(l.local.proto, l.local.port);
      entry.service_entry = FindOwningService(l, catalog);
      entry.dynamic = IsDynamic(l, result.host, entry.port_entry);
      entry.moved = entry.port_entry == nullptr && moved.count({l.local.proto, l.local.port}) > 0;
      if (l.local.proto == Proto::kTcp) {
        if (auto it = rpc_by_port.find(l.local.port); it != rpc_by_port.end()) {
          entry.rpc_interfaces = it->second;
        }
      }
      JudgeListener(entry, result.host, catalog);
      result.entries.push_back(std::move(entry));
    }
  }
  std::stable_sort(result.entries.begin(), result.entries.end(),
                   [](const InventoryEntry& a, const InventoryEntry& b) {
                     return std::tie(a.listener.local.proto, a.listener.local.port,
                                     a.listener.local.address) <
                            std::tie(b.listener.local.proto, b.listener.local.port,
                                     b.listener.local.address);
                   });
  return result;
}

}  // namespace highport::analysis
