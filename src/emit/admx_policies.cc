#include "emit/admx_policies.h"

#include "text/strings.h"

namespace highport::emit {

const std::vector<AdmxPolicy>& AdmxPolicies() {
  static const std::vector<AdmxPolicy> kPolicies = {
      {"RpcStaticPool",
       "Software\\Microsoft\\Rpc\\Internet",
       "RPC static port pool (Ports, PortsInternetAvailable, UseInternetPorts)",
       "Restricts the ports RPC servers take dynamically to the listed ports (KB 154596): the "
       "values Ports, PortsInternetAvailable and UseInternetPorts under "
       "HKLM\\Software\\Microsoft\\Rpc\\Internet.\n\n"
       "Ports: one port (5984) or one inclusive range (5000-5100) per line, above 5000. Give at "
       "least 100 ports: each port carries one concurrent connection. A pool that is exhausted or "
       "cannot be read stops RPC servers from registering (error 87, Netlogon event 5820).\n\n"
       "Ports Internet available and Use Internet ports: Y, so that every RPC server takes its "
       "port from this pool.\n\n"
       "The computer must restart for the pool to take effect. These values lie outside the "
       "Policies key: setting the policy to Disabled deletes them (then restart); removing the "
       "GPO or setting Not Configured leaves them in place.",
       {{"Ports", "Ports", AdmxElementKind::kMultiText, "Ports (one port or range per line):"},
        {"PortsInternetAvailable", "PortsInternetAvailable", AdmxElementKind::kYesNo,
         "Ports Internet available:"},
        {"UseInternetPorts", "UseInternetPorts", AdmxElementKind::kYesNo, "Use Internet ports:"}}},
      {"NtdsStaticPort",
       "System\\CurrentControlSet\\Services\\NTDS\\Parameters",
       "Active Directory replication (NTDS) static port",
       "Pins Active Directory's RPC interfaces (replication, drsuapi) on a domain controller to "
       "one TCP port: the value \"TCP/IP Port\" (REG_DWORD) under "
       "HKLM\\System\\CurrentControlSet\\Services\\NTDS\\Parameters (KB 224196).\n\n"
       "Use a port that Netlogon does not use (event 5809), and pin Netlogon too: clients use "
       "both. The domain controller must restart. Disabled deletes the value (then restart).",
       {{"Port", "TCP/IP Port", AdmxElementKind::kPort, "Port:"}}},
      {"NetlogonStaticPort",
       "System\\CurrentControlSet\\Services\\Netlogon\\Parameters",
       "Netlogon static port",
       "Pins Netlogon's RPC interface on a domain controller to one TCP port: the value "
       "DCTcpipPort (REG_DWORD) under HKLM\\System\\CurrentControlSet\\Services\\Netlogon\\"
       "Parameters (KB 224196).\n\n"
       "Never the port of NTDS (event 5809). Restart the Netlogon service. Disabled deletes the "
       "value (then restart Netlogon).",
       {{"Port", "DCTcpipPort", AdmxElementKind::kPort, "Port:"}}},
      {"NtFrsStaticPort",
       "System\\CurrentControlSet\\Services\\NtFrs\\Parameters",
       "File Replication Service (FRS) static port",
       "Pins the File Replication Service to one TCP port: the value \"RPC TCP/IP Port "
       "Assignment\" (REG_DWORD) under HKLM\\System\\CurrentControlSet\\Services\\NtFrs\\"
       "Parameters (KB 319553).\n\n"
       "Use a port of its own, not the one of NTDS or Netlogon. Restart the NtFrs service. "
       "Disabled deletes the value.",
       {{"Port", "RPC TCP/IP Port Assignment", AdmxElementKind::kPort, "Port:"}}},
      {"CertSvcStaticPort",
       "Software\\Classes\\AppID\\{D99E6E74-FC88-11D0-B498-00A0C90312F3}",
       "Certificate services (DCOM) static port",
       "Pins the certificate services' DCOM interface to one TCP port: the value Endpoints "
       "(REG_MULTI_SZ) of its AppID {D99E6E74-FC88-11D0-B498-00A0C90312F3}, one endpoint per "
       "line such as ncacn_ip_tcp,0,10509 (a port between 1024 and 65535).\n\n"
       "Restart the CertSvc service. Disabled deletes the value.",
       {{"Endpoints", "Endpoints", AdmxElementKind::kMultiText,
         "Endpoints (one per line, ncacn_ip_tcp,0,<port>):"}}},
  };
  return kPolicies;
}

std::optional<AdmxTarget> FindAdmxTarget(std::string_view key, std::string_view value_name) {
  for (std::string_view root : {"HKLM\\", "HKEY_LOCAL_MACHINE\\"}) {
    if (text::StartsWithIgnoreCase(key, root)) key.remove_prefix(root.size());
  }
  for (const AdmxPolicy& policy : AdmxPolicies()) {
    if (!text::EqualsIgnoreCase(policy.key, key)) continue;
    for (const AdmxElement& element : policy.elements) {
      if (text::EqualsIgnoreCase(element.value_name, value_name)) return AdmxTarget{&policy, &element};
    }
  }
  return std::nullopt;
}

}  // namespace highport::emit
