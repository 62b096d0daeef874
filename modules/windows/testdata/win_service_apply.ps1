$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$null = & sc.exe config 'sshd' start= delayed-auto
if ($LASTEXITCODE -ne 0) { throw 'failed to set the start mode of sshd' }
Start-Service -Name 'sshd'
Stop-Service -Name 'sshd' -Force
Restart-Service -Name 'sshd' -Force
