@echo off
REM highport: deletes the Windows Firewall rules of highport-rules.cmd, from the plan of 2026-12-05T12:00:00Z (highport 0.1.0)
REM The default inbound policy and the built-in rules were not changed, so nothing here restores them.
setlocal DisableDelayedExpansion
net session >nul 2>&1 || (echo Run this file as administrator. & exit /b 1)
set HIGHPORT_FAILED=0

REM ---- rule:1: LDAP 389,636, 18 flows, 920 connections, seen 2025-12-05 00:00 UTC to 2025-12-06 00:00 UTC
echo(highport: dcs tcp/389 ^(LDAP^) [rule:1]
netsh advfirewall firewall show rule name="highport: dcs tcp/389 (LDAP) [rule:1]" >nul 2>&1 && (netsh advfirewall firewall delete rule name="highport: dcs tcp/389 (LDAP) [rule:1]" || set /a HIGHPORT_FAILED+=1)

REM ---- rule:2: RPC endpoint mapper RPC-EPMap, 12 flows, 300 connections, seen 2025-12-05 00:00 UTC to 2025-12-06 00:00 UTC
REM   localport=RPC-EPMap: the endpoint mapper, TCP 135 and 593 (the plan's ports: 135)
echo(highport: dcs tcp/135 ^(RPC endpoint mapper^) [rule:2]
netsh advfirewall firewall show rule name="highport: dcs tcp/135 (RPC endpoint mapper) [rule:2]" >nul 2>&1 && (netsh advfirewall firewall delete rule name="highport: dcs tcp/135 (RPC endpoint mapper) [rule:2]" || set /a HIGHPORT_FAILED+=1)

REM ---- rule:3: RPC dynamic (planned range) RPC, 12 flows, 300 connections, seen 2025-12-05 00:00 UTC to 2025-12-06 00:00 UTC
REM   localport=RPC: the dynamic RPC ports of the program, inside the planned RPC range once it applies (the plan's ports: 5001-5100)
echo(highport: dcs RPC 5001-5100 [rule:3]
netsh advfirewall firewall show rule name="highport: dcs RPC 5001-5100 [rule:3]" >nul 2>&1 && (netsh advfirewall firewall delete rule name="highport: dcs RPC 5001-5100 [rule:3]" || set /a HIGHPORT_FAILED+=1)

REM ---- rule:4: DNS 53, 3 flows, 3 connections, seen 2025-12-05 00:00 UTC to 2025-12-05 00:01 UTC
echo(highport: dc02 udp/53 ^(DNS^) from IPv6 [rule:4]
netsh advfirewall firewall show rule name="highport: dc02 udp/53 (DNS) from IPv6 [rule:4]" >nul 2>&1 && (netsh advfirewall firewall delete rule name="highport: dc02 udp/53 (DNS) from IPv6 [rule:4]" || set /a HIGHPORT_FAILED+=1)

if %HIGHPORT_FAILED% neq 0 (echo highport: %HIGHPORT_FAILED% commands failed. & exit /b 1)
echo(Deleted 4 rules.
exit /b 0
