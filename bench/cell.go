package main

import (
	"context"
	"fmt"
	"log"
	"path/filepath"
	"time"
)

// cellSpec is one point of the matrix.
type cellSpec struct {
	Name    string   `json:"name"`
	Hosts   int      `json:"hosts"`
	Tasks   int      `json:"tasks"`
	Servers int      `json:"sshd_servers"` // sshd processes behind the hosts
	Tools   []string `json:"tools"`
	Reps    int      `json:"reps"`
	Facts   bool     `json:"facts,omitempty"`
	DelayMS int      `json:"delay_ms,omitempty"` // one-way delay added by the proxy
	Only    string   `json:"only,omitempty"`     // every task of this kind instead of the mix
}

// cellResult is every run of a cell plus its parity verdict.
type cellResult struct {
	cellSpec
	RepsDone int           `json:"reps_done"`
	Runs     []measurement `json:"runs"`
	ParityOK bool          `json:"parity_ok"`
	Problems []string      `json:"problems,omitempty"`
	RefHash  string        `json:"ref_hash"`
}

// runCell runs every tool of spec, alternating their order between
// repetitions; each repetition is a first run from a clean tree and an
// idempotent second run. It stops adding repetitions once budget is
// spent (at least one is always run).
func (e *env) runCell(ctx context.Context, spec cellSpec, addrs []string, budget time.Duration) (*cellResult, error) {
	res := &cellResult{cellSpec: spec, ParityOK: true}
	dir := filepath.Join(e.work, "cells", spec.Name)
	root := filepath.Join(e.work, "tree")
	w, err := writeWorkload(dir, root, spec.Hosts, spec.Tasks, addrs, e.fleet.keyFile, e.user.Name, spec.Only)
	if err != nil {
		return nil, err
	}
	tools := map[string]tool{}
	for _, t := range allTools {
		tools[t.Name] = t
	}
	start := time.Now()
	for rep := 0; rep < spec.Reps; rep++ {
		if rep > 0 && time.Since(start) > budget {
			log.Printf("%s: budget spent after %d reps", spec.Name, rep)
			break
		}
		for i := range spec.Tools {
			name := spec.Tools[(i+rep)%len(spec.Tools)]
			t, ok := tools[name]
			if !ok {
				return nil, fmt.Errorf("unknown tool %q", name)
			}
			if err := resetTree(root, spec.Hosts, e.user.UID, e.user.GID); err != nil {
				return nil, err
			}
			var first string
			for _, phase := range []string{"first", "second"} {
				if err := ctx.Err(); err != nil {
					return res, err
				}
				m, err := e.runOnce(ctx, t, w, spec.Facts, phase)
				if err != nil {
					return res, fmt.Errorf("%s %s %s: %w", spec.Name, name, phase, err)
				}
				m.Rep, m.DelayMS = rep, spec.DelayMS
				if m.TreeHash, err = treeHash(root); err != nil {
					return res, err
				}
				want := 0
				if phase == "first" {
					want = w.expectedChanged()
					first = m.TreeHash
				}
				res.check(&m, spec.Hosts, want, first)
				log.Printf("%s rep %d %-6s %-6s wall %7.2fs cpu %7.2fs mem %7.1fMB changed %d/%d conns %d auths %d sessions %d %s",
					spec.Name, rep, name, phase, m.WallS, m.CPUS, m.MemPeakMB, m.Recap.Changed, want,
					m.SSHD.Connections, m.SSHD.Auths, m.SSHD.Sessions, m.Problem)
				res.Runs = append(res.Runs, m)
			}
		}
		res.RepsDone = rep + 1
	}
	return res, nil
}

// check records the parity problems of m: exit status, failures, changed
// count, and the tree hash against the cell's first tree and (second
// runs) against the same tool's first run.
func (c *cellResult) check(m *measurement, hosts, wantChanged int, first string) {
	var p []string
	if m.ExitCode != 0 {
		p = append(p, fmt.Sprintf("exit %d", m.ExitCode))
	}
	if m.Recap.Failed != 0 || m.Recap.Unreachable != 0 {
		p = append(p, fmt.Sprintf("failed=%d unreachable=%d", m.Recap.Failed, m.Recap.Unreachable))
	}
	if m.Recap.Hosts != hosts {
		p = append(p, fmt.Sprintf("recap has %d hosts, want %d", m.Recap.Hosts, hosts))
	}
	if m.Recap.Changed != wantChanged {
		p = append(p, fmt.Sprintf("changed=%d, want %d", m.Recap.Changed, wantChanged))
	}
	if c.RefHash == "" && m.Phase == "first" {
		c.RefHash = m.TreeHash
	}
	if m.TreeHash != c.RefHash {
		p = append(p, fmt.Sprintf("tree %s differs from reference %s", m.TreeHash, c.RefHash))
	}
	if m.Phase == "second" && m.TreeHash != first {
		p = append(p, "second run changed the tree")
	}
	if len(p) > 0 {
		m.Problem = fmt.Sprint(p)
		c.ParityOK = false
		c.Problems = append(c.Problems, fmt.Sprintf("%s rep %d %s: %v", m.Tool, m.Rep, m.Phase, p))
	}
}
