#include "plan/allow_list.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "plan/cidr.h"

namespace highport::plan {
namespace {

using analysis::FlowEntry;

constexpr size_t kEvidencePerRule = 3;
constexpr size_t kNamedPerList = 2;  // servers or client blocks spelled out in a rule's name
constexpr uint16_t kEpmapPort = 135;

uint64_t Connections(const FlowEntry& flow) { return std::max(flow.connections, flow.allowed); }

bool Counts(const FlowEntry& flow) {
  if (flow.allowed == 0 && flow.connections == 0) return false;  // dropped-only: attempts
  // A host's connection to itself (its own address too): no firewall sees it.
  if (flow.flow_class == analysis::FlowClass::kLocal) return false;
  for (const IpAddress* a : {&flow.key.client, &flow.key.server}) {
    if (a->is_loopback() || a->is_unspecified()) return false;  // never crosses a firewall
  }
  return true;
}

bool IsLinkLocal(const IpAddress& a) {
  return a.is_v4() ? a.bytes()[0] == 169 && a.bytes()[1] == 254
                   : a.bytes()[0] == 0xfe && (a.bytes()[1] & 0xc0) == 0x80;
}

// Why a flow gets no host rule whatever else holds; nothing for ordinary unicast.
std::optional<std::string> AddressReason(const analysis::FlowKey& key) {
  if (key.server.is_multicast() || key.server.is_broadcast()) {
    return "multicast or broadcast destination: no host rule for one-to-many traffic";
  }
  if (key.client.is_multicast() || key.client.is_broadcast()) {
    return "multicast or broadcast client address";
  }
  if (IsLinkLocal(key.client) || IsLinkLocal(key.server)) {
    return "link-local address: valid on one link only, add a rule by hand if it is needed";
  }
  return std::nullopt;
}

bool IsRpcDynamic(const FlowEntry& flow) { return flow.dynamic || !flow.interfaces.empty(); }

int64_t Seconds(int64_t microseconds) {
  int64_t s = microseconds / 1'000'000;
  return microseconds % 1'000'000 < 0 ? s - 1 : s;
}

std::string PortsText(const PortRange& range) {
  return range.first == range.last ? std::to_string(range.first) : range.ToString();
}

// Addresses in a rule are compared without their zone (fe80::1%12 names fe80::1).
bool SameAddress(const IpAddress& a, const IpAddress& b) {
  return a.family() == b.family() && a.bytes() == b.bytes();
}

// The check behind RuleAllows, on parsed addresses.
bool Allows(const std::vector<IpAddress>& servers, const std::vector<CidrBlock>& clients,
            const FirewallRule& rule, const IpAddress& client, const IpAddress& server,
            Proto proto, uint16_t port) {
  if (proto != rule.proto) return false;
  if (std::none_of(rule.ports.begin(), rule.ports.end(),
                   [&](const PortRange& r) { return r.Contains(port); })) {
    return false;
  }
  if (std::none_of(servers.begin(), servers.end(),
                   [&](const IpAddress& s) { return SameAddress(s, server); })) {
    return false;
  }
  return std::any_of(clients.begin(), clients.end(),
                     [&](const CidrBlock& b) { return b.Contains(client); });
}

// One rule in the making: what it allows, and the flows that asked for it
// (indexes into AllowListBuilder::counted_).
struct Draft {
  std::vector<IpAddress> servers;
  Proto proto = Proto::kTcp;
  PortRange ports;
  RuleKeyword keyword = RuleKeyword::kNone;
  std::string program;
  std::vector<CidrBlock> clients;
  std::vector<size_t> flows;
};

// A counted flow and what became of it: why no rule was made for it, and
// the port it will use once the plan is applied (a dynamic RPC port moves
// into the planned range).
struct Counted {
  const FlowEntry* flow = nullptr;
  std::string reason;
  uint16_t port = 0;
  size_t rule = SIZE_MAX;  // the rule made for it, set last
};

// Step 1's input: per (server, proto, ports, keyword, program), the clients and flows.
using DemandKey = std::tuple<IpAddress, Proto, PortRange, RuleKeyword, std::string>;
struct Demand {
  std::set<IpAddress> clients;
  std::vector<size_t> flows;
};

class AllowListBuilder {
 public:
  AllowListBuilder(const std::map<IpAddress, PortRange>& rpc_ranges,
                   const std::map<std::tuple<IpAddress, Proto, uint16_t>, std::string>& programs,
                   const AllowListOptions& options, const catalog::Catalog& catalog)
      : rpc_ranges_(rpc_ranges), programs_(programs), catalog_(catalog), options_(options),
        max_v4_(std::clamp(options.max_prefix_v4, 1, 32)),
        max_v6_(std::clamp(options.max_prefix_v6, 1, 128)) {}

  FirewallPlan Build(const std::vector<FlowEntry>& flows) {
    for (const FlowEntry& flow : flows) {
      if (!Counts(flow)) continue;
      // Multicast and link-local keep their own reasons (AddressReason).
      if (!AddressReason(flow.key) && !IsInsideServer(flow.key.server, options_)) {
        ++outside_flows_;
        outside_servers_.insert(flow.key.server);
        continue;
      }
      Classify(flow);
    }
    AddRpcDemands();
    FirewallPlan plan = Finish(MergeServers(MergePorts(FoldDemands())));
    plan.outside_flows = outside_flows_;
    for (const IpAddress& a : outside_servers_) plan.outside_servers.push_back(a.ToString());
    return plan;
  }

 private:
  // Everything the RPC rules of one server need.
  struct RpcServer {
    std::set<IpAddress> clients;
    std::vector<size_t> dynamic, epmap;
    std::set<std::string> programs;
    bool program_unknown = false;
  };

  std::string Program(const IpAddress& server, Proto proto, uint16_t port) const {
    auto it = programs_.find({server, proto, port});
    if (it == programs_.end()) {
      IpAddress any = server.is_v4() ? IpAddress::AnyV4() : IpAddress::AnyV6();
      it = programs_.find({any, proto, port});
    }
    return it == programs_.end() ? std::string() : it->second;
  }

  void Classify(const FlowEntry& flow) {
    const analysis::FlowKey& key = flow.key;
    size_t index = counted_.size();
    counted_.push_back({&flow, {}, key.port});
    if (std::optional<std::string> reason = AddressReason(key)) {
      counted_[index].reason = *reason;
    } else if (IsRpcDynamic(flow)) {
      ClassifyDynamic(index);
    } else if (key.proto == Proto::kTcp && key.port == kEpmapPort) {
      RpcServer& rpc = rpc_[key.server];
      rpc.clients.insert(key.client);
      rpc.epmap.push_back(index);
    } else {
      Demand& d = demands_[{key.server, key.proto, PortRange{key.port, key.port}, RuleKeyword::kNone,
                            Program(key.server, key.proto, key.port)}];
      d.clients.insert(key.client);
      d.flows.push_back(index);
    }
  }

  void ClassifyDynamic(size_t index) {
    Counted& c = counted_[index];
    const analysis::FlowKey& key = c.flow->key;
    auto range = rpc_ranges_.find(key.server);
    if (key.proto != Proto::kTcp) {
      c.reason = "dynamic udp port: it changes at the next restart, and RPC ranges are planned for tcp";
    } else if (c.flow->interfaces.empty() &&
               options_.self_chosen_ports.count({key.server, key.proto, key.port})) {
      c.reason = "a port its service moved from or to, outside the dynamic range: the service "
                 "picks it itself, not from the RPC range; give it a fixed port in its own "
                 "configuration, then allow that port";
    } else if (range == rpc_ranges_.end()) {
      c.reason = fmt::format("dynamic port and no RPC range planned for {}: it changes at the next restart",
                             key.server.ToString());
    } else if (OpensWholeDynamicRange(range->second)) {
      c.reason = fmt::format("the planned RPC range {} opens the whole dynamic range: no rule",
                             range->second.ToString());
    } else {
      if (!range->second.Contains(key.port)) c.port = range->second.first;
      RpcServer& rpc = rpc_[key.server];
      rpc.clients.insert(key.client);
      rpc.dynamic.push_back(index);
      std::string program = Program(key.server, key.proto, key.port);
      if (program.empty()) rpc.program_unknown = true;
      else rpc.programs.insert(program);
    }
  }

  // TCP 135 and the planned range, both to the clients that used RPC on the server.
  void AddRpcDemands() {
    for (const auto& [server, rpc] : rpc_) {
      if (!rpc.epmap.empty()) {
        Demand& d = demands_[{server, Proto::kTcp, PortRange{kEpmapPort, kEpmapPort},
                              RuleKeyword::kRpcEpmap, Program(server, Proto::kTcp, kEpmapPort)}];
        d.clients = rpc.clients;
        d.flows = rpc.epmap;
      }
      if (!rpc.dynamic.empty()) {
        std::string program =
            !rpc.program_unknown && rpc.programs.size() == 1 ? *rpc.programs.begin() : "";
        Demand& d = demands_[{server, Proto::kTcp, rpc_ranges_.at(server), RuleKeyword::kRpc,
                              std::move(program)}];
        d.clients = rpc.clients;
        d.flows = rpc.dynamic;
      }
    }
  }

  // Step 1: each demand's clients folded into blocks. Demands come in key
  // order, so one server's ports arrive ascending.
  std::vector<Draft> FoldDemands() const {
    std::vector<Draft> drafts;
    for (const auto& [key, demand] : demands_) {
      const auto& [server, proto, ports, keyword, program] = key;
      drafts.push_back({{server}, proto, ports, keyword, program,
                        FoldClients({demand.clients.begin(), demand.clients.end()}, max_v4_, max_v6_),
                        demand.flows});
    }
    return drafts;
  }

  // Step 2: adjacent ports of one server, proto, program and client set.
  std::vector<Draft> MergePorts(std::vector<Draft> drafts) {
    using Group = std::tuple<IpAddress, Proto, RuleKeyword, std::string, std::vector<CidrBlock>>;
    std::map<Group, std::vector<Draft*>> groups;
    for (Draft& d : drafts) groups[{d.servers[0], d.proto, d.keyword, d.program, d.clients}].push_back(&d);
    std::vector<Draft> merged;
    for (auto& [group, members] : groups) {
      merged.push_back(std::move(*members[0]));
      for (size_t i = 1; i < members.size(); ++i) {
        Draft& last = merged.back();
        Draft& d = *members[i];
        if (d.keyword == RuleKeyword::kNone && uint32_t{d.ports.first} <= uint32_t{last.ports.last} + 1) {
          last.ports.last = std::max(last.ports.last, d.ports.last);
          last.flows.insert(last.flows.end(), d.flows.begin(), d.flows.end());
        } else {
          merged.push_back(std::move(d));
        }
      }
    }
    // "No 1024-65535": a run that long is a scan's trace, not a service.
    std::erase_if(merged, [&](const Draft& d) {
      if (!OpensWholeDynamicRange(d.ports)) return false;
      for (size_t index : d.flows) {
        counted_[index].reason = fmt::format(
            "ports {} from the same clients would open the whole dynamic range: no rule (a port scan?)",
            d.ports.ToString());
      }
      return true;
    });
    return merged;
  }

  // Step 3: one rule for every server that needs the same.
  static std::vector<Draft> MergeServers(std::vector<Draft> drafts) {
    using Group = std::tuple<Proto, PortRange, RuleKeyword, std::string, std::vector<CidrBlock>>;
    std::map<Group, size_t> index_of;
    std::vector<Draft> merged;
    for (Draft& d : drafts) {
      auto [it, fresh] =
          index_of.try_emplace({d.proto, d.ports, d.keyword, d.program, d.clients}, merged.size());
      if (fresh) {
        merged.push_back(std::move(d));
        continue;
      }
      Draft& into = merged[it->second];
      into.servers.push_back(d.servers[0]);
      into.flows.insert(into.flows.end(), d.flows.begin(), d.flows.end());
    }
    return merged;
  }

  FirewallPlan Finish(std::vector<Draft> drafts);
  FirewallRule MakeRule(const Draft& draft) const;
  std::string ServiceName(const Draft& draft) const;
  std::vector<EvidenceItem> Evidence(const Draft& draft) const;

  const std::map<IpAddress, PortRange>& rpc_ranges_;
  const std::map<std::tuple<IpAddress, Proto, uint16_t>, std::string>& programs_;
  const catalog::Catalog& catalog_;
  const AllowListOptions& options_;
  const int max_v4_;
  const int max_v6_;
  std::vector<Counted> counted_;
  std::map<IpAddress, RpcServer> rpc_;
  std::map<DemandKey, Demand> demands_;
  uint64_t outside_flows_ = 0;
  std::set<IpAddress> outside_servers_;
};

// "a, b +3 more"
template <typename T>
std::string ShortList(const std::vector<T>& items) {
  std::string text;
  for (size_t i = 0; i < items.size() && i < kNamedPerList; ++i) {
    if (i > 0) text += ", ";
    text += items[i].ToString();
  }
  if (items.size() > kNamedPerList) text += fmt::format(" +{} more", items.size() - kNamedPerList);
  return text;
}

std::string FlowSummary(const FlowEntry& flow) {
  uint64_t n = Connections(flow);
  std::string text = fmt::format("{} -> {} {}/{}: {} connection{}", flow.key.client.ToString(),
                                 flow.key.server.ToString(), ProtoName(flow.key.proto),
                                 flow.key.port, n, n == 1 ? "" : "s");
  if (!flow.interfaces.empty()) text += fmt::format(" ({})", fmt::join(flow.interfaces, ", "));
  return text;
}

std::string AllowListBuilder::ServiceName(const Draft& draft) const {
  if (draft.keyword == RuleKeyword::kRpc) return "RPC dynamic (planned range)";
  std::vector<std::string> names;
  for (uint32_t port = draft.ports.first; port <= draft.ports.last; ++port) {
    const catalog::PortEntry* entry = catalog_.FindPort(draft.proto, static_cast<uint16_t>(port));
    if (entry && std::find(names.begin(), names.end(), entry->name) == names.end()) {
      names.push_back(entry->name);
    }
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

// The flows with the most connections, each with where it was first seen.
std::vector<EvidenceItem> AllowListBuilder::Evidence(const Draft& draft) const {
  std::vector<const FlowEntry*> flows;
  for (size_t index : draft.flows) flows.push_back(counted_[index].flow);
  std::sort(flows.begin(), flows.end(), [](const FlowEntry* a, const FlowEntry* b) {
    if (Connections(*a) != Connections(*b)) return Connections(*a) > Connections(*b);
    return a->key < b->key;
  });
  if (flows.size() > kEvidencePerRule) flows.resize(kEvidencePerRule);
  std::vector<EvidenceItem> items;
  for (const FlowEntry* flow : flows) {
    items.push_back({"flow", FlowSummary(*flow),
                     flow->evidence.empty() ? std::string() : flow->evidence.front().ToString()});
  }
  return items;
}

FirewallRule AllowListBuilder::MakeRule(const Draft& draft) const {
  FirewallRule rule;
  for (const IpAddress& server : draft.servers) rule.servers.push_back(server.ToString());
  for (const CidrBlock& block : draft.clients) rule.clients.push_back(block.ToString());
  rule.proto = draft.proto;
  rule.ports = {draft.ports};
  rule.keyword = draft.keyword;
  rule.program = draft.program;
  rule.service = ServiceName(draft);
  rule.first_seen = INT64_MAX;
  rule.last_seen = INT64_MIN;
  for (size_t index : draft.flows) {
    const FlowEntry& flow = *counted_[index].flow;
    rule.flows += 1;
    rule.connections += Connections(flow);
    rule.first_seen = std::min(rule.first_seen, Seconds(flow.first_us));
    rule.last_seen = std::max(rule.last_seen, Seconds(flow.last_us));
  }
  rule.evidence = Evidence(draft);
  std::string what = draft.keyword == RuleKeyword::kRpc
                         ? "RPC " + draft.ports.ToString()
                         : fmt::format("{}/{}", ProtoName(draft.proto), PortsText(draft.ports));
  if (draft.keyword != RuleKeyword::kRpc && !rule.service.empty()) what += " (" + rule.service + ")";
  rule.name = fmt::format("highport: {} {} from {}", ShortList(draft.servers), what,
                          ShortList(draft.clients));
  return rule;
}

FirewallPlan AllowListBuilder::Finish(std::vector<Draft> drafts) {
  for (Draft& d : drafts) std::sort(d.servers.begin(), d.servers.end());
  std::sort(drafts.begin(), drafts.end(), [](const Draft& a, const Draft& b) {
    return std::tie(a.servers[0], a.proto, a.ports.first, a.keyword, a.program, a.clients) <
           std::tie(b.servers[0], b.proto, b.ports.first, b.keyword, b.program, b.clients);
  });
  FirewallPlan plan;
  plan.max_prefix_v4 = max_v4_;
  plan.max_prefix_v6 = max_v6_;
  for (size_t i = 0; i < drafts.size(); ++i) {
    plan.rules.push_back(MakeRule(drafts[i]));
    plan.rules.back().id = fmt::format("rule:{}", i + 1);
    for (size_t index : drafts[i].flows) counted_[index].rule = i;
  }

  // Coverage by matching: the rule made for a flow must really let it through.
  plan.allowed_flows = counted_.size();
  std::vector<const Counted*> blocked;
  for (const Counted& c : counted_) {
    const analysis::FlowKey& key = c.flow->key;
    if (c.rule != SIZE_MAX && Allows(drafts[c.rule].servers, drafts[c.rule].clients, plan.rules[c.rule],
                                     key.client, key.server, key.proto, c.port)) {
      ++plan.covered_flows;
    } else {
      blocked.push_back(&c);
    }
  }
  std::sort(blocked.begin(), blocked.end(), [](const Counted* a, const Counted* b) {
    const analysis::FlowKey& x = a->flow->key;
    const analysis::FlowKey& y = b->flow->key;
    return std::tie(x.server, x.proto, x.port, x.client) < std::tie(y.server, y.proto, y.port, y.client);
  });
  for (const Counted* c : blocked) {
    const analysis::FlowKey& key = c->flow->key;
    plan.uncovered.push_back(
        {key.client.ToString(), key.server.ToString(), key.proto, key.port, Connections(*c->flow),
         c->reason.empty() ? "no rule lets it through" : c->reason,
         c->flow->evidence.empty() ? std::string() : c->flow->evidence.front().ToString()});
  }
  plan.coverage = plan.allowed_flows == 0
                      ? 1.0
                      : static_cast<double>(plan.covered_flows) / static_cast<double>(plan.allowed_flows);
  return plan;
}

}  // namespace

bool IsInsideServer(const IpAddress& server, const AllowListOptions& options) {
  static const std::vector<CidrBlock> kPrivate = [] {
    std::vector<CidrBlock> blocks;
    for (const char* b : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"}) {
      blocks.push_back(*ParseCidr(b));
    }
    return blocks;
  }();
  auto in = [&](const std::vector<CidrBlock>& blocks) {
    return std::any_of(blocks.begin(), blocks.end(), [&](const CidrBlock& b) { return b.Contains(server); });
  };
  if (in(kPrivate) || in(options.internal)) return true;
  return std::any_of(options.own_servers.begin(), options.own_servers.end(),
                     [&](const IpAddress& a) { return SameAddress(a, server); });
}

std::string OutsideSummary(const FirewallPlan& f) {
  if (f.outside_flows == 0) return "";
  std::string servers;
  for (size_t i = 0; i < f.outside_servers.size() && i < kNamedPerList; ++i) {
    servers += (i > 0 ? ", " : "") + f.outside_servers[i];
  }
  if (f.outside_servers.size() > kNamedPerList) {
    servers += fmt::format(" +{} more", f.outside_servers.size() - kNamedPerList);
  }
  return fmt::format("egress: {} flow(s) to {} server(s) outside the network ({}) get no rule and "
                     "are not fenced; --internal CIDR if they are yours",
                     f.outside_flows, f.outside_servers.size(), servers);
}

bool OpensWholeDynamicRange(const PortRange& range) {
  auto holds = [&](const PortRange& r) { return range.first <= r.first && range.last >= r.last; };
  return holds(kWindowsDynamicRange) || holds(kLegacyWindowsDynamicRange);
}

bool RuleAllows(const FirewallRule& rule, const IpAddress& client, const IpAddress& server,
                Proto proto, uint16_t port) {
  std::vector<IpAddress> servers;
  for (const std::string& text : rule.servers) {
    if (std::optional<IpAddress> a = IpAddress::Parse(text)) servers.push_back(*a);
  }
  std::vector<CidrBlock> clients;
  for (const std::string& text : rule.clients) {
    if (std::optional<CidrBlock> b = ParseCidr(text)) clients.push_back(*b);
  }
  return Allows(servers, clients, rule, client, server, proto, port);
}

FirewallPlan BuildAllowList(
    const std::vector<analysis::FlowEntry>& flows, const std::map<IpAddress, PortRange>& rpc_ranges,
    const std::map<std::tuple<IpAddress, Proto, uint16_t>, std::string>& programs,
    const AllowListOptions& options, const catalog::Catalog& catalog) {
  return AllowListBuilder(rpc_ranges, programs, options, catalog).Build(flows);
}

}  // namespace highport::plan
