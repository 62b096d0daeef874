$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$item = Get-Item -LiteralPath 'C:\ProgramData\ssh\administrators_authorized_keys' -Force -ErrorAction SilentlyContinue
if ($null -eq $item) { Write-Output '{"exists":false}' }
elseif ($item.PSIsContainer) { Write-Output '{"exists":true,"isdir":true}' }
else { Write-Output (ConvertTo-Json -Compress @{ exists = $true; isdir = $false; sha256 = (Get-FileHash -LiteralPath 'C:\ProgramData\ssh\administrators_authorized_keys' -Algorithm SHA256).Hash }) }
