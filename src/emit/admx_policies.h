// The policies of highport's administrative template (admx/highport.admx):
// the RPC static port pool of KB 154596 (the first seed's method 2) and the
// static ports of KB 224196 (NTDS, Netlogon), KB 319553 (NtFrs) and the
// certificate services' DCOM AppID. One table serves the ADMX, the ADML and
// the mapping of a plan's registry settings to the policy that sets them.
// The template defines policies only; the plan's values go to the
// values-<group>.txt files.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace highport::emit {

enum class AdmxElementKind : uint8_t {
  kMultiText,    // REG_MULTI_SZ, one string per line (multiText / multiTextBox)
  kYesNo,        // REG_SZ "Y" or "N" (enum / dropdownList)
  kPort,         // REG_DWORD 1024-49151 (decimal / decimalTextBox)
};

struct AdmxElement {
  std::string_view id;          // element id and presentation refId: "Ports"
  std::string_view value_name;  // "Ports", "TCP/IP Port"
  AdmxElementKind kind;
  std::string_view label;       // the ADML label: "Ports (one port or range per line):"
};

struct AdmxPolicy {
  std::string_view name;  // policy name, string id and presentation id: "RpcStaticPool"
  std::string_view key;   // below HKLM: "Software\\Microsoft\\Rpc\\Internet"
  std::string_view display_name;
  std::string_view explain;
  std::vector<AdmxElement> elements;
};

inline constexpr uint32_t kAdmxMinPort = 1024;
inline constexpr uint32_t kAdmxMaxPort = 49151;

const std::vector<AdmxPolicy>& AdmxPolicies();

struct AdmxTarget {
  const AdmxPolicy* policy;
  const AdmxElement* element;
};
// The policy element that writes `value_name` under `key` ("HKLM\..." or
// "HKEY_LOCAL_MACHINE\..."; compared case-insensitively, as the registry does).
std::optional<AdmxTarget> FindAdmxTarget(std::string_view key, std::string_view value_name);

}  // namespace highport::emit
