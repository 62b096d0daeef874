package hostsetup

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.ps1 goldens")

// hostile is a value that breaks naive quoting in both dialects.
const hostile = "a'b\"c$(touch /tmp/pwn)`d\ne;$env:X ‘x’ \\"

// psScripts are the PowerShell scripts the modules generate, by golden name.
func psScripts(t *testing.T) map[string]string {
	spec, err := smbSpecOf(withDefaults(smbArgs(map[string]any{"src": "//acct.file.core.windows.net/share", "path": "S:"}), smbMountModule{}.Spec()))
	if err != nil {
		t.Fatal(err)
	}
	spec.Password = "fixed-for-golden"
	grant, _ := parseGrant("Everyone:(OI)(CI)(F)")
	cfg := "PasswordAuthentication no\r\n"
	keys := "ssh-ed25519 AAAAC3k admin\n"
	return map[string]string{
		"firewall_read.ps1": fwReadPS,
		"firewall_apply.ps1": fwApplyPS(fwPlan{
			Del: []fwRule{{Proto: "tcp", Port: "2377"}},
			Add: []fwRule{{Proto: "tcp", Port: "2377"}, {Proto: "udp", Port: "7946"}, {Proto: "esp", Source: "10.0.0.0/8"}, {Proto: "tcp", Port: "8000-8010"}},
		}, map[string]string{"swarmbook 7946/udp": "swarm gossip", "swarmbook 8000-8010/tcp": cleanComment(hostile)}),
		"smb_read.ps1":          smbReadPS("S:", &grant),
		"smb_apply.ps1":         smbApplyPS(spec, smbWinPlan{Remove: true, Create: true, Grant: true}, &grant, true),
		"openssh_read.ps1":      sshReadPS(winSSHConfig),
		"openssh_install.ps1":   sshInstallPS(),
		"openssh_apply_all.ps1": sshApplyPS(winSSHPlan{sshPlan: sshPlan{NewConfig: &cfg}, NewKeys: &keys, FixACL: true, ACLRemove: []string{"S-1-5-11"}, StartType: true, Start: true, Firewall: true, Shell: true, ShellValue: winDefaultShell, ConfigPath: winSSHConfig}),
		"openssh_apply_hostile.ps1": sshApplyPS(winSSHPlan{Shell: true, ShellValue: hostile, ConfigPath: `C:\ssh dir\it's\sshd_config`,
			sshPlan: sshPlan{NewConfig: &cfg}}),
	}
}

func TestPowerShellGoldens(t *testing.T) {
	for name, script := range psScripts(t) {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test -update)", name, err)
		}
		if string(want) != script {
			t.Errorf("%s differs from the golden; run go test -update and review:\n%s", name, script)
		}
	}
}

// psResidue removes PowerShell single-quoted literals (” is a quote inside
// one) and returns what is left: the code PowerShell would interpret.
func psResidue(t *testing.T, s string) string {
	var out strings.Builder
	quotes := "'\u2018\u2019\u201a\u201b"
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if !strings.ContainsRune(quotes, rs[i]) {
			out.WriteRune(rs[i])
			continue
		}
		i++
		for ; i < len(rs); i++ {
			if strings.ContainsRune(quotes, rs[i]) {
				if i+1 < len(rs) && strings.ContainsRune(quotes, rs[i+1]) {
					i++
					continue
				}
				break
			}
		}
		if i >= len(rs) {
			t.Fatalf("unterminated single-quoted literal in:\n%s", s)
		}
		out.WriteString("''")
	}
	return out.String()
}

func TestPowerShellQuotingHostile(t *testing.T) {
	scripts := psScripts(t)
	grant := smbGrant{Raw: "x", Identity: hostile}
	scripts["smb_read_hostile"] = smbReadPS(hostile, &grant)
	spec := smbSpec{Src: hostile, Path: hostile, User: hostile, Domain: hostile, Password: hostile, State: "mounted"}
	scripts["smb_apply_hostile"] = smbApplyPS(spec, smbWinPlan{Remove: true, Create: true}, nil, false)
	scripts["fw_hostile"] = psNewRule(fwRule{Proto: "tcp", Port: "1", Source: hostile}, hostile)
	for name, s := range scripts {
		res := psResidue(t, s)
		for _, bad := range []string{"pwn", "$env:X", "touch"} {
			if strings.Contains(res, bad) {
				t.Errorf("%s: %q escapes its literal:\n%s", name, bad, res)
			}
		}
	}
}

// TestPOSIXQuotingHostile runs generated POSIX fragments in a real sh and
// checks that hostile values arrive as one unchanged word.
func TestPOSIXQuotingHostile(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "pwn")
	evil := strings.ReplaceAll(hostile, "/tmp/pwn", marker)
	// smb read script: every variable must hold the hostile value verbatim.
	spec := smbSpec{Path: evil, CredPath: evil + ".cred"}
	read := smbReadPOSIX(spec, evil)
	head := strings.SplitN(read, "\nif command -v mount.cifs", 2)[0] + "\nprintf '%s\\0' \"$p\" \"$fstab\" \"$cred\"\n"
	out, err := exec.Command("sh", "-c", head).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(got) != 3 || got[0] != evil || got[1] != evil || got[2] != evil+".cred" {
		t.Fatalf("values changed by the shell: %q", got)
	}
	// iptables spec with a hostile comment: one --comment word.
	spec2 := iptSpec(fwRule{Proto: "tcp", Port: "80"}, evil)
	out, err = exec.Command("sh", "-c", "set -- "+spec2+"; for a; do printf '%s\\0' \"$a\"; done").Output()
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(words) != 12 || words[9] != evil {
		t.Fatalf("comment split or changed: %q", words)
	}
	// file content through posixWrite: byte-exact.
	dst := filepath.Join(dir, "f")
	if err := exec.Command("sh", "-c", posixWrite("'"+dst+"'", evil)).Run(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); string(b) != evil {
		t.Fatalf("content changed: %q", b)
	}
	// sshd apply script fragment with hostile user/home.
	s := sshApplyPOSIX("/nonexistent", "/bin/false", nil, []keysWrite{{User: evil, Home: evil, Content: "k"}}, false)
	first := strings.SplitN(s, "\ng=$(id", 2)[0] + "\nprintf '%s\\0' \"$u\" \"$h\"\n"
	out, err = exec.Command("sh", "-c", first).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != evil+"\x00"+evil+"\x00" {
		t.Fatalf("user/home changed: %q", out)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a hostile value was executed")
	}
}
