package sshdtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// UserOptions describes a throw-away account.
type UserOptions struct {
	// Password, when set, becomes the account's password (for password
	// authentication and sudo with a password).
	Password string
	// Sudo adds a sudoers rule for the account: "NOPASSWD" (sudo without a
	// password), "PASSWD" (sudo with the account's password) or "" (none).
	Sudo string
}

// AddUser creates a local account with a random name (prefix "sbt"), a home
// directory and the given password and sudo rule, and removes the account,
// its home and its sudoers file at cleanup. It skips the test when not root
// or when useradd is missing, and when a sudo rule is asked for but sudo is
// not installed.
func AddUser(t testing.TB, opts UserOptions) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("sshdtest: AddUser needs root")
	}
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("sshdtest: useradd not installed")
	}
	if opts.Sudo != "" {
		if _, err := exec.LookPath("sudo"); err != nil {
			t.Skip("sshdtest: sudo not installed (apt-get install -y sudo)")
		}
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := "sbt" + hex.EncodeToString(b)
	if out, err := shadowTool("", "useradd", "-m", "-s", "/bin/sh", name); err != nil {
		t.Fatalf("sshdtest: useradd: %v: %s", err, out)
	}
	sudoers := "/etc/sudoers.d/" + name
	t.Cleanup(func() {
		os.Remove(sudoers)
		shadowTool("", "userdel", "-r", "-f", name)
	})
	// Without PAM, sshd refuses locked accounts ("!" password), so every
	// account gets a password: the given one or a random one.
	pw := opts.Password
	if pw == "" {
		r := make([]byte, 16)
		rand.Read(r)
		pw = hex.EncodeToString(r)
	}
	if out, err := shadowTool(name+":"+pw+"\n", "chpasswd"); err != nil {
		t.Fatalf("sshdtest: chpasswd: %v: %s", err, out)
	}
	switch opts.Sudo {
	case "":
	case "NOPASSWD":
		writeSudoers(t, sudoers, fmt.Sprintf("%s ALL=(ALL:ALL) NOPASSWD: ALL\n", name))
	case "PASSWD":
		writeSudoers(t, sudoers, fmt.Sprintf("Defaults:%s !lecture\n%s ALL=(ALL:ALL) ALL\n", name, name))
	default:
		t.Fatalf("sshdtest: unknown sudo rule %q", opts.Sudo)
	}
	return name
}

// shadowTool runs one of the shadow tools (useradd, chpasswd, userdel),
// retrying while another process holds the lock on /etc/passwd or
// /etc/group: parallel tests (and other test binaries) add and remove
// accounts at the same time, and the tools fail rather than wait.
func shadowTool(stdin, name string, args ...string) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		cmd := exec.Command(name, args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err == nil || attempt >= 50 || !strings.Contains(string(out), "lock") {
			return out, err
		}
		time.Sleep(time.Duration(20+attempt*10) * time.Millisecond)
	}
}

func writeSudoers(t testing.TB, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o440); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	if out, err := exec.Command("visudo", "-c", "-f", path).CombinedOutput(); err != nil {
		os.Remove(path)
		t.Fatalf("sshdtest: sudoers rule rejected: %v: %s", err, out)
	}
}

// SSHConfigFor writes a copy of the Set's ssh_config whose hosts log in as
// user (an AddUser account, say) and returns its path.
func (s *Set) SSHConfigFor(t testing.TB, user string) string {
	t.Helper()
	b, err := os.ReadFile(s.SSHConfigFile)
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	from, to := "\n  User "+s.User+"\n", "\n  User "+user+"\n"
	if strings.Count(string(b), from) != len(s.Servers) {
		t.Fatalf("sshdtest: %s has not one User line per host", s.SSHConfigFile)
	}
	p := filepath.Join(s.Dir, "ssh_config_"+user)
	writeFile(t, p, strings.ReplaceAll(string(b), from, to), 0o644)
	return p
}
