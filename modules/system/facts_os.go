package system

import (
	"strconv"
	"strings"
	"time"
)

// buildFacts turns the gathered sections into facts (without the ansible_
// prefix), formatted as Ansible formats them.
func buildFacts(secs map[string]string, s factSubsets) map[string]any {
	f := map[string]any{}
	platformFacts(f, secs)
	distributionFacts(f, secs)
	userFacts(f, secs)
	f["env"] = envFacts(secs)
	f["date_time"] = dateTimeFacts(strings.TrimSpace(secs["date"]))
	paths := setOf(lines(secs["paths"]))
	f["service_mgr"] = serviceMgr(strings.TrimSpace(secs["pid1comm"]), strings.TrimSpace(secs["sbininit"]), paths, setOf(lines(secs["bins"])))
	f["pkg_mgr"] = pkgMgr(paths, f)
	f["dns"] = dnsFacts(secs["resolv"])
	miscFacts(f, secs, paths)
	f["local"] = map[string]any{}
	if s.hardware {
		hardwareFacts(f, secs)
	}
	if s.network {
		networkFacts(f, secs)
	}
	if s.virtual {
		virtualFacts(f, secs, paths)
	}
	return f
}

func setOf(ss []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range ss {
		m[s] = true
	}
	return m
}

func sectionLines(s string) []string {
	return strings.Split(strings.TrimRight(s, "\n"), "\n")
}

func platformFacts(f map[string]any, secs map[string]string) {
	u := sectionLines(secs["uname"])
	get := func(i int) string {
		if i < len(u) {
			return strings.TrimSpace(u[i])
		}
		return ""
	}
	f["system"] = get(0)
	node := get(1)
	f["nodename"] = node
	f["kernel"] = get(2)
	f["kernel_version"] = get(3)
	machine := get(4)
	f["machine"] = machine
	arch := machine
	if len(machine) == 4 && machine[0] == 'i' && strings.HasSuffix(machine, "86") {
		arch = "i386"
	}
	f["architecture"] = arch
	f["userspace_architecture"] = arch
	host := strings.TrimSpace(secs["hostname"])
	if host == "" {
		host = node
	}
	short, _, _ := strings.Cut(host, ".")
	f["hostname"] = short
	fqdn := host
	if fl := strings.Fields(secs["fqdn"]); len(fl) >= 2 {
		fqdn = fl[1]
		for _, n := range fl[1:] {
			if strings.Contains(n, ".") {
				fqdn = n
				break
			}
		}
	}
	f["fqdn"] = fqdn
	_, domain, _ := strings.Cut(fqdn, ".")
	f["domain"] = domain
	if b := strings.TrimSpace(secs["getconf"]); b != "" {
		f["userspace_bits"] = b
	}
}

// osRelease parses /etc/os-release.
func osRelease(s string) map[string]string {
	m := map[string]string{}
	for _, l := range lines(s) {
		k, v, ok := strings.Cut(l, "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		m[k] = v
	}
	return m
}

// distroName maps an os-release ID to Ansible's distribution name.
func distroName(id, name string) string {
	switch id {
	case "debian":
		return "Debian"
	case "ubuntu":
		return "Ubuntu"
	case "centos":
		return "CentOS"
	case "rhel":
		return "RedHat"
	case "fedora":
		return "Fedora"
	case "rocky":
		return "Rocky"
	case "almalinux":
		return "AlmaLinux"
	case "ol":
		return "OracleLinux"
	case "amzn":
		return "Amazon"
	case "alpine":
		return "Alpine"
	case "arch":
		return "Archlinux"
	case "opensuse-leap", "opensuse", "opensuse-tumbleweed":
		return "openSUSE Leap"
	case "sles":
		return "SLES"
	case "raspbian":
		return "Debian"
	case "linuxmint":
		return "Linux Mint"
	case "kali":
		return "Kali"
	case "devuan":
		return "Devuan"
	case "":
		return "OtherLinux"
	}
	if name != "" {
		return strings.Fields(name)[0]
	}
	return strings.ToUpper(id[:1]) + id[1:]
}

// osFamily maps a distribution to Ansible's os_family.
func osFamily(dist string) string {
	switch dist {
	case "Debian", "Ubuntu", "Kali", "Devuan", "Linux Mint", "Raspbian", "Pop!_OS", "Neon", "Parrot":
		return "Debian"
	case "RedHat", "CentOS", "Fedora", "Rocky", "AlmaLinux", "OracleLinux", "Amazon", "Scientific", "XenServer", "CloudLinux":
		return "RedHat"
	case "SLES", "openSUSE Leap", "openSUSE Tumbleweed", "SLED", "openSUSE":
		return "Suse"
	case "Archlinux", "Manjaro":
		return "Archlinux"
	case "Alpine":
		return "Alpine"
	}
	return dist
}

func distributionFacts(f map[string]any, secs map[string]string) {
	osr := osRelease(secs["osrelease"])
	dist := distroName(osr["ID"], osr["NAME"])
	version := osr["VERSION_ID"]
	release := osr["VERSION_CODENAME"]
	switch dist {
	case "Debian":
		if dv := strings.TrimSpace(secs["debian_version"]); dv != "" && dv[0] >= '0' && dv[0] <= '9' {
			version = dv
		}
		if release == "" {
			if i := strings.Index(osr["VERSION"], "("); i >= 0 {
				release = strings.TrimSuffix(osr["VERSION"][i+1:], ")")
			}
		}
	case "Alpine":
		if av := strings.TrimSpace(secs["alpine_release"]); av != "" {
			version = av
		}
	}
	if rr := strings.TrimSpace(secs["redhat_release"]); rr != "" && osFamily(dist) == "RedHat" {
		if i := strings.Index(rr, "("); i >= 0 {
			release = strings.TrimSuffix(rr[i+1:], ")")
		}
	}
	if release == "" {
		release = "NA"
	}
	if version == "" {
		version = "NA"
	}
	f["distribution"] = dist
	f["os_family"] = osFamily(dist)
	f["distribution_version"] = version
	major, rest, _ := strings.Cut(version, ".")
	f["distribution_major_version"] = major
	if rest != "" {
		minor, _, _ := strings.Cut(rest, ".")
		f["distribution_minor_version"] = minor
	}
	f["distribution_release"] = release
	if lsb := lsbFacts(secs["lsb"]); len(lsb) > 0 {
		f["lsb"] = lsb
	}
}

func lsbFacts(s string) map[string]any {
	out := map[string]any{}
	for _, l := range lines(s) {
		k, v, ok := strings.Cut(l, ":")
		sep := ":"
		if !ok {
			k, v, ok = strings.Cut(l, "=")
			sep = "="
		}
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"`)
		switch {
		case sep == ":" && k == "Release", k == "DISTRIB_RELEASE":
			out["release"] = v
			maj, _, _ := strings.Cut(v, ".")
			out["major_release"] = maj
		case sep == ":" && k == "Distributor ID", k == "DISTRIB_ID":
			out["id"] = v
		case sep == ":" && k == "Description", k == "DISTRIB_DESCRIPTION":
			out["description"] = v
		case sep == ":" && k == "Codename", k == "DISTRIB_CODENAME":
			out["codename"] = v
		}
	}
	return out
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}

func userFacts(f map[string]any, secs map[string]string) {
	id := sectionLines(secs["id"])
	for len(id) < 5 {
		id = append(id, "")
	}
	f["user_id"] = strings.TrimSpace(id[0])
	f["effective_user_id"] = atoiOr(id[1], -1)
	f["effective_group_id"] = atoiOr(id[2], -1)
	f["real_user_id"] = atoiOr(id[3], -1)
	f["real_group_id"] = atoiOr(id[4], -1)
	pw := strings.Split(strings.TrimSpace(secs["passwd"]), ":")
	if len(pw) >= 7 {
		f["user_uid"] = atoiOr(pw[2], -1)
		f["user_gid"] = atoiOr(pw[3], -1)
		f["user_gecos"] = pw[4]
		f["user_dir"] = pw[5]
		f["user_shell"] = pw[6]
	}
}

func envFacts(secs map[string]string) map[string]any {
	env := map[string]any{}
	if raw, ok := secs["env0"]; ok {
		for _, e := range strings.Split(raw, "\x00") {
			if k, v, ok := strings.Cut(strings.TrimPrefix(e, "\n"), "="); ok && k != "" {
				env[k] = v
			}
		}
		return env
	}
	for _, e := range sectionLines(secs["env"]) {
		if k, v, ok := strings.Cut(e, "="); ok && k != "" {
			env[k] = v
		}
	}
	return env
}

// dateTimeFacts formats "epoch nanos +hhmm TZ" as Ansible's date_time.
func dateTimeFacts(s string) map[string]any {
	fl := strings.Fields(s)
	if len(fl) < 4 {
		return map[string]any{}
	}
	sec, _ := strconv.ParseInt(fl[0], 10, 64)
	nsec, err := strconv.ParseInt(fl[1], 10, 64)
	if err != nil {
		nsec = 0
	}
	off := 0
	if z := fl[2]; len(z) == 5 {
		h, _ := strconv.Atoi(z[1:3])
		m, _ := strconv.Atoi(z[3:5])
		off = h*3600 + m*60
		if z[0] == '-' {
			off = -off
		}
	}
	utc := time.Unix(sec, nsec).UTC()
	loc := utc.In(time.FixedZone(fl[3], off))
	micro := nsec / 1000
	wday := int(loc.Weekday())
	weeknum := (loc.YearDay() - 1 + 7 - (wday+6)%7) / 7
	return map[string]any{
		"year":                loc.Format("2006"),
		"month":               loc.Format("01"),
		"weekday":             loc.Weekday().String(),
		"weekday_number":      strconv.Itoa(wday),
		"weeknumber":          fmt2(weeknum),
		"day":                 loc.Format("02"),
		"hour":                loc.Format("15"),
		"minute":              loc.Format("04"),
		"second":              loc.Format("05"),
		"epoch":               strconv.FormatInt(sec, 10),
		"epoch_int":           strconv.FormatInt(sec, 10),
		"date":                loc.Format("2006-01-02"),
		"time":                loc.Format("15:04:05"),
		"iso8601_micro":       utc.Format("2006-01-02T15:04:05") + "." + pad6(micro) + "Z",
		"iso8601":             utc.Format("2006-01-02T15:04:05Z"),
		"iso8601_basic":       loc.Format("20060102T150405") + pad6(micro),
		"iso8601_basic_short": loc.Format("20060102T150405"),
		"tz":                  fl[3],
		"tz_dst":              fl[3],
		"tz_offset":           fl[2],
	}
}

func fmt2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

func pad6(n int64) string {
	s := strconv.FormatInt(n, 10)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

// serviceMgr mirrors Ansible's service_mgr fact logic.
func serviceMgr(pid1, sbinInit string, paths, bins map[string]bool) string {
	p := pid1
	if p == "" && sbinInit != "" {
		p = sbinInit
	}
	if i := strings.LastIndex(p, "/"); i >= 0 {
		p = p[i+1:]
	}
	p = strings.TrimSpace(p)
	if p == "init" || strings.HasSuffix(p, "sh") {
		p = ""
	}
	if p != "" {
		switch p {
		case "procd":
			return "openwrt_init"
		case "runit-init":
			return "runit"
		case "svscan":
			return "svc"
		case "openrc-init":
			return "openrc"
		}
		return p
	}
	switch {
	case bins["systemctl"] && (paths["/run/systemd/system/"] || paths["/dev/.run/systemd/"] || paths["/dev/.systemd/"]):
		return "systemd"
	case bins["initctl"] && paths["/etc/init/"]:
		return "upstart"
	case paths["/sbin/openrc"]:
		return "openrc"
	case bins["systemctl"] && strings.HasSuffix(sbinInit, "systemd"):
		return "systemd"
	case paths["/etc/init.d/"]:
		return "sysvinit"
	}
	return "service"
}

// pkgMgr mirrors Ansible's pkg_mgr fact: the last known manager found wins,
// refined for the Red Hat family.
func pkgMgr(paths map[string]bool, f map[string]any) string {
	known := []struct{ path, name string }{
		{"/usr/bin/rpm-ostree", "atomic_container"}, {"/usr/bin/yum", "yum"}, {"/usr/bin/dnf", "dnf"},
		{"/usr/bin/apt-get", "apt"}, {"/usr/bin/zypper", "zypper"}, {"/usr/sbin/urpmi", "urpmi"},
		{"/usr/bin/pacman", "pacman"}, {"/bin/opkg", "opkg"}, {"/sbin/apk", "apk"},
	}
	mgr := "unknown"
	for _, k := range known {
		if paths[k.path] {
			mgr = k.name
		}
	}
	if f["os_family"] == "RedHat" && mgr != "atomic_container" {
		if paths["/run/ostree-booted"] {
			return "atomic_container"
		}
		major := atoiOr(f["distribution_major_version"].(string), 0)
		switch f["distribution"] {
		case "Fedora":
			if major < 23 && paths["/usr/bin/yum"] {
				return "yum"
			}
			return "dnf"
		case "Amazon":
			if major < 2022 && paths["/usr/bin/yum"] {
				return "yum"
			}
			return "dnf"
		default:
			if major < 8 {
				return "yum"
			}
			return "dnf"
		}
	}
	return mgr
}

func dnsFacts(s string) map[string]any {
	d := map[string]any{}
	var ns, search []any
	for _, l := range lines(s) {
		if l[0] == '#' || l[0] == ';' {
			continue
		}
		fl := strings.Fields(l)
		if len(fl) < 2 {
			continue
		}
		switch fl[0] {
		case "nameserver":
			ns = append(ns, fl[1])
		case "domain":
			d["domain"] = fl[1]
		case "search":
			for _, x := range fl[1:] {
				search = append(search, x)
			}
		case "sortlist":
			d["sortlist"] = anyStrings(fl[1:])
		case "options":
			opts := map[string]any{}
			for _, o := range fl[1:] {
				if k, v, ok := strings.Cut(o, ":"); ok {
					opts[k] = v
				} else {
					opts[o] = true
				}
			}
			d["options"] = opts
		}
	}
	if ns != nil {
		d["nameservers"] = ns
	}
	if search != nil {
		d["search"] = search
	}
	return d
}

func miscFacts(f map[string]any, secs map[string]string, paths map[string]bool) {
	f["machine_id"] = strings.TrimSpace(secs["machineid"])
	f["fips"] = strings.TrimSpace(secs["fips"]) == "1"
	if paths["/sys/kernel/security/apparmor"] {
		f["apparmor"] = map[string]any{"status": "enabled"}
	} else {
		f["apparmor"] = map[string]any{"status": "disabled"}
	}
	if paths["/sys/fs/selinux/enforce"] {
		f["selinux"] = map[string]any{"status": "enabled"}
	} else {
		f["selinux"] = map[string]any{"status": "disabled"}
	}
	cmd := map[string]any{}
	for _, w := range strings.Fields(secs["cmdline"]) {
		if k, v, ok := strings.Cut(w, "="); ok {
			cmd[k] = v
		} else {
			cmd[w] = true
		}
	}
	f["cmdline"] = cmd
	for _, l := range lines(secs["sshkeys"]) {
		// "<type>_key.pub <keytype> <blob> [comment]"
		fl := strings.Fields(l)
		if len(fl) < 3 {
			continue
		}
		typ := strings.TrimSuffix(fl[0], "_key.pub")
		f["ssh_host_key_"+typ+"_public"] = fl[2]
		f["ssh_host_key_"+typ+"_public_keytype"] = fl[1]
	}
}
