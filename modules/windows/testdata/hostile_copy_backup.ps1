$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$path = 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share'
$backup = "$path.$PID." + [DateTime]::Now.ToString('yyyyMMdd-HHmmss') + '.bak'
Copy-Item -LiteralPath $path -Destination $backup
Write-Output (ConvertTo-Json -Compress @{ backup_file = $backup })
