$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$warnings = New-Object -TypeName 'System.Collections.Generic.List[string]'
$r = @{}
$principal = New-Object -TypeName Security.Principal.WindowsPrincipal -ArgumentList ([Security.Principal.WindowsIdentity]::GetCurrent())
$isAdmin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
$r.is_admin = $isAdmin
function Invoke-FactSection([string]$Name, [scriptblock]$Code) {
    try { . $Code } catch { $warnings.Add("Error when collecting $Name facts: $($_.Exception.Message)") }
}
$cim = @{}
if ($isAdmin) {
    foreach ($class in @('Win32_BIOS', 'Win32_OperatingSystem', 'Win32_ComputerSystem')) {
        try { $cim[$class] = @(Get-CimInstance -ClassName $class) } catch { $warnings.Add("Error when reading ${class}: $($_.Exception.Message)") }
    }
}
$os = $null; $cs = $null
if ($cim['Win32_OperatingSystem']) { $os = $cim['Win32_OperatingSystem'][0] }
if ($cim['Win32_ComputerSystem']) { $cs = $cim['Win32_ComputerSystem'][0] }
Invoke-FactSection 'bios' {
    $b = Get-ItemProperty -LiteralPath 'HKLM:\HARDWARE\DESCRIPTION\System\BIOS' -ErrorAction SilentlyContinue
    $r.system = @{
        manufacturer = [string]$b.SystemManufacturer
        model = [string]$b.SystemProductName
        bios_version = [string]$b.BIOSVersion
        bios_date = [string]$b.BIOSReleaseDate
        serial = $null
    }
    if ($cim['Win32_BIOS']) { $r.system.serial = [string]$cim['Win32_BIOS'][0].SerialNumber }
}
Invoke-FactSection 'date_time' {
    $now = Get-Date
    $utc = $now.ToUniversalTime()
    $epoch = New-Object -TypeName DateTime -ArgumentList 1970, 1, 1, 0, 0, 0, ([DateTimeKind]::Utc)
    $seconds = ($utc - $epoch).TotalSeconds
    $r.date_time = @{
        date = $now.ToString('yyyy-MM-dd')
        day = $now.ToString('dd')
        epoch_local = [string](Get-Date -Date $now -UFormat '+%s')
        epoch = [string](Get-Date -Date $utc -UFormat '+%s')
        epoch_int = [int64]$seconds
        hour = $now.ToString('HH')
        iso8601 = $utc.ToString('yyyy-MM-ddTHH:mm:ssZ')
        iso8601_basic = $now.ToString('yyyyMMddTHHmmssffffff')
        iso8601_basic_short = $now.ToString('yyyyMMddTHHmmss')
        iso8601_micro = $utc.ToString('yyyy-MM-ddTHH:mm:ss.ffffffZ')
        minute = $now.ToString('mm')
        month = $now.ToString('MM')
        second = $now.ToString('ss')
        time = $now.ToString('HH:mm:ss')
        tz = [System.TimeZoneInfo]::Local.Id
        tz_offset = $now.ToString('zzzz')
        weekday = $now.ToString('dddd', [System.Globalization.CultureInfo]::InvariantCulture)
        weekday_number = [string](Get-Date -UFormat '%w')
        weeknumber = [string](Get-Date -UFormat '%W')
        year = $now.ToString('yyyy')
    }
}
Invoke-FactSection 'distribution' {
    $cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' -ErrorAction SilentlyContinue
    $po = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\ProductOptions' -ErrorAction SilentlyContinue
    $r.os = @{
        version = [Environment]::OSVersion.Version.ToString()
        platform = [Environment]::OSVersion.Platform.ToString()
        product_type = [string]$po.ProductType
        installation_type = [string]$cv.InstallationType
        registered_owner = [string]$cv.RegisteredOwner
        caption = $null
        name = $null
        architecture = $null
    }
    if ($os) {
        $r.os.caption = [string]$os.Caption
        $r.os.name = ([string]$os.Name).Split('|')[0].Trim()
        $r.os.architecture = [string]$os.OSArchitecture
    }
}
Invoke-FactSection 'env' {
    $e = @{}
    foreach ($item in Get-ChildItem -LiteralPath 'Env:') { $e[[string]$item.Name] = [string]$item.Value }
    $r.env = $e
}
Invoke-FactSection 'windows_domain' {
    $ipg = [System.Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties()
    $r.net = @{ hostname = $ipg.HostName; dns_domain = [string]$ipg.DomainName; netbios = [string]$env:COMPUTERNAME }
    $r.domain = @{ name = $null; member = $null; role = $null }
    if ($cs) {
        $r.domain.name = [string]$cs.Domain
        $r.domain.member = [bool]$cs.PartOfDomain
        $r.domain.role = [int]$cs.DomainRole
    }
}
Invoke-FactSection 'platform' {
    $arch = $env:PROCESSOR_ARCHITEW6432
    if (-not $arch) { $arch = $env:PROCESSOR_ARCHITECTURE }
    $srv = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Services\LanmanServer\Parameters' -ErrorAction SilentlyContinue
    $pending = Get-ItemProperty -LiteralPath 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager' -ErrorAction SilentlyContinue
    $sm = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\ServerManager\ServicingStorage\ServerComponentCache' -ErrorAction SilentlyContinue
    $cbs = Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
    $r.platform = @{
        arch = [string]$arch
        description = [string]$srv.srvcomment
        reboot_pending = [bool]($pending.PendingFileRenameOperations -or $cbs -or $sm.RestartRequired)
        owner_contact = $null
        machine_sid = $null
    }
    if ($cs) { $r.platform.owner_contact = [string]$cs.PrimaryOwnerContact }
    if (Get-Command -Name Get-LocalUser -ErrorAction SilentlyContinue) {
        $admin = Get-LocalUser | Where-Object { $_.SID.Value -like 'S-1-5-21-*-500' } | Select-Object -First 1
        if ($admin) { $r.platform.machine_sid = $admin.SID.AccountDomainSid.Value }
    }
}
Invoke-FactSection 'powershell_version' {
    $r.powershell_version = $PSVersionTable.PSVersion.Major
}
Invoke-FactSection 'user' {
    $r.user = @{ dir = [string]$env:USERPROFILE; id = [string]$env:USERNAME; sid = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value }
}
$r.warnings = @($warnings)
Write-Output (ConvertTo-Json -InputObject $r -Depth 8 -Compress)
