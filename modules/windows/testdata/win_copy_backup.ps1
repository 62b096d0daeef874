$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$path = 'C:\ProgramData\docker\config\daemon.json'
$backup = "$path.$PID." + [DateTime]::Now.ToString('yyyyMMdd-HHmmss') + '.bak'
Copy-Item -LiteralPath $path -Destination $backup
Write-Output (ConvertTo-Json -Compress @{ backup_file = $backup })
