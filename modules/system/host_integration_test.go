package system

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
)

const (
	keyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBgsBYRYyXMkA64HEEdo/kuthr5P1HAJP+jMoOiCxAWv alice@x"
	keyB = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC3 bob@y"
)

func TestAuthorizedKeyLocal(t *testing.T) {
	tg := localTarget(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "authorized_keys")
	me := os.Getenv("USER")
	if me == "" {
		me = "root"
	}
	args := modules.Args{"user": me, "key": keyA, "path": path}
	out := runMod(t, tg, authorizedKeyModule{}, args)
	if out.Failed || !out.Changed || out.Fields["keyfile"] != path {
		t.Fatalf("add: %+v", out)
	}
	if b, _ := os.ReadFile(path); string(b) != keyA+"\n" {
		t.Fatalf("content %q", b)
	}
	if fi, _ := os.Stat(filepath.Dir(path)); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", fi.Mode())
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v", fi.Mode())
	}
	if out = runMod(t, tg, authorizedKeyModule{}, args); out.Changed || out.Failed {
		t.Fatalf("idempotence: %+v", out)
	}
	// A second key with options is appended; exclusive drops the rest.
	out = runMod(t, tg, authorizedKeyModule{}, modules.Args{"user": me, "key": keyB, "path": path, "key_options": `no-pty,from="10.0.0.1"`})
	if !out.Changed {
		t.Fatalf("add B: %+v", out)
	}
	want := keyA + "\n" + `no-pty,from="10.0.0.1" ` + keyB + "\n"
	if b, _ := os.ReadFile(path); string(b) != want {
		t.Fatalf("content %q want %q", b, want)
	}
	tg.Check = true
	if out = runMod(t, tg, authorizedKeyModule{}, modules.Args{"user": me, "key": keyA, "path": path, "state": "absent"}); !out.Changed {
		t.Fatalf("check absent: %+v", out)
	}
	if b, _ := os.ReadFile(path); string(b) != want {
		t.Fatal("check mode changed the file")
	}
	tg.Check = false
	out = runMod(t, tg, authorizedKeyModule{}, modules.Args{"user": me, "key": keyA, "path": path, "exclusive": true})
	if !out.Changed {
		t.Fatalf("exclusive: %+v", out)
	}
	if b, _ := os.ReadFile(path); string(b) != keyA+"\n" {
		t.Fatalf("exclusive content %q", b)
	}
	out = runMod(t, tg, authorizedKeyModule{}, modules.Args{"user": me, "key": keyA, "path": path, "state": "absent"})
	if !out.Changed {
		t.Fatalf("absent: %+v", out)
	}
	if b, _ := os.ReadFile(path); string(b) != "" {
		t.Fatalf("absent content %q", b)
	}
	out = runMod(t, tg, authorizedKeyModule{}, modules.Args{"user": "sb-no-such-user-x", "key": keyA})
	if !out.Failed || !strings.HasPrefix(out.Msg, "Failed to lookup user sb-no-such-user-x") {
		t.Fatalf("no user: %+v", out)
	}
}

func TestSysctlFileLocal(t *testing.T) {
	tg := localTarget(t)
	f := filepath.Join(t.TempDir(), "99-test.conf")
	os.WriteFile(f, []byte("# comment\nnet.ipv4.ip_forward = 0\nvm.swappiness=10\n"), 0o644)
	args := modules.Args{"name": "net.ipv4.ip_forward", "value": "1", "sysctl_file": f, "reload": false}
	out := runMod(t, tg, sysctlModule{}, args)
	if out.Failed || !out.Changed {
		t.Fatalf("set: %+v", out)
	}
	if b, _ := os.ReadFile(f); string(b) != "# comment\nnet.ipv4.ip_forward=1\nvm.swappiness=10\n" {
		t.Fatalf("content %q", b)
	}
	if out = runMod(t, tg, sysctlModule{}, args); out.Changed || out.Failed {
		t.Fatalf("idempotence: %+v", out)
	}
	out = runMod(t, tg, sysctlModule{}, modules.Args{"name": "vm.swappiness", "state": "absent", "sysctl_file": f, "reload": false})
	if !out.Changed {
		t.Fatalf("absent: %+v", out)
	}
	if b, _ := os.ReadFile(f); string(b) != "# comment\nnet.ipv4.ip_forward=1\n" {
		t.Fatalf("content %q", b)
	}
}

func TestHostnameCheckLocal(t *testing.T) {
	tg := localTarget(t)
	tg.Check = true
	cur, _ := os.Hostname()
	perm, err := os.ReadFile("/etc/hostname")
	if err != nil || strings.TrimSpace(string(perm)) != cur {
		t.Skip("skipping: /etc/hostname does not hold the running host name")
	}
	out := runMod(t, tg, hostnameModule{}, modules.Args{"name": cur})
	if out.Failed || out.Changed {
		t.Fatalf("same name: %+v", out)
	}
	out = runMod(t, tg, hostnameModule{}, modules.Args{"name": cur + "-other"})
	if !out.Changed {
		t.Fatalf("other name: %+v", out)
	}
}

func TestAptQueryLocal(t *testing.T) {
	if _, err := exec.LookPath("dpkg-query"); err != nil {
		t.Skip("skipping: no dpkg")
	}
	tg := localTarget(t)
	tg.Check = true
	out := runMod(t, tg, aptModule{}, modules.Args{"name": []any{"dpkg", "coreutils"}})
	if out.Failed || out.Changed {
		t.Fatalf("installed: %+v", out)
	}
	out = runMod(t, tg, aptModule{}, modules.Args{"name": []any{"sb-no-such-package-zz"}})
	if !out.Failed || out.Msg != "No package matching 'sb-no-such-package-zz' is available" {
		t.Fatalf("missing: %+v", out)
	}
	out = runMod(t, tg, aptModule{}, modules.Args{"name": []any{"dpkg"}, "state": "absent"})
	if out.Failed || !out.Changed {
		t.Fatalf("check absent: %+v", out)
	}
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Fatal("check mode removed dpkg")
	}
}

func randName(t *testing.T) string {
	b := make([]byte, 4)
	rand.Read(b)
	return "sbtest-" + hex.EncodeToString(b)
}

func TestUserGroupLocal(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to create throwaway users")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("skipping: no useradd")
	}
	tg := localTarget(t)
	g, u := randName(t), randName(t)
	t.Cleanup(func() {
		exec.Command("userdel", "-r", u).Run()
		exec.Command("groupdel", g).Run()
	})
	out := runMod(t, tg, groupModule{}, modules.Args{"name": g, "gid": 43210})
	if out.Failed || !out.Changed || out.Fields["gid"] != 43210 {
		t.Fatalf("group: %+v", out)
	}
	if out = runMod(t, tg, groupModule{}, modules.Args{"name": g, "gid": 43210}); out.Changed {
		t.Fatalf("group idempotence: %+v", out)
	}
	home := filepath.Join(t.TempDir(), "home")
	pw := "$6$saltsalt$abcdefghijklmnopqrstuv"
	args := modules.Args{"name": u, "groups": []any{g}, "shell": "/bin/sh", "home": home, "password": pw, "comment": "SB test"}
	out = runMod(t, tg, userModule{}, args)
	if out.Failed || !out.Changed || out.Fields["home"] != home || out.Fields["groups"] != g || out.Fields["password"] != "NOT_LOGGING_PASSWORD" {
		t.Fatalf("user: %+v", out)
	}
	if len(out.Secrets) != 1 || out.Secrets[0] != pw {
		t.Errorf("secrets %v", out.Secrets)
	}
	if _, err := os.Stat(home); err != nil {
		t.Errorf("home not created: %v", err)
	}
	if out = runMod(t, tg, userModule{}, args); out.Changed || out.Failed {
		t.Fatalf("user idempotence: %+v", out)
	}
	args["shell"] = "/bin/bash"
	tg.Check = true
	if out = runMod(t, tg, userModule{}, args); !out.Changed {
		t.Fatalf("check shell: %+v", out)
	}
	tg.Check = false
	if out = runMod(t, tg, userModule{}, args); !out.Changed || out.Fields["shell"] != "/bin/bash" {
		t.Fatalf("shell: %+v", out)
	}
	out = runMod(t, tg, userModule{}, modules.Args{"name": u, "state": "absent", "remove": true})
	if !out.Changed {
		t.Fatalf("remove: %+v", out)
	}
	if out = runMod(t, tg, userModule{}, modules.Args{"name": u, "state": "absent"}); out.Changed {
		t.Fatalf("remove idempotence: %+v", out)
	}
	if out = runMod(t, tg, groupModule{}, modules.Args{"name": g, "state": "absent"}); !out.Changed {
		t.Fatalf("group remove: %+v", out)
	}
}

// TestServiceSysVLocal drives a throwaway init script (the test machine,
// like the lab containers, runs without systemd).
func TestServiceSysVLocal(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root to write /etc/init.d")
	}
	if _, err := os.Stat("/run/systemd/system"); err == nil {
		t.Skip("skipping: systemd is running here")
	}
	name := randName(t)
	state := filepath.Join(t.TempDir(), "running")
	script := "/etc/init.d/" + name
	body := "#!/bin/sh\ncase \"$1\" in\nstart) touch " + state + ";;\nstop) rm -f " + state + ";;\nrestart) touch " + state + ";;\nstatus) [ -e " + state + " ];;\n*) exit 2;;\nesac\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Skipf("skipping: %v", err)
	}
	t.Cleanup(func() { os.Remove(script) })
	tg := localTarget(t)
	m := serviceModule{}
	out := runMod(t, tg, m, modules.Args{"name": name, "state": "started"})
	if out.Failed || !out.Changed || out.Fields["state"] != "started" {
		t.Fatalf("start: %+v", out)
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatal("not started")
	}
	if out = runMod(t, tg, m, modules.Args{"name": name, "state": "started"}); out.Changed {
		t.Fatalf("start idempotence: %+v", out)
	}
	if out = runMod(t, tg, m, modules.Args{"name": name, "state": "restarted"}); !out.Changed {
		t.Fatalf("restart: %+v", out)
	}
	tg.Check = true
	if out = runMod(t, tg, m, modules.Args{"name": name, "state": "stopped"}); !out.Changed {
		t.Fatalf("check stop: %+v", out)
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatal("check mode stopped the service")
	}
	tg.Check = false
	if out = runMod(t, tg, m, modules.Args{"name": name, "state": "stopped"}); !out.Changed {
		t.Fatalf("stop: %+v", out)
	}
	if _, err := os.Stat(state); err == nil {
		t.Fatal("not stopped")
	}
	out = runMod(t, tg, m, modules.Args{"name": name + "-missing", "state": "started"})
	// With a `service` tool Ansible tries it and reports its error.
	if !out.Failed || !strings.Contains(out.Msg, name+"-missing") {
		t.Fatalf("missing: %+v", out)
	}
}
