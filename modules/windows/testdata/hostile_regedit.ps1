$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not (Test-Path -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share')) { Write-Output '{"key_exists":false}'; exit 0 }
$key = Get-Item -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share'
if ($key.GetValueNames() -notcontains 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share') { Write-Output '{"key_exists":true,"value_exists":false}'; exit 0 }
$kind = $key.GetValueKind('it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share').ToString().ToLower()
$raw = $key.GetValue('it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share', $null, 'DoNotExpandEnvironmentNames')
if ($kind -eq 'binary') { $text = ($raw | ForEach-Object { $_.ToString('x2') }) -join ',' }
elseif ($kind -eq 'multistring') { $text = $raw -join "`n" }
else { $text = [string]$raw }
Write-Output (ConvertTo-Json -Compress @{ key_exists = $true; value_exists = $true; type = $kind; data = $text })
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not (Test-Path -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share')) { $null = New-Item -Path 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' -Force }
$null = New-ItemProperty -LiteralPath 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' -Name 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' -PropertyType String -Value 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' -Force
