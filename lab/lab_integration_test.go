//go:build lab

package lab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The lab integration test: real node image, real vagrant + docker machines, real ansible-playbook.
//
//	go test -tags lab -v -timeout 30m ./lab/...
//
// Environment: SWARMBOOK_LAB_MANAGERS / SWARMBOOK_LAB_WORKERS (lab size, default 3 and 3),
// SWARMBOOK_LAB_COLD_IMAGE=1 (remove the node images first to time a cold build).
// It needs a running docker daemon (molecule-test/dockerd.sh start) and refuses to touch a lab that is
// already up in molecule-test/.

const labTestDir = "../molecule-test"

// logWriter sends each written line to t.Log.
type logWriter struct {
	t   *testing.T
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			return len(p), nil
		}
		w.t.Log(strings.TrimRight(line, "\n"))
	}
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

type timings struct {
	mu    sync.Mutex
	names []string
	vals  map[string]time.Duration
}

func (tm *timings) add(name string, d time.Duration) {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if tm.vals == nil {
		tm.vals = map[string]time.Duration{}
	}
	tm.names = append(tm.names, name)
	tm.vals[name] = d
}

func (tm *timings) print() {
	fmt.Println("lab timings:")
	for _, n := range tm.names {
		fmt.Printf("  %-40s %7.1fs\n", n, tm.vals[n].Seconds())
	}
}

func TestLab(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	managers := envInt(t, "SWARMBOOK_LAB_MANAGERS", 3)
	workers := envInt(t, "SWARMBOOK_LAB_WORKERS", 3)
	lw := &logWriter{t: t}
	opts := Options{Dir: labTestDir, Managers: managers, Workers: workers, Progress: ProgressTo(lw), Log: lw}
	tm := &timings{}
	defer tm.print()

	if err := (Options{Dir: labTestDir}).checkDocker(ctx); err != nil {
		t.Fatal(err)
	}
	left, err := Leftovers(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range left {
		if strings.HasPrefix(l, "container ") || strings.HasPrefix(l, "network ") {
			t.Fatalf("a lab is already up in %s (%v): run `make lab-down` (or lab.Down) first", labTestDir, left)
		}
	}
	if len(left) > 0 { // only stale state files: clear them
		if err := Down(ctx, opts); err != nil {
			t.Fatal(err)
		}
	}

	// The node images: cold build when asked, then a cached call.
	o, _ := opts.withDefaults()
	full, err := ImageTag(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	nopy, err := ImageTag(ctx, Options{Dir: labTestDir, Variant: "nopy"})
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("SWARMBOOK_LAB_COLD_IMAGE") == "1" {
		_, _ = o.command(ctx, "docker", "rmi", full, nopy)
	}
	begin := time.Now()
	if _, err := BuildImage(ctx, Options{Dir: labTestDir, Log: lw}); err != nil {
		t.Fatal(err)
	}
	tm.add("image build (first call: cold or cached)", time.Since(begin))
	begin = time.Now()
	if tag, err := BuildImage(ctx, Options{Dir: labTestDir}); err != nil || tag != full {
		t.Fatalf("cached BuildImage = %q, %v; want %q", tag, err, full)
	}
	tm.add("image build (cached)", time.Since(begin))
	if matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "swarmbook-node-build.*")); len(matches) > 0 {
		t.Errorf("image build directories left behind: %v", matches)
	}
	// The nopy variant really has no python3; the full one has.
	if out, err := o.command(ctx, "docker", "run", "--rm", nopy, "sh", "-c", "command -v python3 || echo none"); err != nil || strings.TrimSpace(string(out)) != "none" {
		t.Errorf("nopy image: python3 lookup gave %q, %v", out, err)
	}
	if out, err := o.command(ctx, "docker", "run", "--rm", full, "sh", "-c", "command -v python3"); err != nil || strings.TrimSpace(string(out)) != "/usr/bin/python3" {
		t.Errorf("full image: python3 lookup gave %q, %v", out, err)
	}

	// Whatever happens, leave nothing behind.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := Down(ctx, opts); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})

	// create .. verify of the default scenario, keeping the lab.
	sc, err := LoadScenario(labTestDir, "default")
	if err != nil {
		t.Fatal(err)
	}
	sc.Limit(managers, workers)
	results := t.TempDir()
	rep, err := Test(ctx, sc, Sequence, TestOptions{Lab: opts, Runner: AnsiblePlaybook{}, Destroy: DestroyNever,
		ResultsDir: results, Output: lw})
	if err != nil {
		t.Fatalf("default scenario: %v", err)
	}
	for _, st := range rep.Steps {
		tm.add(fmt.Sprintf("scenario default: %s", st.Step), st.Duration)
	}
	tm.add(fmt.Sprintf("  (create = lab up, %d machines)", managers+workers), rep.Step(StepCreate).Duration)
	conv := rep.Step(StepConverge).Run
	for _, p := range sc.Platforms {
		if c := conv.Recap[p.Name]; c.Changed == 0 || c.Failed != 0 {
			t.Errorf("converge on %s: %+v, want changes and no failure", p.Name, c)
		}
	}
	if v := rep.Step(StepVerify).Run; v.Total().Changed != 0 || v.Total().OK < 6*len(sc.Platforms) {
		t.Errorf("verify recap %+v: want only the 6 test tasks per host, unchanged", v.Recap)
	}
	for _, f := range []string{"summary.json", "junit.xml", "converge.log", "idempotence.log", "verify.log", "hosts.ini"} {
		if !exists(filepath.Join(results, f)) {
			t.Errorf("results: no %s", f)
		}
	}

	// Up again: every machine is left alone.
	var mu sync.Mutex
	var stages []string
	again := opts
	again.Progress = func(e Event) { mu.Lock(); stages = append(stages, e.Machine+" "+string(e.Stage)); mu.Unlock() }
	begin = time.Now()
	if err := Up(ctx, again); err != nil {
		t.Fatal(err)
	}
	tm.add("lab up (already running)", time.Since(begin))
	sort.Strings(stages)
	for _, m := range Machines(managers, workers) {
		want := []string{m.Name + " " + string(StageRunning), m.Name + " " + string(StageReady)}
		if !containsAll(stages, want) || containsAll(stages, []string{m.Name + " " + string(StageBooting)}) {
			t.Errorf("second Up for %s: stages %v", m.Name, stages)
		}
	}
	ms, err := Status(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.State != "running" {
			t.Errorf("status: %s is %q", m.Name, m.State)
		}
	}

	// A deliberately non-idempotent task is named, per host, by the idempotence step.
	bad, err := LoadScenario(labTestDir, "nonidempotent")
	if err != nil {
		t.Fatal(err)
	}
	bad.Limit(managers, workers)
	rep, err = Test(ctx, bad, []Step{StepConverge, StepIdempotence}, TestOptions{Lab: opts, Runner: AnsiblePlaybook{},
		Destroy: DestroyNever, ResultsDir: t.TempDir(), Output: lw})
	if err == nil {
		t.Fatal("the nonidempotent scenario passed its idempotence step")
	}
	idem := rep.Step(StepIdempotence)
	if idem.Status != StatusFailed || len(idem.Run.Changed) != len(bad.Platforms) {
		t.Fatalf("idempotence step: %s, changed %+v", idem.Status, idem.Run.Changed)
	}
	for _, c := range idem.Run.Changed {
		// Like ansible-playbook's own output, a role's task is named "<role> : <task>".
		if c.Task != "bootstrap/node-basics : Deliberately non-idempotent task" || !strings.Contains(c.Pos, "node-basics/tasks/configure.yml:") {
			t.Errorf("changed task %+v is not the deliberate one", c)
		}
		if !strings.Contains(err.Error(), c.Host+": "+c.Task+" ("+c.Pos+")") {
			t.Errorf("error does not name %s: %v", c.Host, err)
		}
	}

	// A real docker swarm across the lab machines.
	begin = time.Now()
	formSwarm(ctx, t, opts, managers, workers)
	tm.add("swarm init + join + service by hand", time.Since(begin))

	// Down: nothing left.
	begin = time.Now()
	if err := Down(ctx, opts); err != nil {
		t.Fatal(err)
	}
	tm.add(fmt.Sprintf("lab down (%d machines)", managers+workers), time.Since(begin))
	if left, err := Leftovers(ctx, opts); err != nil || len(left) > 0 {
		t.Errorf("after Down: left %v, %v", left, err)
	}
	for _, p := range []string{".vagrant", "ssh.config"} {
		if exists(filepath.Join(labTestDir, p)) {
			t.Errorf("after Down: %s exists", p)
		}
	}
	if out, _ := o.command(ctx, "docker", "ps", "-a", "--format", "{{.Names}}"); strings.Contains(string(out), "swarm-") {
		t.Errorf("after Down: containers %s", out)
	}
	if out, _ := o.command(ctx, "docker", "network", "ls", "--format", "{{.Name}}"); strings.Contains(string(out), "198.18") {
		t.Errorf("after Down: networks %s", out)
	}
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}

// formSwarm builds a swarm by hand: init on manager 1 (advertising its lab address, overlay pools inside
// 198.18.0.0/15), join the other managers and the workers, then check `docker node ls` and an overlay.
// Join tokens stay inside this function: never logged.
func formSwarm(ctx context.Context, t *testing.T, opts Options, managers, workers int) {
	t.Helper()
	ms := Machines(managers, workers)
	leader := ms[0]
	if _, err := opts.SSH(ctx, leader.Name, "sudo docker swarm init --advertise-addr "+leader.Address+
		" --default-addr-pool 198.19.0.0/16"); err != nil {
		t.Fatalf("swarm init: %v", err)
	}
	tokens := map[Role]string{}
	for role, kind := range map[Role]string{Manager: "manager", Worker: "worker"} {
		out, err := opts.SSH(ctx, leader.Name, "sudo docker swarm join-token -q "+kind)
		if err != nil {
			t.Fatalf("join-token %s: %v", kind, err)
		}
		tokens[role] = strings.TrimSpace(string(out))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(ms))
	for i, m := range ms[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := fmt.Sprintf("sudo docker swarm join --advertise-addr %s --token %s %s:2377", m.Address, tokens[m.Role], leader.Address)
			if _, err := opts.SSH(ctx, m.Name, cmd); err != nil {
				// The error would carry the command line; keep the token out of the log.
				errs[i] = fmt.Errorf("%s: swarm join failed: %s", m.Name, strings.ReplaceAll(err.Error(), tokens[m.Role], "<token>"))
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	out, err := opts.SSH(ctx, leader.Name, "sudo docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'")
	if err != nil {
		t.Fatalf("node ls: %v", err)
	}
	t.Logf("docker node ls:\n%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(ms) {
		t.Errorf("node ls lists %d nodes, want %d", len(lines), len(ms))
	}
	nManagers := 0
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 2 || f[1] != "Ready" {
			t.Errorf("node not ready: %q", l)
		}
		if len(f) >= 3 {
			nManagers++
		}
		if len(f) >= 3 && f[0] == leader.Name && f[2] != "Leader" {
			t.Errorf("%s is not the leader: %q", leader.Name, l)
		}
	}
	if nManagers != managers {
		t.Errorf("%d managers in the swarm, want %d", nManagers, managers)
	}
	runService(ctx, t, opts, ms)
}

// tinyImage makes a small image from a node's own files (no registry): sleep and true with their libc.
const tinyImage = "tar -C / -ch usr/bin/sleep usr/bin/true lib64/ld-linux-x86-64.so.2 usr/lib/x86_64-linux-gnu/libc.so.6 " +
	"| sudo docker import - swarmbook/tiny:1 >/dev/null && sudo docker run --rm swarmbook/tiny:1 /usr/bin/true"

// runService checks that nested containers run on every node and that a swarm service on an overlay
// network gets one running task per node.
func runService(ctx context.Context, t *testing.T, opts Options, ms []Machine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := opts.SSH(ctx, m.Name, tinyImage); err != nil {
				t.Errorf("%s: container in the node: %v", m.Name, err)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	leader := ms[0].Name
	create := fmt.Sprintf("sudo docker network create --driver overlay swarmbook-lab-check >/dev/null && "+
		"sudo docker service create --quiet --name swarmbook-lab-check --network swarmbook-lab-check "+
		"--replicas %d --replicas-max-per-node 1 swarmbook/tiny:1 /usr/bin/sleep 600 >/dev/null", len(ms))
	if _, err := opts.SSH(ctx, leader, create); err != nil {
		t.Fatalf("service create: %v", err)
	}
	out, err := opts.SSH(ctx, leader, "sudo docker service ps swarmbook-lab-check --filter desired-state=running --format '{{.Node}} {{.CurrentState}}'")
	if err != nil {
		t.Fatalf("service ps: %v", err)
	}
	t.Logf("docker service ps:\n%s", out)
	nodes := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || f[1] != "Running" {
			t.Errorf("service task not running: %q", l)
			continue
		}
		nodes[f[0]] = true
	}
	if len(nodes) != len(ms) {
		t.Errorf("service runs on %d nodes, want %d", len(nodes), len(ms))
	}
	if _, err := opts.SSH(ctx, leader, "sudo docker service rm swarmbook-lab-check >/dev/null && sudo docker network rm swarmbook-lab-check >/dev/null || true"); err != nil {
		t.Errorf("service rm: %v", err)
	}
}
