package windows

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// rawFacts is what the facts script prints: raw host values, shaped into
// Ansible's facts by mapFacts. Absent sections stay nil.
type rawFacts struct {
	IsAdmin     bool              `json:"is_admin"`
	IPAddresses []string          `json:"ip_addresses"`
	System      *rawSystem        `json:"system"`
	DateTime    map[string]any    `json:"date_time"`
	OS          *rawOS            `json:"os"`
	Env         map[string]string `json:"env"`
	Interfaces  []rawInterface    `json:"interfaces"`
	Local       map[string]any    `json:"local"`
	Memory      *rawMemory        `json:"memory"`
	Net         *rawNet           `json:"net"`
	Domain      *rawDomain        `json:"domain"`
	Platform    *rawPlatform      `json:"platform"`
	PSVersion   *int              `json:"powershell_version"`
	Processor   *rawProcessor     `json:"processor"`
	Uptime      *rawUptime        `json:"uptime"`
	User        *rawUser          `json:"user"`
	WinRMCert   *string           `json:"winrm_cert_expires"`
	Warnings    []string          `json:"warnings"`
}

type rawSystem struct {
	Manufacturer string  `json:"manufacturer"`
	Model        string  `json:"model"`
	BIOSVersion  string  `json:"bios_version"`
	BIOSDate     string  `json:"bios_date"`
	Serial       *string `json:"serial"`
}

type rawOS struct {
	Version          string  `json:"version"`
	Platform         string  `json:"platform"`
	ProductType      string  `json:"product_type"`
	InstallationType string  `json:"installation_type"`
	RegisteredOwner  string  `json:"registered_owner"`
	Caption          *string `json:"caption"`
	Name             *string `json:"name"`
	Architecture     *string `json:"architecture"`
}

type rawAddr struct {
	Address string `json:"address"`
	Prefix  string `json:"prefix"`
}

type rawInterface struct {
	ConnectionName string    `json:"connection_name"`
	InterfaceName  string    `json:"interface_name"`
	DefaultGateway *string   `json:"default_gateway"`
	DNSDomain      string    `json:"dns_domain"`
	InterfaceIndex *int      `json:"interface_index"`
	IPv4           []rawAddr `json:"ipv4"`
	IPv6           []rawAddr `json:"ipv6"`
	MAC            string    `json:"mac"`
	MTU            *int      `json:"mtu"`
	Speed          int64     `json:"speed"`
}

type rawMemory struct {
	Total           *uint64 `json:"total"`
	Available       *uint64 `json:"available"`
	PagefileTotalKB *uint64 `json:"pagefile_total_kb"`
	PagefileFreeKB  *uint64 `json:"pagefile_free_kb"`
}

type rawNet struct {
	Hostname  string `json:"hostname"`
	DNSDomain string `json:"dns_domain"`
	NetBIOS   string `json:"netbios"`
}

type rawDomain struct {
	Name   *string `json:"name"`
	Member *bool   `json:"member"`
	Role   *int    `json:"role"`
}

type rawPlatform struct {
	Arch          string  `json:"arch"`
	Description   string  `json:"description"`
	RebootPending bool    `json:"reboot_pending"`
	OwnerContact  *string `json:"owner_contact"`
	MachineSID    *string `json:"machine_sid"`
}

type rawProcessor struct {
	List    []string `json:"list"`
	VCPUs   int      `json:"vcpus"`
	Sockets *int     `json:"sockets"`
	Cores   *int     `json:"cores"`
	Threads *int     `json:"threads"`
}

type rawUptime struct {
	Seconds  int64  `json:"seconds"`
	Lastboot string `json:"lastboot"`
}

type rawUser struct {
	Dir string `json:"dir"`
	ID  string `json:"id"`
	SID string `json:"sid"`
}

// numberish renders a PowerShell division result: an integer when exact,
// otherwise a float (PowerShell's "/" keeps Int32 for exact quotients).
func numberish(num, den float64) any {
	v := num / den
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		return int64(v)
	}
	return v
}

// ceilMB is setup.ps1's [Math]::Ceiling(bytes / 1024 / 1024).
func ceilMB(b *uint64) any {
	if b == nil {
		return nil
	}
	return int64(math.Ceil(float64(*b) / 1024 / 1024))
}

// roundMB is setup.ps1's [Math]::Round(kb / 1024) (banker's rounding).
func roundMB(kb *uint64) any {
	if kb == nil {
		return nil
	}
	return int64(math.RoundToEven(float64(*kb) / 1024))
}

// productType maps HKLM ProductOptions\ProductType to setup.ps1's words
// for OSVERSIONINFOEX.wProductType (1 workstation, 2 DC, 3 server).
func productType(s string) string {
	switch strings.ToLower(s) {
	case "winnt":
		return "workstation"
	case "lanmannt":
		return "domain_controller"
	case "servernt":
		return "server"
	}
	return "unknown"
}

// domainRole maps Win32_ComputerSystem.DomainRole as setup.ps1 words it.
func domainRole(r int) string {
	switch r {
	case 0:
		return "Stand-alone workstation"
	case 1:
		return "Member workstation"
	case 2:
		return "Stand-alone server"
	case 3:
		return "Member server"
	case 4:
		return "Backup domain controller"
	case 5:
		return "Primary domain controller"
	}
	return "Unknown DomainRole " + strconv.Itoa(r)
}

// architecture2 maps PROCESSOR_ARCHITECTURE to the POSIX-like names of
// ansible_architecture2.
func architecture2(a string) string {
	switch strings.ToUpper(a) {
	case "X86":
		return "i386"
	case "ARM":
		return "arm"
	case "IA64":
		return "ia64"
	case "AMD64":
		return "x86_64"
	case "ARM64":
		return "arm64"
	}
	return "unknown"
}

// virtualization detects a hypervisor from the SMBIOS system model and
// manufacturer with setup.ps1's tables (model first, then manufacturer).
func virtualization(model, manufacturer string) (role, typ string) {
	models := []struct {
		typ    string
		values []string
	}{
		{"kvm", []string{"KVM", "KVM Server", "Bochs", "AHV"}},
		{"RHEV", []string{"RHEV Hypervisor"}},
		{"VMware", []string{"VMWare Virtual Platform", "VMware7,1"}},
		{"openstack", []string{"OpenStack Compute", "OpenStack Nova"}},
		{"xen", []string{"xen", "HVM domU"}},
		{"Hyper-V", []string{"Virtual Machine"}},
		{"VirtualBox", []string{"VirtualBox"}},
	}
	makers := []struct {
		typ    string
		values []string
	}{
		{"kvm", []string{"QEMU", "oVirt", "Amazon EC2", "DigitalOcean", "Google", "Scaleway", "Nutanix"}},
		{"KubeVirt", []string{"KubVirt"}},
		{"parallels", []string{"Parallels Software International Inc."}},
		{"openstack", []string{"OpenStack Foundation"}},
	}
	// PowerShell's -in compares case-insensitively.
	for _, m := range models {
		for _, v := range m.values {
			if strings.EqualFold(v, model) {
				return "guest", m.typ
			}
		}
	}
	for _, m := range makers {
		for _, v := range m.values {
			if strings.EqualFold(v, manufacturer) {
				return "guest", m.typ
			}
		}
	}
	return "NA", "NA"
}

// biosDate normalises the SMBIOS release date to MM/dd/yyyy; two-digit
// years are 19yy, as setup.ps1 parses them. Unparsable dates are null.
func biosDate(s string) any {
	layout := "01/02/06"
	if len(s) == 10 {
		layout = "01/02/2006"
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return nil
	}
	if len(s) != 10 && t.Year() >= 2000 {
		t = t.AddDate(-100, 0, 0)
	}
	return t.Format("01/02/2006")
}

// macAddress formats PhysicalAddress.ToString() ("00155D012345") as
// 00:15:5D:01:23:45.
func macAddress(raw string) string {
	raw = strings.ToUpper(raw)
	var parts []string
	for i := 0; i < len(raw); i += 2 {
		parts = append(parts, raw[i:min(i+2, len(raw))])
	}
	return strings.Join(parts, ":")
}

// addrs is PowerShell's pipeline result assigned to a variable: nothing is
// null, one address is that object, several are a list.
func addrs(list []rawAddr) any {
	switch len(list) {
	case 0:
		return nil
	case 1:
		return map[string]any{"address": list[0].Address, "prefix": list[0].Prefix}
	}
	out := make([]any, len(list))
	for i, a := range list {
		out[i] = map[string]any{"address": a.Address, "prefix": a.Prefix}
	}
	return out
}

// mapFacts shapes the script's raw answer into setup.ps1's facts (names
// with the ansible_ prefix). Only gathered sections produce facts.
func mapFacts(r rawFacts, subs winSubsets) map[string]any {
	f := map[string]any{}
	if subs.has("all_ipv4_addresses", "all_ipv6_addresses") {
		f["ansible_ip_addresses"] = anyStrings(r.IPAddresses)
	}
	if subs["bios"] && r.System != nil {
		f["ansible_bios_date"] = biosDate(r.System.BIOSDate)
		f["ansible_bios_version"] = r.System.BIOSVersion
		f["ansible_product_name"] = r.System.Model
		f["ansible_product_serial"] = orNil(r.System.Serial)
	}
	if subs["date_time"] && r.DateTime != nil {
		f["ansible_date_time"] = r.DateTime
	}
	if subs["distribution"] && r.OS != nil {
		f["ansible_distribution"] = orNil(r.OS.Caption)
		f["ansible_distribution_version"] = r.OS.Version
		major, _, _ := strings.Cut(r.OS.Version, ".")
		f["ansible_distribution_major_version"] = major
		f["ansible_os_family"] = "Windows"
		f["ansible_os_name"] = orNil(r.OS.Name)
		f["ansible_os_product_type"] = productType(r.OS.ProductType)
		f["ansible_os_installation_type"] = r.OS.InstallationType
	}
	if subs["env"] && r.Env != nil {
		env := map[string]any{}
		for k, v := range r.Env {
			// setup.ps1 strips trailing backslashes (a ConvertTo-Json workaround).
			env[k] = strings.TrimRight(v, `\`)
		}
		f["ansible_env"] = env
	}
	if subs["interfaces"] {
		ifs := make([]any, 0, len(r.Interfaces))
		for _, n := range r.Interfaces {
			var dns any
			if n.DNSDomain != "" {
				dns = n.DNSDomain
			}
			ifs = append(ifs, map[string]any{
				"connection_name": n.ConnectionName,
				"default_gateway": orNil(n.DefaultGateway),
				"dns_domain":      dns,
				"interface_index": orNil(n.InterfaceIndex),
				"interface_name":  n.InterfaceName,
				"ipv4":            addrs(n.IPv4),
				"ipv6":            addrs(n.IPv6),
				"macaddress":      macAddress(n.MAC),
				"mtu":             orNil(n.MTU),
				"speed":           numberish(float64(n.Speed), 1000*1000),
			})
		}
		f["ansible_interfaces"] = ifs
	}
	if subs["local"] {
		for k, v := range r.Local {
			f["ansible_"+k] = v
		}
	}
	if subs["memory"] && r.Memory != nil {
		f["ansible_memtotal_mb"] = ceilMB(r.Memory.Total)
		f["ansible_memfree_mb"] = ceilMB(r.Memory.Available)
		f["ansible_swaptotal_mb"] = 0
		f["ansible_pagefiletotal_mb"] = roundMB(r.Memory.PagefileTotalKB)
		f["ansible_pagefilefree_mb"] = roundMB(r.Memory.PagefileFreeKB)
	}
	member := r.Domain != nil && r.Domain.Member != nil && *r.Domain.Member
	if subs["platform"] && r.Net != nil && r.OS != nil && r.Platform != nil {
		fqdn := r.Net.Hostname
		if r.Net.DNSDomain != "" {
			fqdn += "." + r.Net.DNSDomain
		}
		domain := ""
		if member && r.Domain.Name != nil {
			domain = *r.Domain.Name
		}
		f["ansible_domain"] = domain
		f["ansible_fqdn"] = fqdn
		f["ansible_hostname"] = r.Net.Hostname
		f["ansible_netbios_name"] = r.Net.NetBIOS
		f["ansible_kernel"] = r.OS.Version
		f["ansible_nodename"] = fqdn
		f["ansible_machine_id"] = orNil(r.Platform.MachineSID)
		f["ansible_owner_name"] = r.OS.RegisteredOwner
		f["ansible_system"] = r.OS.Platform
		f["ansible_system_description"] = r.Platform.Description
		var vendor any
		if r.System != nil {
			vendor = r.System.Manufacturer
		}
		f["ansible_system_vendor"] = vendor
		f["ansible_reboot_pending"] = r.Platform.RebootPending
		f["ansible_architecture"] = orNil(r.OS.Architecture)
		contact := any("")
		if r.IsAdmin {
			contact = orNil(r.Platform.OwnerContact)
		}
		f["ansible_owner_contact"] = contact
		f["ansible_architecture2"] = architecture2(r.Platform.Arch)
	}
	if subs["powershell_version"] && r.PSVersion != nil {
		f["ansible_powershell_version"] = *r.PSVersion
	}
	if subs["processor"] && r.Processor != nil {
		f["ansible_processor"] = anyStrings(r.Processor.List)
		f["ansible_processor_vcpus"] = r.Processor.VCPUs
		f["ansible_processor_count"] = nil
		f["ansible_processor_cores"] = nil
		f["ansible_processor_threads_per_core"] = nil
		if r.Processor.Sockets != nil {
			f["ansible_processor_count"] = *r.Processor.Sockets
		}
		if r.Processor.Cores != nil && *r.Processor.Cores > 0 {
			f["ansible_processor_cores"] = *r.Processor.Cores
			if r.Processor.Threads != nil {
				f["ansible_processor_threads_per_core"] = numberish(float64(*r.Processor.Threads), float64(*r.Processor.Cores))
			}
		}
	}
	if subs["uptime"] && r.Uptime != nil {
		f["ansible_lastboot"] = r.Uptime.Lastboot
		f["ansible_uptime_seconds"] = r.Uptime.Seconds
	}
	if subs["user"] && r.User != nil {
		f["ansible_user_dir"] = r.User.Dir
		f["ansible_user_gecos"] = ""
		f["ansible_user_id"] = r.User.ID
		f["ansible_user_sid"] = r.User.SID
	}
	if subs["windows_domain"] && r.Domain != nil {
		f["ansible_windows_domain"] = orNil(r.Domain.Name)
		f["ansible_windows_domain_member"] = orNil(r.Domain.Member)
		var role any
		if r.Domain.Role != nil {
			role = domainRole(*r.Domain.Role)
		}
		f["ansible_windows_domain_role"] = role
	}
	if subs["winrm"] && r.WinRMCert != nil {
		f["ansible_win_rm_certificate_expires"] = *r.WinRMCert
	}
	if subs["virtual"] && r.System != nil {
		role, typ := virtualization(r.System.Model, r.System.Manufacturer)
		f["ansible_virtualization_role"] = role
		f["ansible_virtualization_type"] = typ
	}
	return f
}
