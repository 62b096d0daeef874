$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$item = Get-Item -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' -Force -ErrorAction SilentlyContinue
if ($null -eq $item) { Write-Output '{"exists":false,"isdir":false}' }
else { Write-Output (ConvertTo-Json -Compress @{ exists = $true; isdir = $item.PSIsContainer }) }
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (Test-Path -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share') { (Get-Item -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share').LastWriteTime = Get-Date }
else { $null = New-Item -Path 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' -ItemType File -Force }
