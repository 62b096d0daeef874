$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$item = Get-Item -LiteralPath 'C:\ProgramData\docker' -Force -ErrorAction SilentlyContinue
if ($null -eq $item) { Write-Output '{"exists":false,"isdir":false}' }
else { Write-Output (ConvertTo-Json -Compress @{ exists = $true; isdir = $item.PSIsContainer }) }
