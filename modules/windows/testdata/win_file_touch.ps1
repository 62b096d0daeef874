$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (Test-Path -LiteralPath 'C:\x.txt') { (Get-Item -LiteralPath 'C:\x.txt').LastWriteTime = Get-Date }
else { $null = New-Item -Path 'C:\x.txt' -ItemType File -Force }
