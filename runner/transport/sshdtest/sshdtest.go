package sshdtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// SSHD is the server binary used.
const SSHD = "/usr/sbin/sshd"

// Options tunes the servers of a Set.
type Options struct {
	// MaxSessions is sshd's MaxSessions (channels per connection); 0 keeps
	// OpenSSH's default of 10.
	MaxSessions int
	// Extra is appended to every sshd_config verbatim.
	Extra string
}

// Set is a group of running servers and the client files that reach them.
type Set struct {
	Dir            string // temporary directory holding everything
	User           string // login user for the servers (the current user)
	ClientKeyFile  string // client private key, OpenSSH format, no passphrase
	ClientSigner   ssh.Signer
	KnownHostsFile string // known_hosts for all servers
	SSHConfigFile  string // ssh_config with one Host alias per server
	Servers        []*Server
}

// Server is one running sshd.
type Server struct {
	Alias      string // Host alias in Set.SSHConfigFile: "h0", "h1", ...
	IP         string // 127.0.0.(2+i)
	Port       int
	Addr       string // "IP:Port"
	HostKey    ssh.PublicKey
	ConfigFile string // sshd_config
	LogFile    string // sshd's log (LogLevel VERBOSE)
	PidFile    string

	cmd       *exec.Cmd
	logOffset int64 // log size when the current process started
}

// Start runs n sshd servers and registers their cleanup with t. It skips the
// test when sshd is not installed or the process is not root.
func Start(t testing.TB, n int, opts Options) *Set {
	t.Helper()
	if _, err := os.Stat(SSHD); err != nil {
		t.Skipf("sshdtest: %s not installed (apt-get install openssh-server)", SSHD)
	}
	if os.Geteuid() != 0 {
		t.Skip("sshdtest: sshd needs root for privilege separation; run the tests as root")
	}
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil { // privilege separation dir
		t.Skipf("sshdtest: cannot create /run/sshd: %v", err)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
	dir := t.TempDir()
	// sshd reads AuthorizedKeysFile as the logging-in user: let other
	// accounts (AddUser) traverse to it. Keys stay 0600.
	os.Chmod(filepath.Dir(dir), 0o755)
	os.Chmod(dir, 0o755)
	s := &Set{Dir: dir, User: u.Username}
	s.ClientKeyFile = filepath.Join(dir, "id_ed25519")
	signer, pub := writeKey(t, s.ClientKeyFile)
	s.ClientSigner = signer
	authorized := filepath.Join(dir, "authorized_keys")
	writeFile(t, authorized, string(ssh.MarshalAuthorizedKey(pub)), 0o644)

	var known, cfg strings.Builder
	for i := 0; i < n; i++ {
		srv := &Server{Alias: fmt.Sprintf("h%d", i), IP: fmt.Sprintf("127.0.0.%d", 2+i)}
		sdir := filepath.Join(dir, srv.Alias)
		if err := os.Mkdir(sdir, 0o755); err != nil {
			t.Fatal(err)
		}
		_, srv.HostKey = writeKey(t, filepath.Join(sdir, "ssh_host_ed25519_key"))
		srv.Port = freePort(t, srv.IP)
		srv.Addr = net.JoinHostPort(srv.IP, strconv.Itoa(srv.Port))
		srv.ConfigFile = filepath.Join(sdir, "sshd_config")
		srv.LogFile = filepath.Join(sdir, "sshd.log")
		srv.PidFile = filepath.Join(sdir, "sshd.pid")
		writeFile(t, srv.ConfigFile, serverConfig(srv, sdir, authorized, opts), 0o644)
		srv.start(t)
		t.Cleanup(srv.stop)
		s.Servers = append(s.Servers, srv)
		fmt.Fprintf(&known, "[%s]:%d %s", srv.IP, srv.Port, ssh.MarshalAuthorizedKey(srv.HostKey))
		fmt.Fprintf(&cfg, "Host %s\n  HostName %s\n  Port %d\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n"+
			"  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n\n",
			srv.Alias, srv.IP, srv.Port, s.User, s.ClientKeyFile, filepath.Join(dir, "known_hosts"))
	}
	s.KnownHostsFile = filepath.Join(dir, "known_hosts")
	writeFile(t, s.KnownHostsFile, known.String(), 0o644)
	s.SSHConfigFile = filepath.Join(dir, "ssh_config")
	writeFile(t, s.SSHConfigFile, cfg.String(), 0o644)
	return s
}

func serverConfig(srv *Server, dir, authorized string, opts Options) string {
	max := opts.MaxSessions
	if max == 0 {
		max = 10
	}
	return fmt.Sprintf(`ListenAddress %s
HostKey %s
PidFile %s
AuthorizedKeysFile %s
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
MaxSessions %d
MaxStartups 100:30:200
LogLevel VERBOSE
PermitRootLogin yes
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PrintMotd no
PrintLastLog no
UseDNS no
%s
`, srv.Addr, filepath.Join(dir, "ssh_host_ed25519_key"), srv.PidFile, authorized, max, opts.Extra)
}

func (srv *Server) start(t testing.TB) {
	t.Helper()
	cmd := exec.Command(SSHD, "-D", "-E", srv.LogFile, "-f", srv.ConfigFile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if out, err := exec.Command(SSHD, "-t", "-f", srv.ConfigFile).CombinedOutput(); err != nil {
		t.Fatalf("sshdtest: sshd -t: %v: %s", err, out)
	}
	srv.logOffset = int64(len(srv.Log()))
	if err := cmd.Start(); err != nil {
		t.Fatalf("sshdtest: starting sshd: %v", err)
	}
	srv.cmd = cmd
	// Wait for the listening line rather than probing, so the log counts
	// only the clients' connections.
	deadline := time.Now().Add(10 * time.Second)
	want := fmt.Sprintf("Server listening on %s port %d", srv.IP, srv.Port)
	for !strings.Contains(srv.Log()[srv.logOffset:], want) {
		if time.Now().After(deadline) {
			log := srv.Log()
			srv.stop()
			t.Fatalf("sshdtest: sshd on %s did not start:\n%s", srv.Addr, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop kills the server and the connection processes it forked (only those:
// the server's process group, which Start created).
func (srv *Server) stop() {
	if srv.cmd == nil || srv.cmd.Process == nil {
		return
	}
	pid := srv.cmd.Process.Pid
	for _, c := range children(pid) {
		syscall.Kill(c, syscall.SIGKILL)
	}
	syscall.Kill(pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { srv.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		syscall.Kill(pid, syscall.SIGKILL)
		<-done
	}
	srv.cmd = nil
}

// Restart stops the server (dropping every connection) and starts it again
// on the same address with the same host key.
func (srv *Server) Restart(t testing.TB) {
	t.Helper()
	srv.stop()
	srv.start(t)
}

// PID is the listening sshd's process id.
func (srv *Server) PID() int {
	if srv.cmd == nil || srv.cmd.Process == nil {
		return 0
	}
	return srv.cmd.Process.Pid
}

// KillConnections kills the per-connection sshd processes of this server,
// which drops every live client connection while the server keeps
// listening. It returns how many it killed.
func (srv *Server) KillConnections(t testing.TB) int {
	t.Helper()
	n := 0
	for _, c := range children(srv.PID()) {
		if err := syscall.Kill(c, syscall.SIGKILL); err == nil {
			n++
		}
	}
	return n
}

// Log returns the server's log so far.
func (srv *Server) Log() string {
	b, _ := os.ReadFile(srv.LogFile)
	return string(b)
}

// CountLog counts the log lines containing substr, e.g. "Connection from"
// (one per TCP connection) or "Accepted publickey".
func (srv *Server) CountLog(substr string) int {
	n := 0
	for _, l := range strings.Split(srv.Log(), "\n") {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}

// Descendants lists every process below the listening sshd (its
// per-connection processes and what they run), breadth-first.
func (srv *Server) Descendants() []int {
	pid := srv.PID()
	if pid <= 0 {
		return nil
	}
	kids := childrenByParent()
	var out []int
	for queue := kids[pid]; len(queue) > 0; queue = queue[1:] {
		out = append(out, queue[0])
		queue = append(queue, kids[queue[0]]...)
	}
	return out
}

// children lists the direct children of pid from /proc.
func children(pid int) []int {
	if pid <= 0 {
		return nil
	}
	return childrenByParent()[pid]
}

// childrenByParent maps each process id to its direct children, from /proc.
func childrenByParent() map[int][]int {
	kids := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		id, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces, so cut at the last ')'.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		if pp, err := strconv.Atoi(f[1]); err == nil {
			kids[pp] = append(kids[pp], id)
		}
	}
	return kids
}

func freePort(t testing.TB, ip string) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skipf("sshdtest: cannot listen on %s: %v", ip, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writeKey(t testing.TB, path string) (ssh.Signer, ssh.PublicKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "sshdtest")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(pem.EncodeToMemory(block)), 0o600)
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path+".pub", string(ssh.MarshalAuthorizedKey(signer.PublicKey())), 0o644)
	return signer, signer.PublicKey()
}

func writeFile(t testing.TB, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatalf("sshdtest: %v", err)
	}
}
