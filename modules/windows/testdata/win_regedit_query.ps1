$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not (Test-Path -LiteralPath 'HKLM:\SOFTWARE\OpenSSH')) { Write-Output '{"key_exists":false}'; exit 0 }
$key = Get-Item -LiteralPath 'HKLM:\SOFTWARE\OpenSSH'
if ($key.GetValueNames() -notcontains 'DefaultShell') { Write-Output '{"key_exists":true,"value_exists":false}'; exit 0 }
$kind = $key.GetValueKind('DefaultShell').ToString().ToLower()
$raw = $key.GetValue('DefaultShell', $null, 'DoNotExpandEnvironmentNames')
if ($kind -eq 'binary') { $text = ($raw | ForEach-Object { $_.ToString('x2') }) -join ',' }
elseif ($kind -eq 'multistring') { $text = $raw -join "`n" }
else { $text = [string]$raw }
Write-Output (ConvertTo-Json -Compress @{ key_exists = $true; value_exists = $true; type = $kind; data = $text })
