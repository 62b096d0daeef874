$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$item = Get-Item -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' -Force -ErrorAction SilentlyContinue
if ($null -eq $item) { Write-Output '{"exists":false}' }
elseif ($item.PSIsContainer) { Write-Output '{"exists":true,"isdir":true}' }
else { Write-Output (ConvertTo-Json -Compress @{ exists = $true; isdir = $false; sha256 = (Get-FileHash -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' -Algorithm SHA256).Hash }) }
