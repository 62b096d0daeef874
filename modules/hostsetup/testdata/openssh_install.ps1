$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Add-WindowsCapability -Online -Name 'OpenSSH.Server~~~~0.0.1.0' | Out-Null
