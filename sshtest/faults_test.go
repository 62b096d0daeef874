package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// TestFaults runs one playbook on four hosts: h0 healthy, h1 presented with
// a known_hosts holding a wrong key, h2 with a client key the server does
// not accept, h3 whose sshd is stopped. h0 must finish; the others are
// UNREACHABLE with the reason; exit code 4; and, when ansible-playbook is
// installed, the same recap and exit code as Ansible.
func TestFaults(t *testing.T) {
	t.Parallel()
	l := startLab(t, 4)
	swarmbookBin(t)
	dir := t.TempDir()

	// h1: a known_hosts entry with another key for its address.
	_, wrongHost := newKey(t, filepath.Join(dir, "other_host_key"))
	h1 := l.set.Servers[1]
	badKnown := filepath.Join(dir, "bad_known_hosts")
	writeText(t, badKnown, fmt.Sprintf("[%s]:%d %s", h1.IP, h1.Port, ssh.MarshalAuthorizedKey(wrongHost)))
	// h2: a client key nobody authorized.
	wrongKey := filepath.Join(dir, "wrong_client_key")
	newKey(t, wrongKey)
	// h3: stopped.
	h3 := l.set.Servers[3]
	stopServer(t, h3.PID(), h3.Addr)

	inventory := func(out string) string {
		var b strings.Builder
		b.WriteString("[targets]\n")
		for i, s := range l.set.Servers {
			line := fmt.Sprintf("%s ansible_host=%s ansible_port=%d", s.Alias, s.IP, s.Port)
			switch i {
			case 1:
				line += fmt.Sprintf(" ansible_ssh_common_args='-o UserKnownHostsFile=%s'", badKnown)
			case 2:
				line += " ansible_ssh_private_key_file=" + wrongKey
			}
			b.WriteString(line + "\n")
		}
		fmt.Fprintf(&b, "\n[targets:vars]\n%sansible_ssh_private_key_file=%s\n"+
			"ansible_ssh_common_args='-o UserKnownHostsFile=%s'\nansible_python_interpreter=/usr/bin/python3\nout=%s\n",
			l.loginVars(), l.set.ClientKeyFile, l.set.KnownHostsFile, out)
		p := filepath.Join(t.TempDir(), "inventory.ini")
		writeText(t, p, b.String())
		return p
	}
	pb, _ := filepath.Abs("testdata/faults/site.yml")
	sbOut := t.TempDir()
	sb := l.run(t, "swarmbook", t.TempDir(), pb, "-i", inventory(sbOut))
	all := sb.stdout + sb.stderr

	if sb.exit != 4 {
		t.Errorf("exit %d, want 4", sb.exit)
	}
	want := map[string]string{
		"h0": "ok=2 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
		"h1": "ok=0 changed=0 unreachable=1 failed=0 skipped=0 rescued=0 ignored=0",
		"h2": "ok=0 changed=0 unreachable=1 failed=0 skipped=0 rescued=0 ignored=0",
		"h3": "ok=0 changed=0 unreachable=1 failed=0 skipped=0 rescued=0 ignored=0",
	}
	for h, w := range want {
		if sb.recap[h] != w {
			t.Errorf("recap %s: got %q, want %q", h, sb.recap[h], w)
		}
	}
	if _, err := os.Stat(filepath.Join(sbOut, "h0.txt")); err != nil {
		t.Errorf("h0 did not finish its tasks: %v", err)
	}
	t.Run("host_key_mismatch", func(t *testing.T) {
		line := unreachableLine(all, "h1")
		for _, w := range []string{ssh.FingerprintSHA256(wrongHost), ssh.FingerprintSHA256(h1.HostKey)} {
			if !strings.Contains(line, w) {
				t.Errorf("h1's UNREACHABLE message lacks fingerprint %s:\n%s", w, line)
			}
		}
	})
	t.Run("auth_failure", func(t *testing.T) {
		line := unreachableLine(all, "h2")
		for _, w := range []string{"publickey", l.user} {
			if !strings.Contains(line, w) {
				t.Errorf("h2's UNREACHABLE message lacks %q:\n%s", w, line)
			}
		}
		if strings.Contains(all, "PRIVATE KEY") {
			t.Errorf("output contains key material")
		}
	})
	t.Run("stopped_sshd", func(t *testing.T) {
		line := unreachableLine(all, "h3")
		if !strings.Contains(line, "refused") {
			t.Errorf("h3's UNREACHABLE message does not say the connection was refused:\n%s", line)
		}
	})
	if t.Failed() {
		t.Log(sb)
	}

	t.Run("differential", func(t *testing.T) {
		needAnsible(t)
		an := l.run(t, "ansible", t.TempDir(), pb, "-i", inventory(t.TempDir()))
		if an.exit != sb.exit {
			t.Errorf("exit: ansible %d swarmbook %d", an.exit, sb.exit)
		}
		reportDiffs(t, compareRecap("faults_recap", an, sb), false)
		if t.Failed() {
			t.Log(an)
		}
	})
}

// TestSeedWorkflow runs the seed's layout from its own directory: ansible.cfg
// with `[ssh_connection] ssh_args = -F ssh.config`, an ssh.config of Host
// aliases (vagrant ssh-config's shape) and an inventory of bare names.
func TestSeedWorkflow(t *testing.T) {
	t.Parallel()
	l := startLab(t, 3)
	swarmbookBin(t)
	setup := func(out string) string {
		dir := t.TempDir()
		writeText(t, filepath.Join(dir, "ssh.config"), l.sshConfig(t))
		writeText(t, filepath.Join(dir, "hosts"), "[swarm]\nh0\nh1\nh2\n\n[swarm:vars]\nansible_become=true\nout="+out+"\n")
		writeText(t, filepath.Join(dir, "ansible.cfg"), "[defaults]\ninventory = hosts\nhost_key_checking = True\n"+
			"interpreter_python = /usr/bin/python3\n\n[ssh_connection]\nssh_args = -F ssh.config\n")
		b, err := os.ReadFile("testdata/seed/site.yml")
		if err != nil {
			t.Fatal(err)
		}
		writeText(t, filepath.Join(dir, "site.yml"), string(b))
		return dir
	}
	sbOut := t.TempDir()
	sbDir := setup(sbOut)
	// No ANSIBLE_SSH_ARGS here: it would override ansible.cfg's ssh_args.
	l.noSSHArgsEnv = true
	sb := l.run(t, "swarmbook", sbDir, "site.yml")
	checkRun(t, sb, []string{"h0", "h1", "h2"})
	for _, h := range []string{"h0", "h1", "h2"} {
		if b, err := os.ReadFile(filepath.Join(sbOut, h+".txt")); err != nil || string(b) != h+"\n" {
			t.Errorf("%s: file %q, %v", h, b, err)
		}
	}
	for _, s := range l.set.Servers {
		if n := s.CountLog("Accepted publickey"); n != 1 {
			t.Errorf("%s: %d authentications in one run, want 1", s.Alias, n)
		}
	}
	t.Run("differential", func(t *testing.T) {
		needAnsible(t)
		anOut := t.TempDir()
		an := l.run(t, "ansible", setup(anOut), "site.yml")
		checkRun(t, an, []string{"h0", "h1", "h2"})
		reportDiffs(t, compareRecap("seed_recap", an, sb), false)
		if d := treeDiff(tree(t, anOut), tree(t, sbOut), "ansible", "swarmbook"); d != "" {
			t.Errorf("files differ:\n%s", d)
		}
	})
}

// unreachableLine returns the output line(s) reporting host UNREACHABLE.
func unreachableLine(out, host string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "["+host+"]") && strings.Contains(l, "UNREACHABLE") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// stopServer stops an sshd this test's fixture started (by its PID) and waits
// until its address refuses connections.
func stopServer(t *testing.T, pid int, addr string) {
	t.Helper()
	if pid <= 0 {
		t.Fatal("no sshd pid")
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("stopping sshd %d: %v", pid, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("sshd on %s still accepts connections", addr)
}

// newKey writes a fresh ed25519 private key (OpenSSH format) to path and
// returns its signer and public key.
func newKey(t *testing.T, path string) (ssh.Signer, ssh.PublicKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return signer, sp
}

func writeText(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
