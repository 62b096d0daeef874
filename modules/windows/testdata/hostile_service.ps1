$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$svc = Get-Service -Name 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' -ErrorAction SilentlyContinue
if ($null -eq $svc) { Write-Output '{"exists":false}' } else {
    $wmi = Get-CimInstance -ClassName Win32_Service -Filter ("Name='{0}'" -f $svc.Name.Replace("'", "''"))
    $mode = $wmi.StartMode.ToLower()
    if ($mode -eq 'auto' -and $wmi.DelayedAutoStart) { $mode = 'delayed' }
    Write-Output (ConvertTo-Json -Compress @{ exists = $true; state = $svc.Status.ToString().ToLower(); start_mode = $mode })
}
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$null = & sc.exe config 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' start= auto
if ($LASTEXITCODE -ne 0) { throw 'failed to set the start mode of it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' }
Start-Service -Name 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share'
