package system

import (
	"context"
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// fakeConn answers scripts with canned results, in order, and records them.
type fakeConn struct {
	t       *testing.T
	replies []transport.Result
	scripts []string
	become  transport.Become
}

func (f *fakeConn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	if cmd.Become != f.become {
		f.t.Errorf("command without the task's become: %+v", cmd.Become)
	}
	f.scripts = append(f.scripts, cmd.Script)
	if len(f.replies) == 0 {
		f.t.Fatalf("unexpected command %d:\n%s", len(f.scripts), cmd.Script)
	}
	r := f.replies[0]
	f.replies = f.replies[1:]
	return r, nil
}
func (f *fakeConn) Put(context.Context, string, io.Reader, fs.FileMode, transport.Become) error {
	return nil
}
func (f *fakeConn) Get(context.Context, string, io.Writer, transport.Become) error { return nil }
func (f *fakeConn) Platform() transport.Platform {
	return transport.Platform{Shell: transport.ShellPOSIX}
}
func (f *fakeConn) Close() error { return nil }

func fakeTarget(t *testing.T, check bool, out ...string) (*modules.Target, *fakeConn) {
	b := transport.Become{Enabled: true, Method: "sudo", User: "root"}
	fc := &fakeConn{t: t, become: b}
	for _, o := range out {
		fc.replies = append(fc.replies, transport.Result{Stdout: []byte(o)})
	}
	return &modules.Target{Host: "h", Conn: fc, Check: check, Become: b}, fc
}

func TestSystemdServicePlans(t *testing.T) {
	show := "mgr=systemd\nenabled_rc=1\nis_enabled=disabled\n@@show\nLoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n"
	running := "mgr=systemd\nenabled_rc=0\nis_enabled=enabled\n@@show\nLoadState=loaded\nActiveState=active\n"
	cases := []struct {
		name    string
		out     string
		args    modules.Args
		check   bool
		changed bool
		applies []string // substrings of the apply script; nil: no apply
		failed  string
	}{
		{"start+enable", show, modules.Args{"name": "docker", "state": "started", "enabled": true}, false, true,
			[]string{"systemctl enable docker", "systemctl start docker"}, ""},
		{"already", running, modules.Args{"name": "docker", "state": "started", "enabled": true}, false, false, nil, ""},
		{"check", show, modules.Args{"name": "docker", "state": "started"}, true, true, nil, ""},
		{"restart running", running, modules.Args{"name": "docker", "state": "restarted"}, false, true, []string{"systemctl restart docker"}, ""},
		{"reload stopped starts", show, modules.Args{"name": "docker", "state": "reloaded"}, false, true, []string{"systemctl start docker"}, ""},
		{"stop", running, modules.Args{"name": "docker", "state": "stopped"}, false, true, []string{"systemctl stop docker"}, ""},
		{"mask", show, modules.Args{"name": "docker", "masked": true}, false, true, []string{"systemctl mask docker"}, ""},
		{"missing", "mgr=systemd\nenabled_rc=1\nis_enabled=\n@@show\nLoadState=not-found\nActiveState=inactive\n",
			modules.Args{"name": "nope", "state": "started"}, false, false, nil, "Could not find the requested service nope: host"},
		{"no systemctl", "mgr=sysv\n", modules.Args{"name": "x", "state": "started"}, false, false, nil, "Failed to find required executable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outs := []string{c.out}
			if c.applies != nil {
				outs = append(outs, "")
			}
			tg, fc := fakeTarget(t, c.check, outs...)
			out, err := serviceModule{systemd: true}.Run(context.Background(), tg, withDefaults(c.args, serviceModule{systemd: true}.Spec()))
			if err != nil {
				t.Fatal(err)
			}
			if c.failed != "" {
				if !out.Failed || !strings.HasPrefix(out.Msg, c.failed) {
					t.Fatalf("want failure %q, got %+v", c.failed, out)
				}
				return
			}
			if out.Failed || out.Changed != c.changed {
				t.Fatalf("got %+v", out)
			}
			if c.applies == nil && len(fc.scripts) != 1 {
				t.Fatalf("unexpected apply: %v", fc.scripts)
			}
			for _, a := range c.applies {
				if !strings.Contains(fc.scripts[1], a) {
					t.Errorf("apply script lacks %q:\n%s", a, fc.scripts[1])
				}
			}
		})
	}
}

func TestRPMAndPackageDispatch(t *testing.T) {
	tg, fc := fakeTarget(t, false, "pkg|nginx||\npkg|curl|curl-8.0-1.x86_64 |\n", "")
	out, err := rpmModule{tool: "dnf"}.Run(context.Background(), tg, modules.Args{"name": []any{"nginx", "curl"}, "state": "present"})
	if err != nil || !out.Changed || out.Failed {
		t.Fatalf("%+v %v", out, err)
	}
	if !strings.Contains(fc.scripts[1], "dnf -y install nginx") || strings.Contains(fc.scripts[1], "curl") {
		t.Errorf("apply: %s", fc.scripts[1])
	}
	tg, _ = fakeTarget(t, false, "pkg|curl|curl-8.0-1.x86_64 |\n")
	out, _ = rpmModule{tool: "yum"}.Run(context.Background(), tg, modules.Args{"name": []any{"curl"}, "state": "installed"})
	if out.Changed || out.Msg != "Nothing to do" {
		t.Errorf("installed: %+v", out)
	}
	// package uses the pkg_mgr fact and maps to apt.
	tg, fc = fakeTarget(t, true, "cache_time=5\npkg|htop|unknown ok not-installed||3.2\n")
	tg.Vars = map[string]any{"ansible_facts": map[string]any{"pkg_mgr": "apt"}}
	out, _ = packageModule{}.Run(context.Background(), tg, modules.Args{"name": []any{"htop"}, "state": "present"})
	if !out.Changed || !strings.Contains(fc.scripts[0], "dpkg-query") {
		t.Errorf("package->apt: %+v", out)
	}
}

func TestAptPlan(t *testing.T) {
	st := parseAptState([]byte("cache_time=100\ncache_updated=1\npkg|vim|install ok installed|2:9.0|2:9.1\npkg|jq|unknown ok not-installed||1.6\npkg|old|deinstall ok config-files|1.0|1.0\npkg|ghost|||\n"))
	if st.cacheTime != 100 || !st.cacheUpdated {
		t.Fatalf("%+v", st)
	}
	cases := []struct {
		specs   []string
		state   string
		purge   bool
		todo    string
		missing string
	}{
		{[]string{"vim", "jq"}, "present", false, "jq", ""},
		{[]string{"vim"}, "latest", false, "vim", ""},
		{[]string{"vim=2:9.0"}, "present", false, "", ""},
		{[]string{"vim=2:9.*"}, "present", false, "", ""},
		{[]string{"vim=2:8.0"}, "present", false, "vim=2:8.0", ""},
		{[]string{"ghost"}, "present", false, "", "ghost"},
		{[]string{"vim", "jq", "old"}, "absent", false, "vim", ""},
		{[]string{"old"}, "absent", true, "old", ""},
	}
	for _, c := range cases {
		todo, missing := aptPlan(c.specs, c.state, c.purge, st)
		if strings.Join(todo, ",") != c.todo || missing != c.missing {
			t.Errorf("%v %s: todo %v missing %q", c.specs, c.state, todo, missing)
		}
	}
	cmd := aptCommand(withDefaults(modules.Args{"install_recommends": false}, aptModule{}.Spec()), "present", []string{"jq"})
	if cmd != "/usr/bin/apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o APT::Install-Recommends=no install jq" {
		t.Errorf("cmd %s", cmd)
	}
}

func TestGroupPlan(t *testing.T) {
	d := func(a modules.Args) modules.Args { return withDefaults(a, groupModule{}.Spec()) }
	cases := []struct {
		args modules.Args
		cur  string
		want string
	}{
		{d(modules.Args{"name": "g"}), "", "groupadd g"},
		{d(modules.Args{"name": "g", "gid": 5, "system": true}), "", "groupadd -g 5 -r g"},
		{d(modules.Args{"name": "g", "gid": 5}), "5", ""},
		{d(modules.Args{"name": "g", "gid": 6}), "5", "groupmod -g 6 g"},
		{d(modules.Args{"name": "g"}), "5", ""},
		{d(modules.Args{"name": "g", "state": "absent"}), "5", "groupdel g"},
		{d(modules.Args{"name": "g", "state": "absent"}), "", ""},
	}
	for _, c := range cases {
		if got := groupPlan(c.args, c.cur); got != c.want {
			t.Errorf("%v cur=%q: got %q want %q", c.args, c.cur, got, c.want)
		}
	}
}

func TestUserPlan(t *testing.T) {
	d := func(a modules.Args) modules.Args { return withDefaults(a, userModule{}.Spec()) }
	existing := parseUserState([]byte("passwd=bob:x:1001:1001:Bob:/home/bob:/bin/sh\nmember=docker\nown_group=1\ngid=docker|998\ngid=adm|4\npw_same=1\n"))
	cases := []struct {
		args modules.Args
		st   userState
		want string
		err  string
	}{
		{d(modules.Args{"name": "bob"}), existing, "", ""},
		{d(modules.Args{"name": "bob", "shell": "/bin/bash"}), existing, "usermod -s /bin/bash bob", ""},
		{d(modules.Args{"name": "bob", "groups": []any{"adm"}, "append": true}), existing, "usermod -a -G adm bob", ""},
		{d(modules.Args{"name": "bob", "groups": []any{"docker"}, "append": true}), existing, "", ""},
		{d(modules.Args{"name": "bob", "groups": []any{"adm"}}), existing, "usermod -G adm bob", ""},
		{d(modules.Args{"name": "bob", "groups": []any{}}), existing, "usermod -G '' bob", ""},
		{d(modules.Args{"name": "bob", "password": "$6$x"}), existing, "", ""},
		{d(modules.Args{"name": "bob", "uid": 1001, "comment": "Bob"}), existing, "", ""},
		{d(modules.Args{"name": "new", "uid": 2000, "system": true}), userState{ownGroup: true}, "useradd -u 2000 -g new -m -r new", ""},
		{d(modules.Args{"name": "new", "create_home": false, "groups": []any{"nope"}}), userState{missing: []string{"nope"}}, "", "Group nope does not exist"},
		{d(modules.Args{"name": "bob", "state": "absent", "remove": true}), existing, "userdel -r bob", ""},
	}
	for _, c := range cases {
		got, err := userPlan(c.args, c.st)
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%v: err %v want %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%v: got %q (%v) want %q", c.args, got, err, c.want)
		}
	}
}

func TestEnforceKeys(t *testing.T) {
	existing := "# managed\n" + keyA + "\n"
	str := func(s string) *string { return &s }
	cases := []struct {
		name, existing, key, state string
		opts, comment              *string
		exclusive                  bool
		want                       string
		changed                    bool
	}{
		{"present same", existing, keyA, "present", nil, nil, false, existing, false},
		{"comment differs rewrites", existing, strings.Replace(keyA, "alice@x", "other", 1), "present", nil, nil, false,
			"# managed\n" + strings.Replace(keyA, "alice@x", "other", 1) + "\n", true},
		{"comment override", existing, keyA, "present", nil, str("new comment"), false,
			"# managed\n" + strings.Replace(keyA, "alice@x", "new comment", 1) + "\n", true},
		{"multi-line add", existing, keyA + "\n# skipme\n" + keyB, "present", nil, nil, false, existing + keyB + "\n", true},
		{"no comment keeps trailing space", "", "ssh-rsa AAAAB", "present", nil, nil, false, "ssh-rsa AAAAB \n", true},
		{"exclusive", existing + keyB + "\n", keyB, "present", nil, nil, true, keyB + "\n", true},
		{"absent", existing, keyA, "absent", nil, nil, false, "# managed\n", true},
		{"absent missing", existing, keyB, "absent", nil, nil, false, existing, false},
		{"options", existing, keyA, "present", str(`command="/bin/x a,b",no-pty`), nil, false,
			"# managed\n" + `command="/bin/x a,b",no-pty ` + keyA + "\n", true},
	}
	for _, c := range cases {
		got, changed, err := enforceKeys(c.existing, c.key, c.state, c.opts, c.comment, c.exclusive)
		if err != nil || got != c.want || changed != c.changed {
			t.Errorf("%s: got %q changed=%v err=%v\nwant %q changed=%v", c.name, got, changed, err, c.want, c.changed)
		}
	}
	if _, _, err := enforceKeys("", "not a key", "present", nil, nil, false); err == nil || err.Error() != "invalid key specified: not a key" {
		t.Errorf("invalid key: %v", err)
	}
}

func TestSysctlEdit(t *testing.T) {
	got, cur, ch := sysctlFileEdit("a=1\nb = 2\nb=3\n", "b", "4", false)
	if got != "a=1\nb=4\n" || cur != "3" || !ch {
		t.Errorf("edit: %q %q %v", got, cur, ch)
	}
	got, _, ch = sysctlFileEdit("", "k", "v", false)
	if got != "k=v\n" || !ch {
		t.Errorf("append: %q", got)
	}
	if normSysctl("1\t 2  3") != "1 2 3" || normSysctl("yes") != "1" {
		t.Error("normSysctl")
	}
}

// sysctlMarkerConn answers the sysctl read script, echoing its marker.
func TestSysctlSetKernelOnly(t *testing.T) {
	tg, fc := fakeTarget(t, false)
	fc.replies = nil
	args := withDefaults(modules.Args{"name": "net.ipv4.ip_forward", "value": "1", "sysctl_set": true, "sysctl_file": "/f"}, sysctlModule{}.Spec())
	// The read script prints a random marker; answer with the same one.
	run := func() modules.Outcome {
		fc.replies = []transport.Result{{}, {}}
		sc := &markerEcho{fakeConn: fc, body: "net.ipv4.ip_forward = 1\n", proc: "0"}
		tg.Conn = sc
		out, err := sysctlModule{}.Run(context.Background(), tg, args)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := run()
	if !out.Changed || len(fc.scripts) != 2 || !strings.Contains(fc.scripts[1], "sysctl -w net.ipv4.ip_forward=1") || strings.Contains(fc.scripts[1], "cat >") {
		t.Fatalf("%+v %q", out, fc.scripts)
	}
}

// markerEcho answers a read script that prints a marker line followed by
// file content, echoing the script's own marker.
type markerEcho struct {
	*fakeConn
	body, proc string
}

func (m *markerEcho) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	r, err := m.fakeConn.Run(ctx, cmd)
	if i := strings.Index(cmd.Script, "@@SB"); i >= 0 && len(m.fakeConn.scripts) == 1 {
		mk := cmd.Script[i : i+4+16]
		r.Stdout = []byte("proc=" + m.proc + "\n" + mk + "\n" + m.body)
	}
	return r, err
}

func TestSubsets(t *testing.T) {
	cases := []struct {
		in   []string
		want factSubsets
	}{
		{[]string{"all"}, factSubsets{true, true, true}},
		{[]string{"min"}, factSubsets{}},
		{[]string{"!all"}, factSubsets{}},
		{[]string{"!hardware"}, factSubsets{false, true, true}},
		{[]string{"network"}, factSubsets{network: true}},
		{[]string{"!all", "virtual"}, factSubsets{virtual: true}},
	}
	for _, c := range cases {
		got, err := subsetsFor(c.in)
		if err != nil || got != c.want {
			t.Errorf("%v: %+v %v", c.in, got, err)
		}
	}
	if _, err := subsetsFor([]string{"bogus"}); err == nil {
		t.Error("bogus subset accepted")
	}
	if !matchFilter([]string{"ansible_distribution*"}, "ansible_distribution_version") || matchFilter([]string{"ansible_eth*"}, "ansible_lo") {
		t.Error("filter")
	}
}

func TestFactParsers(t *testing.T) {
	f := map[string]any{"architecture": "x86_64"}
	cpuFacts(f, "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: 0\nsiblings\t: 4\ncore id\t: 0\ncpu cores\t: 2\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\nphysical id\t: 0\nsiblings\t: 4\ncore id\t: 1\ncpu cores\t: 2\n", "4")
	if f["processor_count"] != 1 || f["processor_cores"] != 2 || f["processor_threads_per_core"] != 2 || f["processor_vcpus"] != 4 || f["processor_nproc"] != 4 {
		t.Errorf("cpu %+v", f)
	}
	dt := dateTimeFacts("1700000000 123456789 +0100 CET")
	if dt["hour"] != "23" || dt["iso8601"] != "2023-11-14T22:13:20Z" || dt["iso8601_micro"] != "2023-11-14T22:13:20.123456Z" ||
		dt["weekday"] != "Tuesday" || dt["weekday_number"] != "2" || dt["weeknumber"] != "46" || dt["tz_offset"] != "+0100" {
		t.Errorf("date %+v", dt)
	}
	paths := map[string]bool{"/etc/init.d/": true, "/usr/bin/apt-get": true}
	for _, c := range []struct{ pid1, init, want string }{
		{"systemd", "", "systemd"}, {"bash", "", "sysvinit"}, {"sshd", "", "sshd"}, {"tini", "", "tini"}, {"", "", "sysvinit"},
	} {
		if got := serviceMgr(c.pid1, c.init, paths, nil); got != c.want {
			t.Errorf("service_mgr(%q) = %q want %q", c.pid1, got, c.want)
		}
	}
	if got := serviceMgr("bash", "", map[string]bool{"/run/systemd/system/": true}, map[string]bool{"systemctl": true}); got != "systemd" {
		t.Errorf("systemd canary: %s", got)
	}
	rh := map[string]any{"os_family": "RedHat", "distribution": "Rocky", "distribution_major_version": "9"}
	if pkgMgr(map[string]bool{"/usr/bin/yum": true, "/usr/bin/dnf": true}, rh) != "dnf" {
		t.Error("pkg_mgr rocky")
	}
	if pkgMgr(paths, map[string]any{"os_family": "Debian"}) != "apt" {
		t.Error("pkg_mgr debian")
	}
	d := map[string]any{}
	distributionFacts(d, map[string]string{"osrelease": "ID=ubuntu\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\n"})
	if d["distribution"] != "Ubuntu" || d["os_family"] != "Debian" || d["distribution_major_version"] != "22" || d["distribution_release"] != "jammy" {
		t.Errorf("ubuntu %+v", d)
	}
	d = map[string]any{}
	distributionFacts(d, map[string]string{"osrelease": "ID=\"rocky\"\nVERSION_ID=\"9.3\"\n", "redhat_release": "Rocky Linux release 9.3 (Blue Onyx)\n"})
	if d["distribution"] != "Rocky" || d["os_family"] != "RedHat" || d["distribution_release"] != "Blue Onyx" {
		t.Errorf("rocky %+v", d)
	}
	v := map[string]any{}
	virtualFacts(v, map[string]string{"cgroup1": "0::/system.slice/docker-0123abcd.scope\n"}, nil)
	if v["virtualization_type"] != "docker" || v["virtualization_role"] != "guest" {
		t.Errorf("virt %+v", v)
	}
	// No `ip`: the default route comes from /proc/net/route.
	n := map[string]any{}
	networkFacts(n, map[string]string{
		"sysnet":    "eth0|02:42:ac:11:00:02|1500|1|0x1003|up||||\nlo|00:00:00:00:00:00|65536|772|0x9|unknown||||\n",
		"procroute": "Iface\tDestination\tGateway\tFlags\nfoo\neth0\t00000000\t010011AC\t0003\n",
	})
	def := n["default_ipv4"].(map[string]any)
	if def["interface"] != "eth0" || def["gateway"] != "172.17.0.1" || def["macaddress"] != "02:42:ac:11:00:02" || def["mtu"] != 1500 {
		t.Errorf("default_ipv4 %+v", def)
	}
	if lo := n["lo"].(map[string]any); lo["type"] != "loopback" || lo["macaddress"] != nil || lo["active"] != true {
		t.Errorf("lo %+v", lo)
	}
	secs := parseSections([]byte("junk\n@@M a\n1\n2\n@@M b\n\n@@M end\n"), "@@M")
	if secs["a"] != "1\n2" || secs["b"] != "" {
		t.Errorf("sections %q", secs)
	}
}

func TestHTTPHelpers(t *testing.T) {
	reason, h := httpHeaders("HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n")
	if reason != "Not Found" || h["content_type"] != "text/plain" || h["set_cookie"] != "a=1, b=2" || h["location"] != nil {
		t.Errorf("%q %+v", reason, h)
	}
	if httpMsg(200, "OK", map[string]any{"content_length": "9"}, "") != "OK (9 bytes)" || httpMsg(200, "OK", nil, "") != "OK (unknown bytes)" ||
		httpMsg(404, "Not Found", nil, "") != "HTTP Error 404: Not Found" {
		t.Error("httpMsg")
	}
	b, ct, _ := uriBody(map[string]any{"b": "x y", "a": 1}, "form-urlencoded")
	if string(b) != "a=1&b=x+y" || ct != "application/x-www-form-urlencoded" {
		t.Errorf("form %q %q", b, ct)
	}
	if pickChecksum("abc  other\ndef *file.tgz\n", "file.tgz") != "def" || pickChecksum("0123\n", "x") != "0123" {
		t.Error("pickChecksum")
	}
	if urlFilename("http://h/a/b.tgz?x=1") != "b.tgz" || urlFilename("http://h/") != "index.html" {
		t.Error("urlFilename")
	}
	if toERE(`port (\d+)[\s\w]\.`) != `port ([0-9]+)[[:space:][:alnum:]_]\.` {
		t.Errorf("toERE %s", toERE(`port (\d+)[\s\w]\.`))
	}
	r := httpReq{URL: "http://h/", User: "u", Pass: `p"w\`, Headers: map[string]string{"X": "1"}}
	if c := r.curlConfig(); !strings.Contains(c, `user = "u:p\"w\\"`) || !strings.Contains(c, `header = "X: 1"`) {
		t.Errorf("curl config %s", c)
	}
	if s := r.fetchScript([]int{1, 2, 0}, true); strings.Contains(s, `p"w`) {
		t.Error("password in script")
	}
	if modeString(420) != "0644" || modeString("u+x") != "u+x" {
		t.Error("modeString")
	}
}
