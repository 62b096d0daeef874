$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not (Test-Path -LiteralPath 'HKLM:\SOFTWARE\X')) { $null = New-Item -Path 'HKLM:\SOFTWARE\X' -Force }
$null = New-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\X' -Name 'Enabled' -PropertyType DWord -Value 1 -Force
