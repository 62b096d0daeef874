$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$svc = Get-Service -Name 'sshd' -ErrorAction SilentlyContinue
if ($null -eq $svc) { Write-Output '{"exists":false}' } else {
    $wmi = Get-CimInstance -ClassName Win32_Service -Filter ("Name='{0}'" -f $svc.Name.Replace("'", "''"))
    $mode = $wmi.StartMode.ToLower()
    if ($mode -eq 'auto' -and $wmi.DelayedAutoStart) { $mode = 'delayed' }
    Write-Output (ConvertTo-Json -Compress @{ exists = $true; state = $svc.Status.ToString().ToLower(); start_mode = $mode })
}
