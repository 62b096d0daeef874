package windows

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// sampleFacts is a CONSTRUCTED sample of the facts script's answer, shaped
// like a Windows Server 2022 Datacenter Hyper-V guest in a workgroup
// (build 20348, PowerShell 5.1, 2 vCPUs, 8 GiB). It was written by hand
// from the script's output format and Microsoft's documented values; it
// was not captured from a real host.
func sampleFacts(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "facts_server2022_constructed.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestResolveSubsets(t *testing.T) {
	sorted := func(s winSubsets) string {
		var out []string
		for k := range s {
			out = append(out, k)
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	all := sorted(func() winSubsets {
		w := winSubsets{}
		for _, s := range allSubsets() {
			w[s] = true
		}
		return w
	}())
	minOnly := "date_time,distribution,dns,env,local,platform,powershell_version,user"
	cases := []struct {
		in   []string
		want string
		warn int
	}{
		{[]string{"all"}, all, 0},
		{[]string{"min"}, all, 0}, // setup.ps1 starts from everything; only "!" narrows
		{[]string{"!all"}, minOnly, 0},
		{[]string{"!all", "!min"}, "", 0},
		{[]string{"!all", "network"}, minOnly + ",all_ipv4_addresses,all_ipv6_addresses,interfaces,windows_domain,winrm", 0},
		{[]string{"!hardware", "!facter"}, strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(all, "bios,", ""), "memory,", ""), "processor,", ""), "uptime,", ""), ",virtual", ""), "facter,", ""), 0},
		{[]string{"!all", "!min", "memory"}, "memory", 0},
		{[]string{"!all", "bogus", "!alsobogus"}, minOnly, 1},
	}
	for _, c := range cases {
		got, warns := resolveSubsets(c.in)
		if g := sorted(got); g != sortCSV(c.want) {
			t.Errorf("%v:\n got %s\nwant %s", c.in, g, sortCSV(c.want))
		}
		if len(warns) != c.warn {
			t.Errorf("%v: warnings %q", c.in, warns)
		}
	}
}

func sortCSV(s string) string {
	if s == "" {
		return ""
	}
	p := strings.Split(s, ",")
	sort.Strings(p)
	return strings.Join(p, ",")
}

func TestMapFactsServer2022(t *testing.T) {
	var raw rawFacts
	if err := json.Unmarshal(sampleFacts(t), &raw); err != nil {
		t.Fatal(err)
	}
	subs, _ := resolveSubsets([]string{"all"})
	f := mapFacts(raw, subs)
	want := map[string]any{
		"ansible_os_family":                  "Windows",
		"ansible_system":                     "Win32NT",
		"ansible_hostname":                   "mgr1",
		"ansible_fqdn":                       "mgr1.swarm.lab",
		"ansible_nodename":                   "mgr1.swarm.lab",
		"ansible_domain":                     "", // not domain-joined: setup.ps1 leaves it empty
		"ansible_netbios_name":               "MGR1",
		"ansible_distribution":               "Microsoft Windows Server 2022 Datacenter",
		"ansible_distribution_version":       "10.0.20348.0",
		"ansible_distribution_major_version": "10",
		"ansible_kernel":                     "10.0.20348.0",
		"ansible_os_name":                    "Microsoft Windows Server 2022 Datacenter",
		"ansible_os_product_type":            "server",
		"ansible_os_installation_type":       "Server",
		"ansible_architecture":               "64-bit",
		"ansible_architecture2":              "x86_64",
		"ansible_powershell_version":         5,
		"ansible_windows_domain":             "WORKGROUP",
		"ansible_windows_domain_member":      false,
		"ansible_windows_domain_role":        "Stand-alone server",
		"ansible_processor_count":            1,
		"ansible_processor_cores":            1,
		"ansible_processor_vcpus":            2,
		"ansible_processor_threads_per_core": int64(2),
		"ansible_memtotal_mb":                int64(8192), // ceil(8589463552 B / MiB)
		"ansible_memfree_mb":                 int64(4813),
		"ansible_swaptotal_mb":               0,
		"ansible_pagefiletotal_mb":           int64(1216),
		"ansible_pagefilefree_mb":            int64(1172),
		"ansible_user_id":                    "Administrator",
		"ansible_user_dir":                   `C:\Users\Administrator`,
		"ansible_user_gecos":                 "",
		"ansible_user_sid":                   "S-1-5-21-1004336348-1177238915-682003330-500",
		"ansible_machine_id":                 "S-1-5-21-1004336348-1177238915-682003330",
		"ansible_bios_date":                  "04/06/2022",
		"ansible_bios_version":               "Hyper-V UEFI Release v4.1",
		"ansible_product_name":               "Virtual Machine",
		"ansible_product_serial":             "4213-9571-0486-2215-1873-6230-12",
		"ansible_system_vendor":              "Microsoft Corporation",
		"ansible_virtualization_role":        "guest",
		"ansible_virtualization_type":        "Hyper-V",
		"ansible_reboot_pending":             false,
		"ansible_owner_name":                 "Windows User",
		"ansible_owner_contact":              "",
		"ansible_system_description":         "",
		"ansible_uptime_seconds":             int64(93784),
		"ansible_lastboot":                   "2026-11-21 03:01:18Z",
		"ansible_win_rm_certificate_expires": "2027-11-21 02:58:11",
		"ansible_ip_addresses":               []any{"198.18.0.21", "fe80::5d1c:2e5b:9a1f:47c2%6"},
	}
	for k, v := range want {
		if !reflect.DeepEqual(f[k], v) {
			t.Errorf("%s = %#v, want %#v", k, f[k], v)
		}
	}
	env := f["ansible_env"].(map[string]any)
	if env["PATH"] != `C:\Windows\system32;C:\Windows;C:\Program Files\Docker` || env["COMPUTERNAME"] != "MGR1" {
		t.Errorf("env: %v", env)
	}
	if dt := f["ansible_date_time"].(map[string]any); dt["tz_offset"] != "+01:00" || dt["epoch_int"] != float64(1795335862) {
		t.Errorf("date_time: %v", dt)
	}
	ifs := f["ansible_interfaces"].([]any)
	eth := ifs[0].(map[string]any)
	wantEth := map[string]any{
		"connection_name": "Ethernet", "default_gateway": "198.18.0.1", "dns_domain": "swarm.lab",
		"interface_index": 6, "interface_name": "Microsoft Hyper-V Network Adapter",
		"ipv4":       map[string]any{"address": "198.18.0.21", "prefix": "24"},
		"ipv6":       map[string]any{"address": "fe80::5d1c:2e5b:9a1f:47c2%6", "prefix": "64"},
		"macaddress": "00:15:5D:0A:1B:2C", "mtu": 1500, "speed": int64(10000),
	}
	if !reflect.DeepEqual(eth, wantEth) {
		t.Errorf("interface 0:\n got %#v\nwant %#v", eth, wantEth)
	}
	nat := ifs[1].(map[string]any)
	if nat["dns_domain"] != nil || nat["default_gateway"] != nil || nat["ipv6"] != nil || nat["speed"] != 1.5 ||
		len(nat["ipv4"].([]any)) != 2 {
		t.Errorf("interface 1: %#v", nat)
	}
	list := f["ansible_processor"].([]any)
	if len(list) != 6 || list[0] != "0" || list[1] != "GenuineIntel" {
		t.Errorf("processor: %v", list)
	}
}

func TestMapFactsSubsetsAndNonAdmin(t *testing.T) {
	var raw rawFacts
	if err := json.Unmarshal(sampleFacts(t), &raw); err != nil {
		t.Fatal(err)
	}
	subs, _ := resolveSubsets([]string{"!all"})
	f := mapFacts(raw, subs)
	for _, k := range []string{"ansible_interfaces", "ansible_memtotal_mb", "ansible_processor", "ansible_windows_domain", "ansible_ip_addresses", "ansible_virtualization_type", "ansible_bios_date"} {
		if _, ok := f[k]; ok {
			t.Errorf("!all gathered %s", k)
		}
	}
	for _, k := range []string{"ansible_os_family", "ansible_hostname", "ansible_env", "ansible_date_time", "ansible_user_id", "ansible_powershell_version"} {
		if _, ok := f[k]; !ok {
			t.Errorf("!all lost min fact %s", k)
		}
	}
	// A non-administrator gets no CIM values: those facts are null, as in setup.ps1.
	raw.IsAdmin = false
	raw.OS.Caption, raw.OS.Name, raw.OS.Architecture = nil, nil, nil
	raw.Domain = &rawDomain{}
	raw.Processor.Sockets, raw.Processor.Cores, raw.Processor.Threads = nil, nil, nil
	all, _ := resolveSubsets(nil)
	f = mapFacts(raw, all)
	for _, k := range []string{"ansible_distribution", "ansible_os_name", "ansible_architecture", "ansible_processor_count", "ansible_processor_cores", "ansible_windows_domain_member"} {
		if v, ok := f[k]; !ok || v != nil {
			t.Errorf("non-admin %s = %v (present %v), want null", k, v, ok)
		}
	}
	if f["ansible_owner_contact"] != "" || f["ansible_os_family"] != "Windows" {
		t.Errorf("non-admin: %v %v", f["ansible_owner_contact"], f["ansible_os_family"])
	}
}

func TestMappingHelpers(t *testing.T) {
	if biosDate("04/06/22") != "04/06/1922" || biosDate("12/31/2021") != "12/31/2021" || biosDate("") != nil {
		t.Error("biosDate")
	}
	if macAddress("00155d0a1b2c") != "00:15:5D:0A:1B:2C" || macAddress("") != "" {
		t.Error("macAddress")
	}
	for in, want := range map[string]string{"WinNT": "workstation", "LanmanNT": "domain_controller", "ServerNT": "server", "": "unknown"} {
		if productType(in) != want {
			t.Errorf("productType(%q)", in)
		}
	}
	if r, ty := virtualization("VMware7,1", "VMware, Inc."); r != "guest" || ty != "VMware" {
		t.Error("vmware")
	}
	if r, ty := virtualization("Standard PC (Q35 + ICH9, 2009)", "QEMU"); r != "guest" || ty != "kvm" {
		t.Error("qemu")
	}
	if r, ty := virtualization("PowerEdge R650", "Dell Inc."); r != "NA" || ty != "NA" {
		t.Error("metal")
	}
	if domainRole(5) != "Primary domain controller" || domainRole(9) != "Unknown DomainRole 9" {
		t.Error("domainRole")
	}
	if architecture2("ARM64") != "arm64" || architecture2("x86") != "i386" {
		t.Error("architecture2")
	}
}

func TestGatherFactsOneRoundTrip(t *testing.T) {
	f := newFake(answer("Invoke-FactSection", string(sampleFacts(t))))
	out := mustRun(t, factsModule{}, target(f, true, false), modules.Args{"gather_subset": []any{"all"}, "filter": []any{"ansible_os_family"}, "fact_path": "/etc/ansible/facts.d"})
	if out.Failed || out.Changed {
		t.Fatalf("%+v", out)
	}
	if len(f.scripts) != 1 {
		t.Fatalf("%d round trips, want 1", len(f.scripts))
	}
	// filter is ignored, as setup.ps1 has no such option.
	if out.Facts["ansible_os_family"] != "Windows" || out.Facts["ansible_hostname"] != "mgr1" || out.Facts["module_setup"] != true {
		t.Fatalf("facts: %v", out.Facts)
	}
	if !reflect.DeepEqual(out.Facts["gather_subset"], []any{"all"}) || out.Fields["ansible_facts"] == nil {
		t.Fatalf("%v", out.Fields)
	}
	// The POSIX default fact_path is not probed on Windows.
	if strings.Contains(f.scripts[0], "facts.d") || strings.Contains(f.scripts[0], "Invoke-FactSection 'local'") {
		t.Fatal("local facts section for the POSIX default fact_path")
	}
	f = newFake(answer("Invoke-FactSection", string(sampleFacts(t))))
	out = mustRun(t, factsModule{}, target(f, false, false), modules.Args{"gather_subset": []any{"!all", "nonsense"}, "fact_path": `C:\facts`})
	if !strings.Contains(f.scripts[0], `$factPath = 'C:\facts'`) || strings.Contains(f.scripts[0], "Win32_Processor") {
		t.Fatalf("script:\n%s", f.scripts[0])
	}
	if w, _ := out.Fields["warnings"].([]string); len(w) != 1 || !strings.Contains(w[0], "nonsense") {
		t.Fatalf("warnings: %v", out.Fields["warnings"])
	}
	if _, ok := out.Facts["ansible_interfaces"]; ok {
		t.Fatal("!all returned network facts")
	}
	// Errors: a failing script, an unreadable answer.
	f = newFake(rule{"Invoke-FactSection", transport.Result{ExitCode: 1, Stderr: []byte("boom")}})
	if out = mustRun(t, factsModule{}, target(f, false, false), modules.Args{}); !out.Failed || !strings.Contains(out.Msg, "boom") {
		t.Fatalf("%+v", out)
	}
	f = newFake(answer("Invoke-FactSection", "not json"))
	if out = mustRun(t, factsModule{}, target(f, false, false), modules.Args{}); !out.Failed {
		t.Fatalf("%+v", out)
	}
}

func TestFactsScriptSections(t *testing.T) {
	all, _ := resolveSubsets(nil)
	s := factsScript(all, "")
	for _, want := range []string{"Win32_OperatingSystem", "Win32_ComputerSystem", "Win32_Processor", "Win32_BIOS", "GetAllNetworkInterfaces", "ConvertTo-Json -InputObject $r"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %s", want)
		}
	}
	if strings.Count(s, "Get-CimInstance") != 1 {
		t.Error("CIM classes must be read in one loop")
	}
	none, _ := resolveSubsets([]string{"!all", "!min"})
	if s := factsScript(none, ""); strings.Contains(s, "Invoke-FactSection '") || strings.Contains(s, "Get-CimInstance") {
		t.Errorf("empty subset still gathers:\n%s", s)
	}
}

// factsModule adapts GatherFacts to modules.Module for mustRun.
type factsModule struct{}

func (factsModule) Spec() modules.Spec { return modules.Spec{} }
func (factsModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	return GatherFacts(ctx, t, a)
}

func TestDecodeFactsUnwrapsPSArrays(t *testing.T) {
	// Windows PowerShell 5.1 may render a wrapped array as {"value":[...],"Count":n}.
	out := []byte("noise\r\n" + `{"ip_addresses":{"value":["10.0.0.5","fe80::1%3"],"Count":2},"processor":{"list":{"value":["0","GenuineIntel","Xeon"],"Count":3},"vcpus":1},"env":{"value":"x","Count":"not a list"}}` + "\r\n")
	raw, err := decodeFacts(out)
	if err != nil || len(raw.IPAddresses) != 2 || raw.Env["value"] != "x" || raw.Env["Count"] != "not a list" {
		// Environment variables named value and Count are not an array.
		t.Fatalf("%v %+v", err, raw)
	}
	out = []byte(`{"ip_addresses":{"value":["10.0.0.5","fe80::1%3"],"Count":2},"processor":{"list":{"value":["0","GenuineIntel","Xeon"],"Count":3},"vcpus":1},"local":{"x":{"value":1,"Count":1}}}`)
	if raw, err = decodeFacts(out); err != nil {
		t.Fatal(err)
	}
	if len(raw.IPAddresses) != 2 || len(raw.Processor.List) != 3 || raw.Local["x"].(map[string]any)["value"] != float64(1) {
		t.Fatalf("%+v", raw)
	}
}
