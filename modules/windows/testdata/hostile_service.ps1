$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$svc = Get-Service -Name 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' -ErrorAction SilentlyContinue
if ($null -eq $svc) { Write-Output '{"exists":false}' } else {
    $wmi = Get-CimInstance -ClassName Win32_Service -Filter ("Name='{0}'" -f $svc.Name.Replace("'", "''"))
    $mode = $wmi.StartMode.ToLower()
    if ($mode -eq 'auto' -and $wmi.DelayedAutoStart) { $mode = 'delayed' }
    $reg = Get-ItemProperty -LiteralPath ('HKLM:\SYSTEM\CurrentControlSet\Services\' + $svc.Name) -ErrorAction SilentlyContinue
    Write-Output (ConvertTo-Json -Compress -Depth 3 @{ exists = $true; state = $svc.Status.ToString().ToLower(); start_mode = $mode
        display_name = $svc.DisplayName; path = $wmi.PathName; description = $wmi.Description; username = $wmi.StartName
        desktop_interact = [bool]$wmi.DesktopInteract; dependencies = @($reg.DependOnService | Where-Object { $_ })
        depended_by = @($svc.DependentServices | ForEach-Object { $_.Name }); can_pause_and_continue = $svc.CanPauseAndContinue })
}
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$null = & sc.exe config 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' start= auto
if ($LASTEXITCODE -ne 0) { throw 'failed to set the start mode of it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share' }
Start-Service -Name 'it''s "x" `n $env:PATH; $(whoami) ‘‘a’’ ’’b‘‘ 
line2 ✓ \\srv\share'
