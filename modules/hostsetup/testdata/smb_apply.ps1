$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Remove-SmbGlobalMapping -LocalPath 'S:' -Force
$sec = ConvertTo-SecureString [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('Zml4ZWQtZm9yLWdvbGRlbg==')) -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential('LAB\svc', $sec)
New-SmbGlobalMapping -RemotePath '\\acct.file.core.windows.net\share' -LocalPath 'S:' -Credential $cred -Persistent $true -RequirePrivacy $true | Out-Null
$out = & icacls.exe 'S:\' /grant 'Everyone:(OI)(CI)(F)' 2>&1
if ($LASTEXITCODE -ne 0) { throw "icacls failed: $out" }
