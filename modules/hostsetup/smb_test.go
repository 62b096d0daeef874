package hostsetup

import (
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

const smbPassword = `s3cr'et$(x)` + "`pw"

func smbArgs(extra map[string]any) map[string]any {
	a := map[string]any{"src": "//198.18.0.10/share", "path": "/mnt/shared", "username": "svc", "password": smbPassword,
		"domain": "LAB", "uid": "1000", "gid": "1000", "file_mode": "0644", "dir_mode": "0755"}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

func TestEditFstab(t *testing.T) {
	line := "//s/x\t/mnt/a\\040b\tcifs\tcredentials=/c,_netdev\t0\t0"
	cases := []struct {
		name, in, want, out string
		changed             bool
	}{
		{"append", "UUID=1 / ext4 defaults 0 1\n", line, "UUID=1 / ext4 defaults 0 1\n" + line + "\n", true},
		{"same fields other spacing", "//s/x /mnt/a\\040b cifs credentials=/c,_netdev 0 0\n", line, "//s/x /mnt/a\\040b cifs credentials=/c,_netdev 0 0\n", false},
		{"replace and drop duplicate", "//old /mnt/a\\040b cifs x 0 0\n# /mnt/a\\040b\n//dup /mnt/a\\040b cifs y 0 0\n", line, line + "\n# /mnt/a\\040b\n", true},
		{"remove", "a /b c d 0 0\n//s/x /mnt/a\\040b cifs o 0 0\n", "", "a /b c d 0 0\n", true},
		{"remove absent", "a /b c d 0 0\n", "", "a /b c d 0 0\n", false},
		{"empty file", "", line, line + "\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, ch := editFstab(c.in, "/mnt/a b", c.want)
			if out != c.out || ch != c.changed {
				t.Fatalf("got %q %v want %q %v", out, ch, c.out, c.changed)
			}
		})
	}
}

func TestSMBLinuxPlans(t *testing.T) {
	spec, err := smbSpecOf(withDefaults(modules.Args(smbArgs(nil)), smbMountModule{}.Spec()))
	if err != nil {
		t.Fatal(err)
	}
	if spec.CredPath != "/etc/swarmbook/smb-mnt-shared.cred" {
		t.Fatalf("cred path %s", spec.CredPath)
	}
	entry := spec.fstabLine() + "\n"
	good := "cifs=yes\npkgmgr=apt\nfstab=" + enc(entry) + "\ncred_sum=" + spec.credSum() + "\ncred_stat=600 0 0\ndir=yes\n"
	mountedLine := "mount=//198.18.0.10/share cifs\n"
	cases := []struct {
		name    string
		read    string
		args    map[string]any
		check   bool
		changed bool
		apply   []string
		absent  []string
		failed  string
	}{
		{"fresh mounted", "cifs=yes\npkgmgr=apt\nfstab=" + enc("UUID=x / ext4 defaults 0 1\n") + "\n", smbArgs(nil), false, true,
			[]string{"( umask 077; cat > \"$t\" )", "chmod 600", "mkdir -p \"$p\"",
				"mount -t cifs -o credentials=/etc/swarmbook/smb-mnt-shared.cred,vers=3.0,uid=1000,gid=1000,file_mode=0644,dir_mode=0755,_netdev //198.18.0.10/share \"$p\""},
			[]string{"umount"}, ""},
		{"present: no mount", "cifs=yes\n", smbArgs(map[string]any{"state": "present"}), false, true,
			[]string{"cat > \"$t\"", "mv -f \"$t\" \"$fstab\""}, []string{"mount -t cifs", "mkdir -p \"$p\""}, ""},
		{"present converged", good, smbArgs(map[string]any{"state": "present"}), false, false, nil, nil, ""},
		{"mounted converged", good + mountedLine, smbArgs(nil), false, false, nil, nil, ""},
		{"wrong cred mode rewrites", strings.Replace(good, "600 0 0", "644 0 0", 1), smbArgs(map[string]any{"state": "present"}), false, true,
			[]string{"chmod 600"}, nil, ""},
		{"password change remounts", strings.Replace(good, spec.credSum(), "0000", 1) + mountedLine, smbArgs(nil), false, true,
			[]string{"umount \"$p\"", "mount -t cifs"}, nil, ""},
		{"check mode", "cifs=yes\n", smbArgs(nil), true, true, nil, nil, ""},
		{"unmounted", good + mountedLine, smbArgs(map[string]any{"state": "unmounted"}), false, true, []string{"umount \"$p\""}, []string{"rm -f \"$cred\"", "mount -t"}, ""},
		{"absent", good + mountedLine, map[string]any{"path": "/mnt/shared", "state": "absent"}, false, true,
			[]string{"umount \"$p\"", "rm -f \"$cred\"", "rmdir \"$p\"", "mv -f \"$t\" \"$fstab\""}, nil, ""},
		{"absent converged", "cifs=no\nfstab=" + enc("a /b c d 0 0\n") + "\n", map[string]any{"path": "/mnt/shared", "state": "absent"}, false, false, nil, nil, ""},
		{"no cifs-utils", "cifs=no\npkgmgr=apt\n", smbArgs(nil), false, false, nil, nil, "cifs-utils is not installed"},
		{"install cifs-utils", "cifs=no\npkgmgr=apt\n", smbArgs(map[string]any{"install": true}), false, true, []string{"apt-get install -y -q cifs-utils"}, nil, ""},
		{"other fs mounted", "cifs=yes\nmount=/dev/sda1 ext4\n", smbArgs(nil), false, false, nil, nil, "refusing to touch it"},
		{"src required", "", map[string]any{"path": "/mnt/x"}, false, false, nil, nil, "src is required"},
		{"hostile option", "", smbArgs(map[string]any{"uid": "0,exec"}), false, false, nil, nil, "invalid uid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var outs []string
			if c.read != "" {
				outs = append(outs, c.read)
			}
			if c.apply != nil {
				outs = append(outs, "")
			}
			tg, fc := fakeTarget(t, transport.ShellPOSIX, c.check, nil, outs...)
			out := runModule(t, smbMountModule{}, tg, c.args)
			for i, s := range fc.scripts {
				if strings.Contains(s, smbPassword) || strings.Contains(s, b64(smbPassword)) || strings.Contains(s, b64(spec.credContent())) {
					t.Fatalf("script %d carries the password", i)
				}
			}
			for _, d := range out.Diffs {
				if strings.Contains(d.Before+d.After, smbPassword) {
					t.Fatalf("diff shows the password: %+v", d)
				}
			}
			if c.failed != "" {
				if !out.Failed || !strings.Contains(out.Msg, c.failed) {
					t.Fatalf("want failure %q, got %+v", c.failed, out)
				}
				return
			}
			if out.Failed || out.Changed != c.changed {
				t.Fatalf("got %+v", out)
			}
			if c.args["password"] != nil && !contains(out.Secrets, smbPassword) {
				t.Errorf("password not in Secrets")
			}
			if c.apply == nil {
				if len(fc.scripts) != 1 {
					t.Fatalf("unexpected apply")
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
			if strings.Contains(last, "cat > \"$t\"") && fc.stdins[len(fc.stdins)-1] != spec.credContent() {
				t.Errorf("credentials not sent on stdin: %q", fc.stdins[len(fc.stdins)-1])
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestSMBWindowsPlans(t *testing.T) {
	aces := "grant_sid=S-1-1-0\nace=S-1-1-0|2032127|Allow|False|3\n"
	cases := []struct {
		name    string
		read    string
		args    map[string]any
		changed bool
		apply   []string
		absent  []string
		failed  string
	}{
		{"create with grant", "", smbArgs(map[string]any{"src": "//acct.file.core.windows.net/share", "path": "S:", "grant": "Everyone:(OI)(CI)(F)", "require_privacy": true}), true,
			[]string{"New-SmbGlobalMapping -RemotePath '\\\\acct.file.core.windows.net\\share' -LocalPath 'S:' -Credential $cred -Persistent $true -RequirePrivacy $true",
				"PSCredential('LAB\\svc', $sec)", "icacls.exe 'S:\\' /grant 'Everyone:(OI)(CI)(F)'"}, []string{"Remove-SmbGlobalMapping"}, ""},
		{"converged", "remote=\\\\acct.file.core.windows.net\\share\nstatus=OK\n" + aces,
			smbArgs(map[string]any{"src": "//acct.file.core.windows.net/share", "path": "S:", "grant": "Everyone:(OI)(CI)(F)"}), false, nil, nil, ""},
		{"grant missing only", "remote=\\\\h\\share\ngrant_sid=S-1-1-0\nace=S-1-1-0|1179817|Allow|False|3\n",
			smbArgs(map[string]any{"src": "//h/share", "path": "S:", "grant": "Everyone:(OI)(CI)(F)"}), true,
			[]string{"icacls.exe"}, []string{"New-SmbGlobalMapping", "ConvertTo-SecureString"}, ""},
		{"other remote replaced", "remote=\\\\old\\share\n", smbArgs(map[string]any{"src": "//h/share", "path": "S:"}), true,
			[]string{"Remove-SmbGlobalMapping -LocalPath 'S:' -Force", "New-SmbGlobalMapping"}, nil, ""},
		{"absent", "remote=\\\\h\\share\n", map[string]any{"path": "S:", "state": "absent"}, true, []string{"Remove-SmbGlobalMapping"}, []string{"New-"}, ""},
		{"bad grant", "", smbArgs(map[string]any{"path": "S:", "grant": "Everyone:(XX)"}), false, nil, nil, "unsupported right"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var outs []string
			if c.failed == "" {
				outs = append(outs, c.read)
			}
			if c.apply != nil {
				outs = append(outs, "")
			}
			tg, fc := fakeTarget(t, transport.ShellPowerShell, false, nil, outs...)
			out := runModule(t, smbMountModule{}, tg, c.args)
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
				if len(fc.scripts) != 1 {
					t.Fatalf("unexpected apply")
				}
				return
			}
			last := fc.scripts[len(fc.scripts)-1]
			if strings.Contains(last, smbPassword) {
				t.Fatalf("password in clear in the script")
			}
			if strings.Contains(last, "ConvertTo-SecureString") && !contains(out.Secrets, b64(smbPassword)) {
				t.Errorf("encoded password not declared secret")
			}
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
