package sshdtest

import (
	"os"
	"os/user"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestStartAndDial(t *testing.T) {
	set := Start(t, 2, Options{MaxSessions: 3})
	hk, err := knownhosts.New(set.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range set.Servers {
		c, err := ssh.Dial("tcp", srv.Addr, &ssh.ClientConfig{
			User: set.User, Auth: []ssh.AuthMethod{ssh.PublicKeys(set.ClientSigner)}, HostKeyCallback: hk,
		})
		if err != nil {
			t.Fatalf("%s: %v", srv.Addr, err)
		}
		s, _ := c.NewSession()
		out, err := s.Output("echo hello")
		c.Close()
		if err != nil || string(out) != "hello\n" {
			t.Fatalf("%s: %q %v", srv.Addr, out, err)
		}
		if n := srv.CountLog("Connection from"); n != 1 {
			t.Errorf("%s: %d connections logged, want 1\n%s", srv.Alias, n, srv.Log())
		}
	}
	cfg := readFile(t, set.SSHConfigFile)
	if !strings.Contains(cfg, "Host h1\n  HostName 127.0.0.3\n") {
		t.Errorf("ssh_config:\n%s", cfg)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAddUserLogin logs in as an AddUser account through SSHConfigFor's
// User and checks its shell leaves stderr alone; the account is gone after
// the subtest's cleanup.
func TestAddUserLogin(t *testing.T) {
	set := Start(t, 1, Options{})
	hk, err := knownhosts.New(set.KnownHostsFile)
	if err != nil {
		t.Fatal(err)
	}
	var name string
	t.Run("login", func(t *testing.T) {
		name = AddUser(t, UserOptions{})
		cfg := readFile(t, set.SSHConfigFor(t, name))
		if !strings.Contains(cfg, "Host h0\n") || !strings.Contains(cfg, "  User "+name+"\n") {
			t.Fatalf("ssh_config for %s:\n%s", name, cfg)
		}
		c, err := ssh.Dial("tcp", set.Servers[0].Addr, &ssh.ClientConfig{
			User: name, Auth: []ssh.AuthMethod{ssh.PublicKeys(set.ClientSigner)}, HostKeyCallback: hk,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		s, _ := c.NewSession()
		var stdout, stderr strings.Builder
		s.Stdout, s.Stderr = &stdout, &stderr
		if err := s.Run("id -un; echo err >&2"); err != nil {
			t.Fatal(err)
		}
		if stdout.String() != name+"\n" || stderr.String() != "err\n" {
			t.Errorf("stdout %q stderr %q, want %q and \"err\\n\"", stdout.String(), stderr.String(), name+"\n")
		}
	})
	if _, err := user.Lookup(name); err == nil {
		t.Errorf("account %s still exists after cleanup", name)
	}
}
