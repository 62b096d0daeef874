$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$skip = ''
if (Test-Path -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share') { $skip = 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share exists' }
if (-not (Test-Path -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share')) { $skip = 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share does not exist' }
Write-Output (ConvertTo-Json -Compress @{ skip = $skip })
