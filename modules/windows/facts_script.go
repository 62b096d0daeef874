package windows

import "strings"

// factsPrelude starts the facts script: every section adds raw values to
// $r; a failing section becomes a warning instead of failing the whole
// gathering (as setup.ps1 does per subset).
const factsPrelude = `$warnings = New-Object -TypeName 'System.Collections.Generic.List[string]'
$r = @{}
$principal = New-Object -TypeName Security.Principal.WindowsPrincipal -ArgumentList ([Security.Principal.WindowsIdentity]::GetCurrent())
$isAdmin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
$r.is_admin = $isAdmin
function Invoke-FactSection([string]$Name, [scriptblock]$Code) {
    try { . $Code } catch { $warnings.Add("Error when collecting $Name facts: $($_.Exception.Message)") }
}
`

// factsCIM reads the CIM classes once, for administrators only: for other
// users WMI answers "access denied" after seconds (the reason setup.ps1
// also skips it for them).
func factsCIM(classes []string) string {
	if len(classes) == 0 {
		return "$cim = @{}\n"
	}
	quoted := make([]string, len(classes))
	for i, c := range classes {
		quoted[i] = q(c)
	}
	return `$cim = @{}
if ($isAdmin) {
    foreach ($class in @(` + strings.Join(quoted, ", ") + `)) {
        try { $cim[$class] = @(Get-CimInstance -ClassName $class) } catch { $warnings.Add("Error when reading ${class}: $($_.Exception.Message)") }
    }
}
$os = $null; $cs = $null
if ($cim['Win32_OperatingSystem']) { $os = $cim['Win32_OperatingSystem'][0] }
if ($cim['Win32_ComputerSystem']) { $cs = $cim['Win32_ComputerSystem'][0] }
`
}

// factSection is one part of the facts script and the subsets that need it.
type factSection struct {
	subsets []string
	cim     []string // CIM classes it reads
	code    string
}

// factSections lists the script's parts in output order.
func factSections(factPath string) []factSection {
	secs := []factSection{
		{[]string{"all_ipv4_addresses", "all_ipv6_addresses"}, nil, `Invoke-FactSection 'all_ipv4_addresses, all_ipv6_addresses' {
    $r.ip_addresses = @(foreach ($nic in [System.Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces()) {
        foreach ($u in $nic.GetIPProperties().UnicastAddresses) {
            $a = $u.Address.ToString()
            if ($a -ne '::1' -and $a -ne '127.0.0.1') { $a }
        }
    })
}
`},
		{[]string{"bios", "platform", "virtual"}, []string{"Win32_BIOS"}, `Invoke-FactSection 'bios' {
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
`},
		{[]string{"date_time"}, nil, `Invoke-FactSection 'date_time' {
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
`},
		{[]string{"distribution", "platform"}, []string{"Win32_OperatingSystem"}, `Invoke-FactSection 'distribution' {
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
`},
		{[]string{"env"}, nil, `Invoke-FactSection 'env' {
    $e = @{}
    foreach ($item in Get-ChildItem -LiteralPath 'Env:') { $e[[string]$item.Name] = [string]$item.Value }
    $r.env = $e
}
`},
		{[]string{"interfaces"}, nil, `Invoke-FactSection 'interfaces' {
    $r.interfaces = @(foreach ($nic in [System.Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces()) {
        $kind = $nic.NetworkInterfaceType.ToString()
        if ($kind -eq 'Loopback' -or $kind -eq 'Tunnel') { continue }
        $p = $nic.GetIPProperties()
        $v4 = $null
        $v6 = $null
        try { $v4 = $p.GetIPv4Properties() } catch { $v4 = $null }
        try { $v6 = $p.GetIPv6Properties() } catch { $v6 = $null }
        if (-not ($v4 -or $v6)) { continue }
        $gw = $null
        if ($p.GatewayAddresses) { $gw = $p.GatewayAddresses[0].Address.IPAddressToString }
        $index = $null
        $mtu = $null
        if ($v4) { $index = $v4.Index; $mtu = $v4.Mtu } elseif ($v6) { $index = $v6.Index }
        $ipv4 = @(foreach ($u in $p.UnicastAddresses) { if ($u.Address.AddressFamily.ToString() -eq 'InterNetwork') { @{ address = $u.Address.ToString(); prefix = [string]$u.PrefixLength } } })
        $ipv6 = @(foreach ($u in $p.UnicastAddresses) { if ($u.Address.AddressFamily.ToString() -eq 'InterNetworkV6') { @{ address = $u.Address.ToString(); prefix = [string]$u.PrefixLength } } })
        @{
            connection_name = $nic.Name
            interface_name = $nic.Description
            default_gateway = $gw
            dns_domain = [string]$p.DnsSuffix
            interface_index = $index
            ipv4 = $ipv4
            ipv6 = $ipv6
            mac = $nic.GetPhysicalAddress().ToString()
            mtu = $mtu
            speed = $nic.Speed
        }
    })
}
`},
	}
	if factPath != "" {
		secs = append(secs, factSection{[]string{"local"}, nil, `Invoke-FactSection 'local' {
    $factPath = ` + q(factPath) + `
    if (Test-Path -LiteralPath $factPath) {
        $local = @{}
        foreach ($file in Get-ChildItem -LiteralPath $factPath) {
            if ($file.PSIsContainer) { continue }
            if ($file.Extension -ceq '.ps1') { $out = & $file.FullName }
            elseif ($file.Extension -ceq '.json') { $out = Get-Content -Raw -LiteralPath $file.FullName | ConvertFrom-Json }
            else { continue }
            if ($null -ne $out) { $local[$file.BaseName] = $out }
        }
        $r.local = $local
    } else {
        $warnings.Add("Non existing path was set for local facts - $factPath")
    }
}
`})
	}
	secs = append(secs, []factSection{
		{[]string{"memory"}, []string{"Win32_OperatingSystem"}, `Invoke-FactSection 'memory' {
    $r.memory = @{ total = $null; available = $null; pagefile_total_kb = $null; pagefile_free_kb = $null }
    try {
        Add-Type -AssemblyName Microsoft.VisualBasic
        $ci = New-Object -TypeName Microsoft.VisualBasic.Devices.ComputerInfo
        $r.memory.total = [uint64]$ci.TotalPhysicalMemory
        $r.memory.available = [uint64]$ci.AvailablePhysicalMemory
    } catch {
        if ($os) {
            $r.memory.total = [uint64]$os.TotalVisibleMemorySize * 1024
            $r.memory.available = [uint64]$os.FreePhysicalMemory * 1024
        }
    }
    if ($os) {
        $r.memory.pagefile_total_kb = [uint64]$os.SizeStoredInPagingFiles
        $r.memory.pagefile_free_kb = [uint64]$os.FreeSpaceInPagingFiles
    }
}
`},
		{[]string{"platform", "windows_domain"}, []string{"Win32_ComputerSystem"}, `Invoke-FactSection 'windows_domain' {
    $ipg = [System.Net.NetworkInformation.IPGlobalProperties]::GetIPGlobalProperties()
    $r.net = @{ hostname = $ipg.HostName; dns_domain = [string]$ipg.DomainName; netbios = [string]$env:COMPUTERNAME }
    $r.domain = @{ name = $null; member = $null; role = $null }
    if ($cs) {
        $r.domain.name = [string]$cs.Domain
        $r.domain.member = [bool]$cs.PartOfDomain
        $r.domain.role = [int]$cs.DomainRole
    }
}
`},
		{[]string{"platform"}, nil, `Invoke-FactSection 'platform' {
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
`},
		{[]string{"powershell_version"}, nil, `Invoke-FactSection 'powershell_version' {
    $r.powershell_version = $PSVersionTable.PSVersion.Major
}
`},
		{[]string{"processor"}, []string{"Win32_Processor"}, `Invoke-FactSection 'processor' {
    $keys = @(Get-ChildItem -LiteralPath 'HKLM:\HARDWARE\DESCRIPTION\System\CentralProcessor' -ErrorAction SilentlyContinue | Sort-Object -Property { [int]$_.PSChildName })
    $list = @(foreach ($k in $keys) {
        $p = Get-ItemProperty -LiteralPath $k.PSPath -ErrorAction SilentlyContinue
        [string]$k.PSChildName
        [string]$p.VendorIdentifier
        [string]$p.ProcessorNameString
    })
    $r.processor = @{ list = $list; vcpus = [Environment]::ProcessorCount; sockets = $null; cores = $null; threads = $null }
    if ($cim['Win32_Processor']) {
        $procs = $cim['Win32_Processor']
        $r.processor.sockets = $procs.Count
        $r.processor.cores = [int]$procs[0].NumberOfCores
        $r.processor.threads = [int]$procs[0].NumberOfLogicalProcessors
    }
}
`},
		{[]string{"uptime"}, []string{"Win32_OperatingSystem"}, `Invoke-FactSection 'uptime' {
    $now = Get-Date
    if ($os) { $seconds = ($now - $os.LastBootUpTime).TotalSeconds }
    else { $seconds = [System.Diagnostics.Stopwatch]::GetTimestamp() / [System.Diagnostics.Stopwatch]::Frequency }
    $r.uptime = @{ seconds = [int64][Math]::Round($seconds); lastboot = $now.AddSeconds(-$seconds).ToString('u') }
}
`},
		{[]string{"user"}, nil, `Invoke-FactSection 'user' {
    $r.user = @{ dir = [string]$env:USERPROFILE; id = [string]$env:USERNAME; sid = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value }
}
`},
		{[]string{"winrm"}, nil, `Invoke-FactSection 'winrm' {
    if ($isAdmin) {
        $certs = @(Get-ChildItem -Path 'WSMan:\localhost\Listener' -ErrorAction SilentlyContinue | Where-Object { $_.Keys -contains 'Transport=HTTPS' } | ForEach-Object {
            Get-ChildItem -Path $_.PSPath | Where-Object { $_.Name -eq 'CertificateThumbprint' -and $_.Value } | ForEach-Object {
                Get-Item -LiteralPath ('Cert:\LocalMachine\My\' + $_.Value) -ErrorAction SilentlyContinue
            }
        })
        $first = $certs | Sort-Object -Property NotAfter | Select-Object -First 1
        if ($first) { $r.winrm_cert_expires = $first.NotAfter.ToString('yyyy-MM-dd HH:mm:ss') }
    }
}
`},
	}...)
	return secs
}

// factsScript builds the one script that gathers the chosen subsets and
// prints one JSON object (raw values; mapFacts shapes them).
func factsScript(subs winSubsets, factPath string) string {
	var body strings.Builder
	var classes []string
	seen := map[string]bool{}
	for _, s := range factSections(factPath) {
		if !subs.has(s.subsets...) {
			continue
		}
		for _, c := range s.cim {
			if !seen[c] {
				seen[c] = true
				classes = append(classes, c)
			}
		}
		body.WriteString(s.code)
	}
	return header + factsPrelude + factsCIM(classes) + body.String() +
		"$r.warnings = @($warnings)\n" +
		"Write-Output (ConvertTo-Json -InputObject $r -Depth 8 -Compress)\n"
}
