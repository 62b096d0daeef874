package become

import (
	"errors"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/runner/transport"
)

func TestWrap(t *testing.T) {
	cases := []struct {
		name    string
		b       transport.Become
		prefix  string // Command starts with
		has     []string
		hasNot  []string
		pty     bool
		prompt  bool
		wantErr bool
	}{
		{name: "off", b: transport.Become{}, prefix: "/bin/sh -c 'echo hi'", hasNot: []string{"sudo", "BECOME"}},
		{name: "sudo default", b: transport.Become{Enabled: true}, prefix: "sudo -H -S -n -u root /bin/sh -c 'echo BECOME-SUCCESS-"},
		{name: "sudo user", b: transport.Become{Enabled: true, User: "app"}, prefix: "sudo -H -S -n -u app /bin/sh -c"},
		{name: "sudo password", b: transport.Become{Enabled: true, Password: "s3cr3t"},
			prefix: "sudo -H -S -p '[sudo via swarmbook, key=", has: []string{"] password:' -u root /bin/sh -c"},
			hasNot: []string{"s3cr3t", " -n "}, prompt: true},
		{name: "sudo flags", b: transport.Become{Enabled: true, Flags: "-E -n"}, prefix: "sudo -E -n -u root"},
		{name: "sudo password cluster", b: transport.Become{Enabled: true, Flags: "-Hn", Password: "x"}, prefix: "sudo -H -p ", prompt: true},
		{name: "su", b: transport.Become{Enabled: true, Method: "su", User: "app"}, prefix: "su app -c '/bin/sh -c '\"'\"'echo BECOME-SUCCESS-"},
		{name: "su password", b: transport.Become{Enabled: true, Method: "su", Password: "pw"}, prefix: "su root -c", pty: true, hasNot: []string{"pw'"}},
		{name: "doas", b: transport.Become{Enabled: true, Method: "doas"}, prefix: "doas -n -u root /bin/sh -c"},
		{name: "doas password", b: transport.Become{Enabled: true, Method: "doas", Password: "pw"}, prefix: "doas -u root /bin/sh -c", pty: true},
		{name: "unknown", b: transport.Become{Enabled: true, Method: "pbrun"}, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Wrap("echo hi", c.b)
			if c.wantErr {
				if err == nil {
					t.Fatalf("want error, got %q", p.Command)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p.Command, c.prefix) {
				t.Errorf("command %q\nwant prefix %q", p.Command, c.prefix)
			}
			for _, h := range c.has {
				if !strings.Contains(p.Command, h) {
					t.Errorf("command %q lacks %q", p.Command, h)
				}
			}
			for _, h := range c.hasNot {
				if strings.Contains(p.Command, h) {
					t.Errorf("command %q contains %q", p.Command, h)
				}
			}
			if p.PTY != c.pty {
				t.Errorf("PTY = %v, want %v", p.PTY, c.pty)
			}
			if (p.Prompt != "") != c.prompt {
				t.Errorf("Prompt = %q", p.Prompt)
			}
			if c.b.Enabled && !strings.Contains(p.Command, p.Marker) {
				t.Errorf("marker %q missing from %q", p.Marker, p.Command)
			}
		})
	}
}

func TestWrapRandomKeys(t *testing.T) {
	a, _ := Wrap("true", transport.Become{Enabled: true, Password: "x"})
	b, _ := Wrap("true", transport.Become{Enabled: true, Password: "x"})
	if a.Marker == b.Marker || a.Prompt == b.Prompt {
		t.Fatalf("keys not random: %q %q", a.Marker, b.Marker)
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		out  string
		kind Kind
		msg  string
	}{
		{"sudo: a password is required\n", PasswordRequired, "Missing sudo password"},
		{"sudo: a terminal is required to read the password\n", PasswordRequired, "Missing sudo password"},
		{"Sorry, try again.\nsudo: 1 incorrect password attempt\n", IncorrectPassword, "Incorrect sudo password"},
		{"su: Authentication failure\n", IncorrectPassword, "Incorrect sudo password"},
		{"core is not in the sudoers file.\n", Failed, "privilege escalation with sudo failed: core is not in the sudoers file."},
	}
	for _, c := range cases {
		f := Classify("sudo", []byte(c.out))
		if f.Kind != c.kind || f.Error() != c.msg {
			t.Errorf("Classify(%q) = %v %q, want %v %q", c.out, f.Kind, f.Error(), c.kind, c.msg)
		}
		if !errors.Is(f, &Failure{Kind: c.kind}) {
			t.Errorf("errors.Is kind %v failed", c.kind)
		}
	}
}

func TestPromptIndex(t *testing.T) {
	loose := Plan{}
	for _, s := range []string{"Password: ", "doas (core@h) password: "} {
		if i, _ := loose.promptIndex([]byte(s)); i != 0 {
			t.Errorf("prompt %q not found", s)
		}
	}
	for _, s := range []string{"password changed for user\n", "no prompt"} {
		if i, _ := loose.promptIndex([]byte(s)); i >= 0 {
			t.Errorf("false prompt in %q", s)
		}
	}
	exact := Plan{Prompt: "[sudo via swarmbook, key=k] password:"}
	if i, e := exact.promptIndex([]byte("x[sudo via swarmbook, key=k] password:")); i != 1 || e != 38 {
		t.Errorf("exact prompt at %d..%d", i, e)
	}
}
