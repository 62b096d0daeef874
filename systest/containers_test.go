package systest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// capabilities are every capability except CAP_SYS_RESOURCE (LAB.md): the
// build machines' bounding set lacks it, so --privileged is never used.
var capabilities = strings.Fields(`CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
	LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO
	SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE
	AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ`)

// docker runs the docker client and returns its trimmed stdout.
func docker(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args[:min(2, len(args))], " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// node is one running container.
type node struct {
	name string // inventory name and container hostname: sbsys-1, sbsys-2
	id   string
	ip   string
}

// exec runs a shell script in the container and returns its stdout+stderr.
func (n node) exec(ctx context.Context, script string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", "exec", "-i", n.id, "/bin/sh", "-c", script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("docker exec on %s: %w", n.name, err)
	}
	return string(out), nil
}

// keys is the SSH key pair the test connects with.
type keys struct {
	private string // path
	public  string // one authorized_keys line
}

// newKeys makes an ed25519 key pair in a temporary directory.
func newKeys(t *testing.T) keys {
	t.Helper()
	p := filepath.Join(t.TempDir(), "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sbsys", "-f", p).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(p + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	return keys{private: p, public: strings.TrimSpace(string(pub))}
}

// pair is two containers of the node image on their own docker network.
type pair struct {
	label string
	nodes []node
}

// randSuffix is a short random name part.
func randSuffix() string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// startPair creates a docker network (docker picks the subnet) and two
// containers of image on it, removed (by ID) when t ends, then waits for
// their sshd and prepares them with prep.
func startPair(t *testing.T, image, label string, k keys, repo, prep string) *pair {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	suffix := randSuffix()
	netName := "sbsys-" + label + "-" + suffix
	netID, err := docker(ctx, "network", "create", "--label", "org.swarmbook.systest=1", netName)
	if err != nil {
		t.Fatal(err)
	}
	p := &pair{label: label}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, n := range p.nodes {
			if _, err := docker(ctx, "rm", "-f", "-v", n.id); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
		if _, err := docker(ctx, "network", "rm", netID); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	for i := 1; i <= 2; i++ {
		name := fmt.Sprintf("sbsys-%d", i)
		args := []string{"run", "-d", "--name", fmt.Sprintf("sbsys-%s-%s-%d", label, suffix, i),
			"--hostname", name, "--network", netID, "--label", "org.swarmbook.systest=1",
			"--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
			"--memory", "512m",
			"-e", "SWARMBOOK_AUTHORIZED_KEYS=" + k.public, "-e", "SWARMBOOK_NODE_DOCKERD=0"}
		for _, c := range capabilities {
			args = append(args, "--cap-add", c)
		}
		id, err := docker(ctx, append(args, image)...)
		if err != nil {
			t.Fatal(err)
		}
		p.nodes = append(p.nodes, node{name: name, id: id})
	}
	var wg sync.WaitGroup
	errs := make([]error, len(p.nodes))
	for i := range p.nodes {
		wg.Add(1)
		go func(n *node, errp *error) {
			defer wg.Done()
			*errp = readyNode(ctx, n, repo, prep)
		}(&p.nodes[i], &errs[i])
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// readyNode finds n's address, waits for its sshd banner, copies the local
// apt repository in and runs prep.
func readyNode(ctx context.Context, n *node, repo, prep string) error {
	ip, err := docker(ctx, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", n.id)
	if err != nil {
		return err
	}
	n.ip = ip
	for {
		if sshBanner(n.ip) {
			break
		}
		select {
		case <-ctx.Done():
			logs, _ := docker(context.Background(), "logs", "--tail", "20", n.id)
			return fmt.Errorf("sshd on %s (%s) never answered: %w\n%s", n.name, n.ip, ctx.Err(), logs)
		case <-time.After(200 * time.Millisecond):
		}
	}
	if _, err := docker(ctx, "cp", repo+"/.", n.id+":/srv/sbsys-repo"); err != nil {
		return err
	}
	if out, err := n.exec(ctx, prep); err != nil {
		return fmt.Errorf("preparing %s: %w\n%s", n.name, err, out)
	}
	return nil
}

// sshBanner reports whether an SSH server answers on ip:22.
func sshBanner(ip string) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, "22"), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	b := make([]byte, 4)
	_, err = c.Read(b)
	return err == nil && string(b) == "SSH-"
}

// nodeImage returns the full node image's tag (SWARMBOOK_IMAGE overrides
// it, as in the Vagrantfile), or skips t when it is missing.
func nodeImage(t *testing.T) string {
	t.Helper()
	if tag := os.Getenv("SWARMBOOK_IMAGE"); tag != "" {
		if _, err := docker(context.Background(), "image", "inspect", tag); err != nil {
			t.Skipf("skipping: SWARMBOOK_IMAGE=%s missing", tag)
		}
		return tag
	}
	out, err := exec.Command("../molecule-test/image/build.sh", "--tag", "full").Output()
	if err != nil {
		t.Fatalf("molecule-test/image/build.sh --tag full: %v", err)
	}
	tag := strings.TrimSpace(string(out))
	if _, err := docker(context.Background(), "image", "inspect", tag); err != nil {
		t.Skipf("skipping: node image %s missing (build it with molecule-test/image/build.sh all)", tag)
	}
	return tag
}

// needPrereqs skips t unless root with an answering docker daemon and the
// host tools the test uses.
func needPrereqs(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: the system tests need root (docker, containers with capabilities)")
	}
	if !dockerAnswers() {
		t.Skip("skipping: the docker daemon does not answer (molecule-test/dockerd.sh start)")
	}
	for _, tool := range []string{"dpkg-deb", "dpkg-scanpackages", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping: %s not installed (apt-get install dpkg-dev openssh-client)", tool)
		}
	}
}
