@echo off
REM highport rollback for dc02 (windows, role dc), from the plan of 2026-12-05T12:00:00Z (highport 0.1.0)
REM Undoes dc02.cmd in reverse order. A plan made from traffic does not know earlier values: values go back to Windows' default (absent).
REM Failures are counted and the rest still runs; the exit code is 1 if any.
setlocal DisableDelayedExpansion
net session >nul 2>&1 || (echo Run this file as administrator. & exit /b 1)
if /i not "%COMPUTERNAME%"=="DC02" (echo This file is for DC02, not %COMPUTERNAME%. & exit /b 1)
set HIGHPORT_FAILED=0

REM ---- pin:dc02:CertSvc: Active Directory Certificate Services on TCP 38905. Needs: restart the service CertSvc
REM   service CertSvc
echo([pin:dc02:CertSvc] Active Directory Certificate Services on TCP 38905
reg query "HKLM\SOFTWARE\Classes\AppID\{D99E6E74-FC88-11D0-B498-00A0C90312F3}" /v "Endpoints" >nul 2>&1 && (reg delete "HKLM\SOFTWARE\Classes\AppID\{D99E6E74-FC88-11D0-B498-00A0C90312F3}" /v "Endpoints" /f || set /a HIGHPORT_FAILED+=1)

REM ---- range:dcs: RPC port range 5001-5100. Needs: reboot
REM   100 ports; observed peak 14 concurrent RPC endpoints; floor 100
REM   kept clear of port 5000: UPnP / FileMaker (catalog)
REM   risk: Too few ports exhaust the pool: RPC servers then fail to register (error 87, Netlogon event 5820).
echo([range:dcs] RPC port range 5001-5100
reg query "HKLM\Software\Microsoft\Rpc\Internet" >nul 2>&1 && (reg delete "HKLM\Software\Microsoft\Rpc\Internet" /f || set /a HIGHPORT_FAILED+=1)

if %HIGHPORT_FAILED% neq 0 (echo highport: %HIGHPORT_FAILED% commands failed. & exit /b 1)
echo(Rolled back.
echo(Needed before the changes take effect:
echo(  reboot ^(range:dcs^)
echo(  restart the service CertSvc ^(pin:dc02:CertSvc^)
exit /b 0
