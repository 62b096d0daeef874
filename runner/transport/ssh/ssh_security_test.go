package ssh

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/become"
	"github.com/swarmbook/swarmbook/runner/transport/sshdtest"
)

// writeConfig writes an ssh_config for srv with the given extra lines.
func writeConfig(t *testing.T, set *sshdtest.Set, srv *sshdtest.Server, extra string) string {
	p := filepath.Join(t.TempDir(), "ssh.config")
	text := fmt.Sprintf("Host %s\n  HostName %s\n  Port %d\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n%s\n",
		srv.Alias, srv.IP, srv.Port, set.User, set.ClientKeyFile, extra)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHostKeys(t *testing.T) {
	set := sshdtest.Start(t, 2, sshdtest.Options{})
	srv := set.Servers[0]
	ctx := context.Background()

	// Mismatch: known_hosts holds h1's key for h0's address.
	bad := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(bad, []byte(fmt.Sprintf("[%s]:%d %s", srv.IP, srv.Port, ssh.MarshalAuthorizedKey(set.Servers[1].HostKey))), 0o644)
	d := dialerFor(t, set, Options{SSHConfigFile: writeConfig(t, set, srv, "  UserKnownHostsFile "+bad)})
	_, err := d.Dial(ctx, transport.Endpoint{Name: srv.Alias})
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "MISMATCH") ||
		!strings.Contains(err.Error(), ssh.FingerprintSHA256(set.Servers[1].HostKey)) ||
		!strings.Contains(err.Error(), ssh.FingerprintSHA256(srv.HostKey)) {
		t.Errorf("mismatch: %v", err)
	}

	// Unknown with strict checking.
	empty := filepath.Join(t.TempDir(), "known_hosts")
	d = dialerFor(t, set, Options{SSHConfigFile: writeConfig(t, set, srv, "  UserKnownHostsFile "+empty)})
	_, err = d.Dial(ctx, transport.Endpoint{Name: srv.Alias})
	if !transport.IsUnreachable(err) || !strings.Contains(err.Error(), "is unknown") || !strings.Contains(err.Error(), "accept-new") {
		t.Errorf("unknown: %v", err)
	}
	if d.Stats().Dials != 1 {
		t.Errorf("host key failure retried: %+v", d.Stats())
	}

	// accept-new records the key once, then verifies it.
	d = dialerFor(t, set, Options{SSHConfigFile: writeConfig(t, set, srv, "  UserKnownHostsFile "+empty+"\n  StrictHostKeyChecking accept-new")})
	for i := 0; i < 2; i++ {
		c, err := d.Dial(ctx, transport.Endpoint{Name: srv.Alias})
		if err != nil {
			t.Fatalf("accept-new %d: %v", i, err)
		}
		c.Close()
	}
	b, _ := os.ReadFile(empty)
	if n := strings.Count(string(b), "\n"); n != 1 || !strings.Contains(string(b), fmt.Sprintf("[%s]:%d", srv.IP, srv.Port)) {
		t.Errorf("known_hosts after accept-new:\n%s", b)
	}

	// host_key_checking off (option and variable) accepts the mismatch.
	off := false
	d = dialerFor(t, set, Options{HostKeyChecking: &off, SSHConfigFile: writeConfig(t, set, srv, "  UserKnownHostsFile "+bad)})
	if c, err := d.Dial(ctx, transport.Endpoint{Name: srv.Alias}); err != nil {
		t.Errorf("host_key_checking=False: %v", err)
	} else {
		c.Close()
	}
	d = dialerFor(t, set, Options{SSHConfigFile: writeConfig(t, set, srv, "  UserKnownHostsFile "+bad)})
	if c, err := d.Dial(ctx, transport.Endpoint{Name: srv.Alias, Vars: map[string]any{"ansible_host_key_checking": false}}); err != nil {
		t.Errorf("ansible_host_key_checking: %v", err)
	} else {
		c.Close()
	}
}

func TestAuthFailure(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	srv := set.Servers[0]
	cfg := filepath.Join(t.TempDir(), "ssh.config")
	os.WriteFile(cfg, []byte(fmt.Sprintf("Host %s\n  HostName %s\n  Port %d\n  UserKnownHostsFile %s\n",
		srv.Alias, srv.IP, srv.Port, set.KnownHostsFile)), 0o644)
	d := dialerFor(t, set, Options{SSHConfigFile: cfg})
	other := filepath.Join(t.TempDir(), "id_other")
	// A key the server does not know: the sshdtest host key file format is the same.
	data, _ := os.ReadFile(filepath.Join(filepath.Dir(srv.ConfigFile), "ssh_host_ed25519_key"))
	os.WriteFile(other, data, 0o600)
	_, err := d.Dial(context.Background(), transport.Endpoint{Name: srv.Alias, Vars: map[string]any{
		"ansible_user": "nobody", "ansible_ssh_private_key_file": other, "ansible_password": "hunter2-secret",
	}})
	if !transport.IsUnreachable(err) {
		t.Fatalf("err = %v", err)
	}
	msg := err.Error()
	for _, want := range []string{`user "nobody"`, srv.Addr, "publickey (" + other, "password"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "hunter2") {
		t.Errorf("password in error: %q", msg)
	}
	if d.Stats().Dials != 1 {
		t.Errorf("auth failure retried: %+v", d.Stats())
	}
}

func TestVagrantSSHConfig(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	srv := set.Servers[0]
	cfg := filepath.Join(t.TempDir(), "ssh.config")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`Host default
  HostName %s
  User %s
  Port %d
  UserKnownHostsFile /dev/null
  StrictHostKeyChecking no
  PasswordAuthentication no
  IdentityFile %s
  IdentitiesOnly yes
  LogLevel FATAL
  PubkeyAcceptedKeyTypes +ssh-rsa
  HostKeyAlgorithms +ssh-rsa

`, srv.IP, set.User, srv.Port, set.ClientKeyFile)), 0o644)
	// Through ansible.cfg's ssh_args = -F file, with a bare inventory name.
	d := dialerFor(t, set, Options{SSHConfigFile: "/nonexistent", SSHArgs: "-C -o ControlMaster=auto -o ControlPersist=60s -F " + cfg})
	c := dial(t, d, "default", nil)
	if r := run(t, c, transport.Command{Script: "echo vagrant"}); string(r.Stdout) != "vagrant\n" {
		t.Fatalf("%q", r.Stdout)
	}
}

func TestProxyJump(t *testing.T) {
	set := sshdtest.Start(t, 3, sshdtest.Options{})
	jump := set.Servers[0]
	cfg := filepath.Join(t.TempDir(), "ssh.config")
	base, _ := os.ReadFile(set.SSHConfigFile)
	text := strings.ReplaceAll(string(base), "Host h1\n", "Host h1\n  ProxyJump h0\n")
	text = strings.ReplaceAll(text, "Host h2\n", "Host h2\n  ProxyJump h0\n")
	os.WriteFile(cfg, []byte(text), 0o644)
	d := dialerFor(t, set, Options{SSHConfigFile: cfg})
	for _, h := range []string{"h1", "h2"} {
		c := dial(t, d, h, nil)
		for i := 0; i < 3; i++ {
			if r := run(t, c, transport.Command{Script: "echo $SSH_CONNECTION"}); !strings.Contains(string(r.Stdout), "127.0.0.") {
				t.Fatalf("%s: %q", h, r.Stdout)
			}
		}
	}
	if n := jump.CountLog("Connection from"); n != 1 {
		t.Errorf("jump host saw %d connections, want 1", n)
	}
	if n := set.Servers[1].CountLog("Connection from"); n != 1 {
		t.Errorf("h1 saw %d connections, want 1", n)
	}
	if s := d.Stats(); s.Dials != 1 {
		t.Errorf("stats %+v, want 1 TCP dial (the jump host)", s)
	}
}

func TestDroppedConnection(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	srv := set.Servers[0]
	d := dialerFor(t, set, Options{})
	c := dial(t, d, "h0", nil)
	done := make(chan error, 1)
	go func() {
		_, err := c.Run(context.Background(), transport.Command{Script: "sleep 20; echo late"})
		done <- err
	}()
	for i := 0; i < 100 && srv.CountLog("Starting session") == 0; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if srv.KillConnections(t) == 0 {
		t.Fatal("no connection process to kill")
	}
	select {
	case err := <-done:
		if !transport.IsUnreachable(err) {
			t.Fatalf("cut command: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cut command did not return")
	}
	if r := run(t, c, transport.Command{Script: "echo again"}); string(r.Stdout) != "again\n" {
		t.Fatalf("after re-dial: %q", r.Stdout)
	}
	if s := d.Stats(); s.Dials != 2 {
		t.Errorf("stats %+v, want 2 dials", s)
	}
}

func TestBecomeSudo(t *testing.T) {
	set := sshdtest.Start(t, 1, sshdtest.Options{})
	nopw := sshdtest.AddUser(t, sshdtest.UserOptions{Sudo: "NOPASSWD"})
	const secret = "Pa55-w0rd-x"
	pw := sshdtest.AddUser(t, sshdtest.UserOptions{Password: secret, Sudo: "PASSWD"})
	plain := sshdtest.AddUser(t, sshdtest.UserOptions{})
	d := dialerFor(t, set, Options{})
	ctx := context.Background()
	whoami := transport.Command{Script: "id -un", Become: transport.Become{Enabled: true}}

	c := dial(t, d, "h0", map[string]any{"ansible_user": nopw})
	if r := run(t, c, whoami); string(r.Stdout) != "root\n" {
		t.Errorf("NOPASSWD: %q %q", r.Stdout, r.Stderr)
	}
	// Put under become: owned by the become user, mode applied.
	dst := filepath.Join(t.TempDir(), "owned")
	if err := c.Put(ctx, dst, strings.NewReader("as root"), 0o600, transport.Become{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	if err := c.Get(ctx, dst, &got, transport.Become{Enabled: true}); err != nil || got.String() != "as root" {
		t.Errorf("get under become: %q %v", got.String(), err)
	}
	// Stdin reaches the script only after escalation.
	r := run(t, c, transport.Command{Script: "cat", Stdin: strings.NewReader("in"), Become: transport.Become{Enabled: true}})
	if string(r.Stdout) != "in" {
		t.Errorf("stdin under become: %q", r.Stdout)
	}

	c = dial(t, d, "h0", map[string]any{"ansible_user": pw})
	_, err := c.Run(ctx, whoami)
	if !errors.Is(err, &become.Failure{Kind: become.PasswordRequired}) || transport.IsUnreachable(err) {
		t.Errorf("no password: %v", err)
	}
	withPw := whoami
	withPw.Become.Password = secret
	withPw.Stdin = strings.NewReader("")
	if r, err := c.Run(ctx, withPw); err != nil || string(r.Stdout) != "root\n" {
		t.Errorf("password: %q %q %v", r.Stdout, r.Stderr, err)
	}
	wrong := whoami
	wrong.Become.Password = "wrong-" + secret
	_, err = c.Run(ctx, wrong)
	if !errors.Is(err, &become.Failure{Kind: become.IncorrectPassword}) || strings.Contains(err.Error(), secret) {
		t.Errorf("wrong password: %v", err)
	}

	c = dial(t, d, "h0", map[string]any{"ansible_user": plain})
	_, err = c.Run(ctx, whoami)
	if err == nil || transport.IsUnreachable(err) {
		t.Errorf("not in sudoers: %v", err)
	}
}
