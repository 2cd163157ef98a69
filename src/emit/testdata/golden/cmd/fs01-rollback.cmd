@echo off
REM highport rollback for fs01 (windows, role member), from the plan of 2026-12-05T12:00:00Z (highport 0.1.0)
REM Undoes fs01.cmd in reverse order. A plan made from traffic does not know earlier values: values go back to Windows' default (absent).
REM Failures are counted and the rest still runs; the exit code is 1 if any.
setlocal DisableDelayedExpansion
net session >nul 2>&1 || (echo Run this file as administrator. & exit /b 1)
if /i not "%COMPUTERNAME%"=="FS01" (echo This file is for FS01, not %COMPUTERNAME%. & exit /b 1)
set HIGHPORT_FAILED=0

REM ---- minimise:fs01:NetBT: NetBIOS over TCP/IP (NetBT): netbt-off
REM   listens on udp/137, udp/138, tcp/139 (System)
REM   stops with it: Browser, lmhosts
REM   risk: Old clients that find the server by NetBIOS name stop finding it.
echo([minimise:fs01:NetBT] NetBIOS over TCP/IP ^(NetBT^): netbt-off
wmic nicconfig where TcpipNetbiosOptions=2 call SetTcpipNetbios 0

REM ---- minimise:fs01:Spooler: Print Spooler (Spooler): disable
REM   listens on tcp/49670 (spoolsv.exe)
REM   risk: Keep it on print servers.
echo([minimise:fs01:Spooler] Print Spooler ^(Spooler^): disable
sc config Spooler start= auto || set /a HIGHPORT_FAILED+=1
net start Spooler

REM ---- pin:fs01:Winmgmt: Windows Management Instrumentation on TCP 24158. Needs: restart the service Winmgmt
REM   service Winmgmt
echo([pin:fs01:Winmgmt] Windows Management Instrumentation on TCP 24158
winmgmt /sharedhost || set /a HIGHPORT_FAILED+=1

REM ---- range:fs01: RPC port range 5001-5100. Needs: reboot
REM   100 ports; observed peak 3 concurrent RPC endpoints; floor 100
REM   risk: Needs a reboot.
REM   warning: the TCP ephemeral range 1025-5000 ends just below the RPC range
echo([range:fs01] RPC port range 5001-5100
reg query "HKLM\Software\Microsoft\Rpc\Internet" >nul 2>&1 && (reg delete "HKLM\Software\Microsoft\Rpc\Internet" /f || set /a HIGHPORT_FAILED+=1)

if %HIGHPORT_FAILED% neq 0 (echo highport: %HIGHPORT_FAILED% commands failed. & exit /b 1)
echo(Rolled back.
echo(Needed before the changes take effect:
echo(  reboot ^(range:fs01^)
echo(  restart the service Winmgmt ^(pin:fs01:Winmgmt^)
exit /b 0
