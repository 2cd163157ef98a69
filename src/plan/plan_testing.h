// A fixed plan for the writers' golden-file tests and the plan.json round
// trip: two Windows domain controllers in one group, a Windows file server, a
// Samba AD DC, one proposal of every kind, IPv4 and IPv6 clients. Changing it
// changes every golden file: regenerate them with HIGHPORT_UPDATE_GOLDEN=1.
#pragma once

#include "plan/plan.h"

namespace highport::plan::testing {

inline Plan SamplePlan() {
  Plan p;
  p.generator = "highport 0.1.0";
  p.created = "2026-12-05T12:00:00Z";
  p.inputs = {"evidence/pfirewall.log", "evidence/dc01-netstat.txt", "evidence/capture.pcapng"};

  p.hosts = {
      {"dc01", {"10.0.0.10"}, "dcs", Role::kDc, Platform::kWindows, PortRange{49152, 65535},
       {"tcp/53", "tcp/88", "tcp/135", "tcp/389", "tcp/445", "tcp/636", "udp/53", "udp/88"}},
      {"dc02", {"10.0.0.11", "fd00::11"}, "dcs", Role::kDc, Platform::kWindows, std::nullopt,
       {"tcp/88", "tcp/135", "tcp/389", "tcp/445"}},
      {"fs01", {"10.0.0.20"}, "fs01", Role::kMember, Platform::kWindows, PortRange{1025, 5000},
       {"tcp/135", "tcp/139", "tcp/445", "tcp/5985", "udp/137"}},
      {"sdc1", {"10.0.0.30"}, "sdc1", Role::kDc, Platform::kSamba, std::nullopt, {}},
  };

  RpcRangeProposal dcs;
  dcs.id = "range:dcs";
  dcs.group = "dcs";
  dcs.hosts = {"dc01", "dc02"};
  dcs.range = {5001, 5100};
  dcs.observed_peak = 14;
  dcs.min_ports = 100;
  dcs.avoided = {{5000, "UPnP / FileMaker (catalog)", ""}};
  dcs.restart = "reboot";
  dcs.risk = "Too few ports exhaust the pool: RPC servers then fail to register (error 87, "
             "Netlogon event 5820).";
  dcs.evidence = {{"peak", "14 concurrent RPC connections on 10.0.0.10", "evidence/pfirewall.log"}};
  RpcRangeProposal fs;
  fs.id = "range:fs01";
  fs.group = "fs01";
  fs.hosts = {"fs01"};
  fs.range = {5001, 5100};
  fs.observed_peak = 3;
  fs.restart = "reboot";
  fs.risk = "Needs a reboot.";
  fs.warnings = {"the TCP ephemeral range 1025-5000 ends just below the RPC range"};
  RpcRangeProposal samba;
  samba.id = "range:sdc1";
  samba.group = "sdc1";
  samba.hosts = {"sdc1"};
  samba.range = {5001, 5100};
  samba.observed_peak = 3;
  samba.restart = "service:samba-ad-dc";
  samba.risk = "Samba takes ports from the low end of the range.";
  p.ranges = {dcs, fs, samba};

  PinProposal ntds;
  ntds.id = "pin:dc01:NTDS";
  ntds.host = "dc01";
  ntds.service = "NTDS";
  ntds.display_name = "Active Directory Domain Services";
  ntds.port = 38901;
  ntds.kind = PinKind::kRegistry;
  ntds.key = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\NTDS\\Parameters";
  ntds.value_name = "TCP/IP Port";
  ntds.value_type = "REG_DWORD";
  ntds.value_data = "38901";
  ntds.restart = "reboot";
  ntds.interfaces = {"drsuapi"};
  ntds.risk = "Configure Netlogon's port too (KB 224196).";
  ntds.evidence = {{"flow", "10.0.0.11 -> 10.0.0.10 tcp/49667: 40 connections (drsuapi)",
                    "evidence/capture.pcapng:packet 17"}};
  PinProposal netlogon = ntds;
  netlogon.id = "pin:dc01:Netlogon";
  netlogon.service = "Netlogon";
  netlogon.display_name = "Netlogon";
  netlogon.port = 38902;
  netlogon.key = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters";
  netlogon.value_name = "DCTcpipPort";
  netlogon.value_data = "38902";
  netlogon.restart = "service:Netlogon";
  netlogon.interfaces = {"netlogon"};
  netlogon.risk = "Never the same port as NTDS (event 5809).";
  PinProposal dfsr;
  dfsr.id = "pin:dc01:DFSR";
  dfsr.host = "dc01";
  dfsr.service = "DFSR";
  dfsr.display_name = "DFS Replication";
  dfsr.port = 38904;
  dfsr.kind = PinKind::kCommand;
  dfsr.command = "dfsrdiag StaticRPC /Port:38904 /Member:dc01";
  dfsr.rollback_command = "dfsrdiag StaticRPC /Port:0 /Member:dc01";
  dfsr.restart = "service:DFSR";
  PinProposal cert;
  cert.id = "pin:dc02:CertSvc";
  cert.host = "dc02";
  cert.service = "CertSvc";
  cert.display_name = "Active Directory Certificate Services";
  cert.port = 38905;
  cert.kind = PinKind::kDcomAppId;
  cert.key = "HKLM\\SOFTWARE\\Classes\\AppID\\{D99E6E74-FC88-11D0-B498-00A0C90312F3}";
  cert.value_name = "Endpoints";
  cert.value_type = "REG_MULTI_SZ";
  cert.value_data = "ncacn_ip_tcp,0,38905";
  cert.restart = "service:CertSvc";
  PinProposal wmi;
  wmi.id = "pin:fs01:Winmgmt";
  wmi.host = "fs01";
  wmi.service = "Winmgmt";
  wmi.display_name = "Windows Management Instrumentation";
  wmi.port = 24158;
  wmi.kind = PinKind::kWmi;
  wmi.command = "winmgmt /standalonehost";
  wmi.rollback_command = "winmgmt /sharedhost";
  wmi.restart = "service:Winmgmt";
  PinProposal samba_netlogon;
  samba_netlogon.id = "pin:sdc1:netlogon";
  samba_netlogon.host = "sdc1";
  samba_netlogon.service = "netlogon";
  samba_netlogon.display_name = "Netlogon (Samba)";
  samba_netlogon.port = 38902;
  samba_netlogon.kind = PinKind::kSamba;
  samba_netlogon.restart = "service:samba-ad-dc";
  samba_netlogon.interfaces = {"netlogon"};
  PinProposal samba_drsuapi = samba_netlogon;
  samba_drsuapi.id = "pin:sdc1:drsuapi";
  samba_drsuapi.service = "drsuapi";
  samba_drsuapi.display_name = "Directory replication (Samba)";
  samba_drsuapi.port = 38901;
  samba_drsuapi.interfaces = {"drsuapi"};
  p.pins = {ntds, netlogon, dfsr, cert, wmi, samba_netlogon, samba_drsuapi};

  MinimiseProposal spooler;
  spooler.id = "minimise:fs01:Spooler";
  spooler.host = "fs01";
  spooler.service = "Spooler";
  spooler.display_name = "Print Spooler";
  spooler.process = "spoolsv.exe";
  spooler.listeners = {"tcp/49670"};
  spooler.action = MinimiseAction::kDisable;
  spooler.commands = {"sc config Spooler start= disabled", "net stop Spooler"};
  spooler.rollback = {"sc config Spooler start= auto", "net start Spooler"};
  spooler.risk = "Keep it on print servers.";
  spooler.evidence = {{"listener", "tcp/49670 spoolsv.exe", "evidence/fs01-netstat.txt:31"}};
  MinimiseProposal netbt;
  netbt.id = "minimise:fs01:NetBT";
  netbt.host = "fs01";
  netbt.service = "NetBT";
  netbt.display_name = "NetBIOS over TCP/IP";
  netbt.process = "System";
  netbt.listeners = {"udp/137", "udp/138", "tcp/139"};
  netbt.action = MinimiseAction::kNetbtOff;
  netbt.commands = {
      "wmic nicconfig where TcpipNetbiosOptions=0 call SetTcpipNetbios 2",
      "wmic nicconfig where TcpipNetbiosOptions=1 call SetTcpipNetbios 2"};
  netbt.rollback = {"wmic nicconfig where TcpipNetbiosOptions=2 call SetTcpipNetbios 0"};
  netbt.dependents = {"Browser", "lmhosts"};
  netbt.risk = "Old clients that find the server by NetBIOS name stop finding it.";
  p.minimise = {spooler, netbt};

  FirewallRule ldap;
  ldap.id = "rule:1";
  ldap.name = "highport: dcs tcp/389 (LDAP)";
  ldap.servers = {"10.0.0.10", "10.0.0.11"};
  ldap.clients = {"10.0.1.0/28", "10.0.2.7/32"};
  ldap.proto = Proto::kTcp;
  ldap.ports = {{389, 389}, {636, 636}};
  ldap.service = "LDAP";
  ldap.flows = 18;
  ldap.connections = 920;
  ldap.first_seen = 1764892800;
  ldap.last_seen = 1764979200;
  FirewallRule epmap;
  epmap.id = "rule:2";
  epmap.name = "highport: dcs tcp/135 (RPC endpoint mapper)";
  epmap.servers = {"10.0.0.10", "10.0.0.11"};
  epmap.clients = {"10.0.1.0/28"};
  epmap.ports = {{135, 135}};
  epmap.keyword = RuleKeyword::kRpcEpmap;
  epmap.service = "RPC endpoint mapper";
  epmap.flows = 12;
  epmap.connections = 300;
  epmap.first_seen = 1764892800;
  epmap.last_seen = 1764979200;
  FirewallRule rpc = epmap;
  rpc.id = "rule:3";
  rpc.name = "highport: dcs RPC 5001-5100";
  rpc.ports = {{5001, 5100}};
  rpc.keyword = RuleKeyword::kRpc;
  rpc.program = "%SystemRoot%\\System32\\lsass.exe";
  rpc.service = "RPC dynamic (planned range)";
  FirewallRule dns;
  dns.id = "rule:4";
  dns.name = "highport: dc02 udp/53 (DNS) from IPv6";
  dns.servers = {"fd00::11"};
  dns.clients = {"fd00:1::/64"};
  dns.proto = Proto::kUdp;
  dns.ports = {{53, 53}};
  dns.service = "DNS";
  dns.flows = 3;
  dns.connections = 3;
  dns.first_seen = 1764892800;
  dns.last_seen = 1764892900;
  p.firewall.rules = {ldap, epmap, rpc, dns};
  p.firewall.allowed_flows = 34;
  p.firewall.covered_flows = 33;
  p.firewall.coverage = 33.0 / 34.0;
  p.firewall.uncovered = {{"10.0.9.9", "10.0.0.20", Proto::kTcp, 8080, 1,
                           "one connection from a client outside every rule's clients",
                           "evidence/pfirewall.log:88"}};
  p.warnings = {"dc02: no socket inventory; its listeners are known from traffic only"};
  return p;
}

}  // namespace highport::plan::testing
