$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Remove-Item -LiteralPath 'HKLM:\SOFTWARE\X' -Recurse -Force
