#include "analysis/rpc_map.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace highport::analysis {
namespace {

// The endpoint mapper's own ports: fixed by the protocol, never dynamic.
bool IsEndpointMapperPort(uint16_t port) { return port == 135 || port == 593; }

bool SameBinding(const RpcRegistration& a, const RpcRegistration& b) {
  return a.protocol == b.protocol && a.endpoint == b.endpoint && a.pipe == b.pipe &&
         a.address_text == b.address_text;
}

template <typename T>
void AddDistinct(std::vector<T>& list, const T& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

}  // namespace

std::string RpcInterfaceGroup::Name() const {
  if (known) return known->name;
  for (const std::string& a : annotations) {
    if (!a.empty()) return a;
  }
  return "?";
}

size_t RpcHostMap::DynamicPortsInRange() const {
  return static_cast<size_t>(std::count_if(tcp_ports.begin(), tcp_ports.end(), [](const RpcTcpPort& p) {
    return p.dynamic && p.in_dynamic_range;
  }));
}

RpcHostMap BuildRpcHostMap(std::string host, const std::vector<RpcRegistration>& registrations,
                           PortRange dynamic_range, const catalog::Catalog& catalog) {
  RpcHostMap map;
  map.host = std::move(host);
  map.entries = registrations.size();
  map.dynamic_range = dynamic_range;

  std::map<std::tuple<std::string, uint16_t, uint16_t>, size_t> group_index;
  std::map<uint16_t, RpcTcpPort> ports;
  for (const RpcRegistration& r : registrations) {
    auto key = std::make_tuple(r.uuid, r.version_major, r.version_minor);
    auto [it, inserted] = group_index.try_emplace(key, map.interfaces.size());
    if (inserted) {
      RpcInterfaceGroup group;
      group.uuid = r.uuid;
      group.version_major = r.version_major;
      group.version_minor = r.version_minor;
      group.known = catalog.FindRpcInterface(r.uuid, r.version_major, r.version_minor);
      map.interfaces.push_back(std::move(group));
    }
    RpcInterfaceGroup& group = map.interfaces[it->second];
    AddDistinct(group.annotations, r.annotation);
    bool duplicate = std::any_of(group.bindings.begin(), group.bindings.end(),
                                 [&](const RpcRegistration& b) { return SameBinding(b, r); });
    if (!duplicate) group.bindings.push_back(r);
  }
  // Ports after the groups, so that every port names its interfaces by the group's name.
  for (const RpcInterfaceGroup& group : map.interfaces) {
    for (const RpcRegistration& r : group.bindings) {
      if (!r.endpoint || r.endpoint->proto != Proto::kTcp) continue;
      uint16_t port = r.endpoint->port;
      RpcTcpPort& p = ports[port];
      p.port = port;
      p.http = p.http || r.protocol == "ncacn_http";
      p.dynamic = !IsEndpointMapperPort(port);
      p.known_service = catalog.FindPort(Proto::kTcp, port);
      p.in_dynamic_range = dynamic_range.Contains(port);
      AddDistinct(p.interfaces, group.Name());
    }
  }
  for (auto& [port, p] : ports) map.tcp_ports.push_back(std::move(p));
  return map;
}

}  // namespace highport::analysis
