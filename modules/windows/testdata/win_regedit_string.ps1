$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not (Test-Path -LiteralPath 'HKLM:\SOFTWARE\OpenSSH')) { $null = New-Item -Path 'HKLM:\SOFTWARE\OpenSSH' -Force }
$null = New-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\OpenSSH' -Name 'DefaultShell' -PropertyType String -Value 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe' -Force
