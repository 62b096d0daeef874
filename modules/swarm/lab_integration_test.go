//go:build lab

package swarm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/lab"
)

// The swarm modules on the real lab (3 managers, 2 workers), driven through
// the swarmbook CLI:
//
//	molecule-test/dockerd.sh start
//	go test -tags lab -v -timeout 40m -run TestSwarmLab ./modules/swarm/
//
// The default lab network is fixed (198.18.0.0/24), so the test holds an exclusive
// flock on /tmp/swarmbook-lab.lock for its whole run; it also uses its own
// container prefix, a private copy of the Vagrant directory and its own
// network 198.18.1.0/24, so that a default lab run without the lock does
// not collide with it.

const (
	labPrefix = "sbswarm"
	labNet    = "198.18.1"
)

const labPlaybook = `
- name: managers
  hosts: swarm-manager
  gather_facts: false
  tasks:
    - name: swarm manager
      docker_swarm:
        state: present
        advertise_addr: "{{ swarm_advertise_addr }}"
        default_addr_pool: [10.10.0.0/16]
        subnet_size: 24
        availability: drain
- name: workers
  hosts: swarm-worker
  gather_facts: false
  tasks:
    - name: swarm worker
      docker_swarm:
        state: join
        role: worker
        advertise_addr: "{{ swarm_advertise_addr }}"
    - name: labels
      docker_node:
        labels: "{{ swarm_labels }}"
`

const labInventory = `[swarm-manager]
swarm-manager-01 swarm_advertise_addr=198.18.1.11
swarm-manager-02 swarm_advertise_addr=198.18.1.12
swarm-manager-03 swarm_advertise_addr=198.18.1.13

[swarm-worker]
swarm-worker-01 swarm_advertise_addr=198.18.1.21 swarm_zone=1
swarm-worker-02 swarm_advertise_addr=198.18.1.22 swarm_zone=2
`

type labRun struct {
	t      *testing.T
	bin    string
	dir    string
	opts   lab.Options
	output strings.Builder // every byte any run printed
}

// play runs a playbook file from the lab directory and returns the exit
// code, output and per-host recap.
func (r *labRun) play(ctx context.Context, playbook string, extra ...string) (int, string, map[string]map[string]int, time.Duration) {
	r.t.Helper()
	args := append([]string{"run", filepath.Join(r.dir, playbook), "-i", filepath.Join(r.dir, "hosts.ini")}, extra...)
	cmd := exec.CommandContext(ctx, r.bin, args...)
	cmd.Dir = r.dir
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		r.t.Fatalf("running %s: %v", playbook, err)
	}
	r.output.Write(out)
	r.t.Logf("%s %v: exit %d in %s\n%s", playbook, extra, code, took.Round(time.Millisecond), out)
	return code, string(out), recap(string(out)), took
}

var recapLine = regexp.MustCompile(`(?m)^(\S+)\s*:\s*((?:\w+=\d+\s*)+)$`)

func recap(out string) map[string]map[string]int {
	i := strings.LastIndex(out, "PLAY RECAP")
	if i < 0 {
		return nil
	}
	res := map[string]map[string]int{}
	for _, m := range recapLine.FindAllStringSubmatch(out[i:], -1) {
		c := map[string]int{}
		for _, kv := range strings.Fields(m[2]) {
			k, v, _ := strings.Cut(kv, "=")
			c[k], _ = strconv.Atoi(v)
		}
		res[m[1]] = c
	}
	return res
}

func (r *labRun) ssh(ctx context.Context, machine, command string) string {
	r.t.Helper()
	out, err := r.opts.SSH(ctx, machine, command)
	if err != nil {
		r.t.Fatalf("ssh %s %q: %v %s", machine, command, err, out)
	}
	return strings.TrimSpace(string(out))
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	out, err := exec.Command("cp", "-a", src, dst).CombinedOutput()
	if err != nil {
		t.Fatalf("cp %s: %v %s", src, err, out)
	}
}

func TestSwarmLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 35*time.Minute)
	defer cancel()

	lock, err := os.OpenFile("/tmp/swarmbook-lab.lock", os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	t.Log("waiting for /tmp/swarmbook-lab.lock")
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)

	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "lab")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	copyTree(t, filepath.Join(root, "molecule-test", "Vagrantfile"), dir)
	copyTree(t, filepath.Join(root, "molecule-test", "image"), dir)
	// Other helpers run the default lab on 198.18.0.0/24 without the lock: this private copy of the
	// Vagrantfile moves to 198.18.1.0/24 (still in the benchmarking range) so both can coexist.
	vf := filepath.Join(dir, "Vagrantfile")
	b, err := os.ReadFile(vf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vf, []byte(strings.Replace(string(b), `$subnet_prefix = "198.18.0"`, `$subnet_prefix = "`+labNet+`"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "sbsw")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(root, "cmd", "swarmbook")).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v %s", err, out)
	}
	opts := lab.Options{Dir: dir, Managers: 3, Workers: 2, Prefix: labPrefix, BuildImage: true,
		Log: testLog{t}, Env: []string{"SWARMBOOK_LAB_PREFIX=" + labPrefix}}
	r := &labRun{t: t, bin: bin, dir: dir, opts: opts}
	t.Cleanup(func() {
		if err := lab.Down(context.Background(), opts); err != nil {
			// lab.Leftovers also names the default lab's network, which belongs to another run.
			if msg := err.Error(); strings.Count(msg, "left behind") == 1 && strings.HasSuffix(strings.TrimSpace(msg), "left behind: network vagrant_network_198.18.0.0/24") {
				t.Logf("lab down: the default lab's network belongs to another run: %v", err)
			} else {
				t.Errorf("lab down: %v", err)
			}
		}
		// lab.Down knows only the default network; take ours away if vagrant left it.
		exec.Command("docker", "network", "rm", "vagrant_network_"+labNet+".0/24").Run()
	})
	start := time.Now()
	if err := lab.Up(ctx, opts); err != nil {
		t.Fatalf("lab up: %v", err)
	}
	t.Logf("lab up in %s", time.Since(start).Round(time.Second))

	files := map[string]string{
		"hosts.ini":                   labInventory,
		"group_vars/all.yml":          fmt.Sprintf("ansible_ssh_common_args: \"-F %s/ssh.config\"\nansible_user: vagrant\nansible_become: true\n", dir),
		"group_vars/swarm-worker.yml": "swarm_labels:\n  tier: app\n  zone: \"{{ swarm_zone }}\"\n",
		"swarm.yml":                   labPlaybook,
		"drain.yml":                   "- hosts: swarm-worker-01\n  gather_facts: false\n  tasks:\n    - docker_node:\n        availability: drain\n        timeout: 120\n",
		"demote.yml":                  "- hosts: swarm-manager-02\n  gather_facts: false\n  tasks:\n    - docker_node:\n        hostname: swarm-manager-03\n        role: worker\n",
		"info.yml":                    "- hosts: swarm-worker-02\n  gather_facts: false\n  tasks:\n    - docker_swarm_info:\n        join_tokens: true\n      register: si\n    - debug: var=si\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// 1. Converge from scratch: the three managers run concurrently; only the first initialises.
	code, _, rc, took := r.play(ctx, "swarm.yml")
	if code != 0 {
		t.Fatalf("converge exit %d", code)
	}
	t.Logf("NUMBERS converge from scratch: %s, recap %v", took.Round(time.Millisecond), rc)
	ls := r.ssh(ctx, "swarm-manager-01", "sudo docker node ls --format '{{json .}}'")
	rows, err := decodeJSONLines[NodeRow](output{Text: ls, Ran: true})
	if err != nil {
		t.Fatal(err)
	}
	q := quorumOf(rows)
	if len(rows) != 5 || q.Managers != 3 || q.Reachable != 3 || leaderOf(rows) == "" {
		t.Fatalf("swarm after converge: %s", ls)
	}
	for _, row := range rows {
		want := "Active"
		if row.ManagerStatus != "" {
			want = "Drain"
		}
		if row.Availability != want || row.Status != "Ready" {
			t.Errorf("node %s: %s/%s, want %s/Ready", row.Hostname, row.Availability, row.Status, want)
		}
	}
	if l := r.ssh(ctx, "swarm-manager-01", "sudo docker node inspect swarm-worker-02 --format '{{json .Spec.Labels}}'"); l != `{"tier":"app","zone":"2"}` {
		t.Errorf("worker-02 labels: %s", l)
	}
	clusterID := r.ssh(ctx, "swarm-manager-02", "sudo docker info --format '{{.Swarm.Cluster.ID}}'")

	// 2. Second run: changed=0 everywhere. 3. --check: changed=0.
	code, _, rc, took = r.play(ctx, "swarm.yml")
	if code != 0 {
		t.Fatalf("rerun exit %d", code)
	}
	for h, c := range rc {
		if c["changed"] != 0 || c["failed"] != 0 {
			t.Errorf("rerun %s: %v", h, c)
		}
	}
	t.Logf("NUMBERS idempotent rerun: %s, recap %v", took.Round(time.Millisecond), rc)
	code, _, rc, took = r.play(ctx, "swarm.yml", "--check")
	for h, c := range rc {
		if c["changed"] != 0 || c["failed"] != 0 {
			t.Errorf("check %s: %v", h, c)
		}
	}
	t.Logf("NUMBERS --check: exit %d, %s, recap %v", code, took.Round(time.Millisecond), rc)

	// 4. Drain waits until a service's replicas run elsewhere.
	for _, w := range []string{"swarm-worker-01", "swarm-worker-02"} {
		r.ssh(ctx, w, "cd / && sudo tar -ch usr/bin/sleep lib/x86_64-linux-gnu/libc.so.6 lib64/ld-linux-x86-64.so.2 2>/dev/null | sudo docker import -c 'CMD [\"/usr/bin/sleep\",\"infinity\"]' - sbsleep:1 >/dev/null")
	}
	r.ssh(ctx, "swarm-manager-01", "sudo docker service create -d --quiet --no-resolve-image --name web --replicas 4 --constraint node.role==worker sbsleep:1")
	waitRunning := func(want int) string {
		for i := 0; i < 120; i++ {
			ps := r.ssh(ctx, "swarm-manager-01", "sudo docker service ps web --filter desired-state=running --format '{{json .}}'")
			tasks, _ := decodeJSONLines[TaskRow](output{Text: ps, Ran: true})
			n := 0
			for _, tk := range tasks {
				if strings.HasPrefix(tk.CurrentState, "Running") {
					n++
				}
			}
			if n == want && len(tasks) == want {
				return ps
			}
			time.Sleep(time.Second)
		}
		t.Fatalf("service web never ran %d replicas", want)
		return ""
	}
	ps := waitRunning(4)
	if !strings.Contains(ps, "swarm-worker-01") {
		t.Fatalf("no replica on worker-01 to move: %s", ps)
	}
	code, _, rc, took = r.play(ctx, "drain.yml")
	if code != 0 || rc["swarm-worker-01"]["changed"] != 1 {
		t.Fatalf("drain: exit %d %v", code, rc)
	}
	// Immediately after the run returns: every replica runs, none on worker-01.
	ps = r.ssh(ctx, "swarm-manager-01", "sudo docker service ps web --filter desired-state=running --format '{{json .}}'")
	tasks, _ := decodeJSONLines[TaskRow](output{Text: ps, Ran: true})
	for _, tk := range tasks {
		if tk.Node == "swarm-worker-01" || !strings.HasPrefix(tk.CurrentState, "Running") {
			t.Errorf("drain returned before the tasks moved: %+v", tk)
		}
	}
	if len(tasks) != 4 {
		t.Errorf("after drain %d tasks: %s", len(tasks), ps)
	}
	t.Logf("NUMBERS drain with replicas moving: %s", took.Round(time.Millisecond))

	// 5. Demoting a manager would leave two: refused.
	code, out, _, _ := r.play(ctx, "demote.yml")
	if code == 0 || !strings.Contains(out, "would leave an even number of managers (2)") {
		t.Fatalf("demote not refused: exit %d", code)
	}
	if n := r.ssh(ctx, "swarm-manager-01", "sudo docker node inspect swarm-manager-03 --format '{{.Spec.Role}}'"); n != "manager" {
		t.Fatalf("manager-03 is %s after a refused demote", n)
	}

	// 6. Tokens on request are redacted; docker_swarm_info at -vvv.
	r.play(ctx, "info.yml", "-vvv")

	// 7. The first leader's machine stops: a rerun initialises no new swarm and reports it unreachable.
	if out, err := exec.CommandContext(ctx, "docker", "stop", labPrefix+"-swarm-manager-01").CombinedOutput(); err != nil {
		t.Fatalf("docker stop: %v %s", err, out)
	}
	code, _, rc, took = r.play(ctx, "swarm.yml", "-v")
	if code != 4 {
		t.Errorf("rerun with leader down: exit %d, want 4", code)
	}
	if rc["swarm-manager-01"]["unreachable"] == 0 {
		t.Errorf("manager-01 not reported unreachable: %v", rc)
	}
	for h, c := range rc {
		if h != "swarm-manager-01" && (c["changed"] != 0 || c["failed"] != 0) {
			t.Errorf("leader down, %s: %v", h, c)
		}
	}
	t.Logf("NUMBERS rerun with leader stopped: exit %d, %s, recap %v", code, took.Round(time.Millisecond), rc)
	for _, m := range []string{"swarm-manager-02", "swarm-manager-03"} {
		if id := r.ssh(ctx, m, "sudo docker info --format '{{.Swarm.Cluster.ID}}'"); id != clusterID {
			t.Errorf("%s in cluster %s, want %s", m, id, clusterID)
		}
	}

	// 8. The leader comes back: a rerun converges.
	if out, err := exec.CommandContext(ctx, "docker", "start", labPrefix+"-swarm-manager-01").CombinedOutput(); err != nil {
		t.Fatalf("docker start: %v %s", err, out)
	}
	for i := 0; i < 60; i++ {
		if _, err := opts.SSH(ctx, "swarm-manager-01", "sudo docker info --format '{{.Swarm.LocalNodeState}}' | grep -qx active"); err == nil {
			break
		}
		time.Sleep(2 * time.Second)
	}
	code, _, rc, took = r.play(ctx, "swarm.yml")
	if code != 0 {
		t.Errorf("rerun after restart: exit %d %v", code, rc)
	}
	t.Logf("NUMBERS rerun after the leader restarted: exit %d, %s, recap %v", code, took.Round(time.Millisecond), rc)

	// No join token anywhere in any output.
	for _, role := range []string{"worker", "manager"} {
		tok := r.ssh(ctx, "swarm-manager-02", "sudo docker swarm join-token -q "+role)
		if len(tok) < 20 {
			t.Fatalf("token %q", tok)
		}
		if strings.Contains(r.output.String(), tok) {
			t.Errorf("the %s join token appears in the output", role)
		}
		if strings.Contains(r.output.String(), tok[:30]) {
			t.Errorf("a prefix of the %s join token appears in the output", role)
		}
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
