$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not (Test-Path -LiteralPath 'HKLM:\SOFTWARE\X')) { $null = New-Item -Path 'HKLM:\SOFTWARE\X' -Force }
$null = New-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\X' -Name 'Blob' -PropertyType Binary -Value [byte[]]@(0x01, 0xff) -Force
