// Package runner executes playbooks: plays, serial batches, the linear and
// free strategies, blocks, handlers, tags, loops and the PLAY RECAP, driving
// modules on hosts through one connection per host for the whole run.
package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/swarmbook/swarmbook/inventory"
	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/report"
	"github.com/swarmbook/swarmbook/runner/template"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// Options configure a run; the CLI fills them from flags and ansible.cfg.
type Options struct {
	Inventory *inventory.Inventory
	Loader    *playbook.Loader
	Modules   *modules.Registry
	// Dialers by connection type: "ssh", "local", "winrm".
	Dialers  map[string]transport.Dialer
	Reporter report.Reporter
	Secrets  *report.Secrets

	ExtraVars   map[string]any
	Tags        []string // --tags; empty means all
	SkipTags    []string
	Check, Diff bool
	Forks       int
	Verbosity   int
	StartAtTask string
	// Become defaults from the command line (-b, --become-user, -K).
	Become         *bool
	BecomeUser     string
	BecomeMethod   string
	BecomePassword string
	RemoteUser     string // -u
	// Connection overrides the default connection type (-c).
	Connection string
	// Now is the clock (tests fix it).
	Now func() time.Time
}

// Summary is the outcome of a run.
type Summary struct {
	Counts      map[string]*report.Counts
	Failed      bool // some host failed
	Unreachable bool // some host was unreachable
	Interrupted bool
}

// ExitCode maps a summary to ansible-playbook's exit codes.
func (s Summary) ExitCode() int {
	switch {
	case s.Unreachable:
		return 4
	case s.Failed:
		return 2
	}
	return 0
}

// Runner runs playbooks. It is used once.
type Runner struct {
	opts    Options
	tmpl    *template.Engine
	rep     report.Reporter
	secrets *report.Secrets

	mu     sync.Mutex
	hosts  map[string]*hostState // persistent per-host state across plays
	conns  *connPool
	counts map[string]*report.Counts
	taskID int

	startAt          string // --start-at-task, cleared once found
	omit             string
	extra            map[string]any
	failedHosts      map[string]bool // hosts failed in the run (excluded from later plays)
	unreachableHosts map[string]bool
	// stateVersion changes whenever hosts fail or the inventory changes, so
	// that cached magic variables are rebuilt.
	stateVersion atomic.Int64
}

// isFailed reports whether host failed or was unreachable in this run.
func (r *Runner) isFailed(host string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failedHosts[host] || r.unreachableHosts[host]
}

// setFailed records (or clears) a failed or unreachable host.
func (r *Runner) setFailed(host string, failed, unreachable bool) {
	r.mu.Lock()
	if failed {
		r.failedHosts[host] = true
	} else {
		delete(r.failedHosts, host)
	}
	if unreachable {
		r.unreachableHosts[host] = true
	}
	r.mu.Unlock()
	r.stateVersion.Add(1)
}

// New prepares a runner.
func New(opts Options) *Runner {
	if opts.Forks <= 0 {
		opts.Forks = 5
	}
	if opts.Secrets == nil {
		opts.Secrets = &report.Secrets{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Runner{
		opts:             opts,
		secrets:          opts.Secrets,
		hosts:            map[string]*hostState{},
		counts:           map[string]*report.Counts{},
		startAt:          opts.StartAtTask,
		omit:             "__omit_place_holder__swarmbook",
		extra:            opts.ExtraVars,
		failedHosts:      map[string]bool{},
		unreachableHosts: map[string]bool{},
	}
	r.rep = report.Redact{Secrets: r.secrets, Next: opts.Reporter}
	r.tmpl = template.New(template.Options{
		Warn: func(msg string) { r.rep.Warning(msg) },
	})
	r.conns = newConnPool(r)
	return r
}

// Templates exposes the runner's template engine (for plan-time checks).
func (r *Runner) Templates() *template.Engine { return r.tmpl }

// Run executes the playbooks in order and prints the recap.
func (r *Runner) Run(ctx context.Context, pbs []*playbook.Playbook) (Summary, error) {
	start := r.opts.Now()
	defer r.conns.closeAll()
	var runErr error
	interrupted := false
outer:
	for _, pb := range pbs {
		r.rep.PlaybookStart(pb.Path)
		for _, play := range pb.Plays {
			if err := r.runPlay(ctx, pb, play); err != nil {
				if errors.Is(err, errBreakPlay) {
					break outer
				}
				if errors.Is(err, context.Canceled) || ctx.Err() != nil {
					interrupted = true
					break outer
				}
				runErr = err
				break outer
			}
		}
	}
	sum := Summary{Counts: r.counts, Interrupted: interrupted}
	var hosts []string
	for h, c := range r.counts {
		hosts = append(hosts, h)
		if c.Failed > 0 {
			sum.Failed = true
		}
		if c.Unreachable > 0 {
			sum.Unreachable = true
		}
	}
	sortStrings(hosts)
	r.rep.Recap(report.Recap{Hosts: hosts, Counts: r.counts, Check: r.opts.Check, Duration: r.opts.Now().Sub(start)})
	if runErr != nil {
		return sum, runErr
	}
	if interrupted {
		return sum, fmt.Errorf("interrupted: %w", context.Canceled)
	}
	return sum, nil
}

// count returns the recap counters of host, creating them.
func (r *Runner) count(host string) *report.Counts {
	c := r.counts[host]
	if c == nil {
		c = &report.Counts{}
		r.counts[host] = c
	}
	return c
}

func (r *Runner) host(name string) *hostState {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.hosts[name]
	if h == nil {
		h = &hostState{name: name, facts: map[string]any{}, setFacts: map[string]any{}, includeVars: map[string]any{}, registered: map[string]bool{}}
		r.hosts[name] = h
	}
	return h
}

// knownHost reports whether the run has state for host (added hosts).
func (r *Runner) knownHost(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.hosts[name]
	return ok
}
