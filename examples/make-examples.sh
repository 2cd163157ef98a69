#!/usr/bin/env bash
# Writes the example hosts' evidence, byte for byte as Windows writes it:
# netstat -ano, tasklist /svc and netsh dynamicport from dc01 (English Windows Server 2019 domain
# controller, CRLF, ASCII) and fs01 (German Windows Server 2012 R2 member file
# server, CRLF, console code page 850, so "ABHÖREN" carries the byte 0x99).
# The hosts are made up for this project; ports, processes and services follow
# what such servers run. Run from anywhere; it rewrites examples/*/.
set -euo pipefail
cd "$(dirname "$0")"

row() { printf '  %-6s %-22s %-22s %-15s %s\r\n' "$@"; }
udp() { printf '  %-6s %-22s %-22s %-15s %s\r\n' UDP "$1" '*:*' '' "$2"; }

mkdir -p dc01 fs01

# --- dc01: English, Windows Server 2019 DC, 10.0.0.10 ---
{
  printf '\r\nActive Connections\r\n\r\n'
  printf '  Proto  Local Address          Foreign Address        State           PID\r\n'
  L=LISTENING
  row TCP 0.0.0.0:88 0.0.0.0:0 $L 712
  row TCP 0.0.0.0:135 0.0.0.0:0 $L 960
  row TCP 0.0.0.0:389 0.0.0.0:0 $L 712
  row TCP 0.0.0.0:445 0.0.0.0:0 $L 4
  row TCP 0.0.0.0:464 0.0.0.0:0 $L 712
  row TCP 0.0.0.0:593 0.0.0.0:0 $L 960
  row TCP 0.0.0.0:636 0.0.0.0:0 $L 712
  row TCP 0.0.0.0:3268 0.0.0.0:0 $L 712
  row TCP 0.0.0.0:3269 0.0.0.0:0 $L 712
  row TCP 0.0.0.0:3389 0.0.0.0:0 $L 1180
  row TCP 0.0.0.0:5665 0.0.0.0:0 $L 3012
  row TCP 0.0.0.0:5985 0.0.0.0:0 $L 4
  row TCP 0.0.0.0:9389 0.0.0.0:0 $L 2620
  row TCP 0.0.0.0:12489 0.0.0.0:0 $L 3104
  row TCP 0.0.0.0:47001 0.0.0.0:0 $L 4
  row TCP 0.0.0.0:49664 0.0.0.0:0 $L 712
  row TCP 0.0.0.0:49665 0.0.0.0:0 $L 556
  row TCP 0.0.0.0:49666 0.0.0.0:0 $L 1304
  row TCP 0.0.0.0:49667 0.0.0.0:0 $L 1420
  row TCP 0.0.0.0:49668 0.0.0.0:0 $L 712
  row TCP 0.0.0.0:49669 0.0.0.0:0 $L 712
  row TCP 0.0.0.0:49671 0.0.0.0:0 $L 700
  row TCP 0.0.0.0:49673 0.0.0.0:0 $L 2268
  row TCP 0.0.0.0:49675 0.0.0.0:0 $L 2540
  row TCP 0.0.0.0:49678 0.0.0.0:0 $L 2604
  row TCP 0.0.0.0:49683 0.0.0.0:0 $L 2660
  row TCP 10.0.0.10:53 0.0.0.0:0 $L 2540
  row TCP 10.0.0.10:139 0.0.0.0:0 $L 4
  row TCP 10.0.0.10:135 10.0.0.30:61002 ESTABLISHED 960
  row TCP 10.0.0.10:389 10.0.0.21:50498 ESTABLISHED 712
  row TCP 10.0.0.10:445 10.0.0.21:50501 ESTABLISHED 4
  row TCP 10.0.0.10:5665 10.0.0.30:40122 ESTABLISHED 3012
  row TCP 10.0.0.10:49668 10.0.0.21:50512 ESTABLISHED 712
  row TCP 10.0.0.10:49668 10.0.0.22:52101 ESTABLISHED 712
  row TCP 10.0.0.10:49666 10.0.0.30:61010 ESTABLISHED 1304
  row TCP 10.0.0.10:50211 10.0.0.20:49156 TIME_WAIT 0
  row TCP 127.0.0.1:53 0.0.0.0:0 $L 2540
  row TCP '[::]:88' '[::]:0' $L 712
  row TCP '[::]:135' '[::]:0' $L 960
  row TCP '[::]:389' '[::]:0' $L 712
  row TCP '[::]:445' '[::]:0' $L 4
  row TCP '[::]:49664' '[::]:0' $L 712
  row TCP '[::]:49668' '[::]:0' $L 712
  row TCP '[::1]:53' '[::]:0' $L 2540
  row TCP '[fe80::5d2c:8a1e:3b44:9f10%6]:53' '[::]:0' $L 2540
  udp 0.0.0.0:88 712
  udp 0.0.0.0:123 1580
  udp 0.0.0.0:389 712
  udp 0.0.0.0:464 712
  udp 0.0.0.0:500 1640
  udp 0.0.0.0:4500 1640
  udp 0.0.0.0:5353 1500
  udp 0.0.0.0:5355 1500
  udp 0.0.0.0:52344 2540
  udp 10.0.0.10:53 2540
  udp 10.0.0.10:137 4
  udp 10.0.0.10:138 4
  udp 127.0.0.1:53 2540
  udp '[::]:123' 1580
} > dc01/netstat-ano.txt

# `netsh int ipv4 show dynamicport tcp` on dc01: the default range, now known.
printf '\r\nProtocol tcp Dynamic Port Range\r\n---------------------------------\r\nStart Port      : 49152\r\nNumber of Ports : 16384\r\n\r\n' \
  > dc01/netsh-dynamicport-tcp.txt

# impacket `rpcdump.py 10.0.0.10 > rpcdump.txt` on dc01 (impacket 0.11, LF,
# trailing spaces as impacket prints them): which RPC interface sits on which
# of the dynamic ports above. UUIDs and the ports' owners agree with the
# netstat and tasklist above (lsass 49664/49668/49669, wininit 49665, ...).
ep() {  # ep UUID VERSION ANNOTATION BINDING...
  printf 'Protocol: N/A \nProvider: N/A \nUUID    : %s %s %s\nBindings: \n' "$1" "$2" "$3"
  shift 3
  for b in "$@"; do printf '          %s\n' "$b"; done
  printf '\n'
}
{
  printf 'Impacket v0.11.0 - Copyright 2023 Fortra\n\n[*] Retrieving endpoint list from 10.0.0.10\n'
  T=ncacn_ip_tcp:10.0.0.10
  ep 12345778-1234-ABCD-EF00-0123456789AC v1.0 '' "$T[49664]" 'ncalrpc:[samss lpc]' 'ncacn_np:\\DC01[\pipe\lsass]'
  ep 12345778-1234-ABCD-EF00-0123456789AB v0.0 '' "$T[49664]" 'ncalrpc:[lsasspirpc]' 'ncacn_np:\\DC01[\pipe\lsass]'
  ep B25A52BF-E5DD-4F4A-AEA6-8CA7272A0E86 v2.0 'KeyIso' "$T[49664]" 'ncalrpc:[samss lpc]'
  ep D95AFE70-A6D5-4259-822E-2C84DA1DDB0D v1.0 '' "$T[49665]" 'ncalrpc:[WindowsShutdown]' 'ncacn_np:\\DC01[\PIPE\InitShutdown]'
  ep F6BEAFF7-1E19-4FBB-9F8F-B89E2018337C v1.0 'Event log TCPIP' "$T[49666]" 'ncalrpc:[eventlog]' 'ncacn_np:\\DC01[\pipe\eventlog]'
  ep 86D35949-83C9-4044-B424-DB363231FD0C v1.0 '' "$T[49667]" 'ncalrpc:[ubpmtaskhostchannel]'
  ep E3514235-4B06-11D1-AB04-00C04FC2DCD2 v4.0 'MS NT Directory DRS Interface' "$T[49668]" 'ncacn_http:10.0.0.10[49669]' 'ncalrpc:[NTDS_LPC]' 'ncacn_np:\\DC01[\pipe\lsass]'
  ep 12345678-1234-ABCD-EF00-01234567CFFB v1.0 '' "$T[49668]" 'ncacn_http:10.0.0.10[49669]' 'ncacn_np:\\DC01[\pipe\lsass]'
  ep 367ABB81-9844-35F1-AD32-98F038001003 v2.0 '' "$T[49671]"
  ep 76F03F96-CDFD-44FC-A22C-64950A001209 v1.0 '' "$T[49673]" 'ncalrpc:[LRPC-d5a7b6c3e2f1a0b9c8]'
  ep 12345678-1234-ABCD-EF00-0123456789AB v1.0 '' 'ncalrpc:[spoolss]'
  ep 50ABC2A4-574D-40B3-9D66-EE4FD5FBA076 v5.0 '' "$T[49675]" 'ncacn_np:\\DC01[\PIPE\DNSSERVER]'
  ep 897E2E5F-93F3-4376-9C9C-FD2277495C27 v1.0 'Frs2 Service' "$T[49678]" 'ncalrpc:[OLE7D7D4B2E6D0A4C1F9E3B8D2A6C5F]'
  ep 68DCD486-669E-11D1-AB0C-00C04FC2DCD2 v1.0 '' "$T[49683]"
  printf '[*] Received 32 endpoints.\n'
} > dc01/rpcdump.txt

tl() { printf '%-25s %8s %s\r\n' "$1" "$2" "$3"; }
tlc() { printf '%35s%s\r\n' '' "$1"; }
{
  printf '\r\n'
  tl 'Image Name' PID Services
  printf '========================= ======== ============================================\r\n'
  tl 'System Idle Process' 0 N/A
  tl System 4 N/A
  tl wininit.exe 556 N/A
  tl services.exe 700 N/A
  tl lsass.exe 712 'Kdc, KeyIso, Netlogon, NTDS, SamSs'
  tl svchost.exe 960 'RpcEptMapper, RpcSs'
  tl svchost.exe 1180 'TermService'
  tl svchost.exe 1304 'EventLog'
  tl svchost.exe 1420 'Schedule'
  tl svchost.exe 1500 'Dnscache'
  tl svchost.exe 1580 'W32Time'
  tl svchost.exe 1640 'BFE, IKEEXT, mpssvc, PolicyAgent,'
  tlc 'WinHttpAutoProxySvc'
  tl spoolsv.exe 2268 'Spooler'
  tl dns.exe 2540 'DNS'
  tl dfsrs.exe 2604 'DFSR'
  tl Microsoft.ActiveDirectory 2620 'ADWS'
  tl ismserv.exe 2660 'IsmServ'
  tl icinga2.exe 3012 'icinga2'
  tl nscp.exe 3104 'nscp'
  tl tasklist.exe 4420 N/A
} > dc01/tasklist-svc.txt

# --- fs01: German, Windows Server 2012 R2 member server, 10.0.0.20, CP850 ---
{
  L=$'ABH\x99REN'
  printf '\r\nAktive Verbindungen\r\n\r\n'
  printf '  Proto  Lokale Adresse         Remoteadresse          Status           PID\r\n'
  row TCP 0.0.0.0:135 0.0.0.0:0 "$L" 800
  row TCP 0.0.0.0:445 0.0.0.0:0 "$L" 4
  row TCP 0.0.0.0:1433 0.0.0.0:0 "$L" 2400
  row TCP 0.0.0.0:3389 0.0.0.0:0 "$L" 1020
  row TCP 0.0.0.0:5003 0.0.0.0:0 "$L" 2230
  row TCP 0.0.0.0:5985 0.0.0.0:0 "$L" 4
  row TCP 0.0.0.0:10050 0.0.0.0:0 "$L" 2300
  row TCP 0.0.0.0:47001 0.0.0.0:0 "$L" 4
  row TCP 0.0.0.0:49152 0.0.0.0:0 "$L" 480
  row TCP 0.0.0.0:49153 0.0.0.0:0 "$L" 900
  row TCP 0.0.0.0:49154 0.0.0.0:0 "$L" 950
  row TCP 0.0.0.0:49155 0.0.0.0:0 "$L" 560
  row TCP 0.0.0.0:49156 0.0.0.0:0 "$L" 572
  row TCP 0.0.0.0:49158 0.0.0.0:0 "$L" 1300
  row TCP 10.0.0.20:139 0.0.0.0:0 "$L" 4
  row TCP 10.0.0.20:445 10.0.0.21:50533 HERGESTELLT 4
  row TCP 10.0.0.20:5003 10.0.0.23:51877 HERGESTELLT 2230
  row TCP 10.0.0.20:49156 10.0.0.10:50211 WARTEND 0
  row TCP 10.0.0.20:49153 10.0.0.30:61044 HERGESTELLT 900
  udp 0.0.0.0:123 1100
  udp 0.0.0.0:500 1150
  udp 0.0.0.0:1434 2450
  udp 0.0.0.0:4500 1150
  udp 0.0.0.0:5355 1180
  udp 10.0.0.20:137 4
  udp 10.0.0.20:138 4
} > fs01/netstat-ano.txt

{
  printf '\r\n'
  tl 'Abbildname' PID Dienste
  printf '========================= ======== ============================================\r\n'
  tl 'System Idle Process' 0 'Nicht zutreffend'
  tl System 4 'Nicht zutreffend'
  tl wininit.exe 480 'Nicht zutreffend'
  tl services.exe 560 'Nicht zutreffend'
  tl lsass.exe 572 'KeyIso, SamSs'
  tl svchost.exe 800 'RpcEptMapper, RpcSs'
  tl svchost.exe 900 'EventLog, Winmgmt'
  tl svchost.exe 950 'gpsvc, Schedule, SENS, ShellHWDetection,'
  tlc 'Themes, UserManager'
  tl svchost.exe 1020 'TermService'
  tl svchost.exe 1100 'W32Time'
  tl svchost.exe 1150 'BFE, IKEEXT, MpsSvc, PolicyAgent'
  tl svchost.exe 1180 'Dnscache, LanmanWorkstation, NlaSvc'
  tl spoolsv.exe 1300 'Spooler'
  tl fmserver.exe 2230 'FileMaker Server'
  tl zabbix_agentd.exe 2300 'Zabbix Agent'
  tl sqlservr.exe 2400 'MSSQLSERVER'
  tl sqlbrowser.exe 2450 'SQLBrowser'
} > fs01/tasklist-svc.txt
echo "examples written: $(ls -d */ | tr '\n' ' ')"
