// Test support for the analysis layer: a small catalog, so that tests do
// not move when data/ grows, and a listening socket made in one line.
#pragma once

#include "catalog/catalog.h"
#include "model/records.h"

namespace highport::analysis::testing {

inline const catalog::Catalog& TestCatalog() {
  static const catalog::Catalog c = catalog::Catalog::FromText(
      "port\tproto\tkey\tname\tcategory\tadvice\tsource\n"
      "135\ttcp\tepmap\tRPC endpoint mapper\twindows-core\tAllow only from RPC clients.\tKB832017\n"
      "445\ttcp\tsmb\tSMB\twindows-core\tNeeded for file sharing.\tKB832017\n"
      "137\tudp\tnetbios-ns\tNetBIOS name service\twindows-optional\tDisable NetBIOS over TCP/IP per adapter.\tseed2\n"
      "5665\ttcp\ticinga\tIcinga 2 API\tagent\tAllow only from the Icinga servers.\ticinga-docs\n",
      "uuid\tversion\tname\tprotocol\tdescription\tservice\tprocess\tsource\n"
      "12345678-1234-abcd-ef00-01234567cffb\t1.0\tnetlogon\tMS-NRPC\tNetlogon\tNetlogon\tlsass.exe\tref5#5\n",
      "service\tdisplay_name\tprocess\tports\tneeded_by\tcan_stop\tstop_how\tdependents\tpin_kind\t"
      "pin_target\tpin_value\tpin_type\tpin_restart\tsource\n"
      "Netlogon\tNetlogon\tlsass.exe\trpc-dynamic\tdc,member\tno\t-\t-\tregistry\t"
      "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Netlogon\\Parameters\tDCTcpipPort\tREG_DWORD\t"
      "service:Netlogon\tKB224196\n"
      "DFSR\tDFS Replication\tdfsrs.exe\trpc-dynamic\tdc,member\tno\t-\t-\tcommand\t"
      "dfsrdiag StaticRPC /Port:<port>\t-\t-\tservice:DFSR\tKB832017\n"
      "Schedule\tTask Scheduler\tsvchost.exe\trpc-dynamic\tall\tno\t-\t-\tnone\t-\t-\t-\t-\tseed2\n"
      "W32Time\tWindows Time\tsvchost.exe\tudp/123\tdc,member\tyes\tsc config W32Time start= demand\t-\t"
      "none\t-\t-\t-\t-\tseed2\n"
      "NetBT\tNetBIOS over TCP/IP\tSystem\tudp/137,tcp/139\tnone\twith-care\t"
      "disable NetBIOS over TCP/IP per adapter\tBrowser,lmhosts\tnone\t-\t-\t-\t-\tseed2\n"
      "System\tSystem (kernel)\tSystem\ttcp/445,tcp/139\tall\tno\t-\t-\tnone\t-\t-\t-\t-\tseed2\n");
  return c;
}

inline Socket ListenSocket(Proto proto, std::string_view address, uint16_t port, uint32_t pid,
                           uint64_t line = 1) {
  Socket s;
  s.local = {*IpAddress::Parse(address), proto, port};
  s.state = proto == Proto::kTcp ? SocketState::kListen : SocketState::kUnconnected;
  s.pid = pid;
  s.source = {"netstat.txt", line};
  return s;
}

}  // namespace highport::analysis::testing
