$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
'ssh_connection=' + $env:SSH_CONNECTION
Get-NetFirewallRule -DisplayName 'swarmbook *' -ErrorAction SilentlyContinue | ForEach-Object {
    $pf = $_ | Get-NetFirewallPortFilter
    $af = $_ | Get-NetFirewallAddressFilter
    $o = [ordered]@{
        name        = [string]$_.DisplayName
        enabled     = [string]$_.Enabled
        direction   = [string]$_.Direction
        action      = [string]$_.Action
        protocol    = [string]$pf.Protocol
        localport   = (@($pf.LocalPort) -join ',')
        remote      = (@($af.RemoteAddress) -join ',')
        description = [string]$_.Description
    }
    'rule=' + (ConvertTo-Json -Compress -InputObject ([pscustomobject]$o))
}
