#include "report/flows_summary.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <map>
#include <set>

namespace highport::report {
namespace {

using analysis::FlowEntry;

void AppendWhat(std::string& out, const analysis::FlowView& v, const ListenerOwners& owners) {
  if (v.interfaces != nullptr && !v.interfaces->empty()) {
    out += "RPC: ";
    for (size_t i = 0; i < v.interfaces->size(); ++i) {
      if (i > 0) out += ", ";
      out += (*v.interfaces)[i];
    }
    return;
  }
  if (!v.service.empty()) {
    out += v.service;
    return;
  }
  auto owner = owners.find({*v.server, v.proto, v.port});
  if (owner != owners.end()) out += owner->second;
}

using AddressKey = ServerSummaryBuilder::Key;
using Use = ServerSummaryBuilder::Use;

AddressKey KeyOf(const IpAddress& a) {
  uint64_t high, low;
  std::memcpy(&high, a.bytes().data(), 8);
  std::memcpy(&low, a.bytes().data() + 8, 8);
  if constexpr (std::endian::native == std::endian::little) {
    high = __builtin_bswap64(high);
    low = __builtin_bswap64(low);
  }
  return {a.family(), high, low};
}

IpAddress AddressOf(const AddressKey& k) {
  std::array<uint8_t, 16> bytes;
  uint64_t high = k.high, low = k.low;
  if constexpr (std::endian::native == std::endian::little) {
    high = __builtin_bswap64(high);
    low = __builtin_bswap64(low);
  }
  std::memcpy(bytes.data(), &high, 8);
  std::memcpy(bytes.data() + 8, &low, 8);
  if (k.family == IpAddress::Family::kV6) return IpAddress::V6(bytes);
  return IpAddress::V4(uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 |
                       uint32_t{bytes[2]} << 8 | bytes[3]);
}

// Sorts `uses` (servers and clients as ranks below `ranks`) as std::sort
// does, using the order they come in: flows come by class, then by server,
// port, client and protocol. So the uses are first put in buckets by server
// in place (American flag sort: one count, one permutation), and each
// server's uses, a few runs that are sorted already (one per class, unless
// a server has both protocols), merged; a server of many runs is sorted.
// (std::sort of all uses was most of the summaries' cost.) Keys are unique:
// the result is the one order.
void SortUses(std::vector<Use>& uses, size_t ranks) {
  std::vector<size_t> start(ranks + 1, 0);
  for (const Use& u : uses) ++start[u.server() + 1];
  for (size_t r = 0; r < ranks; ++r) start[r + 1] += start[r];
  std::vector<size_t> next(start.begin(), start.end() - 1);
  for (size_t bucket = 0; bucket < ranks; ++bucket) {
    while (next[bucket] < start[bucket + 1]) {
      Use u = uses[next[bucket]];
      // Each swap puts one use in its bucket for good.
      while (u.server() != bucket) std::swap(u, uses[next[u.server()]++]);
      uses[next[bucket]++] = u;
    }
  }
  constexpr size_t kMostRuns = 16;
  std::vector<size_t> run_ends;
  for (size_t bucket = 0; bucket < ranks; ++bucket) {
    const size_t begin = start[bucket], end = start[bucket + 1];
    run_ends.clear();
    for (size_t i = begin + 1; i < end && run_ends.size() <= kMostRuns; ++i) {
      if (uses[i] < uses[i - 1]) run_ends.push_back(i);
    }
    if (run_ends.empty()) continue;
    const auto first = uses.begin() + static_cast<std::ptrdiff_t>(begin);
    const auto last = uses.begin() + static_cast<std::ptrdiff_t>(end);
    if (run_ends.size() > kMostRuns) {
      std::sort(first, last);
      continue;
    }
    run_ends.push_back(end);
    for (size_t k = 1; k < run_ends.size(); ++k) {
      std::inplace_merge(first, uses.begin() + static_cast<std::ptrdiff_t>(run_ends[k - 1]),
                         uses.begin() + static_cast<std::ptrdiff_t>(run_ends[k]));
    }
  }
}

}  // namespace

std::string FlowWhat(const FlowEntry& e, const ListenerOwners& owners) {
  std::string what;
  AppendWhat(what, FlowRef::Of(e).v, owners);
  return what;
}

void AppendFlowWhat(std::string& out, const analysis::FlowView& v, const ListenerOwners& owners) {
  AppendWhat(out, v, owners);
}

std::vector<ServerSummary> ServerSummaries(const FlowsReport& r) {
  ServerSummaryBuilder builder(r);
  ForEachFlowRef<EvidenceFor::kNone>(r, [&](const FlowRef& f) { builder.Add(f.v); });
  return builder.Finish();
}

ServerSummaryBuilder::ServerSummaryBuilder(const FlowsReport& r) : report_(r) {
  uses_.reserve(r.compact ? r.compact->size() : r.flows.size());
}

size_t ServerSummaryBuilder::KeyHash::operator()(const Key& k) const noexcept {
  uint64_t h = (k.high ^ (k.low * 0x9e3779b97f4a7c15ULL) ^ static_cast<uint64_t>(k.family)) *
               0xbf58476d1ce4e5b9ULL;
  return static_cast<size_t>(h ^ (h >> 31));
}

static_assert(sizeof(Use) == 16);

uint32_t ServerSummaryBuilder::IdOf(const IpAddress& address) {
  const AddressKey key = KeyOf(address);
  if (2 * (keys_.size() + 1) > slots_.size()) {  // grow: every id placed again
    slots_.assign(std::max<size_t>(1024, 2 * slots_.size()), 0);
    const size_t mask = slots_.size() - 1;
    for (uint32_t id = 0; id < keys_.size(); ++id) {
      size_t slot = KeyHash{}(keys_[id]) & mask;
      while (slots_[slot] != 0) slot = (slot + 1) & mask;
      slots_[slot] = id + 1;
    }
  }
  const size_t mask = slots_.size() - 1;
  size_t slot = KeyHash{}(key) & mask;
  while (slots_[slot] != 0) {
    if (keys_[slots_[slot] - 1] == key) return slots_[slot] - 1;
    slot = (slot + 1) & mask;
  }
  const auto id = static_cast<uint32_t>(keys_.size());
  keys_.push_back(key);
  slots_[slot] = id + 1;
  return id;
}

void ServerSummaryBuilder::Add(const analysis::FlowView& v) {
  zoned_ |= !v.server->zone().empty() || !v.client->zone().empty();
  if (zoned_) return;  // Finish() takes the set-based path
  // FlowWhat(e), made only for interfaces: a service or owner name is
  // compared where it is.
  std::string_view what;
  if (v.interfaces != nullptr && !v.interfaces->empty()) {
    what_.clear();
    AppendWhat(what_, v, report_.owners);
    what = what_;
  } else if (!v.service.empty()) {
    what = v.service;
  } else if (!report_.owners.empty()) {
    auto owner = report_.owners.find({*v.server, v.proto, v.port});
    if (owner != report_.owners.end()) what = owner->second;
  }
  uint32_t what_id = 0;
  if (!what.empty()) {
    // Flows come sorted by port: the same what follows itself.
    if (whats_.empty() || whats_.back() != what) whats_.emplace_back(what);
    what_id = static_cast<uint32_t>(whats_.size());
  }
  const AddressKey server = KeyOf(*v.server);
  if (last_server_id_ == UINT32_MAX || !(server == last_server_)) {
    last_server_ = server;
    last_server_id_ = IdOf(*v.server);
  }
  uses_.push_back(Use::Of(last_server_id_, IdOf(*v.client), what_id, v.proto, v.port, v.dynamic));
}

void ServerSummaryBuilder::Prepare() {
  if (prepared_ || zoned_) return;
  prepared_ = true;
  // Ids become ranks in address order, so that integers sort as addresses do.
  by_address_.resize(keys_.size());
  for (uint32_t id = 0; id < by_address_.size(); ++id) by_address_[id] = id;
  std::sort(by_address_.begin(), by_address_.end(),
            [&](uint32_t a, uint32_t b) { return keys_[a] < keys_[b]; });
  std::vector<uint32_t> rank(keys_.size());
  for (uint32_t r = 0; r < by_address_.size(); ++r) rank[by_address_[r]] = r;
  for (Use& u : uses_) u.set_server(rank[u.server()]), u.set_client(rank[u.client()]);
  slots_ = {};
  SortUses(uses_, keys_.size());
}

size_t ServerSummaryBuilder::ServerCount() {
  if (zoned_) return ServerSummariesBySets(report_).size();
  Prepare();
  size_t count = 0;
  for (size_t i = 0; i < uses_.size(); ++i) {
    count += i == 0 || uses_[i].server() != uses_[i - 1].server();
  }
  return count;
}

std::vector<ServerSummary> ServerSummaryBuilder::Finish() {
  std::vector<ServerSummary> out;
  ForEach([&](const ServerSummary& s) { out.push_back(s); });
  return out;
}

void ServerSummaryBuilder::ForEach(const std::function<void(const ServerSummary&)>& each) {
  if (zoned_) {
    for (const ServerSummary& s : ServerSummariesBySets(report_)) each(s);
    return;
  }
  Prepare();
  const std::vector<Use>& uses = uses_;
  const std::vector<std::string>& whats = whats_;
  auto address = [&](uint32_t r) { return AddressOf(keys_[by_address_[r]]); };
  ServerSummary s;
  // Per client rank, the last server (its rank) that counted it: the
  // distinct clients counted without sorting them per server.
  std::vector<uint32_t> counted(keys_.size(), UINT32_MAX);
  // The last server's port records, their buffers reused: a new vector and
  // string per dynamic port were most of ForEach() on a capture.
  std::vector<DynamicPortUse> spare;
  for (size_t server_begin = 0; server_begin < uses.size();) {
    size_t server_end = server_begin;
    while (server_end < uses.size() && uses[server_end].server() == uses[server_begin].server()) {
      ++server_end;
    }
    s.server = address(uses[server_begin].server());
    s.static_ports.clear();
    for (DynamicPortUse& d : s.dynamic_ports) spare.push_back(std::move(d));
    s.dynamic_ports.clear();
    size_t clients = 0;
    const uint32_t stamp = uses[server_begin].server();
    for (size_t begin = server_begin; begin < server_end;) {
      size_t end = begin;
      uint32_t last_what = 0;
      bool any_static = false, any_dynamic = false;
      const uint64_t port_key = uses[begin].port_key();
      while (end < server_end && uses[end].port_key() == port_key) {
        last_what = std::max(last_what, uses[end].what());
        any_static |= !uses[end].dynamic();
        any_dynamic |= uses[end].dynamic();
        uint32_t& seen = counted[uses[end].client()];
        clients += seen != stamp;
        seen = stamp;
        ++end;
      }
      const PortOf port{uses[begin].proto(), uses[begin].port()};
      if (any_static) s.static_ports.push_back(port);
      if (any_dynamic) {
        DynamicPortUse& d = s.dynamic_ports.emplace_back();
        if (!spare.empty()) {
          d = std::move(spare.back());
          spare.pop_back();
          d.clients.clear();
          d.what.clear();
        }
        d.port = port;
        if (last_what != 0) d.what = whats[last_what - 1];
        // Sorted by client within the port: equal ones are neighbours.
        bool any = false;
        uint32_t last = 0;
        for (size_t i = begin; i < end; ++i) {
          if (!uses[i].dynamic() || (any && last == uses[i].client())) continue;
          d.clients.push_back(address(uses[i].client()));
          any = true;
          last = uses[i].client();
        }
      }
      begin = end;
    }
    s.clients = clients;
    each(s);
    server_begin = server_end;
  }
}

std::vector<ServerSummary> ServerSummariesBySets(const FlowsReport& r) {
  struct Sets {
    std::set<PortOf> static_ports;
    std::map<PortOf, std::set<IpAddress>> dynamic_ports;
    std::map<PortOf, std::string> what;
    std::set<IpAddress> clients;
  };
  std::map<IpAddress, Sets> servers;
  ForEachFlow(r, [&](const FlowEntry& e) {
    Sets& s = servers[e.key.server];
    PortOf port{e.key.proto, e.key.port};
    if (e.dynamic) {
      s.dynamic_ports[port].insert(e.key.client);
    } else {
      s.static_ports.insert(port);
    }
    if (std::string what = FlowWhat(e, r.owners); !what.empty()) s.what[port] = std::move(what);
    s.clients.insert(e.key.client);
  });
  std::vector<ServerSummary> out;
  for (const auto& [server, s] : servers) {
    ServerSummary& summary = out.emplace_back();
    summary.server = server;
    summary.static_ports.assign(s.static_ports.begin(), s.static_ports.end());
    for (const auto& [port, clients] : s.dynamic_ports) {
      auto what = s.what.find(port);
      summary.dynamic_ports.push_back({port, std::vector<IpAddress>(clients.begin(), clients.end()),
                                       what != s.what.end() ? what->second : ""});
    }
    summary.clients = s.clients.size();
  }
  return out;
}

}  // namespace highport::report
