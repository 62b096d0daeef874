// Command bench measures swarmbook against Debian's ansible-playbook on the
// same playbooks, against real OpenSSH servers on loopback, and writes
// bench/results/<date>.json, a markdown table and a PNG chart.
//
//	go run ./bench -mode quick   # a few hosts and tasks, under 3 minutes
//	go run ./bench -mode full    # hosts 1/10/50 × tasks 10/100, facts, latency, 1000-host scale cell
//
// It needs root (sshd privilege separation) and writable cgroups for the
// memory and CPU of whole process trees (it falls back to polled RSS and
// wait4 rusage without them). Timing never fails anything: the exit status
// is non-zero only when the harness itself breaks.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	mode := flag.String("mode", "quick", "quick (a few hosts and tasks), full (the whole matrix) or rtt (round trips per task kind)")
	out := flag.String("out", "bench/results", "directory for the JSON, markdown and PNG results")
	only := flag.String("only", "", "run only the cells whose name contains one of these comma-separated strings")
	toolsFlag := flag.String("tools", "", "comma-separated tools to keep (S, S-free, A1, A0, A2); empty: the mode's")
	repsFlag := flag.Int("reps", 0, "repetitions per cell (0: the mode's)")
	budget := flag.Duration("cell-budget", 25*time.Minute, "stop adding repetitions to a cell after this long")
	profile := flag.Bool("profile", false, "also take CPU and heap profiles of swarmbook's engine (bench/profile) on the largest matrix cell (with -only: the largest selected cell, scale cells included)")
	keep := flag.Bool("keep", false, "keep the scratch directory")
	bin := flag.String("swarmbook", "", "use this swarmbook binary instead of building ./cmd/swarmbook")
	commit := flag.String("swarmbook-commit", "", "with -swarmbook: the commit it was built from, for the report")
	replot := flag.String("replot", "", "only redraw the markdown and chart of this results JSON (into -out)")
	flag.Parse()
	log.SetFlags(log.Ltime)
	if *replot != "" {
		if err := redraw(*replot, *out); err != nil {
			log.Fatal(err)
		}
		return
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := run(ctx, *mode, *out, *only, *toolsFlag, *repsFlag, *budget, *profile, *keep, *bin, *commit); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, mode, out, only, toolsFlag string, reps int, budget time.Duration, profile, keep bool, bin, commit string) error {
	cells, fleetSize, err := plan(mode)
	if err != nil {
		return err
	}
	cells = filterCells(cells, only, toolsFlag, reps)
	if len(cells) == 0 {
		return fmt.Errorf("no cell left to run")
	}
	work, err := os.MkdirTemp("", "swarmbench-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(work)
	}
	os.Chmod(work, 0o755)
	log.Printf("scratch directory %s", work)

	e := &env{work: work, useCgroup: cgroupKind() != ""}
	if !e.useCgroup {
		log.Printf("cgroups not writable: memory is summed RSS, CPU is wait4 rusage (ControlPersist masters not counted)")
	}
	if e.swarmbook = bin; bin == "" {
		if e.swarmbook, err = buildSwarmbook(ctx, work); err != nil {
			return err
		}
	}
	if e.user, err = createUser(work); err != nil {
		return err
	}
	defer e.user.remove()
	var tgt *cgroup
	if e.useCgroup {
		if tgt, err = newCgroup(fmt.Sprintf("swarmbench-%d-targets", os.Getpid())); err != nil {
			return err
		}
		defer tgt.destroy()
	}
	block := 100 + os.Getpid()%100 // 127.<block>.x.y: away from the test fixtures' 127.0.0.x
	log.Printf("starting %d sshd on 127.%d.0.0/16", fleetSize, block)
	if e.fleet, err = startFleet(ctx, filepath.Join(work, "sshd"), fleetSize, block, 2222, tgt); err != nil {
		return err
	}
	defer e.fleet.stop()

	env := describeEnv(ctx, e)
	if commit != "" {
		env.Commit = commit
	}
	results := &results{Mode: mode, Started: time.Now().UTC(), Env: env}
	for _, c := range cells {
		addrs, cleanup, err := e.addresses(ctx, c)
		if err != nil {
			return err
		}
		log.Printf("cell %s: %d hosts on %d sshd, %d tasks, tools %v, %d reps", c.Name, c.Hosts, len(addrs), c.Tasks, c.Tools, c.Reps)
		c.Servers = len(addrs)
		r, err := e.runCell(ctx, c, addrs, budget)
		cleanup()
		if r != nil {
			results.Cells = append(results.Cells, r)
			results.Finished = time.Now().UTC()
			if err := results.save(out); err != nil { // after every cell: a cut-short run keeps what it measured
				return err
			}
		}
		if err != nil {
			log.Printf("cell %s: %v", c.Name, err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	if profile && ctx.Err() == nil {
		if p, err := e.profile(ctx, out, mode, cells, only != ""); err != nil {
			log.Printf("profile: %v", err)
		} else {
			results.Profile = p
		}
	}
	results.Finished = time.Now().UTC()
	results.Complete = ctx.Err() == nil
	if err := results.save(out); err != nil {
		return err
	}
	fmt.Print(results.markdown(results.pngName()))
	return nil
}

// redraw rewrites the markdown and chart of a saved results file.
func redraw(path, out string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var r results
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return r.save(out)
}

// addresses returns the sshd addresses for a cell's hosts: the first
// min(hosts, fleet) servers, behind delay proxies when the cell adds
// latency.
func (e *env) addresses(ctx context.Context, c cellSpec) ([]string, func(), error) {
	n := min(c.Hosts, len(e.fleet.servers))
	var addrs []string
	var proxies []*delayProxy
	cleanup := func() {
		for _, p := range proxies {
			p.close()
		}
		e.proxies = nil
	}
	for i := 0; i < n; i++ {
		s := e.fleet.servers[i]
		if c.DelayMS == 0 {
			addrs = append(addrs, s.addr)
			continue
		}
		p, err := startDelayProxy(ctx, s.ip+":0", s.addr, time.Duration(c.DelayMS)*time.Millisecond)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		proxies = append(proxies, p)
		addrs = append(addrs, p.addr())
	}
	e.proxies = proxies // read by runOnce for the exchange counts
	return addrs, cleanup, nil
}

// plan lists the cells of a mode and the number of sshd servers to start.
func plan(mode string) ([]cellSpec, int, error) {
	switch mode {
	case "quick":
		return []cellSpec{
			{Name: "h1t10", Hosts: 1, Tasks: 10, Tools: []string{"S", "A1", "A0"}, Reps: 1},
			{Name: "h3t8", Hosts: 3, Tasks: 8, Tools: []string{"S", "A1", "S-free", "A2"}, Reps: 1},
			{Name: "h3t4-facts", Hosts: 3, Tasks: 4, Tools: []string{"S", "A1"}, Reps: 1, Facts: true},
			{Name: "h1t4-rtt20", Hosts: 1, Tasks: 4, Tools: []string{"S", "A1"}, Reps: 1, DelayMS: 10},
			{Name: "h1t12-rtt20", Hosts: 1, Tasks: 12, Tools: []string{"S", "A1"}, Reps: 1, DelayMS: 10},
			{Name: "h1t4", Hosts: 1, Tasks: 4, Tools: []string{"S", "A1"}, Reps: 1},
			{Name: "h1t12", Hosts: 1, Tasks: 12, Tools: []string{"S", "A1"}, Reps: 1},
			{Name: "h100t10-scale", Hosts: 100, Tasks: 10, Tools: []string{"S"}, Reps: 1},
		}, 5, nil
	case "rtt":
		// Round trips per task kind: 1 host, lo and hi tasks of one kind,
		// with and without the delay proxy.
		var cells []cellSpec
		for _, kind := range append([]string{""}, taskKinds...) {
			for _, t := range []int{4, 16} {
				for _, d := range []int{0, 10} {
					name := fmt.Sprintf("h1t%d", t)
					if kind != "" {
						name += "-" + kind
					}
					if d > 0 {
						name += "-rtt20"
					}
					cells = append(cells, cellSpec{Name: name, Hosts: 1, Tasks: t, Tools: []string{"S", "A1"}, Reps: 1, DelayMS: d, Only: kind})
				}
			}
		}
		return cells, 1, nil
	case "full":
		// Small cells first, then the headline 50×100 cell, then the rest:
		// results are saved after every cell, so a run cut short keeps the
		// most important numbers. Stock Ansible (A0) and the strategy-free
		// pair run where hosts × tasks ≤ 100: on 2 shared cores each of
		// them costs as much as tuned Ansible or more. Repetitions fit
		// about an hour on a busy 2-core machine; raise them with -reps on
		// a quiet one.
		all := []string{"S", "A1", "A0", "S-free", "A2"}
		two := []string{"S", "A1"}
		return []cellSpec{
			{Name: "h1t10", Hosts: 1, Tasks: 10, Tools: all, Reps: 3},
			{Name: "h10t10", Hosts: 10, Tasks: 10, Tools: all, Reps: 1},
			{Name: "h10t10-facts", Hosts: 10, Tasks: 10, Tools: two, Reps: 1, Facts: true},
			{Name: "h1t8-rtt20", Hosts: 1, Tasks: 8, Tools: two, Reps: 1, DelayMS: 10},
			{Name: "h1t40-rtt20", Hosts: 1, Tasks: 40, Tools: two, Reps: 1, DelayMS: 10},
			{Name: "h1t8", Hosts: 1, Tasks: 8, Tools: two, Reps: 1},
			{Name: "h1t40", Hosts: 1, Tasks: 40, Tools: two, Reps: 1},
			{Name: "h1000t10-scale", Hosts: 1000, Tasks: 10, Tools: []string{"S"}, Reps: 1},
			{Name: "h50t100", Hosts: 50, Tasks: 100, Tools: two, Reps: 1},
			{Name: "h1t100", Hosts: 1, Tasks: 100, Tools: two, Reps: 1},
			{Name: "h50t10", Hosts: 50, Tasks: 10, Tools: two, Reps: 1},
			{Name: "h10t100", Hosts: 10, Tasks: 100, Tools: two, Reps: 1},
		}, 250, nil
	}
	return nil, 0, fmt.Errorf("unknown -mode %q (quick, full or rtt)", mode)
}
func filterCells(cells []cellSpec, only, tools string, reps int) []cellSpec {
	var out []cellSpec
	for _, c := range cells {
		if only != "" && !containsAny(c.Name, strings.Split(only, ",")) {
			continue
		}
		if tools != "" {
			keep := map[string]bool{}
			for _, t := range strings.Split(tools, ",") {
				keep[strings.TrimSpace(t)] = true
			}
			var ts []string
			for _, t := range c.Tools {
				if keep[t] {
					ts = append(ts, t)
				}
			}
			if len(ts) == 0 {
				continue
			}
			c.Tools = ts
		}
		if reps > 0 {
			c.Reps = reps
		}
		out = append(out, c)
	}
	return out
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if x = strings.TrimSpace(x); x != "" && strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// buildSwarmbook builds the CLI as the Makefile does, into work.
func buildSwarmbook(ctx context.Context, work string) (string, error) {
	bin := filepath.Join(work, "swarmbook")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, "./cmd/swarmbook")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building swarmbook: %v: %s", err, b)
	}
	return bin, nil
}
