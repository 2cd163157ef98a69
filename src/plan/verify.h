// `highport verify`'s comparison, pure: a plan, one of its hosts, what a TCP
// connect scan found there and what its endpoint mapper lists, in; every
// difference between what the plan expects and what is, out. The scan and
// the lookup are done by the command (net/); nothing here does I/O.
//
// Four checks, each can be switched off (--check):
//   ports     every open TCP port is expected: a static listener the plan
//             recorded for the host, 135 and 593, a pinned port of the host,
//             or a port of the host's planned RPC range; and every static
//             TCP listener the plan recorded (and does not propose to stop)
//             is open: a service that died, or a rule that blocks it, is drift;
//   rpc       every ncacn_ip_tcp registration lies in the planned range or on
//             a pinned port, and every pinned interface is registered on its
//             pin and nowhere else;
//   minimise  no service the plan proposes to stop still listens;
//   firewall  no port is open to the scanner unless an allow-list rule for the
//             host and port allows the scanner's own address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "model/records.h"
#include "model/result.h"
#include "plan/plan.h"

namespace highport::plan {

enum class VerifyCheck : uint8_t { kPorts, kRpc, kMinimise, kFirewall };
std::string_view VerifyCheckName(VerifyCheck check);  // "ports", "rpc", "minimise", "firewall"

struct VerifyChecks {
  bool ports = true, rpc = true, minimise = true, firewall = true;
  bool Has(VerifyCheck check) const;
  std::vector<VerifyCheck> List() const;  // in the order above
};
// "ports,rpc" (any order, each once); "all". The error names the bad item.
Result<VerifyChecks> ParseVerifyChecks(std::string_view text);

// What the TCP connect scan found on the host.
struct ScanFindings {
  std::string address;           // the address scanned
  std::string source_address;    // the scanner's own address toward it
  std::vector<uint16_t> probed;  // TCP ports tried
  std::vector<uint16_t> open;    // of those, the open ones
};

// What the endpoint mapper said.
struct EpmFindings {
  bool asked = false;  // false: no lookup was made
  std::string status;  // "ok", "refused", "timeout", "error"
  std::string detail;  // why not ok: "connection refused: nothing listens there"
  std::vector<RpcRegistration> registrations;
};

enum class DifferenceKind : uint8_t {
  kUnexpectedPort,     // ports
  kListenerClosed,     // ports: a static listener of the host is not open
  kRpcOutsideRange,    // rpc
  kPinElsewhere,       // rpc: a pinned interface registered on another port
  kEpmUnavailable,     // rpc: the plan expects RPC there, the endpoint mapper did not answer
  kMinimisedListens,   // minimise
  kFirewallReachable,  // firewall
};
// "unexpected-port", "listener-closed", "rpc-outside-range", "pin-elsewhere", "epm-unavailable",
// "minimised-listens", "firewall-reachable"
std::string_view DifferenceKindName(DifferenceKind kind);

struct Difference {
  VerifyCheck check = VerifyCheck::kPorts;
  DifferenceKind kind = DifferenceKind::kUnexpectedPort;
  uint16_t port = 0;  // the TCP port it is about; 0 when none
  std::string text;   // one precise sentence
};

struct HostVerification {
  std::string host;     // the plan's name
  std::string address;  // scanned
  std::string source_address;
  std::vector<VerifyCheck> checks;  // the checks that ran
  std::vector<Difference> differences;
  std::vector<std::string> notes;   // what could not be checked, and why
  bool Matches() const { return differences.empty(); }
};

// The plan's host with this name or address; nullptr when none has it.
const HostEntry* FindPlanHost(const Plan& plan, std::string_view name_or_address);

// The TCP ports worth scanning to verify `host`: 135, 593, its static
// listeners, its pinned ports, the TCP listeners of its minimise proposals,
// its planned range, and its dynamic range (the plan's, else 49152-65535),
// where RPC servers sat before the change.
std::vector<PortRange> PortsToVerify(const Plan& plan, const HostEntry& host);

HostVerification VerifyHost(const Plan& plan, const HostEntry& host, const ScanFindings& scan,
                            const EpmFindings& epm, const VerifyChecks& checks,
                            const catalog::Catalog& catalog);

}  // namespace highport::plan
