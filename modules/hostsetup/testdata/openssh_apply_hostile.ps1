$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$utf8 = New-Object System.Text.UTF8Encoding $false
$cfg = 'C:\ssh dir\it''s\sshd_config'
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
if ((Get-Service -Name sshd).Status -eq 'Running') {
    try { Restart-Service -Name sshd } catch {
        if (Test-Path -LiteralPath $bak) { Copy-Item -LiteralPath $bak -Destination $cfg -Force }
        Start-Service -Name sshd -ErrorAction SilentlyContinue
        throw "restarting sshd failed, the previous $cfg was restored: $_"
    }
}
if (Test-Path -LiteralPath $bak) { Remove-Item -LiteralPath $bak -Force }
if (-not (Test-Path -LiteralPath 'HKLM:\SOFTWARE\OpenSSH')) { New-Item -Path 'HKLM:\SOFTWARE\OpenSSH' -Force | Out-Null }
New-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\OpenSSH' -Name DefaultShell -Value 'a''b"c$(touch /tmp/pwn)`d
e;$env:X ‘‘x’’ \' -PropertyType String -Force | Out-Null
