package ssh

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/runner/transport"
)

func TestParseArgs(t *testing.T) {
	var a sshArgs
	err := parseArgs(&a, `-C -o ControlMaster=auto -o "ProxyJump=bastion" -F ssh.config -i ~/k1 -ik2 -p 2200 -o StrictHostKeyChecking=no -o 'UserKnownHostsFile /dev/null' -J j2 -l bob -o Port=1`)
	if err != nil {
		t.Fatal(err)
	}
	want := sshArgs{configFile: "ssh.config", identities: []string{"~/k1", "k2"}, port: 2200, user: "bob", jump: "j2",
		options: map[string]string{"controlmaster": "auto", "proxyjump": "bastion", "stricthostkeychecking": "no",
			"userknownhostsfile": "/dev/null", "port": "1"}}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("got  %+v\nwant %+v", a, want)
	}
	for _, bad := range []string{"-p", "-o NoValue", "host", `-o "unterminated`} {
		var b sshArgs
		if err := parseArgs(&b, bad); err == nil {
			t.Errorf("parseArgs(%q) accepted", bad)
		}
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte(`Host web*
  HostName 10.1.%h.example
  User cfguser
  Port 2022
  IdentityFile %d/.ssh/web_%r
  IdentityFile ~/.ssh/second
  ServerAliveInterval 5
  ConnectTimeout 3
Host bastion
  HostName 192.0.2.1
  User jumper
Host web* bastion
  ProxyJump bastion
Host *
  StrictHostKeyChecking accept-new
`), 0o644)
	no := false
	cases := []struct {
		name string
		opts Options
		ep   transport.Endpoint
		want func(*target) string // "" when fine
	}{
		{"ssh config", Options{}, transport.Endpoint{Name: "web1"}, func(tg *target) string {
			if tg.host != "10.1.web1.example" || tg.port != 2022 || tg.user != "cfguser" || tg.alive != 5*time.Second ||
				tg.timeout != 3*time.Second || tg.strict != "accept-new" ||
				!reflect.DeepEqual(tg.identities, []string{"/home/me/.ssh/web_cfguser", "/home/me/.ssh/second"}) ||
				len(tg.jumps) != 1 || tg.jumps[0].addr() != "192.0.2.1:22" || tg.jumps[0].user != "jumper" {
				return "wrong"
			}
			return ""
		}},
		{"vars win", Options{RemoteUser: "cfg", Timeout: 9 * time.Second}, transport.Endpoint{Name: "x", Vars: map[string]any{
			"ansible_host": "web2", "ansible_port": 22, "ansible_user": "core", "ansible_ssh_private_key_file": "/k",
			"ansible_ssh_common_args": "-o ProxyJump=none", "ansible_ssh_extra_args": "-o StrictHostKeyChecking=no"}}, func(tg *target) string {
			if tg.host != "10.1.web2.example" || tg.port != 22 || tg.user != "core" || tg.identities[0] != "/k" ||
				len(tg.jumps) != 0 || tg.strict != "no" || tg.timeout != 9*time.Second || tg.name != "x" {
				return "wrong"
			}
			return ""
		}},
		{"remote_user beats ssh config", Options{RemoteUser: "cfg"}, transport.Endpoint{Name: "web3"}, func(tg *target) string {
			if tg.user != "cfg" {
				return "wrong"
			}
			return ""
		}},
		{"host key checking off", Options{HostKeyChecking: &no}, transport.Endpoint{Name: "web4"}, func(tg *target) string {
			if tg.strict != "no" {
				return "wrong"
			}
			return ""
		}},
		{"proxycommand", Options{}, transport.Endpoint{Name: "h", Vars: map[string]any{
			"ansible_ssh_common_args": `-o ProxyCommand="ssh -W %h:%p -q admin@gw.example"`}}, func(tg *target) string {
			if len(tg.jumps) != 1 || tg.jumps[0].user != "admin" || tg.jumps[0].host != "gw.example" {
				return "wrong"
			}
			return ""
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.SSHConfigFile = cfg
			c.opts.Home = "/home/me"
			c.opts.LocalUser = "me"
			c.opts.Getenv = noEnv
			r := &resolver{opts: &c.opts, config: &configFiles{home: "/home/me"}}
			tg, err := r.resolve(c.ep)
			if err != nil {
				t.Fatal(err)
			}
			if msg := c.want(tg); msg != "" {
				t.Errorf("%s: %+v", msg, *tg)
			}
		})
	}
}

// TestNoSecretsInErrors checks that passwords and passphrases never reach
// an error message, whatever fails.
func TestNoSecretsInErrors(t *testing.T) {
	const pw, pass = "pw-SECRET-1", "pp-SECRET-2"
	dir := t.TempDir()
	d := NewDialer(Options{Home: dir, Getenv: func(k string) (string, bool) {
		if k == "SWARMBOOK_SSH_PASSPHRASE" {
			return pass, true
		}
		return "", false
	}, ConnectAttempts: 1, Timeout: 500 * time.Millisecond, SSHConfigFile: filepath.Join(dir, "none")})
	key := filepath.Join(dir, "garbage")
	os.WriteFile(key, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600)
	var errs []error
	_, err := d.Dial(context.Background(), transport.Endpoint{Name: "h", Vars: map[string]any{
		"ansible_host": "127.0.0.1", "ansible_port": 1, "ansible_password": pw, "ansible_ssh_private_key_file": key}})
	errs = append(errs, err)
	a := d.authFor(context.Background(), &target{user: "u", host: "127.0.0.1", port: 22, password: pw, identities: []string{key}})
	errs = append(errs, &AuthError{User: "u", Addr: "127.0.0.1:22", Tried: a.tried})
	errs = append(errs, &HostKeyError{Host: "h", Unknown: true, Offered: "SHA256:x"})
	for _, e := range errs {
		if e == nil {
			t.Fatal("expected an error")
		}
		if s := e.Error(); strings.Contains(s, pw) || strings.Contains(s, pass) {
			t.Errorf("secret in %q", s)
		}
	}
	if !transport.IsUnreachable(errs[0]) || !errors.Is(errs[0], errs[0]) {
		t.Errorf("dial failure not Unreachable: %v", errs[0])
	}
	if !strings.Contains(errs[1].Error(), "publickey (") || !strings.Contains(errs[1].Error(), "password") {
		t.Errorf("tried list: %v", errs[1])
	}
}
