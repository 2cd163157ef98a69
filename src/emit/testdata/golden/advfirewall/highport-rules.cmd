@echo off
REM highport: Windows Firewall inbound allow rules from the plan of 2026-12-05T12:00:00Z (highport 0.1.0)
REM Run it as administrator on each Windows server of the plan: localip limits every rule to
REM its own servers, so on other hosts a rule matches nothing. Running it again replaces the
REM rules (each is deleted by name first). profile=any: a domain controller that starts
REM before it reaches another one is in the Public or Private profile; the addresses fence.
REM Undo: highport-rules-rollback.cmd
REM Fencing needs the default inbound policy to be block (Windows' default) and the built-in
REM allow rules for the same ports ("Active Directory Domain Controller ...", "Remote
REM Administration", ...) to be disabled or scoped: this file changes neither; that is for the
REM administrator to decide. Check:  netsh advfirewall show allprofiles firewallpolicy
REM Set (not done here):  netsh advfirewall set allprofiles firewallpolicy blockinbound,allowoutbound
setlocal DisableDelayedExpansion
net session >nul 2>&1 || (echo Run this file as administrator. & exit /b 1)

REM The plan's rules allow 33 of 34 observed flows (97.1%%).
REM Observed flows these rules would block:
REM   10.0.9.9 -> 10.0.0.20 tcp/8080: 1 connections; one connection from a client outside every rule's clients (evidence/pfirewall.log:88)

REM ---- rule:1: LDAP 389,636, 18 flows, 920 connections, seen 2025-12-05 00:00 UTC to 2025-12-06 00:00 UTC
echo(highport: dcs tcp/389 ^(LDAP^) [rule:1]
netsh advfirewall firewall delete rule name="highport: dcs tcp/389 (LDAP) [rule:1]" >nul 2>&1
netsh advfirewall firewall add rule name="highport: dcs tcp/389 (LDAP) [rule:1]" dir=in action=allow enable=yes profile=any protocol=TCP localport=389,636 localip=10.0.0.10,10.0.0.11 remoteip=10.0.1.0/28,10.0.2.7/32 description="highport plan 2026-12-05T12:00:00Z, rule:1: LDAP, 18 flows, 920 connections" || goto :error

REM ---- rule:2: RPC endpoint mapper RPC-EPMap, 12 flows, 300 connections, seen 2025-12-05 00:00 UTC to 2025-12-06 00:00 UTC
REM   localport=RPC-EPMap: the endpoint mapper, TCP 135 and 593 (the plan's ports: 135)
echo(highport: dcs tcp/135 ^(RPC endpoint mapper^) [rule:2]
netsh advfirewall firewall delete rule name="highport: dcs tcp/135 (RPC endpoint mapper) [rule:2]" >nul 2>&1
netsh advfirewall firewall add rule name="highport: dcs tcp/135 (RPC endpoint mapper) [rule:2]" dir=in action=allow enable=yes profile=any protocol=TCP localport=RPC-EPMap localip=10.0.0.10,10.0.0.11 remoteip=10.0.1.0/28 description="highport plan 2026-12-05T12:00:00Z, rule:2: RPC endpoint mapper, 12 flows, 300 connections" || goto :error

REM ---- rule:3: RPC dynamic (planned range) RPC, 12 flows, 300 connections, seen 2025-12-05 00:00 UTC to 2025-12-06 00:00 UTC
REM   localport=RPC: the dynamic RPC ports of the program, inside the planned RPC range once it applies (the plan's ports: 5001-5100)
echo(highport: dcs RPC 5001-5100 [rule:3]
netsh advfirewall firewall delete rule name="highport: dcs RPC 5001-5100 [rule:3]" >nul 2>&1
netsh advfirewall firewall add rule name="highport: dcs RPC 5001-5100 [rule:3]" dir=in action=allow enable=yes profile=any protocol=TCP localport=RPC localip=10.0.0.10,10.0.0.11 remoteip=10.0.1.0/28 program="%%SystemRoot%%\System32\lsass.exe" description="highport plan 2026-12-05T12:00:00Z, rule:3: RPC dynamic (planned range), 12 flows, 300 connections" || goto :error

REM ---- rule:4: DNS 53, 3 flows, 3 connections, seen 2025-12-05 00:00 UTC to 2025-12-05 00:01 UTC
echo(highport: dc02 udp/53 ^(DNS^) from IPv6 [rule:4]
netsh advfirewall firewall delete rule name="highport: dc02 udp/53 (DNS) from IPv6 [rule:4]" >nul 2>&1
netsh advfirewall firewall add rule name="highport: dc02 udp/53 (DNS) from IPv6 [rule:4]" dir=in action=allow enable=yes profile=any protocol=UDP localport=53 localip=fd00::11 remoteip=fd00:1::/64 description="highport plan 2026-12-05T12:00:00Z, rule:4: DNS, 3 flows, 3 connections" || goto :error

echo(Added 4 rules.
exit /b 0

:error
echo(highport: the command above failed; nothing after it was run. Undo what ran: highport-rules-rollback.cmd
exit /b 1
