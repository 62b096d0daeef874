$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$skip = ''
if (Test-Path -LiteralPath 'C:\done.txt') { $skip = 'C:\done.txt exists' }
if (-not (Test-Path -LiteralPath 'C:\todo.txt')) { $skip = 'C:\todo.txt does not exist' }
Write-Output (ConvertTo-Json -Compress @{ skip = $skip })
