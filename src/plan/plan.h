// The hardening plan: one reviewable document of proposed changes, each with
// the evidence that led to it and a note on its risk. `highport plan` builds
// it from the evidence (plan/planner.h), writes it as plan.json
// (plan/plan_json.h, schema in docs/plan.md) and `highport emit` turns it into
// the files that apply it (emit/). An administrator may edit plan.json between
// the two steps, so emit reads it back as untrusted input.
//
// Four kinds of proposal, after the three seeds:
//   1. RPC port range per host group (first seed: registry, ADMX, sceregvl.inf);
//   2. static ports for services that can be pinned (third seed, KB 224196, ...);
//   3. network services to stop or bind to loopback (second seed);
//   4. a least-privilege firewall allow-list built from the observed flows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/endpoint.h"
#include "model/port_class.h"

namespace highport::plan {

inline constexpr int kPlanSchemaVersion = 1;

// One piece of evidence behind a proposal: what was seen, and where.
struct EvidenceItem {
  std::string kind;     // "flow", "listener", "rpc-registration", "peak", "range", "catalog"
  std::string summary;  // "10.0.1.20 -> 10.0.0.10 tcp/49667: 14 connections"
  std::string source;   // "pfirewall.log:1234", "capture.pcap:packet 7"; may be empty
};

enum class Platform : uint8_t { kWindows, kSamba, kLinux, kUnknown };
std::string_view PlatformName(Platform platform);  // "windows", "samba", "linux", "unknown"
std::optional<Platform> ParsePlatform(std::string_view text);

enum class Role : uint8_t { kDc, kMember, kWorkstation, kIsolated, kUnknown };
std::string_view RoleName(Role role);  // "dc", "member", "workstation", "isolated", "unknown"
std::optional<Role> ParseRole(std::string_view text);

// "tcp/389" as a host's listener and a minimised service's listener are written.
struct ListenerPort {
  Proto proto = Proto::kTcp;
  uint16_t port = 0;
  auto operator<=>(const ListenerPort&) const = default;
};
std::string ListenerName(ListenerPort listener);                 // "tcp/389"
std::optional<ListenerPort> ParseListener(std::string_view text);  // "tcp/389"; port 1-65535

// A host the plan is about. Proposals name hosts by `name`.
struct HostEntry {
  std::string name;                    // "dc01", or the address when no name is known
  std::vector<std::string> addresses;  // "10.0.0.10", "fe80::1"
  std::string group;                   // --group NAME=..., else the host's own name
  Role role = Role::kUnknown;
  Platform platform = Platform::kUnknown;
  std::optional<PortRange> tcp_ephemeral;  // the host's TCP dynamic range, where an input says
  // The static services it was seen listening on, "tcp/389", "udp/53", sorted:
  // listeners outside its dynamic range that carry no RPC registration (those
  // are the range's and the pins' business). `verify` expects them open.
  std::vector<std::string> listeners;
};

// A port kept out of a proposed range (or a pinned port), and why.
struct PortConflict {
  uint16_t port = 0;
  std::string what;    // "FileMaker (catalog, seen on 10.0.0.7)", "listener tcp/5985 on dc01"
  std::string source;  // where it was seen; empty for catalog knowledge
};

// 1. The RPC port pool (HKLM\Software\Microsoft\Rpc\Internet, KB 154596; on
// Samba `rpc server dynamic port range`). Not the TCP ephemeral range: that
// is another knob (netsh int ipv4 set dynamicport), which the plan only warns
// about where it overlaps.
struct RpcRangeProposal {
  std::string id;                  // "range:dcs"
  std::string group;
  std::vector<std::string> hosts;  // HostEntry names
  PortRange range;
  uint64_t observed_peak = 0;      // most concurrent RPC dynamic endpoints seen on one host
  uint32_t min_ports = 100;        // the floor that applied (Microsoft's 100, or --min-ports)
  std::vector<PortConflict> avoided;  // ports the range was placed clear of
  // Where the range overlaps a host's TCP ephemeral range: outgoing
  // connections may take those ports first. Absent: no overlap known.
  std::optional<PortRange> ephemeral_overlap;
  std::string restart = "reboot";  // "reboot" (Windows), "service:samba-ad-dc", ...
  std::string risk;
  std::vector<std::string> warnings;
  std::vector<EvidenceItem> evidence;
};

// 2. A static port for one service on one host.
enum class PinKind : uint8_t {
  kRegistry,   // a REG_DWORD/REG_SZ value (NTDS, Netlogon, NtFrs, Exchange, SQL, ...)
  kCommand,    // a command sets it (dfsrdiag StaticRPC)
  kDcomAppId,  // HKLM\SOFTWARE\Classes\AppID\{...} Endpoints (certificate services)
  kWmi,        // winmgmt /standalonehost: WMI on TCP 24158
  kSamba,      // smb.conf `rpc server port:<interface> = port`
};
std::string_view PinKindName(PinKind kind);  // "registry", "command", "dcom-appid", "wmi", "samba"
std::optional<PinKind> ParsePinKind(std::string_view text);

struct PinProposal {
  std::string id;  // "pin:dc01:NTDS"
  std::string host;
  std::string service;       // catalog short name, "NTDS"; Samba: the interface, "netlogon"
  std::string display_name;  // "Active Directory Domain Services"
  uint16_t port = 0;
  PinKind kind = PinKind::kRegistry;
  // kRegistry, kDcomAppId: the value to write.
  std::string key;         // "HKLM\SYSTEM\CurrentControlSet\Services\NTDS\Parameters"
  std::string value_name;  // "TCP/IP Port"
  std::string value_type;  // "REG_DWORD", "REG_SZ", "REG_MULTI_SZ"
  std::string value_data;  // "38901", "ncacn_ip_tcp,0,10509"
  // kCommand, kWmi: what sets it and what undoes it.
  std::string command;           // "dfsrdiag StaticRPC /Port:38904 /Member:dc01"
  std::string rollback_command;  // "dfsrdiag StaticRPC /Port:0 /Member:dc01"
  std::string restart;           // "reboot", "service:Netlogon", "service:samba-ad-dc"
  std::vector<std::string> interfaces;  // RPC interfaces that move with it ("drsuapi")
  std::string risk;
  std::vector<EvidenceItem> evidence;
};

// 3. A listener the host's role does not need (second seed).
enum class MinimiseAction : uint8_t {
  kDisable,       // sc config X start= disabled / demand, and stop it
  kNetbtOff,      // NetBIOS over TCP/IP off per adapter
  kBindLoopback,  // netsh rpc add 127.0.0.0 / rpccfg: RPC only on loopback
  kPolicy,        // a policy value instead of stopping (LLMNR, mDNS, ...)
};
std::string_view MinimiseActionName(MinimiseAction action);  // "disable", "netbt-off", ...
std::optional<MinimiseAction> ParseMinimiseAction(std::string_view text);

struct MinimiseProposal {
  std::string id;  // "minimise:fs01:Spooler"
  std::string host;
  std::string service;
  std::string display_name;
  std::string process;
  std::vector<std::string> listeners;  // "udp/137", "tcp/5355"
  MinimiseAction action = MinimiseAction::kDisable;
  std::vector<std::string> commands;   // cmd.exe lines, in order
  std::vector<std::string> rollback;   // cmd.exe lines that undo them
  std::vector<std::string> dependents; // services that stop with it
  std::string risk;
  std::vector<EvidenceItem> evidence;
};

// 4. One allow rule: these clients may reach these servers on these ports.
enum class RuleKeyword : uint8_t {
  kNone,
  kRpcEpmap,  // Windows Firewall "RPCEPMap": TCP 135 (and 593) of the endpoint mapper
  kRpc,       // Windows Firewall "RPC": the dynamic RPC ports of the rule's program
};
std::string_view RuleKeywordName(RuleKeyword keyword);  // "", "RPCEPMap", "RPC"
std::optional<RuleKeyword> ParseRuleKeyword(std::string_view text);

struct FirewallRule {
  std::string id;    // "rule:12"
  std::string name;  // "highport: dc01 tcp/389 (LDAP) from 10.0.1.0/28"
  std::vector<std::string> servers;  // addresses (inbound: local addresses of the servers)
  std::vector<std::string> clients;  // CIDR blocks, "10.0.1.0/28", "10.0.2.7/32"
  Proto proto = Proto::kTcp;
  // Ports, merged where adjacent. An RPC rule holds the planned range here
  // too, so that a firewall without the keyword (nftables) opens exactly it.
  std::vector<PortRange> ports;
  RuleKeyword keyword = RuleKeyword::kNone;
  std::string program;  // "%SystemRoot%\System32\lsass.exe", where known
  std::string service;  // the catalog's name for the port(s), "LDAP"
  uint64_t flows = 0;        // observed flow keys the rule allows
  uint64_t connections = 0;  // their connections
  int64_t first_seen = 0;    // seconds since the Unix epoch, UTC
  int64_t last_seen = 0;
  std::vector<EvidenceItem> evidence;
};

// An observed allowed flow that no rule lets through, and why.
struct UncoveredFlow {
  std::string client;
  std::string server;
  Proto proto = Proto::kTcp;
  uint16_t port = 0;
  uint64_t connections = 0;
  std::string reason;  // "dynamic port outside the planned range", ...
  std::string source;
};

struct FirewallPlan {
  std::vector<FirewallRule> rules;
  uint64_t allowed_flows = 0;  // observed allowed (or merely observed) flow keys
  uint64_t covered_flows = 0;  // of those, the ones some rule allows
  double coverage = 0;         // covered / allowed, 1 when there were none
  int max_prefix_v4 = 24;      // the widest client block allowed
  int max_prefix_v6 = 64;
  std::vector<UncoveredFlow> uncovered;  // the flows the rules would block
  // Flows to servers outside the network (allow_list.h): egress, neither
  // counted above nor fenced; and those servers' addresses, sorted.
  uint64_t outside_flows = 0;
  std::vector<std::string> outside_servers;
};

struct Plan {
  int schema_version = kPlanSchemaVersion;
  std::string generator;  // "highport 0.1.0"
  std::string created;    // "2026-12-05T22:50:14Z"
  std::vector<std::string> inputs;  // files and databases the evidence came from
  std::vector<HostEntry> hosts;
  std::vector<RpcRangeProposal> ranges;
  std::vector<PinProposal> pins;
  std::vector<MinimiseProposal> minimise;
  FirewallPlan firewall;
  std::vector<std::string> warnings;

  const HostEntry* FindHost(std::string_view name) const;
  // The range proposal that covers `host`, if any.
  const RpcRangeProposal* RangeFor(std::string_view host) const;
};

}  // namespace highport::plan
