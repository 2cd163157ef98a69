#include "plan/plan_json.h"

#include <functional>
#include <set>

#include "fmt/format.h"
#include "model/ip_address.h"
#include "plan/cidr.h"
#include "text/json_text.h"

namespace highport::plan {
namespace {

using Json = nlohmann::ordered_json;

// ---- writing ---------------------------------------------------------------

Json EvidenceJson(const std::vector<EvidenceItem>& items) {
  Json out = Json::array();
  for (const EvidenceItem& e : items) {
    out.push_back({{"kind", e.kind}, {"summary", e.summary}, {"source", e.source}});
  }
  return out;
}

Json RangesJson(const std::vector<PortRange>& ranges) {
  Json out = Json::array();
  for (const PortRange& r : ranges) out.push_back(r.ToString());
  return out;
}

Json HostJson(const HostEntry& h) {
  Json j{{"name", h.name},
         {"addresses", h.addresses},
         {"group", h.group},
         {"role", RoleName(h.role)},
         {"platform", PlatformName(h.platform)}};
  j["tcp_ephemeral_range"] = h.tcp_ephemeral ? Json(h.tcp_ephemeral->ToString()) : Json(nullptr);
  j["listeners"] = h.listeners;
  return j;
}

Json RangeJson(const RpcRangeProposal& r) {
  Json avoided = Json::array();
  for (const PortConflict& c : r.avoided) {
    avoided.push_back({{"port", c.port}, {"what", c.what}, {"source", c.source}});
  }
  return Json{{"id", r.id},
              {"group", r.group},
              {"hosts", r.hosts},
              {"range", r.range.ToString()},
              {"ports", r.range.size()},
              {"observed_peak", r.observed_peak},
              {"min_ports", r.min_ports},
              {"avoided", avoided},
              {"ephemeral_overlap",
               r.ephemeral_overlap ? Json(r.ephemeral_overlap->ToString()) : Json(nullptr)},
              {"restart", r.restart},
              {"risk", r.risk},
              {"warnings", r.warnings},
              {"evidence", EvidenceJson(r.evidence)}};
}

Json PinJson(const PinProposal& p) {
  return Json{{"id", p.id},
              {"host", p.host},
              {"service", p.service},
              {"display_name", p.display_name},
              {"port", p.port},
              {"kind", PinKindName(p.kind)},
              {"key", p.key},
              {"value_name", p.value_name},
              {"value_type", p.value_type},
              {"value_data", p.value_data},
              {"command", p.command},
              {"rollback_command", p.rollback_command},
              {"restart", p.restart},
              {"interfaces", p.interfaces},
              {"risk", p.risk},
              {"evidence", EvidenceJson(p.evidence)}};
}

Json MinimiseJson(const MinimiseProposal& m) {
  return Json{{"id", m.id},
              {"host", m.host},
              {"service", m.service},
              {"display_name", m.display_name},
              {"process", m.process},
              {"listeners", m.listeners},
              {"action", MinimiseActionName(m.action)},
              {"commands", m.commands},
              {"rollback", m.rollback},
              {"dependents", m.dependents},
              {"risk", m.risk},
              {"evidence", EvidenceJson(m.evidence)}};
}

Json RuleJson(const FirewallRule& r) {
  return Json{{"id", r.id},
              {"name", r.name},
              {"servers", r.servers},
              {"clients", r.clients},
              {"proto", ProtoName(r.proto)},
              {"ports", RangesJson(r.ports)},
              {"keyword", RuleKeywordName(r.keyword)},
              {"program", r.program},
              {"service", r.service},
              {"flows", r.flows},
              {"connections", r.connections},
              {"first_seen", r.first_seen},
              {"last_seen", r.last_seen},
              {"evidence", EvidenceJson(r.evidence)}};
}

Json FirewallJson(const FirewallPlan& f) {
  Json rules = Json::array();
  for (const FirewallRule& r : f.rules) rules.push_back(RuleJson(r));
  Json uncovered = Json::array();
  for (const UncoveredFlow& u : f.uncovered) {
    uncovered.push_back({{"client", u.client},
                         {"server", u.server},
                         {"proto", ProtoName(u.proto)},
                         {"port", u.port},
                         {"connections", u.connections},
                         {"reason", u.reason},
                         {"source", u.source}});
  }
  return Json{{"max_prefix_v4", f.max_prefix_v4},
              {"max_prefix_v6", f.max_prefix_v6},
              {"allowed_flows", f.allowed_flows},
              {"covered_flows", f.covered_flows},
              {"coverage", f.coverage},
              {"rules", rules},
              {"uncovered", uncovered},
              {"outside_flows", f.outside_flows},
              {"outside_servers", f.outside_servers}};
}

// ---- reading ---------------------------------------------------------------

// "10.0.1.0/28", "fd00::/64" or a bare address; what is wrong with it, if anything.
// Host bits must be zero, so that what the plan says is exactly what a firewall gets.
std::optional<std::string> BlockProblem(std::string_view text) {
  std::string why;
  std::optional<CidrBlock> block = ParseCidr(text, &why);
  if (!block) return fmt::format("'{}' {}", text, why);
  if (block->prefix == 0) return fmt::format("'{}' allows every address", text);
  return std::nullopt;
}

// Walks the document with a JSON pointer for messages; every problem is
// recorded and reading goes on, so one run lists them all.
class Reader {
 public:
  explicit Reader(std::string_view name) : name_(name) {}

  void Problem(const std::string& where, std::string_view what) {
    if (problems_.size() < 50) problems_.push_back(fmt::format("{}: {}: {}", name_, where, what));
    ++count_;
  }
  bool ok() const { return count_ == 0; }
  std::string Message() const {
    std::string out = fmt::format("{} is not a valid plan ({} problem(s)):", name_, count_);
    for (const std::string& p : problems_) out += "\n  " + p;
    if (count_ > problems_.size()) out += fmt::format("\n  ... and {} more", count_ - problems_.size());
    return out;
  }

  // Optional members: absent is the default; present with the wrong type is a problem.
  const Json* Member(const Json& object, const std::string& where, std::string_view key,
                     bool required = false) {
    auto it = object.find(key);
    if (it == object.end() || (it->is_null() && !required)) {
      if (required) Problem(where, fmt::format("'{}' is missing", key));
      return nullptr;
    }
    return &*it;
  }

  void String(const Json& o, const std::string& where, std::string_view key, std::string& out,
              bool required = false) {
    if (const Json* v = Member(o, where, key, required)) {
      if (v->is_string()) {
        out = v->get<std::string>();
      } else {
        Problem(Path(where, key), "must be a string");
      }
    }
  }

  template <typename Int>
  void Integer(const Json& o, const std::string& where, std::string_view key, Int& out,
               int64_t low, int64_t high, bool required = false) {
    const Json* v = Member(o, where, key, required);
    if (v == nullptr) return;
    if (!v->is_number_integer()) {
      Problem(Path(where, key), "must be a whole number");
      return;
    }
    int64_t n = v->is_number_unsigned() && v->get<uint64_t>() > uint64_t(INT64_MAX)
                    ? INT64_MAX
                    : v->get<int64_t>();
    if (n < low || n > high) {
      Problem(Path(where, key), fmt::format("{} is outside {}-{}", n, low, high));
      return;
    }
    out = static_cast<Int>(n);
  }

  void Strings(const Json& o, const std::string& where, std::string_view key,
               std::vector<std::string>& out, bool required = false) {
    const Json* v = Member(o, where, key, required);
    if (v == nullptr) return;
    if (!v->is_array()) {
      Problem(Path(where, key), "must be a list of strings");
      return;
    }
    for (size_t i = 0; i < v->size(); ++i) {
      if ((*v)[i].is_string()) {
        out.push_back((*v)[i].get<std::string>());
      } else {
        Problem(fmt::format("{}/{}", Path(where, key), i), "must be a string");
      }
    }
  }

  // A port range "5000-5100" or a single port "5984".
  std::optional<PortRange> Range(const Json& o, const std::string& where, std::string_view key,
                                 bool required = false) {
    std::string text;
    String(o, where, key, text, required);
    if (text.empty()) return std::nullopt;
    auto range = ParsePortRange(text);
    if (!range || range->first == 0) {
      Problem(Path(where, key), fmt::format("'{}' is not a port range (START-END, 1-65535)", text));
      return std::nullopt;
    }
    return range;
  }

  template <typename Enum>
  void Name(const Json& o, const std::string& where, std::string_view key, Enum& out,
            std::optional<Enum> (*parse)(std::string_view), std::string_view choices,
            bool required = false) {
    std::string text;
    bool present = Member(o, where, key, required) != nullptr;
    String(o, where, key, text, required);
    if (!present) return;
    if (auto value = parse(text)) {
      out = *value;
    } else {
      Problem(Path(where, key), fmt::format("'{}' is not one of {}", text, choices));
    }
  }

  void Addresses(const std::vector<std::string>& values, const std::string& where) {
    for (size_t i = 0; i < values.size(); ++i) {
      if (!IpAddress::Parse(values[i])) {
        Problem(fmt::format("{}/{}", where, i), fmt::format("'{}' is not an IP address", values[i]));
      }
    }
  }

  void Blocks(const std::vector<std::string>& values, const std::string& where) {
    for (size_t i = 0; i < values.size(); ++i) {
      if (auto problem = BlockProblem(values[i])) {
        Problem(fmt::format("{}/{}", where, i), *problem);
      }
    }
  }

  std::vector<EvidenceItem> Evidence(const Json& o, const std::string& where) {
    std::vector<EvidenceItem> out;
    ForEach(o, where, "evidence", [&](const Json& e, const std::string& at) {
      EvidenceItem item;
      String(e, at, "kind", item.kind);
      String(e, at, "summary", item.summary);
      String(e, at, "source", item.source);
      out.push_back(std::move(item));
    });
    return out;
  }

  // Calls `each` for every object in the list o[key].
  void ForEach(const Json& o, const std::string& where, std::string_view key,
               const std::function<void(const Json&, const std::string&)>& each) {
    const Json* list = Member(o, where, key);
    if (list == nullptr) return;
    if (!list->is_array()) {
      Problem(Path(where, key), "must be a list");
      return;
    }
    for (size_t i = 0; i < list->size(); ++i) {
      std::string at = fmt::format("{}/{}", Path(where, key), i);
      if (!(*list)[i].is_object()) {
        Problem(at, "must be an object");
        continue;
      }
      each((*list)[i], at);
    }
  }

  static std::string Path(const std::string& where, std::string_view key) {
    return fmt::format("{}/{}", where, key);
  }

 private:
  std::string name_;
  std::vector<std::string> problems_;
  size_t count_ = 0;
};

constexpr int64_t kMaxCount = INT64_MAX;

HostEntry ReadHost(Reader& r, const Json& o, const std::string& at) {
  HostEntry h;
  r.String(o, at, "name", h.name, true);
  if (h.name.empty() && o.contains("name")) r.Problem(at + "/name", "must not be empty");
  r.Strings(o, at, "addresses", h.addresses);
  r.Addresses(h.addresses, at + "/addresses");
  r.String(o, at, "group", h.group);
  if (h.group.empty()) h.group = h.name;
  r.Name(o, at, "role", h.role, ParseRole, "dc, member, workstation, isolated, unknown");
  r.Name(o, at, "platform", h.platform, ParsePlatform, "windows, samba, linux, unknown");
  h.tcp_ephemeral = r.Range(o, at, "tcp_ephemeral_range");
  // Optional: plans written before `verify` existed have no listeners.
  r.Strings(o, at, "listeners", h.listeners);
  for (size_t i = 0; i < h.listeners.size(); ++i) {
    if (!ParseListener(h.listeners[i])) {
      r.Problem(fmt::format("{}/listeners/{}", at, i),
                fmt::format("'{}' is not PROTO/PORT (tcp/389, udp/53)", h.listeners[i]));
    }
  }
  return h;
}

RpcRangeProposal ReadRange(Reader& r, const Json& o, const std::string& at) {
  RpcRangeProposal p;
  r.String(o, at, "id", p.id, true);
  r.String(o, at, "group", p.group);
  r.Strings(o, at, "hosts", p.hosts, true);
  if (auto range = r.Range(o, at, "range", true)) {
    p.range = *range;
    // KB 154596: a range must hold enough ports; below 10 is refused outright
    // (each port carries one concurrent connection).
    if (range->size() < 10) r.Problem(at + "/range", "an RPC range needs at least 10 ports");
  }
  r.Integer(o, at, "observed_peak", p.observed_peak, 0, kMaxCount);
  r.Integer(o, at, "min_ports", p.min_ports, 10, 65535);
  r.ForEach(o, at, "avoided", [&](const Json& c, const std::string& cat) {
    PortConflict conflict;
    r.Integer(c, cat, "port", conflict.port, 0, 65535, true);
    r.String(c, cat, "what", conflict.what);
    r.String(c, cat, "source", conflict.source);
    p.avoided.push_back(std::move(conflict));
  });
  p.ephemeral_overlap = r.Range(o, at, "ephemeral_overlap");
  r.String(o, at, "restart", p.restart);
  r.String(o, at, "risk", p.risk);
  r.Strings(o, at, "warnings", p.warnings);
  p.evidence = r.Evidence(o, at);
  return p;
}

PinProposal ReadPin(Reader& r, const Json& o, const std::string& at) {
  PinProposal p;
  r.String(o, at, "id", p.id, true);
  r.String(o, at, "host", p.host, true);
  r.String(o, at, "service", p.service, true);
  r.String(o, at, "display_name", p.display_name);
  // KB 224196 and the DCOM Endpoints value: a pinned port lies in 1024-65535;
  // the planner keeps to 1024-49151, but an admin may choose otherwise.
  r.Integer(o, at, "port", p.port, 1024, 65535, true);
  r.Name(o, at, "kind", p.kind, ParsePinKind, "registry, command, dcom-appid, wmi, samba", true);
  r.String(o, at, "key", p.key);
  r.String(o, at, "value_name", p.value_name);
  r.String(o, at, "value_type", p.value_type);
  r.String(o, at, "value_data", p.value_data);
  r.String(o, at, "command", p.command);
  r.String(o, at, "rollback_command", p.rollback_command);
  r.String(o, at, "restart", p.restart);
  r.Strings(o, at, "interfaces", p.interfaces);
  r.String(o, at, "risk", p.risk);
  p.evidence = r.Evidence(o, at);
  if ((p.kind == PinKind::kRegistry || p.kind == PinKind::kDcomAppId) &&
      (p.key.empty() || p.value_name.empty())) {
    r.Problem(at, "a registry pin needs 'key' and 'value_name'");
  }
  if (!p.value_type.empty() && p.value_type != "REG_DWORD" && p.value_type != "REG_SZ" &&
      p.value_type != "REG_MULTI_SZ") {
    r.Problem(at + "/value_type", fmt::format("'{}' is not REG_DWORD, REG_SZ or REG_MULTI_SZ",
                                              p.value_type));
  }
  if (p.kind == PinKind::kCommand && p.command.empty()) {
    r.Problem(at, "a command pin needs 'command'");
  }
  return p;
}

MinimiseProposal ReadMinimise(Reader& r, const Json& o, const std::string& at) {
  MinimiseProposal m;
  r.String(o, at, "id", m.id, true);
  r.String(o, at, "host", m.host, true);
  r.String(o, at, "service", m.service, true);
  r.String(o, at, "display_name", m.display_name);
  r.String(o, at, "process", m.process);
  r.Strings(o, at, "listeners", m.listeners);
  r.Name(o, at, "action", m.action, ParseMinimiseAction,
         "disable, netbt-off, bind-loopback, policy", true);
  r.Strings(o, at, "commands", m.commands);
  r.Strings(o, at, "rollback", m.rollback);
  r.Strings(o, at, "dependents", m.dependents);
  r.String(o, at, "risk", m.risk);
  m.evidence = r.Evidence(o, at);
  return m;
}

FirewallRule ReadRule(Reader& r, const Json& o, const std::string& at) {
  FirewallRule rule;
  r.String(o, at, "id", rule.id, true);
  r.String(o, at, "name", rule.name);
  r.Strings(o, at, "servers", rule.servers, true);
  r.Addresses(rule.servers, at + "/servers");
  r.Strings(o, at, "clients", rule.clients, true);
  r.Blocks(rule.clients, at + "/clients");
  if (o.contains("servers") && rule.servers.empty()) r.Problem(at + "/servers", "must not be empty");
  if (o.contains("clients") && rule.clients.empty()) r.Problem(at + "/clients", "must not be empty");
  std::string proto;
  r.String(o, at, "proto", proto, true);
  if (auto p = ParseProto(proto)) {
    rule.proto = *p;
  } else if (o.contains("proto")) {
    r.Problem(at + "/proto", fmt::format("'{}' is not tcp or udp", proto));
  }
  std::vector<std::string> ports;
  r.Strings(o, at, "ports", ports, true);
  for (size_t i = 0; i < ports.size(); ++i) {
    auto range = ParsePortRange(ports[i]);
    std::string where = fmt::format("{}/ports/{}", at, i);
    if (!range || range->first == 0) {
      r.Problem(where, fmt::format("'{}' is not a port or port range", ports[i]));
    } else if (range->first <= 1024 && range->last == 65535) {
      // Never wider than the evidence: "all high ports" is what the plan replaces.
      r.Problem(where, fmt::format("'{}' opens every high port; name the ports instead", ports[i]));
    } else {
      rule.ports.push_back(*range);
    }
  }
  if (o.contains("ports") && ports.empty()) r.Problem(at + "/ports", "must not be empty");
  r.Name(o, at, "keyword", rule.keyword, ParseRuleKeyword, "\"\", RPCEPMap, RPC");
  r.String(o, at, "program", rule.program);
  r.String(o, at, "service", rule.service);
  r.Integer(o, at, "flows", rule.flows, 0, kMaxCount);
  r.Integer(o, at, "connections", rule.connections, 0, kMaxCount);
  r.Integer(o, at, "first_seen", rule.first_seen, 0, kMaxCount);
  r.Integer(o, at, "last_seen", rule.last_seen, 0, kMaxCount);
  rule.evidence = r.Evidence(o, at);
  return rule;
}

FirewallPlan ReadFirewall(Reader& r, const Json& o, const std::string& at) {
  FirewallPlan f;
  r.Integer(o, at, "max_prefix_v4", f.max_prefix_v4, 8, 32);
  r.Integer(o, at, "max_prefix_v6", f.max_prefix_v6, 16, 128);
  r.Integer(o, at, "allowed_flows", f.allowed_flows, 0, kMaxCount);
  r.Integer(o, at, "covered_flows", f.covered_flows, 0, kMaxCount);
  // Optional: plans written before these existed have none.
  r.Integer(o, at, "outside_flows", f.outside_flows, 0, kMaxCount);
  r.Strings(o, at, "outside_servers", f.outside_servers);
  if (const Json* c = r.Member(o, at, "coverage")) {
    if (c->is_number() && c->get<double>() >= 0 && c->get<double>() <= 1) {
      f.coverage = c->get<double>();
    } else {
      r.Problem(at + "/coverage", "must be a number from 0 to 1");
    }
  }
  r.ForEach(o, at, "rules", [&](const Json& j, const std::string& jat) {
    f.rules.push_back(ReadRule(r, j, jat));
  });
  r.ForEach(o, at, "uncovered", [&](const Json& j, const std::string& jat) {
    UncoveredFlow u;
    r.String(j, jat, "client", u.client);
    r.String(j, jat, "server", u.server);
    std::string proto = "tcp";
    r.String(j, jat, "proto", proto);
    u.proto = ParseProto(proto).value_or(Proto::kTcp);
    r.Integer(j, jat, "port", u.port, 0, 65535);
    r.Integer(j, jat, "connections", u.connections, 0, kMaxCount);
    r.String(j, jat, "reason", u.reason);
    r.String(j, jat, "source", u.source);
    f.uncovered.push_back(std::move(u));
  });
  return f;
}

// Names that proposals refer to must exist, and ids must be unique: emit
// writes files per host and rules by id.
void CrossCheck(Reader& r, const Plan& plan) {
  std::set<std::string> ids;
  auto id = [&](const std::string& value, const std::string& where) {
    if (!value.empty() && !ids.insert(value).second) {
      r.Problem(where, fmt::format("id '{}' is used twice", value));
    }
  };
  auto host = [&](const std::string& name, const std::string& where) {
    if (!name.empty() && plan.FindHost(name) == nullptr) {
      r.Problem(where, fmt::format("host '{}' is not in /hosts", name));
    }
  };
  std::set<std::string> names;
  for (size_t i = 0; i < plan.hosts.size(); ++i) {
    if (!names.insert(plan.hosts[i].name).second) {
      r.Problem(fmt::format("/hosts/{}/name", i),
                fmt::format("host '{}' is listed twice", plan.hosts[i].name));
    }
  }
  std::set<std::string> ranged;
  for (size_t i = 0; i < plan.ranges.size(); ++i) {
    id(plan.ranges[i].id, fmt::format("/ranges/{}/id", i));
    for (size_t j = 0; j < plan.ranges[i].hosts.size(); ++j) {
      const std::string& h = plan.ranges[i].hosts[j];
      std::string where = fmt::format("/ranges/{}/hosts/{}", i, j);
      host(h, where);
      if (!ranged.insert(h).second) r.Problem(where, fmt::format("host '{}' has two ranges", h));
    }
  }
  for (size_t i = 0; i < plan.pins.size(); ++i) {
    id(plan.pins[i].id, fmt::format("/pins/{}/id", i));
    host(plan.pins[i].host, fmt::format("/pins/{}/host", i));
  }
  for (size_t i = 0; i < plan.minimise.size(); ++i) {
    id(plan.minimise[i].id, fmt::format("/minimise/{}/id", i));
    host(plan.minimise[i].host, fmt::format("/minimise/{}/host", i));
  }
  for (size_t i = 0; i < plan.firewall.rules.size(); ++i) {
    id(plan.firewall.rules[i].id, fmt::format("/firewall/rules/{}/id", i));
  }
}

}  // namespace

Json PlanToJson(const Plan& plan) {
  Json hosts = Json::array();
  for (const HostEntry& h : plan.hosts) hosts.push_back(HostJson(h));
  Json ranges = Json::array();
  for (const RpcRangeProposal& r : plan.ranges) ranges.push_back(RangeJson(r));
  Json pins = Json::array();
  for (const PinProposal& p : plan.pins) pins.push_back(PinJson(p));
  Json minimise = Json::array();
  for (const MinimiseProposal& m : plan.minimise) minimise.push_back(MinimiseJson(m));
  return Json{{"schema", "highport-plan"},
              {"schema_version", plan.schema_version},
              {"generator", plan.generator},
              {"created", plan.created},
              {"inputs", plan.inputs},
              {"hosts", hosts},
              {"ranges", ranges},
              {"pins", pins},
              {"minimise", minimise},
              {"firewall", FirewallJson(plan.firewall)},
              {"warnings", plan.warnings}};
}

std::string PlanToText(const Plan& plan) { return text::JsonText(PlanToJson(plan), 2) + "\n"; }

Result<Plan> PlanFromText(std::string_view text, std::string_view name) {
  Json doc;
  try {
    doc = Json::parse(text);  // the exception's message says where: "at line 3, column 2"
  } catch (const Json::exception& e) {
    return Error{fmt::format("{}: not JSON: {}", name, e.what())};
  }
  Reader r(name);
  if (!doc.is_object()) return Error{fmt::format("{}: a plan is a JSON object", name)};
  std::string schema;
  r.String(doc, "", "schema", schema, true);
  if (!schema.empty() && schema != "highport-plan") {
    return Error{fmt::format("{}: '{}' documents are not highport plans", name, schema)};
  }
  Plan plan;
  r.Integer(doc, "", "schema_version", plan.schema_version, 1, 1000000, true);
  if (r.ok() && plan.schema_version > kPlanSchemaVersion) {
    return Error{fmt::format("{}: plan schema version {} is newer than this highport reads ({}); "
                             "use a newer highport",
                             name, plan.schema_version, kPlanSchemaVersion)};
  }
  r.String(doc, "", "generator", plan.generator);
  r.String(doc, "", "created", plan.created);
  r.Strings(doc, "", "inputs", plan.inputs);
  r.ForEach(doc, "", "hosts", [&](const Json& o, const std::string& at) {
    plan.hosts.push_back(ReadHost(r, o, at));
  });
  r.ForEach(doc, "", "ranges", [&](const Json& o, const std::string& at) {
    plan.ranges.push_back(ReadRange(r, o, at));
  });
  r.ForEach(doc, "", "pins", [&](const Json& o, const std::string& at) {
    plan.pins.push_back(ReadPin(r, o, at));
  });
  r.ForEach(doc, "", "minimise", [&](const Json& o, const std::string& at) {
    plan.minimise.push_back(ReadMinimise(r, o, at));
  });
  if (const Json* f = r.Member(doc, "", "firewall")) {
    if (f->is_object()) {
      plan.firewall = ReadFirewall(r, *f, "/firewall");
    } else {
      r.Problem("/firewall", "must be an object");
    }
  }
  r.Strings(doc, "", "warnings", plan.warnings);
  CrossCheck(r, plan);
  if (!r.ok()) return Error{r.Message()};
  return plan;
}

}  // namespace highport::plan
