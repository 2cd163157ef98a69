@echo off
REM highport hardening for dc01 (windows, role dc), from the plan of 2026-12-05T12:00:00Z (highport 0.1.0)
REM Review every line, then run it as administrator on dc01. It stops at the first command that fails. Undo: dc01-rollback.cmd
setlocal DisableDelayedExpansion
net session >nul 2>&1 || (echo Run this file as administrator. & exit /b 1)
if /i not "%COMPUTERNAME%"=="DC01" (echo This file is for DC01, not %COMPUTERNAME%. & exit /b 1)

REM ---- range:dcs: RPC port range 5001-5100. Needs: reboot
REM   100 ports; observed peak 14 concurrent RPC endpoints; floor 100
REM   kept clear of port 5000: UPnP / FileMaker (catalog)
REM   risk: Too few ports exhaust the pool: RPC servers then fail to register (error 87, Netlogon event 5820).
echo([range:dcs] RPC port range 5001-5100
reg add "HKLM\Software\Microsoft\Rpc\Internet" /v "Ports" /t REG_MULTI_SZ /d "5001-5100" /f || goto :error
reg add "HKLM\Software\Microsoft\Rpc\Internet" /v "PortsInternetAvailable" /t REG_SZ /d "Y" /f || goto :error
reg add "HKLM\Software\Microsoft\Rpc\Internet" /v "UseInternetPorts" /t REG_SZ /d "Y" /f || goto :error

REM ---- pin:dc01:NTDS: Active Directory Domain Services on TCP 38901. Needs: reboot
REM   service NTDS; RPC interfaces that move with it: drsuapi
REM   risk: Configure Netlogon's port too (KB 224196).
echo([pin:dc01:NTDS] Active Directory Domain Services on TCP 38901
reg add "HKLM\SYSTEM\CurrentControlSet\Services\NTDS\Parameters" /v "TCP/IP Port" /t REG_DWORD /d 38901 /f || goto :error

REM ---- pin:dc01:Netlogon: Netlogon on TCP 38902. Needs: restart the service Netlogon
REM   service Netlogon; RPC interfaces that move with it: netlogon
REM   risk: Never the same port as NTDS (event 5809).
echo([pin:dc01:Netlogon] Netlogon on TCP 38902
reg add "HKLM\SYSTEM\CurrentControlSet\Services\Netlogon\Parameters" /v "DCTcpipPort" /t REG_DWORD /d 38902 /f || goto :error

REM ---- pin:dc01:DFSR: DFS Replication on TCP 38904. Needs: restart the service DFSR
REM   service DFSR
echo([pin:dc01:DFSR] DFS Replication on TCP 38904
dfsrdiag StaticRPC /Port:38904 /Member:dc01 || goto :error

echo(Applied.
echo(Needed before the changes take effect:
echo(  reboot ^(range:dcs, pin:dc01:NTDS^)
echo(  restart the service Netlogon ^(pin:dc01:Netlogon^)
echo(  restart the service DFSR ^(pin:dc01:DFSR^)
exit /b 0

:error
echo(highport: the command above failed; nothing after it was run. Undo what ran: dc01-rollback.cmd
exit /b 1
