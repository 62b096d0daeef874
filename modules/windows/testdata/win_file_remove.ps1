$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Remove-Item -LiteralPath 'C:\x' -Recurse -Force
