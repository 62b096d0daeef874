package wintest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/swarmbook/swarmbook/modules/windows"
	"github.com/swarmbook/swarmbook/runner/transport/winrm/winrmtest"
)

// fakeEnv is a getenv over a map.
func fakeEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// offlineTargets are both targets as the suite would build them from a
// complete environment, without a host behind them.
func offlineTargets(t *testing.T) []target {
	t.Helper()
	rm, why, ok := winrmTarget(fakeEnv(map[string]string{"SWARMBOOK_WINRM_HOST": "192.0.2.10", "SWARMBOOK_WINRM_USER": "Administrator",
		"SWARMBOOK_WINRM_PASSWORD": "pw", "SWARMBOOK_WINRM_SCHEME": "https", "SWARMBOOK_WINRM_CERT_VALIDATION": "ignore"}))
	if !ok {
		t.Fatal(why)
	}
	ssh, why, ok := winsshTarget(fakeEnv(map[string]string{"SWARMBOOK_WINSSH_HOST": "192.0.2.11", "SWARMBOOK_WINSSH_USER": "Administrator",
		"SWARMBOOK_WINSSH_KEY": "/nonexistent/id_ed25519"}))
	if !ok {
		t.Fatal(why)
	}
	return []target{rm, ssh}
}

// TestSuitePlaybooksSyntaxCheck runs `swarmbook run --syntax-check` on every
// playbook of the suite with each target's generated inventory and
// variables, so the suite cannot rot unnoticed without a Windows host; and
// shows that the check fails for a playbook with a bad module argument.
func TestSuitePlaybooksSyntaxCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the swarmbook binary")
	}
	bin := buildCLI(t)
	books, err := filepath.Glob(filepath.Join("testdata", "*.yml"))
	if err != nil || len(books) < 8 {
		t.Fatalf("playbooks: %v %v", books, err)
	}
	for _, tg := range offlineTargets(t) {
		s := newSuite(t, tg, fakeEnv(map[string]string{"SWARMBOOK_WIN_URL": "http://192.0.2.1/f.bin", "SWARMBOOK_WIN_DOCKER": "1"}))
		for _, b := range books {
			abs, _ := filepath.Abs(b)
			if res := s.exec(t, bin, "run", "-i", "inventory.yml", "-e", "@vars.json", "--syntax-check", abs); res.code != 0 {
				t.Errorf("%s, %s: --syntax-check exit %d\n%s", tg.name, filepath.Base(b), res.code, res.out)
			}
		}
		res := s.exec(t, bin, "run", "-i", "inventory.yml", "-e", "@vars.json", "--list-tasks",
			playbook("converge.yml"), playbook("hostsetup.yml"), playbook("checkonly.yml"))
		if res.code != 0 || !strings.Contains(res.out, "win_copy of a 5 MB file") || !strings.Contains(res.out, "firewall rule on an unused port") {
			t.Errorf("%s: --list-tasks exit %d\n%s", tg.name, res.code, res.out)
		}
	}

	// ansible-playbook parses the playbooks it can run (compare mode).
	if _, err := os.Stat(ansiblePlaybook); err == nil {
		s := newSuite(t, offlineTargets(t)[0], fakeEnv(nil))
		args := []string{"-i", "inventory.yml", "-e", "@vars.json", "--syntax-check"}
		for _, b := range ansibleBooks() {
			args = append(args, playbook(b))
		}
		if res := s.exec(t, ansiblePlaybook, args...); res.code != 0 {
			t.Errorf("ansible-playbook --syntax-check: exit %d\n%s", res.code, res.out)
		}
	} else {
		t.Logf("%s missing: the playbooks were not parsed by Ansible", ansiblePlaybook)
	}

	// The check can fail: a choice win_service does not have.
	dir := t.TempDir()
	conv, err := os.ReadFile(playbook("converge.yml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(conv), "start_mode: disabled", "start_mode: sometimes", 1)
	if bad == string(conv) {
		t.Fatal("converge.yml has no start_mode: disabled to break")
	}
	tmpl, err := os.ReadFile(playbook("greeting.j2"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"bad.yml": bad, "greeting.j2": string(tmpl)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := newSuite(t, offlineTargets(t)[0], fakeEnv(nil))
	if res := s.exec(t, bin, "run", "-i", "inventory.yml", "-e", "@vars.json", "--syntax-check", filepath.Join(dir, "bad.yml")); res.code == 0 ||
		!strings.Contains(res.out, "sometimes") {
		t.Errorf("--syntax-check passed a bad start_mode: exit %d\n%s", res.code, res.out)
	}
}

// TestSuiteCoversEveryWindowsModule: converge.yml uses every module of
// modules/windows, so a new win_* module without a real-Windows task is
// noticed.
func TestSuiteCoversEveryWindowsModule(t *testing.T) {
	conv, err := os.ReadFile(playbook("converge.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for name := range windows.Modules() {
		if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(name) + `:`).Match(conv) {
			t.Errorf("converge.yml has no %s task", name)
		}
	}
}

// TestLongScript: the script is at least 20,000 characters, and decoding
// its literals back (PowerShell single-quote rules) gives the string whose
// digest the playbook expects.
func TestLongScript(t *testing.T) {
	script, sum := longScript(longScriptSize)
	if n := utf8.RuneCountInString(script); n < longScriptSize || n > longScriptSize+500 {
		t.Fatalf("script length %d", n)
	}
	line := regexp.MustCompile("^\\$s \\+= '((?:[^']|'')*)' \\+ \"`n\"$")
	var s strings.Builder
	pieces := 0
	for _, l := range strings.Split(script, "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			s.WriteString(strings.ReplaceAll(m[1], "''", "'") + "\n")
			pieces++
		}
	}
	got := sha256.Sum256([]byte(s.String()))
	if hex.EncodeToString(got[:]) != sum || pieces < 100 {
		t.Fatalf("digest of the decoded script (%d pieces) is not %s", pieces, sum)
	}
	if strings.Contains(script, "{{") || strings.Contains(script, "{%") {
		t.Fatal("the script would be templated by Jinja2")
	}
}

// TestTargetsFromEnv: which variables a target needs, and what it sets.
func TestTargetsFromEnv(t *testing.T) {
	base := map[string]string{"SWARMBOOK_WINRM_HOST": "h", "SWARMBOOK_WINRM_USER": "u", "SWARMBOOK_WINRM_PASSWORD": "p"}
	with := func(extra map[string]string, drop string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		delete(m, drop)
		return m
	}
	cases := []struct {
		name string
		env  map[string]string
		ok   bool
		want map[string]string
	}{
		{"defaults", base, true, map[string]string{"ansible_port": "5985", "ansible_winrm_scheme": "http", "ansible_winrm_transport": "ntlm", "ansible_password": "p"}},
		{"https", with(map[string]string{"SWARMBOOK_WINRM_SCHEME": "https"}, ""), true, map[string]string{"ansible_port": "5986", "ansible_winrm_scheme": "https"}},
		{"port wins", with(map[string]string{"SWARMBOOK_WINRM_SCHEME": "https", "SWARMBOOK_WINRM_PORT": "1234"}, ""), true, map[string]string{"ansible_port": "1234"}},
		{"no password", with(nil, "SWARMBOOK_WINRM_PASSWORD"), false, nil},
		{"no host", with(nil, "SWARMBOOK_WINRM_HOST"), false, nil},
		{"certificate", with(map[string]string{"SWARMBOOK_WINRM_TRANSPORT": "certificate", "SWARMBOOK_WINRM_CERT_PEM": "c.pem", "SWARMBOOK_WINRM_CERT_KEY_PEM": "k.pem"}, "SWARMBOOK_WINRM_PASSWORD"), true,
			map[string]string{"ansible_winrm_transport": "certificate", "ansible_winrm_cert_pem": "c.pem", "ansible_winrm_cert_key_pem": "k.pem"}},
		{"certificate without key", with(map[string]string{"SWARMBOOK_WINRM_TRANSPORT": "certificate", "SWARMBOOK_WINRM_CERT_PEM": "c.pem"}, ""), false, nil},
	}
	for _, c := range cases {
		tg, why, ok := winrmTarget(fakeEnv(c.env))
		if ok != c.ok {
			t.Errorf("%s: ok=%v (%s)", c.name, ok, why)
			continue
		}
		if !ok && !strings.Contains(why, "SWARMBOOK_WINRM_HOST, SWARMBOOK_WINRM_USER, SWARMBOOK_WINRM_PASSWORD") {
			t.Errorf("%s: skip message does not name the variables: %s", c.name, why)
		}
		for k, v := range c.want {
			if tg.vars[k] != v {
				t.Errorf("%s: %s=%q, want %q", c.name, k, tg.vars[k], v)
			}
		}
	}
	ssh := map[string]string{"SWARMBOOK_WINSSH_HOST": "h", "SWARMBOOK_WINSSH_USER": "u"}
	if _, why, ok := winsshTarget(fakeEnv(ssh)); ok || !strings.Contains(why, "SWARMBOOK_WINSSH_KEY") {
		t.Errorf("ssh without key or password: ok=%v %s", ok, why)
	}
	ssh["SWARMBOOK_WINSSH_PASSWORD"] = "secret"
	tg, _, ok := winsshTarget(fakeEnv(ssh))
	if !ok || tg.vars["ansible_shell_type"] != "powershell" || tg.vars["ansible_password"] != "secret" || len(tg.env) != 1 {
		t.Errorf("ssh target: %v %+v", ok, tg)
	}
	if got := tg.scrub("login secret failed"); got != "login ******** failed" {
		t.Errorf("scrub: %q", got)
	}
}

// TestStandInPing runs ping.yml with `swarmbook run` and the WinRM
// target's generated inventory (NTLM with message encryption, a password
// full of quoting hazards) against the project's WinRM test server, whose
// powershell.exe is the stand-in (this test binary). win_ping is the only
// task of the suite the stand-in can run; the rest needs real Windows.
func TestStandInPing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the swarmbook binary")
	}
	const user, pass = "vagrant", `P@ss w0rd'"$` + "`" + `\#;`
	srv, err := winrmtest.Start(winrmtest.Options{Users: map[string]string{user: pass}, PowerShell: os.Args[0],
		MaxOperationTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	tg, why, ok := winrmTarget(fakeEnv(map[string]string{"SWARMBOOK_WINRM_HOST": srv.Host, "SWARMBOOK_WINRM_PORT": strconv.Itoa(srv.Port),
		"SWARMBOOK_WINRM_USER": user, "SWARMBOOK_WINRM_PASSWORD": pass}))
	if !ok {
		t.Fatal(why)
	}
	bin := buildCLI(t)
	s := newSuite(t, tg, fakeEnv(nil))
	res := s.run(t, bin, playbook("ping.yml"))
	want := "win1 : ok=2 changed=0 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0"
	if res.code != 0 || recapLine(res.out, "win1") != want || res.recap != (counts{OK: 2}) {
		t.Fatalf("exit %d, recap %+v\n%s", res.code, res.recap, res.out)
	}
	if strings.Contains(res.out, pass) {
		t.Fatal("the password reached the output")
	}
	sealed := false
	for _, r := range srv.Requests() {
		sealed = sealed || r.Encrypted
	}
	if !sealed || srv.Creates() != 1 {
		t.Fatalf("sealed=%v shells=%d", sealed, srv.Creates())
	}
}
