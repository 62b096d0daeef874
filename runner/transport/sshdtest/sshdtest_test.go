package sshdtest

import (
	"os"
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
