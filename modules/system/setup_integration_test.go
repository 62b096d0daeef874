package system

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// ansibleFacts runs Ansible's setup module on this machine.
func ansibleFacts(t *testing.T) map[string]any {
	t.Helper()
	if _, err := os.Stat("/usr/bin/ansible"); err != nil {
		t.Skip("skipping: /usr/bin/ansible is not installed")
	}
	cmd := exec.Command("/usr/bin/python3", "/usr/bin/ansible", "-m", "setup", "localhost", "-c", "local", "-i", "localhost,", "-o")
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "ANSIBLE_LOCALHOST_WARNING=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ansible setup: %v\n%s", err, out)
	}
	_, js, ok := strings.Cut(string(out), "=> ")
	if !ok {
		t.Fatalf("unexpected ansible output: %.300s", out)
	}
	var res struct {
		Facts map[string]any `json:"ansible_facts"`
	}
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatalf("parse ansible output: %v", err)
	}
	return res.Facts
}

// normalize makes Go values comparable with JSON-decoded ones.
func normalize(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func sortedAny(v any) any {
	l, ok := v.([]any)
	if !ok {
		return v
	}
	s := make([]string, len(l))
	for i, x := range l {
		s[i] = fmt.Sprint(x)
	}
	sort.Strings(s)
	return s
}

func TestSetupMatchesAnsible(t *testing.T) {
	want := ansibleFacts(t)
	out := runMod(t, localTarget(t), setupModule{}, nil)
	got := normalize(out.Facts).(map[string]any)

	exact := []string{"hostname", "nodename", "fqdn", "domain", "default_ipv4", "default_ipv6",
		"user_id", "user_uid", "user_gid", "user_dir", "user_shell", "user_gecos",
		"real_user_id", "effective_user_id", "real_group_id", "effective_group_id",
		"os_family", "distribution", "distribution_version", "distribution_major_version",
		"distribution_minor_version", "distribution_release", "system", "architecture", "machine",
		"kernel", "kernel_version", "processor_vcpus", "processor_cores", "processor_count",
		"processor_threads_per_core", "processor_nproc", "processor", "memtotal_mb", "swaptotal_mb",
		"service_mgr", "pkg_mgr", "lsb", "virtualization_type", "virtualization_role",
		"dns", "machine_id", "fips", "apparmor", "selinux", "cmdline", "userspace_bits",
		"userspace_architecture", "product_name", "system_vendor", "bios_version", "lo", "eth0"}
	for _, k := range exact {
		k = "ansible_" + k
		w, ok := want[k]
		if !ok {
			continue // not gathered by Ansible on this machine
		}
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s:\n got  %v\n want %v", k, got[k], w)
		}
	}
	// Sets whose order Ansible leaves to the kernel. Container interfaces
	// (veth*, br-*) and their link-local addresses come and go while other
	// tests run docker, so they are left out of the comparison.
	for _, k := range []string{"ansible_interfaces", "ansible_all_ipv4_addresses", "ansible_all_ipv6_addresses",
		"ansible_virtualization_tech_guest"} {
		if !reflect.DeepEqual(stableSet(got[k]), stableSet(want[k])) {
			t.Errorf("%s: got %v want %v", k, got[k], want[k])
		}
	}
	// Volatile values: same keys and types.
	for _, k := range []string{"ansible_date_time", "ansible_memory_mb", "ansible_memfree_mb", "ansible_uptime_seconds", "ansible_loadavg"} {
		if fmt.Sprintf("%T", got[k]) != fmt.Sprintf("%T", want[k]) {
			t.Errorf("%s: type %T want %T", k, got[k], want[k])
		}
		if gm, ok := got[k].(map[string]any); ok {
			wm := want[k].(map[string]any)
			for wk, wv := range wm {
				if fmt.Sprintf("%T", gm[wk]) != fmt.Sprintf("%T", wv) {
					t.Errorf("%s.%s: type %T want %T", k, wk, gm[wk], wv)
				}
			}
		}
	}
	if dt, ok := got["ansible_date_time"].(map[string]any); ok {
		wdt := want["ansible_date_time"].(map[string]any)
		for _, k := range []string{"tz", "tz_offset", "year", "date"} {
			if dt[k] != wdt[k] {
				t.Errorf("date_time.%s: got %v want %v", k, dt[k], wdt[k])
			}
		}
	}
	// Mounts: same mount points, devices and types.
	type mnt struct{ Mount, Device, Fstype string }
	key := func(v any) []mnt {
		var out []mnt
		for _, m := range v.([]any) {
			mm := m.(map[string]any)
			out = append(out, mnt{mm["mount"].(string), mm["device"].(string), mm["fstype"].(string)})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Mount < out[j].Mount })
		return out
	}
	if !reflect.DeepEqual(key(got["ansible_mounts"]), key(want["ansible_mounts"])) {
		t.Errorf("mounts: got %v want %v", key(got["ansible_mounts"]), key(want["ansible_mounts"]))
	}
	if env, ok := got["ansible_env"].(map[string]any); !ok || env["PATH"] == nil {
		t.Errorf("ansible_env lacks PATH: %v", got["ansible_env"])
	}
}

// stableSet sorts a fact list without entries that belong to short-lived
// container networking.
func stableSet(v any) any {
	l, ok := v.([]any)
	if !ok {
		return sortedAny(v)
	}
	var out []any
	for _, e := range l {
		s, _ := e.(string)
		if strings.HasPrefix(s, "veth") || strings.HasPrefix(s, "br-") || strings.HasPrefix(s, "fe80:") {
			continue
		}
		out = append(out, e)
	}
	return sortedAny(out)
}
