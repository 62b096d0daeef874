$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$m = Get-SmbGlobalMapping -LocalPath 'S:' -ErrorAction SilentlyContinue
if ($m) {
    'remote=' + [string]$m.RemotePath
    'status=' + [string]$m.Status
}
'grant_sid=' + (New-Object Security.Principal.NTAccount('Everyone')).Translate([Security.Principal.SecurityIdentifier]).Value
$root = 'S:\'
if (Test-Path -LiteralPath $root) {
    foreach ($a in (Get-Acl -LiteralPath $root).GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier])) {
        'ace=' + $a.IdentityReference.Value + '|' + [int]$a.FileSystemRights + '|' + [string]$a.AccessControlType + '|' + [string]$a.IsInherited + '|' + [int]$a.InheritanceFlags
    }
}
