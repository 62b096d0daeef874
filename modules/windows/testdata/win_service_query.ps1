$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$svc = Get-Service -Name 'sshd' -ErrorAction SilentlyContinue
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
