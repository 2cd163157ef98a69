@echo off
REM highport rollback for dc01 (windows, role dc), from the plan of 2026-12-05T12:00:00Z (highport 0.1.0)
REM Undoes dc01.cmd in reverse order. A plan made from traffic does not know earlier values: values go back to Windows' default (absent).
REM Failures are counted and the rest still runs; the exit code is 1 if any.
setlocal DisableDelayedExpansion
net session >nul 2>&1 || (echo Run this file as administrator. & exit /b 1)
if /i not "%COMPUTERNAME%"=="DC01" (echo This file is for DC01, not %COMPUTERNAME%. & exit /b 1)
set HIGHPORT_FAILED=0

REM ---- pin:dc01:DFSR: DFS Replication on TCP 38904. Needs: restart the service DFSR
REM   service DFSR
echo([pin:dc01:DFSR] DFS Replication on TCP 38904
dfsrdiag StaticRPC /Port:0 /Member:dc01 || set /a HIGHPORT_FAILED+=1

REM ---- pin:dc01:Netlogon: Netlogon on TCP 38902. Needs: restart the service Netlogon
REM   service Netlogon; RPC interfaces that move with it: netlogon
REM   risk: Never the same port as NTDS (event 5809).
echo([pin:dc01:Netlogon] Netlogon on TCP 38902
reg query "HKLM\SYSTEM\CurrentControlSet\Services\Netlogon\Parameters" /v "DCTcpipPort" >nul 2>&1 && (reg delete "HKLM\SYSTEM\CurrentControlSet\Services\Netlogon\Parameters" /v "DCTcpipPort" /f || set /a HIGHPORT_FAILED+=1)

REM ---- pin:dc01:NTDS: Active Directory Domain Services on TCP 38901. Needs: reboot
REM   service NTDS; RPC interfaces that move with it: drsuapi
REM   risk: Configure Netlogon's port too (KB 224196).
echo([pin:dc01:NTDS] Active Directory Domain Services on TCP 38901
reg query "HKLM\SYSTEM\CurrentControlSet\Services\NTDS\Parameters" /v "TCP/IP Port" >nul 2>&1 && (reg delete "HKLM\SYSTEM\CurrentControlSet\Services\NTDS\Parameters" /v "TCP/IP Port" /f || set /a HIGHPORT_FAILED+=1)

REM ---- range:dcs: RPC port range 5001-5100. Needs: reboot
REM   100 ports; observed peak 14 concurrent RPC endpoints; floor 100
REM   kept clear of port 5000: UPnP / FileMaker (catalog)
REM   risk: Too few ports exhaust the pool: RPC servers then fail to register (error 87, Netlogon event 5820).
echo([range:dcs] RPC port range 5001-5100
reg query "HKLM\Software\Microsoft\Rpc\Internet" >nul 2>&1 && (reg delete "HKLM\Software\Microsoft\Rpc\Internet" /f || set /a HIGHPORT_FAILED+=1)

if %HIGHPORT_FAILED% neq 0 (echo highport: %HIGHPORT_FAILED% commands failed. & exit /b 1)
echo(Rolled back.
echo(Needed before the changes take effect:
echo(  reboot ^(range:dcs, pin:dc01:NTDS^)
echo(  restart the service Netlogon ^(pin:dc01:Netlogon^)
echo(  restart the service DFSR ^(pin:dc01:DFSR^)
exit /b 0
