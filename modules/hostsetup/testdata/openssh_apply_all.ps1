$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$utf8 = New-Object System.Text.UTF8Encoding $false
$keys = 'C:\ProgramData\ssh\administrators_authorized_keys'
[IO.File]::WriteAllText($keys, [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('c3NoLWVkMjU1MTkgQUFBQUMzayBhZG1pbgo=')), $utf8)
$out = & icacls.exe 'C:\ProgramData\ssh\administrators_authorized_keys' /inheritance:r /grant:r '*S-1-5-32-544:F' /grant:r '*S-1-5-18:F' /remove:g '*S-1-5-11' 2>&1
if ($LASTEXITCODE -ne 0) { throw "icacls failed: $out" }
$cfg = 'C:\ProgramData\ssh\sshd_config'
$tmp = $cfg + '.swarmbook.tmp'
[IO.File]::WriteAllText($tmp, [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('UGFzc3dvcmRBdXRoZW50aWNhdGlvbiBubw0K')), $utf8)
$out = & 'C:\Windows\System32\OpenSSH\sshd.exe' -t -f $tmp 2>&1
if ($LASTEXITCODE -ne 0) {
    Remove-Item -LiteralPath $tmp -Force
    throw "sshd -t rejected the new configuration, $cfg was left unchanged: $out"
}
$bak = $cfg + '.swarmbook-bak'
if (Test-Path -LiteralPath $cfg) { Copy-Item -LiteralPath $cfg -Destination $bak -Force }
Move-Item -LiteralPath $tmp -Destination $cfg -Force
Set-Service -Name sshd -StartupType Automatic
if ((Get-Service -Name sshd).Status -eq 'Running') {
    try { Restart-Service -Name sshd } catch {
        if (Test-Path -LiteralPath $bak) { Copy-Item -LiteralPath $bak -Destination $cfg -Force }
        Start-Service -Name sshd -ErrorAction SilentlyContinue
        throw "restarting sshd failed, the previous $cfg was restored: $_"
    }
}
if (Test-Path -LiteralPath $bak) { Remove-Item -LiteralPath $bak -Force }
Start-Service -Name sshd
New-NetFirewallRule -DisplayName 'swarmbook 22/tcp' -Direction Inbound -Action Allow -Protocol TCP -LocalPort '22' -Description 'OpenSSH server' | Out-Null
if (-not (Test-Path -LiteralPath 'HKLM:\SOFTWARE\OpenSSH')) { New-Item -Path 'HKLM:\SOFTWARE\OpenSSH' -Force | Out-Null }
New-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\OpenSSH' -Name DefaultShell -Value 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe' -PropertyType String -Force | Out-Null
