$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if ('it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' -eq 'crash') { throw 'boom' }
Write-Output (ConvertTo-Json -Compress @{ ping = 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' })
