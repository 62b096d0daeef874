$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$cap = Get-WindowsCapability -Online -Name 'OpenSSH.Server~~~~0.0.1.0'
'capability=' + [string]$cap.State
$svc = Get-Service -Name sshd -ErrorAction SilentlyContinue
if ($svc) {
    'service_start=' + [string]$svc.StartType
    'service_status=' + [string]$svc.Status
}
$fw = @(Get-NetFirewallRule -Name 'OpenSSH-Server-In-TCP' -ErrorAction SilentlyContinue) +
    @(Get-NetFirewallRule -DisplayName 'swarmbook 22/tcp' -ErrorAction SilentlyContinue) |
    Where-Object { [string]$_.Enabled -eq 'True' -and [string]$_.Action -eq 'Allow' }
'firewall=' + @($fw).Count
$cfg = 'C:\ProgramData\ssh\sshd_config'
if (Test-Path -LiteralPath $cfg) { 'config=' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($cfg)) }
$keys = 'C:\ProgramData\ssh\administrators_authorized_keys'
if (Test-Path -LiteralPath $keys) {
    'keys=' + [Convert]::ToBase64String([IO.File]::ReadAllBytes($keys))
    $acl = Get-Acl -LiteralPath $keys
    'protected=' + [string]$acl.AreAccessRulesProtected
    foreach ($a in $acl.GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier])) {
        'ace=' + $a.IdentityReference.Value + '|' + [int]$a.FileSystemRights + '|' + [string]$a.AccessControlType + '|' + [string]$a.IsInherited
    }
}
$ds = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\OpenSSH' -Name DefaultShell -ErrorAction SilentlyContinue
if ($ds) { 'default_shell=' + [string]$ds.DefaultShell }
