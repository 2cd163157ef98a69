#include "emit/windows_firewall_rule.h"

#include <charconv>
#include <ctime>
#include <set>

#include "fmt/chrono.h"
#include "fmt/format.h"
#include "model/ip_address.h"

namespace highport::emit {
namespace {

// "10.0.1.0/28", "fd00:1::/64" or a bare address; the reason when it is not.
std::optional<std::string> AddressProblem(const std::string& text) {
  std::string_view address = text;
  std::optional<int> prefix;
  if (size_t slash = address.find('/'); slash != std::string_view::npos) {
    std::string_view bits = address.substr(slash + 1);
    int value = -1;
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
    if (ec != std::errc() || end != bits.data() + bits.size()) {
      return fmt::format("\"{}\" has no prefix length after '/'", text);
    }
    prefix = value;
    address = address.substr(0, slash);
  }
  std::optional<IpAddress> ip = IpAddress::Parse(address);
  if (!ip || !ip->zone().empty() || address.starts_with("[")) {
    return fmt::format("\"{}\" is not an IPv4 or IPv6 address or CIDR block", text);
  }
  if (!prefix) return std::nullopt;
  const int max = ip->is_v4() ? 32 : 128;
  if (*prefix < 1 || *prefix > max) {
    return fmt::format("\"{}\" has a prefix length outside 1..{} (a /0 would allow every address)",
                       text, max);
  }
  const auto& bytes = ip->bytes();
  for (int bit = *prefix; bit < max; ++bit) {
    if (bytes[bit / 8] & (0x80 >> (bit % 8))) {
      return fmt::format("\"{}\" has host bits set after the /{} prefix", text, *prefix);
    }
  }
  return std::nullopt;
}

// The plan's name made safe inside netsh's name="..." (and for -DisplayName).
std::string DisplayName(const plan::FirewallRule& rule) {
  std::string name = OneLineText(rule.name.empty() ? "highport" : rule.name);
  if (!name.starts_with("highport")) name = "highport: " + name;
  name += " [" + OneLineText(rule.id) + "]";
  for (char& c : name) {
    if (c == '"') c = '\'';
    if (c == '\\') c = '/';
  }
  return name;
}

std::string RuleName(const std::string& id) {
  std::string name = "highport-";
  for (char c : id) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    name.push_back(keep ? c : '-');
  }
  return name;
}

bool OnlyNonWindowsServers(const plan::Plan& plan, const plan::FirewallRule& rule) {
  for (const std::string& server : rule.servers) {
    bool non_windows = false;
    for (const plan::HostEntry& host : plan.hosts) {
      if (IsHostAddress(host, server) && host.platform != plan::Platform::kWindows &&
          host.platform != plan::Platform::kUnknown) {
        non_windows = true;
      }
    }
    if (!non_windows) return false;
  }
  return true;
}

// The reason `rule` cannot be written for Windows Firewall, if any; fills the ports.
std::optional<std::string> Check(const plan::Plan& plan, const plan::FirewallRule& rule,
                                 WindowsFirewallRule& out) {
  if (rule.servers.empty()) return "it has no servers (the rule would apply to every address)";
  if (rule.clients.empty()) return "it has no clients (the rule would allow every address)";
  for (const auto* list : {&rule.servers, &rule.clients}) {
    for (const std::string& address : *list) {
      if (auto problem = AddressProblem(address)) return problem;
    }
  }
  if (OnlyNonWindowsServers(plan, rule)) {
    return "its servers are Samba or Linux hosts: see the nftables or iptables files";
  }
  out.protocol = rule.proto == Proto::kTcp ? "TCP" : "UDP";
  if (rule.keyword != plan::RuleKeyword::kNone) {
    if (rule.proto != Proto::kTcp) return "the RPC and RPCEPMap keywords exist for TCP only";
    bool rpc = rule.keyword == plan::RuleKeyword::kRpc;
    out.netsh_ports = {rpc ? "RPC" : "RPC-EPMap"};
    out.ps_ports = {rpc ? "RPC" : "RPCEPMap"};
    return std::nullopt;
  }
  if (rule.ports.empty()) return "it has no ports (the rule would allow every port)";
  for (const PortRange& range : rule.ports) {
    if (range.first == 0 || range.first > range.last) {
      return fmt::format("port range {}-{} is empty or starts at 0", range.first, range.last);
    }
    out.netsh_ports.push_back(range.ToString());
  }
  out.ps_ports = out.netsh_ports;
  return std::nullopt;
}

}  // namespace

bool IsHostAddress(const plan::HostEntry& host, const std::string& address) {
  std::optional<IpAddress> wanted = IpAddress::Parse(address);
  for (const std::string& own : host.addresses) {
    if (own == address) return true;
    std::optional<IpAddress> ip = IpAddress::Parse(own);
    if (wanted && ip && *wanted == *ip) return true;
  }
  return false;
}

WindowsFirewallPlan CheckWindowsFirewallRules(const plan::Plan& plan) {
  WindowsFirewallPlan out;
  std::set<std::string> ids, names;
  for (const plan::FirewallRule& rule : plan.firewall.rules) {
    WindowsFirewallRule checked;
    checked.rule = &rule;
    checked.display_name = DisplayName(rule);
    checked.rule_name = RuleName(rule.id);
    checked.servers = rule.servers;
    checked.clients = rule.clients;
    std::optional<std::string> problem;
    if (rule.id.empty()) {
      problem = "it has no id, so it has no stable name to replace or delete it by";
    } else if (!ids.insert(rule.id).second) {
      problem = "another rule has the same id";
    } else if (!names.insert(checked.rule_name).second) {
      problem = fmt::format("its name {} is taken by another rule's id", checked.rule_name);
    } else {
      problem = Check(plan, rule, checked);
    }
    if (problem) {
      out.skipped.push_back({rule.id.empty() ? "(rule without id)" : rule.id, *problem});
      continue;
    }
    out.rules.push_back(std::move(checked));
  }
  return out;
}

std::string UtcDate(int64_t seconds) {
  return fmt::format("{:%Y-%m-%d %H:%M} UTC", fmt::gmtime(static_cast<std::time_t>(seconds)));
}

}  // namespace highport::emit
