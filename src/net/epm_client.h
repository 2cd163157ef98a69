// Asks the endpoint mappers of many hosts at once, over TCP, with asio.
// Each host is one rpc::EpmSession driven over one connection; at most
// `concurrency` connections are open at any time, each bounded by a connect
// timeout and a read timeout, and a whole host by an overall deadline, so a
// silent or slow host can never hold the run.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/records.h"
#include "net/targets.h"
#include "rpc/epm_session.h"

namespace highport::net {

struct EpmClientOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds read_timeout{3000};     // between two reads
  std::chrono::milliseconds host_deadline{30000};   // the whole conversation with one host
  size_t concurrency = 32;
  rpc::EpmQuery query;
};

enum class HostStatus : uint8_t {
  kOk,       // the listing is complete
  kRefused,  // the endpoint mapper refused an anonymous lookup (bind_nak, access denied)
  kTimeout,  // no connection, or no answer, within the timeouts
  kError,    // nothing listens, the name does not resolve, or the server broke the protocol
};
std::string_view HostStatusName(HostStatus status);  // "ok", "refused", "timeout", "error"

struct EpmHostResult {
  Target target;
  std::string address;  // the address connected to (or tried last)
  HostStatus status = HostStatus::kError;
  std::string detail;   // why, when not ok: "connection refused", "bind_nak: ..."
  std::vector<rpc::EpmEntry> entries;
  std::vector<std::string> notes;
  uint32_t calls = 0;
  std::chrono::microseconds elapsed{0};
};

// Called from the I/O thread after each host finishes: (done, total).
using EpmProgress = std::function<void(size_t, size_t)>;

// One result per target, in the order of `targets`.
std::vector<EpmHostResult> LookupEndpointMappers(const std::vector<Target>& targets,
                                                 const EpmClientOptions& options,
                                                 const EpmProgress& progress = {});

// The entries as model records, host and source filled in. Towers that carry
// the unspecified address (Samba writes 0.0.0.0) name the host that was asked.
std::vector<RpcRegistration> ToRegistrations(const EpmHostResult& result);

}  // namespace highport::net
