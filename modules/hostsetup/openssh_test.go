package hostsetup

import (
	"reflect"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/runner/transport"
)

func TestEditSSHDConfig(t *testing.T) {
	base := "Include /etc/ssh/sshd_config.d/*.conf\n#PasswordAuthentication yes\nPasswordAuthentication yes\nPasswordAuthentication no\nX11Forwarding=yes\nMatch User bob\n\tPasswordAuthentication yes\n"
	cases := []struct {
		name     string
		in       string
		settings []sshSetting
		out      string
		changed  []string
	}{
		{"replace first, leave duplicate and match block", base, []sshSetting{{"PasswordAuthentication", "no"}},
			strings.Replace(base, "PasswordAuthentication yes\nPasswordAuthentication no", "PasswordAuthentication no\nPasswordAuthentication no", 1),
			[]string{"PasswordAuthentication"}},
		{"case-insensitive key and = syntax", base, []sshSetting{{"x11forwarding", "no"}},
			strings.Replace(base, "X11Forwarding=yes", "x11forwarding no", 1), []string{"x11forwarding"}},
		{"append before Match", base, []sshSetting{{"PermitRootLogin", "prohibit-password"}},
			strings.Replace(base, "Match User bob", "PermitRootLogin prohibit-password\nMatch User bob", 1), []string{"PermitRootLogin"}},
		{"unchanged (whitespace only)", "Port   22\n", []sshSetting{{"Port", "22"}}, "Port   22\n", nil},
		{"append at end, no trailing newline", "Port 22", []sshSetting{{"UseDNS", "no"}}, "Port 22\nUseDNS no\n", []string{"UseDNS"}},
		{"empty file", "", []sshSetting{{"Port", "2222"}}, "Port 2222\n", []string{"Port"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, ch := editSSHDConfig(c.in, c.settings, false)
			if out != c.out || !reflect.DeepEqual(ch, c.changed) {
				t.Fatalf("got %q %v\nwant %q %v", out, ch, c.out, c.changed)
			}
			again, ch2 := editSSHDConfig(out, c.settings, false)
			if again != out || ch2 != nil {
				t.Fatalf("not idempotent: %q %v", again, ch2)
			}
		})
	}
	crlf, _ := editSSHDConfig("Port 22\r\n", []sshSetting{{"Port", "2222"}}, true)
	if crlf != "Port 2222\r\n" {
		t.Errorf("crlf: %q", crlf)
	}
}

func TestSettingsOf(t *testing.T) {
	s, err := settingsOf(map[string]any{"PasswordAuthentication": false, "MaxAuthTries": 3, "Ciphers": "a,b"})
	want := []sshSetting{{"Ciphers", "a,b"}, {"MaxAuthTries", "3"}, {"PasswordAuthentication", "no"}}
	if err != nil || !reflect.DeepEqual(s, want) {
		t.Fatalf("%v %v", s, err)
	}
	for _, bad := range []map[string]any{{"Port": "22\nPermitRootLogin yes"}, {"Bad Key": "x"}, {"Port": ""}, {"K=v": "x"}} {
		if _, err := settingsOf(bad); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

func TestMergeKeys(t *testing.T) {
	a := "ssh-ed25519 AAAAC3a alice@x"
	b := "ssh-rsa AAAAB3b bob@y"
	cases := []struct {
		name, cur string
		keys      []string
		excl      bool
		out       string
		changed   bool
	}{
		{"append", a + "\n", []string{b}, false, a + "\n" + b + "\n", true},
		{"present with other comment", "from=\"10.0.0.1\" ssh-ed25519 AAAAC3a other\n", []string{a}, false, "from=\"10.0.0.1\" ssh-ed25519 AAAAC3a other\n", false},
		{"no trailing newline", a, []string{b}, false, a + "\n" + b + "\n", true},
		{"exclusive replaces", a + "\n" + b + "\n", []string{b}, true, b + "\n", true},
		{"exclusive same", "# c\n" + b + "\n\n", []string{b}, true, "# c\n" + b + "\n\n", false},
		{"multi-line value", "", []string{a + "\n" + b}, false, a + "\n" + b + "\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, ch := mergeKeys(c.cur, c.keys, c.excl)
			if out != c.out || ch != c.changed {
				t.Fatalf("got %q %v want %q %v", out, ch, c.out, c.changed)
			}
		})
	}
}

func TestACLFix(t *testing.T) {
	good := []winACE{{sidAdministrators, fullControl, "Allow", false}, {sidSystem, fullControl, "Allow", false}}
	cases := []struct {
		name      string
		protected bool
		aces      []winACE
		remove    []string
		needed    bool
	}{
		{"matches: never rewritten", true, good, nil, false},
		{"inheritance on", false, good, nil, true},
		{"inherited users", true, append(append([]winACE{}, good...), winACE{"S-1-5-32-545", "1179817", "Allow", true}), nil, true},
		{"explicit users", true, append(append([]winACE{}, good...), winACE{"S-1-5-11", "1179817", "Allow", false}), []string{"S-1-5-11"}, true},
		{"admins read only", true, []winACE{{sidAdministrators, "1179817", "Allow", false}, {sidSystem, fullControl, "Allow", false}}, nil, true},
		{"system missing", true, good[:1], nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rm, needed := aclFix(c.protected, c.aces)
			if needed != c.needed || !reflect.DeepEqual(rm, c.remove) {
				t.Fatalf("got %v %v", rm, needed)
			}
		})
	}
}

func TestOpenSSHPOSIXPlans(t *testing.T) {
	cfg := "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\n"
	read := func(pkg, config string, extra string) string {
		return "pkgmgr=apt\npkg=" + pkg + "\nsshd=/usr/sbin/sshd\nconfig=" + enc(config) + "\n" + extra
	}
	key := "ssh-ed25519 AAAAC3k admin"
	cases := []struct {
		name    string
		reads   []string
		args    map[string]any
		check   bool
		changed bool
		apply   []string
		absent  []string
		failed  string
	}{
		{"setting changes", []string{read("installed", cfg, "")}, map[string]any{"settings": map[string]any{"PasswordAuthentication": "no"}}, false, true,
			[]string{`"$sshd" -t -f "$tmp"`, "sb_reload", "systemctl reload", "kill -HUP", "f.swarmbook-bak"}, nil, ""},
		{"no reload", []string{read("installed", cfg, "")}, map[string]any{"settings": map[string]any{"PasswordAuthentication": "no"}, "reload": false}, false, true,
			[]string{`-t -f "$tmp"`}, []string{"sb_reload"}, ""},
		{"converged", []string{read("installed", "PasswordAuthentication no\n", "home_0=/root\nkeys_0="+enc(key+"\n")+"\n")},
			map[string]any{"settings": map[string]any{"PasswordAuthentication": false}, "authorized_keys": map[string]any{"root": []any{key}}}, false, false, nil, nil, ""},
		{"check mode", []string{read("installed", cfg, "")}, map[string]any{"settings": map[string]any{"PasswordAuthentication": "no"}}, true, true, nil, nil, ""},
		{"keys first", []string{read("installed", cfg, "home_0=/home/al ice\n")},
			map[string]any{"settings": map[string]any{"PasswordAuthentication": "no"}, "authorized_keys": map[string]any{"alice": key}}, false, true,
			[]string{"u=alice; h='/home/al ice'", "authorized_keys.swarmbook.$$"}, nil, ""},
		{"unknown user", []string{read("installed", cfg, "home_0=\n")}, map[string]any{"authorized_keys": map[string]any{"nobody2": key}}, false, false, nil, nil, "does not exist"},
		{"missing package", []string{read("missing", "", "")}, map[string]any{"settings": map[string]any{"Port": 22}}, false, false, nil, nil, "set install: true"},
		{"install then edit", []string{read("missing", "", ""), "", read("installed", cfg, "")},
			map[string]any{"settings": map[string]any{"PasswordAuthentication": "no"}, "install": true}, false, true,
			[]string{"sshd -t"}, nil, ""},
		{"install check mode", []string{read("missing", "", "")}, map[string]any{"install": true}, true, true, nil, nil, ""},
		{"admin_keys on linux", []string{}, map[string]any{"admin_keys": []any{key}}, false, false, nil, nil, "Windows hosts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outs := append([]string{}, c.reads...)
			if c.apply != nil {
				outs = append(outs, "")
			}
			tg, fc := fakeTarget(t, transport.ShellPOSIX, c.check, nil, outs...)
			out := runModule(t, opensshServerModule{}, tg, c.args)
			if c.failed != "" {
				if !out.Failed || !strings.Contains(out.Msg, c.failed) {
					t.Fatalf("want failure %q, got %+v", c.failed, out)
				}
				return
			}
			if out.Failed || out.Changed != c.changed {
				t.Fatalf("got %+v", out)
			}
			if c.apply == nil {
				if len(fc.scripts) != len(c.reads) {
					t.Fatalf("unexpected apply: %d scripts", len(fc.scripts))
				}
				return
			}
			last := fc.scripts[len(fc.scripts)-1]
			for _, a := range c.apply {
				if !strings.Contains(last, a) {
					t.Errorf("apply lacks %q:\n%s", a, last)
				}
			}
			for _, a := range c.absent {
				if strings.Contains(last, a) {
					t.Errorf("apply has %q", a)
				}
			}
		})
	}
}

func TestOpenSSHWindowsPlans(t *testing.T) {
	key := "ssh-ed25519 AAAAC3k admin"
	goodACL := "protected=True\nace=S-1-5-32-544|2032127|Allow|False\nace=S-1-5-18|2032127|Allow|False\n"
	conv := "capability=Installed\nservice_start=Automatic\nservice_status=Running\nfirewall=1\nconfig=" + enc("PasswordAuthentication no\r\n") +
		"\nkeys=" + enc(key+"\n") + "\n" + goodACL + "default_shell=" + winDefaultShell + "\n"
	cases := []struct {
		name    string
		reads   []string
		args    map[string]any
		changed bool
		apply   []string
		absent  []string
		failed  string
	}{
		{"converged: nothing rewritten", []string{conv}, map[string]any{"settings": map[string]any{"PasswordAuthentication": "no"}, "admin_keys": []any{key}}, false, nil, nil, ""},
		{"fresh", []string{"capability=NotPresent\n", "", "capability=Installed\nservice_start=Manual\nservice_status=Stopped\nfirewall=0\n"},
			map[string]any{"admin_keys": []any{key}, "install": true}, true,
			[]string{"WriteAllText($keys", "icacls.exe 'C:\\ProgramData\\ssh\\administrators_authorized_keys' /inheritance:r /grant:r '*S-1-5-32-544:F' /grant:r '*S-1-5-18:F'",
				"Set-Service -Name sshd -StartupType Automatic", "Start-Service -Name sshd", "New-NetFirewallRule -DisplayName 'swarmbook 22/tcp'",
				"-Name DefaultShell -Value 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe' -PropertyType String -Force"}, nil, ""},
		{"acl drift only", []string{strings.Replace(conv, goodACL, "protected=True\nace=S-1-5-32-544|2032127|Allow|False\nace=S-1-5-18|2032127|Allow|False\nace=S-1-5-11|1179817|Allow|False\n", 1)},
			map[string]any{"admin_keys": []any{key}}, true, []string{"/remove:g '*S-1-5-11'"}, []string{"WriteAllText($keys", "Set-Service"}, ""},
		{"setting change validated", []string{conv}, map[string]any{"settings": map[string]any{"PasswordAuthentication": "yes"}}, true,
			[]string{"-t -f $tmp", "Restart-Service -Name sshd", "Copy-Item -LiteralPath $bak"}, []string{"icacls"}, ""},
		{"capability missing", []string{"capability=NotPresent\n"}, map[string]any{}, false, nil, nil, "set install: true"},
		{"authorized_keys on windows", []string{}, map[string]any{"authorized_keys": map[string]any{"a": key}}, false, nil, nil, "admin_keys"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outs := append([]string{}, c.reads...)
			if c.apply != nil {
				outs = append(outs, "")
			}
			tg, fc := fakeTarget(t, transport.ShellPowerShell, false, nil, outs...)
			out := runModule(t, opensshServerModule{}, tg, c.args)
			if c.failed != "" {
				if !out.Failed || !strings.Contains(out.Msg, c.failed) {
					t.Fatalf("want failure %q, got %+v", c.failed, out)
				}
				return
			}
			if out.Failed || out.Changed != c.changed {
				t.Fatalf("got %+v", out)
			}
			if c.apply == nil {
				if len(fc.scripts) != len(c.reads) {
					t.Fatalf("unexpected apply:\n%s", fc.scripts[len(fc.scripts)-1])
				}
				return
			}
			last := fc.scripts[len(fc.scripts)-1]
			for _, a := range c.apply {
				if !strings.Contains(last, a) {
					t.Errorf("apply lacks %q:\n%s", a, last)
				}
			}
			for _, a := range c.absent {
				if strings.Contains(last, a) {
					t.Errorf("apply has %q:\n%s", a, last)
				}
			}
		})
	}
}
