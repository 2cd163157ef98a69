@echo off
REM highport hardening for dc02 (windows, role dc), from the plan of 2026-12-05T12:00:00Z (highport 0.1.0)
REM Review every line, then run it as administrator on dc02. It stops at the first command that fails. Undo: dc02-rollback.cmd
setlocal DisableDelayedExpansion
net session >nul 2>&1 || (echo Run this file as administrator. & exit /b 1)
if /i not "%COMPUTERNAME%"=="DC02" (echo This file is for DC02, not %COMPUTERNAME%. & exit /b 1)

REM ---- range:dcs: RPC port range 5001-5100. Needs: reboot
REM   100 ports; observed peak 14 concurrent RPC endpoints; floor 100
REM   kept clear of port 5000: UPnP / FileMaker (catalog)
REM   risk: Too few ports exhaust the pool: RPC servers then fail to register (error 87, Netlogon event 5820).
echo([range:dcs] RPC port range 5001-5100
reg add "HKLM\Software\Microsoft\Rpc\Internet" /v "Ports" /t REG_MULTI_SZ /d "5001-5100" /f || goto :error
reg add "HKLM\Software\Microsoft\Rpc\Internet" /v "PortsInternetAvailable" /t REG_SZ /d "Y" /f || goto :error
reg add "HKLM\Software\Microsoft\Rpc\Internet" /v "UseInternetPorts" /t REG_SZ /d "Y" /f || goto :error

REM ---- pin:dc02:CertSvc: Active Directory Certificate Services on TCP 38905. Needs: restart the service CertSvc
REM   service CertSvc
echo([pin:dc02:CertSvc] Active Directory Certificate Services on TCP 38905
reg add "HKLM\SOFTWARE\Classes\AppID\{D99E6E74-FC88-11D0-B498-00A0C90312F3}" /v "Endpoints" /t REG_MULTI_SZ /d "ncacn_ip_tcp,0,38905" /f || goto :error

echo(Applied.
echo(Needed before the changes take effect:
echo(  reboot ^(range:dcs^)
echo(  restart the service CertSvc ^(pin:dc02:CertSvc^)
exit /b 0

:error
echo(highport: the command above failed; nothing after it was run. Undo what ran: dc02-rollback.cmd
exit /b 1
