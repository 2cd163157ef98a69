@echo off
REM highport hardening for fs01 (windows, role member), from the plan of 2026-12-05T12:00:00Z (highport 0.1.0)
REM Review every line, then run it as administrator on fs01. It stops at the first command that fails. Undo: fs01-rollback.cmd
setlocal DisableDelayedExpansion
net session >nul 2>&1 || (echo Run this file as administrator. & exit /b 1)
if /i not "%COMPUTERNAME%"=="FS01" (echo This file is for FS01, not %COMPUTERNAME%. & exit /b 1)

REM ---- range:fs01: RPC port range 5001-5100. Needs: reboot
REM   100 ports; observed peak 3 concurrent RPC endpoints; floor 100
REM   risk: Needs a reboot.
REM   warning: the TCP ephemeral range 1025-5000 ends just below the RPC range
echo([range:fs01] RPC port range 5001-5100
reg add "HKLM\Software\Microsoft\Rpc\Internet" /v "Ports" /t REG_MULTI_SZ /d "5001-5100" /f || goto :error
reg add "HKLM\Software\Microsoft\Rpc\Internet" /v "PortsInternetAvailable" /t REG_SZ /d "Y" /f || goto :error
reg add "HKLM\Software\Microsoft\Rpc\Internet" /v "UseInternetPorts" /t REG_SZ /d "Y" /f || goto :error

REM ---- pin:fs01:Winmgmt: Windows Management Instrumentation on TCP 24158. Needs: restart the service Winmgmt
REM   service Winmgmt
echo([pin:fs01:Winmgmt] Windows Management Instrumentation on TCP 24158
winmgmt /standalonehost || goto :error

REM ---- minimise:fs01:Spooler: Print Spooler (Spooler): disable
REM   listens on tcp/49670 (spoolsv.exe)
REM   risk: Keep it on print servers.
echo([minimise:fs01:Spooler] Print Spooler ^(Spooler^): disable
sc config Spooler start= disabled || goto :error
net stop Spooler

REM ---- minimise:fs01:NetBT: NetBIOS over TCP/IP (NetBT): netbt-off
REM   listens on udp/137, udp/138, tcp/139 (System)
REM   stops with it: Browser, lmhosts
REM   risk: Old clients that find the server by NetBIOS name stop finding it.
echo([minimise:fs01:NetBT] NetBIOS over TCP/IP ^(NetBT^): netbt-off
wmic nicconfig where TcpipNetbiosOptions=0 call SetTcpipNetbios 2
wmic nicconfig where TcpipNetbiosOptions=1 call SetTcpipNetbios 2

echo(Applied.
echo(Needed before the changes take effect:
echo(  reboot ^(range:fs01^)
echo(  restart the service Winmgmt ^(pin:fs01:Winmgmt^)
exit /b 0

:error
echo(highport: the command above failed; nothing after it was run. Undo what ran: fs01-rollback.cmd
exit /b 1
