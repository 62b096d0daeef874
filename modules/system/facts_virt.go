package system

import (
	"regexp"
	"sort"
	"strings"
)

// virtualFacts follows Ansible's Linux virtualization detection for
// containers (docker, lxc, podman, containerd, systemd-nspawn) and the
// common hypervisors visible in DMI data.
func virtualFacts(f map[string]any, secs map[string]string, paths map[string]bool) {
	typ, role := "", ""
	guest := map[string]bool{}
	host := map[string]bool{}
	set := func(t string) {
		guest[t] = true
		if typ == "" {
			typ, role = t, "guest"
		}
	}
	dockerRe := regexp.MustCompile(`/docker(/|-[0-9a-f]+\.scope)`)
	for _, l := range lines(secs["cgroup1"]) {
		if dockerRe.MatchString(l) {
			set("docker")
		}
		if strings.Contains(l, "/lxc/") || strings.Contains(l, "/machine.slice/machine-lxc") {
			set("lxc")
		}
		if strings.Contains(l, "/system.slice/containerd.service") {
			set("containerd")
		}
	}
	for _, l := range lines(secs["environ1"]) {
		switch {
		case strings.Contains(l, "container=lxc"):
			set("lxc")
		case strings.Contains(l, "container=podman"):
			set("podman")
		}
		if strings.HasPrefix(l, "container=") && len(l) > len("container=") {
			set("container")
		}
	}
	sc := strings.TrimSpace(secs["systemdcontainer"])
	if sc != "" {
		set(sc)
	}
	if paths["/.dockerenv"] || paths["/.dockerinit"] {
		set("docker")
	}
	if guest["docker"] || guest["lxc"] || guest["podman"] || guest["containerd"] || sc != "" {
		guest["container"] = true
	}
	dmi := strings.ToLower(secs["virtdmi"])
	for _, h := range []struct{ needle, tech string }{
		{"kvm", "kvm"}, {"qemu", "kvm"}, {"vmware", "VMware"}, {"virtualbox", "virtualbox"},
		{"microsoft corporation", "VirtualPC"}, {"amazon ec2", "kvm"}, {"google", "kvm"}, {"xen", "xen"},
	} {
		if strings.Contains(dmi, h.needle) {
			set(h.tech)
			break
		}
	}
	if typ == "" && strings.Contains(secs["cpuflags"], " hypervisor") {
		typ, role = "NA", "NA"
	}
	if typ == "" {
		typ, role = "NA", "NA"
	}
	f["virtualization_type"] = typ
	f["virtualization_role"] = role
	f["virtualization_tech_guest"] = sortedKeys(guest)
	f["virtualization_tech_host"] = sortedKeys(host)
}

func sortedKeys(m map[string]bool) []any {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return anyStrings(ks)
}
