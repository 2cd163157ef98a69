// Compiled-in knowledge: the ports, RPC interfaces and Windows services that
// matter on Windows networks, each row with its source (data/README.md).
// Loaded once, on first use, from the TSV text compiled into the binary.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/diagnostics.h"
#include "model/endpoint.h"

namespace highport::catalog {

enum class PortCategory : uint8_t {
  kWindowsCore, kWindowsRole, kWindowsOptional, kAgent, kDatabase, kInfra, kApp
};

struct PortEntry {
  uint16_t port = 0;
  Proto proto = Proto::kTcp;
  std::string key;       // "epmap", "netbios-ns", "icinga"
  std::string name;      // "RPC endpoint mapper"
  PortCategory category = PortCategory::kApp;
  std::string advice;    // one sentence for an admin in a hurry
  std::string source;
};

struct RpcInterfaceEntry {
  std::string uuid;  // lowercase canonical
  std::optional<uint16_t> version_major;  // absent where the source gives none
  uint16_t version_minor = 0;
  std::string name;         // "drsuapi"
  std::string protocol;     // "MS-DRSR"
  std::string description;
  std::vector<std::string> services;  // "NTDS"
  std::string process;      // "lsass.exe"
  std::string source;
};

struct ServiceEntry {
  std::string service;       // short name, "Netlogon"
  std::string display_name;
  std::string process;       // "lsass.exe", "svchost.exe", "System"
  std::vector<std::string> ports;    // "tcp/135", "rpc-dynamic", ...
  std::vector<std::string> needed_by;  // "dc", "member", "workstation", "isolated", "all"
  std::string can_stop;      // "yes", "no", "with-care"
  std::string stop_how;
  std::vector<std::string> dependents;
  std::string pin_kind;      // "registry", "command", "dcom-appid", "samba", ""
  std::string pin_target;
  std::string pin_value;
  std::string pin_type;
  std::string pin_restart;
  std::string source;

  bool HasRpcDynamicPort() const;
  bool CanBePinned() const { return !pin_kind.empty() && pin_kind != "none"; }
};

class Catalog {
 public:
  // The compiled-in catalog. Rows that failed to load are in findings().
  static const Catalog& Get();
  // A catalog from other text, for tests.
  static Catalog FromText(std::string_view ports, std::string_view rpc_interfaces,
                          std::string_view services);

  const std::vector<PortEntry>& ports() const { return ports_; }
  const std::vector<RpcInterfaceEntry>& rpc_interfaces() const { return rpc_interfaces_; }
  const std::vector<ServiceEntry>& services() const { return services_; }
  const Diagnostics& findings() const { return findings_; }

  const PortEntry* FindPort(Proto proto, uint16_t port) const;
  // Exact version first, then the same UUID with any version.
  const RpcInterfaceEntry* FindRpcInterface(std::string_view uuid,
                                            std::optional<uint16_t> major = std::nullopt,
                                            uint16_t minor = 0) const;
  const ServiceEntry* FindService(std::string_view service) const;  // any case

 private:
  std::vector<PortEntry> ports_;
  // FindPort runs for every flow a report prints: per protocol (TCP, UDP)
  // and port, 1 + the index of the first entry in ports_, 0 for none. In
  // pages of 256 ports, only the pages some entry is on (47 of 512, 47 KiB):
  // a flat index was 512 KiB of zeros written at every start (110 page
  // faults; `flows` on an empty log, min 6.6 -> 6.3 ms).
  using PortPage = std::array<uint32_t, 256>;
  std::array<uint16_t, 256> port_page_[2] = {};  // 1 + the page's index in port_pages_, 0: none
  std::vector<PortPage> port_pages_;
  std::vector<RpcInterfaceEntry> rpc_interfaces_;
  std::vector<ServiceEntry> services_;
  Diagnostics findings_;
};

std::string_view PortCategoryName(PortCategory category);

}  // namespace highport::catalog
