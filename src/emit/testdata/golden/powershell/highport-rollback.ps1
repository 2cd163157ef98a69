#Requires -RunAsAdministrator
<#
.SYNOPSIS
    highport: undoes highport-apply.ps1 on the Windows host it runs on.
.DESCRIPTION
    From the plan of 2026-12-05T12:00:00Z (highport 0.1.0).
    The part for -ComputerName (by default this computer) runs; other hosts' parts do not.
    -WhatIf shows every change without making it. At the end every value is read back
    and compared with the plan; the exit code is 1 if one differs.
    A plan made from traffic does not know earlier values: registry values go back to
    Windows' default (absent); services and commands follow the plan's rollback lines.
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    # The plan host whose part runs: its computer name.
    [string]$ComputerName = $env:COMPUTERNAME
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Continue'  # undo as much as can be undone

# ---- helpers: every change goes through one of these -------------------------
$script:Checks = [System.Collections.Generic.List[object]]::new()

function Add-HighportCheck {
    param([string]$Proposal, [string]$Kind, [string]$Path, [string]$Name, [string]$Expected,
          [switch]$AfterRestart)
    $script:Checks.Add([pscustomobject]@{
        Proposal = $Proposal; Kind = $Kind; Path = $Path; Name = $Name
        Expected = $Expected; AfterRestart = [bool]$AfterRestart })
}

function Set-HighportRegistryValue {
    [CmdletBinding(SupportsShouldProcess)]
    param([string]$Proposal, [string]$Key, [string]$Name, [string]$Type, [object]$Value)
    $path = 'Registry::' + $Key
    if (-not (Test-Path -LiteralPath $path)) {
        if ($PSCmdlet.ShouldProcess($Key, 'Create registry key')) {
            New-Item -Path $path -Force | Out-Null
        }
    }
    if ($PSCmdlet.ShouldProcess("$Key\$Name", "Set $Type value to $(@($Value) -join ', ')")) {
        New-ItemProperty -LiteralPath $path -Name $Name -PropertyType $Type -Value $Value -Force | Out-Null
    }
    Add-HighportCheck -Proposal $Proposal -Kind 'registry' -Path $path -Name $Name -Expected (@($Value) -join '|')
}

function Remove-HighportRegistryValue {
    [CmdletBinding(SupportsShouldProcess)]
    param([string]$Proposal, [string]$Key, [string]$Name)
    $path = 'Registry::' + $Key
    $present = $null -ne (Get-ItemProperty -LiteralPath $path -Name $Name -ErrorAction SilentlyContinue)
    if ($present -and $PSCmdlet.ShouldProcess("$Key\$Name", 'Remove registry value')) {
        Remove-ItemProperty -LiteralPath $path -Name $Name
    }
    Add-HighportCheck -Proposal $Proposal -Kind 'registry' -Path $path -Name $Name -Expected '(absent)'
}

function Remove-HighportRegistryKey {
    [CmdletBinding(SupportsShouldProcess)]
    param([string]$Proposal, [string]$Key)
    $path = 'Registry::' + $Key
    if ((Test-Path -LiteralPath $path) -and $PSCmdlet.ShouldProcess($Key, 'Remove registry key')) {
        Remove-Item -LiteralPath $path -Recurse
    }
    Add-HighportCheck -Proposal $Proposal -Kind 'registry-key' -Path $path -Expected '(absent)'
}

function Set-HighportServiceStartType {
    [CmdletBinding(SupportsShouldProcess)]
    param([string]$Proposal, [string]$Name, [string]$StartupType)
    if (-not (Get-Service -Name $Name -ErrorAction SilentlyContinue)) {
        Write-Warning "${Proposal}: there is no service $Name"
        return
    }
    if ($PSCmdlet.ShouldProcess($Name, "Set startup type to $StartupType")) {
        Set-Service -Name $Name -StartupType $StartupType
    }
    Add-HighportCheck -Proposal $Proposal -Kind 'start-type' -Name $Name -Expected $StartupType
}

function Set-HighportServiceState {
    [CmdletBinding(SupportsShouldProcess)]
    param([string]$Proposal, [string]$Name, [ValidateSet('Stopped', 'Running')][string]$Status)
    $service = Get-Service -Name $Name -ErrorAction SilentlyContinue
    if (-not $service) {
        Write-Warning "${Proposal}: there is no service $Name"
        return
    }
    if ($service.Status -ne $Status -and $PSCmdlet.ShouldProcess($Name, "Make the service $Status")) {
        # -Force: services that depend on it stop with it, as the plan lists them.
        if ($Status -eq 'Stopped') { Stop-Service -Name $Name -Force } else { Start-Service -Name $Name }
    }
    Add-HighportCheck -Proposal $Proposal -Kind 'status' -Name $Name -Expected $Status
}

function Set-HighportNetbios {
    [CmdletBinding(SupportsShouldProcess)]
    param([string]$Proposal, [Nullable[int]]$From, [int]$To)
    $adapters = Get-CimInstance -ClassName Win32_NetworkAdapterConfiguration -Filter 'IPEnabled = TRUE'
    foreach ($adapter in $adapters) {
        if ($null -ne $From -and $adapter.TcpipNetbiosOptions -ne $From) { continue }
        if ($PSCmdlet.ShouldProcess($adapter.Description, "Set NetBIOS over TCP/IP option $To")) {
            $result = Invoke-CimMethod -InputObject $adapter -MethodName SetTcpipNetbios -Arguments @{ TcpipNetbiosOptions = [uint32]$To }
            if ($result.ReturnValue -ne 0) { throw "${Proposal}: SetTcpipNetbios returned $($result.ReturnValue) on $($adapter.Description)" }
        }
    }
    $left = if ($null -ne $From) { "$From" } else { "not $To" }
    Add-HighportCheck -Proposal $Proposal -Kind 'netbios' -Path "$From" -Name "$To" -Expected "0 adapters with option $left"
}

function Invoke-HighportNative {
    [CmdletBinding(SupportsShouldProcess)]
    param([string]$Proposal, [string]$FilePath, [string[]]$ArgumentList, [switch]$StopOnError,
          [string]$CheckKind, [string]$Expected, [switch]$AfterRestart)
    $line = "$FilePath $($ArgumentList -join ' ')"
    if ($PSCmdlet.ShouldProcess($line, 'Run')) {
        & $FilePath @ArgumentList | Out-Host
        if ($LASTEXITCODE -ne 0) {
            if ($StopOnError) { throw "${Proposal}: $line failed with exit code $LASTEXITCODE" }
            Write-Warning "${Proposal}: $line exited with code $LASTEXITCODE"
        }
    }
    if ($CheckKind) {
        Add-HighportCheck -Proposal $Proposal -Kind $CheckKind -Name $line -Expected $Expected -AfterRestart:$AfterRestart
    }
}

function ConvertTo-HighportCidr([string]$Address) {
    try {
        $ip, $mask = $Address -split '/', 2
        $parsed = [System.Net.IPAddress]::Parse($ip)
        $bits = if ($parsed.AddressFamily -eq 'InterNetworkV6') { 128 } else { 32 }
        if ($mask -match '^\d+$') {
            $bits = [int]$mask
        } elseif ($mask) {
            $bits = 0
            foreach ($byte in [System.Net.IPAddress]::Parse($mask).GetAddressBytes()) {
                for ($b = [int]$byte; $b; $b = $b -shr 1) { $bits += $b -band 1 }
            }
        }
        '{0}/{1}' -f $parsed, $bits
    } catch {
        $Address
    }
}

function Format-HighportRule([string]$Action, [string]$Protocol, [string[]]$LocalPort,
                             [string[]]$LocalAddress, [string[]]$RemoteAddress) {
    $local = @($LocalAddress | ForEach-Object { ConvertTo-HighportCidr $_ } | Sort-Object) -join ','
    $remote = @($RemoteAddress | ForEach-Object { ConvertTo-HighportCidr $_ } | Sort-Object) -join ','
    '{0} {1} {2} local {3} remote {4}' -f $Action, $Protocol.ToUpperInvariant(), ((@($LocalPort) | Sort-Object) -join ','), $local, $remote
}

function Set-HighportFirewallRule {
    [CmdletBinding(SupportsShouldProcess)]
    param([string]$Proposal, [string]$Name, [string]$DisplayName, [string]$Description,
          [string]$Protocol, [string[]]$LocalPort, [string[]]$LocalAddress,
          [string[]]$RemoteAddress, [string]$Program)
    if ($PSCmdlet.ShouldProcess($DisplayName, 'Replace the firewall rule')) {
        Get-NetFirewallRule -Name $Name -ErrorAction SilentlyContinue | Remove-NetFirewallRule
        $rule = @{
            Name = $Name; DisplayName = $DisplayName; Description = $Description; Group = 'highport'
            Direction = 'Inbound'; Action = 'Allow'; Profile = 'Any'; Enabled = 'True'
            Protocol = $Protocol; LocalPort = $LocalPort
            LocalAddress = $LocalAddress; RemoteAddress = $RemoteAddress
        }
        if ($Program) { $rule.Program = $Program }
        New-NetFirewallRule @rule | Out-Null
    }
    Add-HighportCheck -Proposal $Proposal -Kind 'firewall' -Path $Name -Name $DisplayName `
        -Expected (Format-HighportRule 'Allow' $Protocol $LocalPort $LocalAddress $RemoteAddress)
}

function Remove-HighportFirewallRule {
    [CmdletBinding(SupportsShouldProcess)]
    param([string]$Proposal, [string]$Name, [string]$DisplayName)
    $rule = Get-NetFirewallRule -Name $Name -ErrorAction SilentlyContinue
    if ($rule -and $PSCmdlet.ShouldProcess($DisplayName, 'Remove the firewall rule')) {
        $rule | Remove-NetFirewallRule
    }
    Add-HighportCheck -Proposal $Proposal -Kind 'firewall' -Path $Name -Name $DisplayName -Expected '(absent)'
}

function Get-HighportActual($Check) {
    switch ($Check.Kind) {
        'registry' {
            $item = Get-ItemProperty -LiteralPath $Check.Path -Name $Check.Name -ErrorAction SilentlyContinue
            if ($null -eq $item) { '(absent)' } else { @($item.($Check.Name)) -join '|' }
        }
        'registry-key' { if (Test-Path -LiteralPath $Check.Path) { '(present)' } else { '(absent)' } }
        'start-type' { [string](Get-Service -Name $Check.Name).StartType }
        'status' { [string](Get-Service -Name $Check.Name).Status }
        'netbios' {
            $adapters = @(Get-CimInstance -ClassName Win32_NetworkAdapterConfiguration -Filter 'IPEnabled = TRUE')
            $to = [int]$Check.Name
            $left = if ($Check.Path -ne '') {
                $from = [int]$Check.Path
                @($adapters | Where-Object { $_.TcpipNetbiosOptions -eq $from })
            } else {
                @($adapters | Where-Object { $_.TcpipNetbiosOptions -ne $to })
            }
            $label = if ($Check.Path -ne '') { $Check.Path } else { "not $to" }
            "$($left.Count) adapters with option $label"
        }
        'dfsr-port' {
            $config = Get-CimInstance -Namespace 'root\MicrosoftDfs' -ClassName 'DfsrMachineConfig' -ErrorAction SilentlyContinue
            if ($config) { [string]$config.RpcPortAssignment } else { '(no DfsrMachineConfig)' }
        }
        'tcp-listen' {
            $port = [int]$Check.Expected.Split(' ')[1]
            if (Get-NetTCPConnection -LocalPort $port -State Listen -ErrorAction SilentlyContinue) { "listening $port" } else { 'not listening' }
        }
        'firewall' {
            $rule = Get-NetFirewallRule -Name $Check.Path -ErrorAction SilentlyContinue
            if (-not $rule) { '(absent)' } else {
                $ports = $rule | Get-NetFirewallPortFilter
                $addresses = $rule | Get-NetFirewallAddressFilter
                Format-HighportRule ([string]$rule.Action) ([string]$ports.Protocol) $ports.LocalPort $addresses.LocalAddress $addresses.RemoteAddress
            }
        }
        default { '(unknown check)' }
    }
}

# Reads every value back; prints expected against actual; the exit code is 1
# on a mismatch (checks marked "after restart" count only once restarted).
function Show-HighportChecks {
    $failed = 0
    $rows = foreach ($check in $script:Checks) {
        $actual = try { Get-HighportActual $check } catch { "(error: $($_.Exception.Message))" }
        $result = if ($actual -eq $check.Expected) { 'ok' } elseif ($check.AfterRestart) { 'after restart' } else { $failed++; 'MISMATCH' }
        [pscustomobject]@{ Result = $result; Proposal = $check.Proposal; What = "$($check.Path) $($check.Name)".Trim(); Expected = $check.Expected; Actual = $actual }
    }
    $rows | Format-Table -AutoSize -Wrap | Out-String -Width 4096 | Write-Host
    if ($WhatIfPreference) {
        Write-Host 'WhatIf: nothing was changed; the table compares the plan with this computer as it is.'
        return 0
    }
    if ($failed -gt 0) {
        Write-Host "highport: $failed values differ from the plan."
        return 1
    }
    return 0
}
# ---- the plan ----------------------------------------------------------------
switch ($ComputerName.Split('.')[0]) {
    'DC01' {
        Write-Host 'highport: rollback on dc01'
        # ---- rule:3: highport: dcs RPC 5001-5100 [rule:3]
        Remove-HighportFirewallRule -Proposal 'rule:3' -Name 'highport-rule-3' -DisplayName 'highport: dcs RPC 5001-5100 [rule:3]'

        # ---- rule:2: highport: dcs tcp/135 (RPC endpoint mapper) [rule:2]
        Remove-HighportFirewallRule -Proposal 'rule:2' -Name 'highport-rule-2' -DisplayName 'highport: dcs tcp/135 (RPC endpoint mapper) [rule:2]'

        # ---- rule:1: highport: dcs tcp/389 (LDAP) [rule:1]
        Remove-HighportFirewallRule -Proposal 'rule:1' -Name 'highport-rule-1' -DisplayName 'highport: dcs tcp/389 (LDAP) [rule:1]'

        # ---- pin:dc01:DFSR: DFS Replication on TCP 38904. Needs: restart the service DFSR
        #   service DFSR
        # the plan: dfsrdiag StaticRPC /Port:0 /Member:dc01
        Invoke-HighportNative -Proposal 'pin:dc01:DFSR' -FilePath 'dfsrdiag.exe' -ArgumentList @('StaticRPC', '/Port:0', '/Member:dc01') -CheckKind 'dfsr-port' -Expected '0'

        # ---- pin:dc01:Netlogon: Netlogon on TCP 38902. Needs: restart the service Netlogon
        #   service Netlogon; RPC interfaces that move with it: netlogon
        #   risk: Never the same port as NTDS (event 5809).
        Remove-HighportRegistryValue -Proposal 'pin:dc01:Netlogon' -Key 'HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Netlogon\Parameters' -Name 'DCTcpipPort'

        # ---- pin:dc01:NTDS: Active Directory Domain Services on TCP 38901. Needs: reboot
        #   service NTDS; RPC interfaces that move with it: drsuapi
        #   risk: Configure Netlogon's port too (KB 224196).
        Remove-HighportRegistryValue -Proposal 'pin:dc01:NTDS' -Key 'HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\NTDS\Parameters' -Name 'TCP/IP Port'

        # ---- range:dcs: RPC port range 5001-5100. Needs: reboot
        #   100 ports; observed peak 14 concurrent RPC endpoints; floor 100
        #   kept clear of port 5000: UPnP / FileMaker (catalog)
        #   risk: Too few ports exhaust the pool: RPC servers then fail to register (error 87, Netlogon event 5820).
        Remove-HighportRegistryKey -Proposal 'range:dcs' -Key 'HKEY_LOCAL_MACHINE\Software\Microsoft\Rpc\Internet'

    }
    'DC02' {
        Write-Host 'highport: rollback on dc02'
        # ---- rule:4: highport: dc02 udp/53 (DNS) from IPv6 [rule:4]
        Remove-HighportFirewallRule -Proposal 'rule:4' -Name 'highport-rule-4' -DisplayName 'highport: dc02 udp/53 (DNS) from IPv6 [rule:4]'

        # ---- rule:3: highport: dcs RPC 5001-5100 [rule:3]
        Remove-HighportFirewallRule -Proposal 'rule:3' -Name 'highport-rule-3' -DisplayName 'highport: dcs RPC 5001-5100 [rule:3]'

        # ---- rule:2: highport: dcs tcp/135 (RPC endpoint mapper) [rule:2]
        Remove-HighportFirewallRule -Proposal 'rule:2' -Name 'highport-rule-2' -DisplayName 'highport: dcs tcp/135 (RPC endpoint mapper) [rule:2]'

        # ---- rule:1: highport: dcs tcp/389 (LDAP) [rule:1]
        Remove-HighportFirewallRule -Proposal 'rule:1' -Name 'highport-rule-1' -DisplayName 'highport: dcs tcp/389 (LDAP) [rule:1]'

        # ---- pin:dc02:CertSvc: Active Directory Certificate Services on TCP 38905. Needs: restart the service CertSvc
        #   service CertSvc
        Remove-HighportRegistryValue -Proposal 'pin:dc02:CertSvc' -Key 'HKEY_LOCAL_MACHINE\SOFTWARE\Classes\AppID\{D99E6E74-FC88-11D0-B498-00A0C90312F3}' -Name 'Endpoints'

        # ---- range:dcs: RPC port range 5001-5100. Needs: reboot
        #   100 ports; observed peak 14 concurrent RPC endpoints; floor 100
        #   kept clear of port 5000: UPnP / FileMaker (catalog)
        #   risk: Too few ports exhaust the pool: RPC servers then fail to register (error 87, Netlogon event 5820).
        Remove-HighportRegistryKey -Proposal 'range:dcs' -Key 'HKEY_LOCAL_MACHINE\Software\Microsoft\Rpc\Internet'

    }
    'FS01' {
        Write-Host 'highport: rollback on fs01'
        # ---- minimise:fs01:NetBT: NetBIOS over TCP/IP (NetBT): netbt-off
        #   listens on udp/137, udp/138, tcp/139 (System)
        #   stops with it: Browser, lmhosts
        #   risk: Old clients that find the server by NetBIOS name stop finding it.
        # the plan: wmic nicconfig where TcpipNetbiosOptions=2 call SetTcpipNetbios 0
        Set-HighportNetbios -Proposal 'minimise:fs01:NetBT' -From 2 -To 0

        # ---- minimise:fs01:Spooler: Print Spooler (Spooler): disable
        #   listens on tcp/49670 (spoolsv.exe)
        #   risk: Keep it on print servers.
        # the plan: sc config Spooler start= auto
        Set-HighportServiceStartType -Proposal 'minimise:fs01:Spooler' -Name 'Spooler' -StartupType 'Automatic'
        # the plan: net start Spooler
        Set-HighportServiceState -Proposal 'minimise:fs01:Spooler' -Name 'Spooler' -Status 'Running'

        # ---- pin:fs01:Winmgmt: Windows Management Instrumentation on TCP 24158. Needs: restart the service Winmgmt
        #   service Winmgmt
        # the plan: winmgmt /sharedhost
        Invoke-HighportNative -Proposal 'pin:fs01:Winmgmt' -FilePath 'winmgmt.exe' -ArgumentList @('/sharedhost')

        # ---- range:fs01: RPC port range 5001-5100. Needs: reboot
        #   100 ports; observed peak 3 concurrent RPC endpoints; floor 100
        #   risk: Needs a reboot.
        #   warning: the TCP ephemeral range 1025-5000 ends just below the RPC range
        Remove-HighportRegistryKey -Proposal 'range:fs01' -Key 'HKEY_LOCAL_MACHINE\Software\Microsoft\Rpc\Internet'

    }
    default {
        Write-Host "highport: the plan has nothing for $ComputerName."
        exit 2
    }
}
exit (Show-HighportChecks)
