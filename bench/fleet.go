package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
)

const sshdPath = "/usr/sbin/sshd"

// fleet is a set of real OpenSSH servers on loopback, one per address, and
// the client key that reaches them all.
type fleet struct {
	dir       string
	keyFile   string // client private key (ed25519, no passphrase)
	servers   []*server
	cpuGroup  *cgroup // every sshd and its children: target CPU
	basePort  int
	addrBlock int
}

// server is one listening sshd.
type server struct {
	ip, addr string
	port     int
	dir      string
	logFile  string
	cmd      *exec.Cmd
}

// startFleet starts n sshd processes on 127.<block>.x.y:port, each with its
// own host key, pid file, log and config.
func startFleet(ctx context.Context, dir string, n, block, port int, tgt *cgroup) (*fleet, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("sshd needs root for privilege separation")
	}
	if _, err := os.Stat(sshdPath); err != nil {
		return nil, fmt.Errorf("sshd: %w", err)
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f := &fleet{dir: dir, keyFile: filepath.Join(dir, "id_ed25519"), cpuGroup: tgt, basePort: port, addrBlock: block}
	pub, err := writeKey(f.keyFile)
	if err != nil {
		return nil, err
	}
	auth := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(auth, ssh.MarshalAuthorizedKey(pub), 0o644); err != nil {
		return nil, err
	}
	f.servers = make([]*server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := 0; i < n; i++ {
		ip := fmt.Sprintf("127.%d.%d.%d", block, i/250, i%250+1)
		s := &server{ip: ip, port: port, addr: fmt.Sprintf("%s:%d", ip, port), dir: filepath.Join(dir, fmt.Sprintf("s%d", i))}
		f.servers[i] = s
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = s.start(ctx, auth, tgt)
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			f.stop()
			return nil, err
		}
	}
	return f, nil
}

func (s *server) start(ctx context.Context, auth string, tgt *cgroup) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return err
	}
	hostKey := filepath.Join(s.dir, "ssh_host_ed25519_key")
	if _, err := writeKey(hostKey); err != nil {
		return err
	}
	cfg := filepath.Join(s.dir, "sshd_config")
	s.logFile = filepath.Join(s.dir, "sshd.log")
	conf := fmt.Sprintf(`ListenAddress %s
HostKey %s
PidFile %s
AuthorizedKeysFile %s
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
MaxSessions 200
MaxStartups 1000:30:2000
LogLevel VERBOSE
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PrintMotd no
PrintLastLog no
UseDNS no
`, s.addr, hostKey, filepath.Join(s.dir, "sshd.pid"), auth)
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		return err
	}
	s.cmd = exec.Command(sshdPath, "-D", "-E", s.logFile, "-f", cfg)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("starting sshd on %s: %w", s.addr, err)
	}
	if tgt != nil {
		tgt.add(s.cmd.Process.Pid)
	}
	want := fmt.Sprintf("Server listening on %s port %d", s.ip, s.port)
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(s.logFile)
		if strings.Contains(string(b), want) {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("sshd on %s did not start: %s", s.addr, b)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop kills each server's process group (the listener and the
// per-connection processes it forked, which share its group).
func (f *fleet) stop() {
	for _, s := range f.servers {
		if s == nil || s.cmd == nil || s.cmd.Process == nil {
			continue
		}
		for _, p := range descendants(s.cmd.Process.Pid) {
			syscall.Kill(p, syscall.SIGKILL)
		}
		s.cmd.Wait()
	}
}

// logCounts are counts of sshd log lines.
type logCounts struct {
	Connections int `json:"connections"`
	Auths       int `json:"auths"`
	Sessions    int `json:"sessions"`
}

// counts sums the log line counts of every server.
func (f *fleet) counts() logCounts {
	var c logCounts
	for _, s := range f.servers {
		b, _ := os.ReadFile(s.logFile)
		for _, l := range strings.Split(string(b), "\n") {
			switch {
			case strings.Contains(l, "Connection from"):
				c.Connections++
			case strings.Contains(l, "Accepted publickey"):
				c.Auths++
			case strings.Contains(l, "Starting session:"):
				c.Sessions++
			}
		}
	}
	return c
}

func (c logCounts) minus(o logCounts) logCounts {
	return logCounts{c.Connections - o.Connections, c.Auths - o.Auths, c.Sessions - o.Sessions}
}

func writeKey(path string) (ssh.PublicKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "swarmbook-bench")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	return signer.PublicKey(), nil
}
