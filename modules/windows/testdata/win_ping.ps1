$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if ('pong' -eq 'crash') { throw 'boom' }
Write-Output (ConvertTo-Json -Compress @{ ping = 'pong' })
