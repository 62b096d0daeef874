//go:build lab

package moleculetest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/lab"
)

// repoRoot is the repository root (the test runs in molecule-test/).
func repoRoot(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// lockLab serialises lab users on this machine: the lab network is fixed.
func lockLab(t *testing.T) {
	f, err := os.OpenFile("/tmp/swarmbook-lab.lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() })
}

type run struct {
	out  string
	code int
	dur  time.Duration
}

func sb(t *testing.T, bin, dir string, args ...string) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "ANSIBLE_NOCOLOR=1")
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	start := time.Now()
	err := cmd.Run()
	r := run{out: b.String(), dur: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return r
}

var recapLine = regexp.MustCompile(`(?m)^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)`)

// recap returns host -> "ok changed unreachable failed".
func recap(out string) map[string][]string {
	i := strings.LastIndex(out, "PLAY RECAP")
	m := map[string][]string{}
	if i < 0 {
		return m
	}
	for _, g := range recapLine.FindAllStringSubmatch(out[i:], -1) {
		m[g[1]] = g[2:]
	}
	return m
}

func recapText(out string) string {
	i := strings.LastIndex(out, "PLAY RECAP")
	if i < 0 {
		return ""
	}
	return out[i:]
}

// startLab skips t unless the lab can run here (root, vagrant, docker,
// debootstrap), builds swarmbook, takes the lab lock and brings the lab up
// from scratch (down first, so that the first converge really creates the
// swarm); the lab goes down at the end of t. It returns the repository root
// and the swarmbook binary.
func startLab(t *testing.T) (root, bin string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the lab needs root")
	}
	for _, tool := range []string{"vagrant", "docker", "debootstrap"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the lab needs %s (make deps)", tool)
		}
	}
	root = repoRoot(t)
	bin = filepath.Join(t.TempDir(), "swarmbook")
	build := exec.Command("go", "build", "-o", bin, "./cmd/swarmbook")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	lockLab(t)
	opts := lab.Options{Dir: filepath.Join(root, "molecule-test")}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		lab.Down(ctx, opts)
	})
	if down := sb(t, bin, root, "lab", "down"); down.code != 0 {
		t.Fatalf("lab down: exit %d\n%s", down.code, down.out)
	}
	up := sb(t, bin, root, "lab", "up")
	if up.code != 0 {
		t.Fatalf("lab up: exit %d\n%s", up.code, up.out)
	}
	t.Logf("lab up (6 machines): %s", up.dur.Round(time.Millisecond))
	return root, bin
}

func TestLabCycle(t *testing.T) {
	root, bin := startLab(t)
	up2 := sb(t, bin, root, "lab", "up")
	if up2.code != 0 || !strings.Contains(up2.out, "already running") {
		t.Fatalf("second lab up is not idempotent: exit %d\n%s", up2.code, up2.out)
	}

	t.Run("nonidempotent task is named", func(t *testing.T) {
		r := sb(t, bin, root, "test", "nonidempotent", "--steps", "converge,idempotence")
		if r.code == 0 {
			t.Fatalf("idempotence passed on a non-idempotent scenario:\n%s", r.out)
		}
		res := filepath.Join(root, "molecule-test", "nonidempotent", ".results", "summary.json")
		data, err := os.ReadFile(res)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte("idempotence")) || !strings.Contains(r.out, "changed") {
			t.Fatalf("summary does not report the idempotence failure:\n%s", data)
		}
		if !regexp.MustCompile(`(?i)non.?idempot`).MatchString(string(data)) {
			t.Fatalf("the changed task is not named in the report:\n%s", data)
		}
	})

	inv := "molecule-test/hosts.ini"
	t.Run("swarm converge, idempotence, smoketests, check", func(t *testing.T) {
		var tokens []string
		first := sb(t, bin, root, "run", "playbooks/swarm.yml", "-i", inv, "-vvv")
		if first.code != 0 {
			t.Fatalf("converge: exit %d\n%s", first.code, first.out)
		}
		t.Logf("swarm converge from scratch: %s", first.dur.Round(time.Millisecond))
		for _, role := range []string{"worker", "manager"} {
			tok, err := exec.Command("docker", "exec", "swarmbook-lab-swarm-manager-01", "docker", "swarm", "join-token", "-q", role).Output()
			if err != nil {
				t.Fatalf("join-token: %v", err)
			}
			tokens = append(tokens, strings.TrimSpace(string(tok)))
		}
		second := sb(t, bin, root, "run", "playbooks/swarm.yml", "-i", inv, "-vvv")
		for h, c := range recap(second.out) {
			if c[1] != "0" || c[3] != "0" {
				t.Errorf("second run on %s: changed=%s failed=%s", h, c[1], c[3])
			}
		}
		if len(recap(second.out)) != 6 || second.code != 0 {
			t.Fatalf("second run: exit %d\n%s", second.code, recapText(second.out))
		}
		t.Logf("swarm idempotent rerun: %s", second.dur.Round(time.Millisecond))
		smoke := sb(t, bin, root, "run", "playbooks/swarm.yml", "-i", inv, "--tags", "test")
		if smoke.code != 0 {
			t.Fatalf("smoketests: exit %d\n%s", smoke.code, smoke.out)
		}
		t.Logf("swarm smoketests: %s", smoke.dur.Round(time.Millisecond))
		check := sb(t, bin, root, "run", "playbooks/swarm.yml", "-i", inv, "--check")
		for h, c := range recap(check.out) {
			if c[1] != "0" {
				t.Errorf("--check on the converged cluster changed %s on %s", c[1], h)
			}
		}
		for _, out := range []string{first.out, second.out, smoke.out, check.out} {
			for _, tok := range tokens {
				if tok != "" && strings.Contains(out, tok) {
					t.Fatal("a join token appears in swarmbook's output")
				}
			}
		}
		nodes, err := exec.Command("docker", "exec", "swarmbook-lab-swarm-manager-01", "docker", "node", "ls", "--format", "{{json .}}").Output()
		if err != nil {
			t.Fatal(err)
		}
		var leaders, reachable, drained, active int
		for _, line := range strings.Split(strings.TrimSpace(string(nodes)), "\n") {
			var n struct{ ManagerStatus, Availability, Status string }
			json.Unmarshal([]byte(line), &n)
			switch n.ManagerStatus {
			case "Leader":
				leaders++
			case "Reachable":
				reachable++
			}
			if n.Availability == "Drain" {
				drained++
			} else if n.Availability == "Active" && n.Status == "Ready" {
				active++
			}
		}
		if leaders != 1 || reachable != 2 || drained != 3 || active != 3 {
			t.Fatalf("cluster: %d leader, %d reachable, %d drained, %d active workers\n%s", leaders, reachable, drained, active, nodes)
		}
	})

	// ansible-playbook cannot run playbooks/swarm.yml (firewall is swarmbook's
	// own module; Ansible's docker modules need Python's Docker SDK on the
	// nodes): the side-by-side run uses the seed's roles, in TestLabSwarm.

	t.Run("swarmbook test default: all five steps", func(t *testing.T) {
		r := sb(t, bin, root, "test", "default")
		if r.code != 0 {
			t.Fatalf("swarmbook test default: exit %d\n%s", r.code, r.out)
		}
		data, err := os.ReadFile(filepath.Join(root, "molecule-test", "default", ".results", "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []string{"create", "converge", "idempotence", "verify", "destroy"} {
			if !regexp.MustCompile(`"step":\s*"` + step + `",\s*"status":\s*"passed"`).Match(data) {
				t.Errorf("step %s did not pass:\n%s", step, data)
			}
		}
		if _, err := os.Stat(filepath.Join(root, "molecule-test", "default", ".results", "junit.xml")); err != nil {
			t.Error("no junit.xml")
		}
		t.Logf("swarmbook test default (5 steps): %s", r.dur.Round(time.Millisecond))
		left, err := lab.Leftovers(context.Background(), lab.Options{Dir: filepath.Join(root, "molecule-test")})
		if err != nil || len(left) > 0 {
			t.Fatalf("lab destroy left %v (%v)", left, err)
		}
	})
}
