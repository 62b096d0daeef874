package runner

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/report"
)

// playRun is the state of one play (one serial batch at a time).
type playRun struct {
	r       *Runner
	pb      *playbook.Playbook
	play    *playbook.Play
	all     []string // ansible_play_hosts_all
	batch   []string // ansible_play_batch
	cursors map[string]*cursor
	pending map[string]*step // next step per host, nil when done
	// varsFiles are the play's vars_files, loaded once per host.
	varsFiles              map[string]map[string]any
	roleDefaults, roleVars []map[string]any
	magicMu                sync.Mutex
	magicShared            map[string]any
	magicVer               int64
	ended                  bool // meta: end_play
	// anyErrorsFatalTriggered: a failure in an any_errors_fatal task.
	anyErrorsFatalTriggered bool
	// extraHandlers are the handlers of roles included at run time.
	extraHandlers []*playbook.Task
	// freeMu serialises state changes under the free strategy.
	freeMu sync.Mutex
}

// runPlay runs one play over its hosts, batch by batch.
func (r *Runner) runPlay(ctx context.Context, pb *playbook.Playbook, play *playbook.Play) error {
	pr := &playRun{r: r, pb: pb, play: play, varsFiles: map[string]map[string]any{}}
	for _, role := range flattenRoles(play.Roles) {
		pr.roleDefaults = append(pr.roleDefaults, role.Defaults.Values)
		pr.roleVars = append(pr.roleVars, role.RoleVars.Values)
	}

	pattern, err := pr.renderPlayString(ctx, play.Hosts)
	if err != nil {
		return fmt.Errorf("%s: hosts: %w", play.Pos, err)
	}
	selected, err := r.opts.Inventory.Select(pattern)
	if err != nil {
		return fmt.Errorf("%s: hosts: %w", play.Pos, err)
	}
	if len(selected) == 0 && !strings.Contains(pattern, "{{") {
		r.rep.Warning("Could not match supplied host pattern, ignoring: " + pattern)
	}
	for _, h := range selected {
		if r.isFailed(h.Name) {
			continue
		}
		pr.all = append(pr.all, h.Name)
	}
	pr.all = orderHosts(pr.all, play.Order)

	name := play.Name
	if name == "" {
		name = pattern
	}
	if n, err := pr.renderPlayString(ctx, name); err == nil {
		name = n
	}
	playInfo := report.Play{Name: name, Hosts: pr.all, Check: r.opts.Check, Free: play.Strategy == "free"}
	if len(pr.all) == 0 {
		r.rep.PlayStart(playInfo)
		r.rep.NoHostsMatched()
		return nil
	}

	for _, batch := range serialBatches(pr.all, play.Serial) {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Ansible prints the PLAY banner for every serial batch.
		r.rep.PlayStart(playInfo)
		pr.batch = batch
		r.stateVersion.Add(1)
		if err := pr.loadVarsFiles(ctx); err != nil {
			return err
		}
		if err := pr.runBatch(ctx); err != nil {
			return err
		}
		if pr.ended {
			break
		}
		// A batch in which every host failed ends the playbook, as in
		// Ansible's playbook executor (break_play).
		failed := 0
		for _, h := range batch {
			if r.isFailed(h) {
				failed++
			}
		}
		if failed == len(batch) {
			return errBreakPlay
		}
	}
	return nil
}

// errBreakPlay ends the playbook after a batch in which every host failed.
var errBreakPlay = errors.New("all hosts of the batch failed")

// loadVarsFiles loads the play's vars_files for every host of the batch:
// each entry is templated per host, and for a list of candidates the first
// file that exists is used.
func (pr *playRun) loadVarsFiles(ctx context.Context) error {
	if len(pr.play.VarsFiles) == 0 {
		return nil
	}
	cache := map[string]map[string]any{}
	for _, h := range pr.batch {
		merged := map[string]any{}
		sc := pr.hostScope(h)
		for _, vf := range pr.play.VarsFiles {
			found := false
			var tried []string
			for _, cand := range vf.Candidates {
				name, err := pr.r.tmpl.RenderString(ctx, cand, sc)
				if err != nil {
					return fmt.Errorf("%s: vars_files: %w", vf.Pos, err)
				}
				path := name
				if !filepath.IsAbs(path) {
					path = filepath.Join(pr.pb.Dir, name)
				}
				tried = append(tried, path)
				vals, ok := cache[path]
				if !ok {
					if _, err := os.Stat(path); err != nil {
						continue
					}
					v, err := playbook.LoadVarsFile(path)
					if err != nil {
						return err
					}
					vals = v.Values
					cache[path] = vals
				}
				for k, v := range vals {
					merged[k] = v
				}
				found = true
				break
			}
			if !found {
				return fmt.Errorf("%s: vars file %s was not found\nCould not find file on the Ansible Controller.", vf.Pos, strings.Join(tried, " or "))
			}
		}
		pr.varsFiles[h] = merged
	}
	return nil
}

// renderPlayString templates a play-level string with extra and play vars.
func (pr *playRun) renderPlayString(ctx context.Context, s string) (string, error) {
	if !isTemplate(s) {
		return s, nil
	}
	sc := pr.playScope()
	return pr.r.tmpl.RenderString(ctx, s, sc)
}

// orderHosts applies the play's `order`.
func orderHosts(hosts []string, order string) []string {
	out := append([]string(nil), hosts...)
	switch order {
	case "reverse_inventory":
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	case "sorted":
		sortStrings(out)
	case "reverse_sorted":
		sortStrings(out)
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	}
	return out
}

// serialBatches splits hosts as Ansible's serial keyword does: ints,
// percentages and lists whose last size repeats.
func serialBatches(hosts []string, serial []any) [][]string {
	if len(serial) == 0 {
		return [][]string{hosts}
	}
	var sizes []int
	for _, s := range serial {
		n := 0
		switch v := s.(type) {
		case int:
			n = v
		case float64:
			n = int(v)
		case string:
			v = strings.TrimSpace(v)
			if p, ok := strings.CutSuffix(v, "%"); ok {
				f, _ := strconv.ParseFloat(p, 64)
				n = int(math.Floor(f / 100 * float64(len(hosts))))
				if n == 0 {
					n = 1
				}
			} else {
				n, _ = strconv.Atoi(v)
			}
		}
		sizes = append(sizes, n)
	}
	var out [][]string
	for i := 0; len(hosts) > 0; i++ {
		n := sizes[len(sizes)-1]
		if i < len(sizes) {
			n = sizes[i]
		}
		if n <= 0 || n > len(hosts) {
			n = len(hosts)
		}
		out = append(out, hosts[:n])
		hosts = hosts[n:]
	}
	return out
}

// flattenRoles lists roles with their dependencies first, as Ansible's
// play.get_roles() exposes them for variable precedence.
func flattenRoles(roles []*playbook.Role) []*playbook.Role {
	var out []*playbook.Role
	seen := map[*playbook.Role]bool{}
	var walk func(r *playbook.Role)
	walk = func(r *playbook.Role) {
		if seen[r] {
			return
		}
		seen[r] = true
		for _, d := range r.Deps {
			walk(d)
		}
		out = append(out, r)
	}
	for _, r := range roles {
		walk(r)
	}
	return out
}

// batchTasks builds the task list of one batch: fact gathering, the three
// task sections, and the implicit handler flushes between them.
func (pr *playRun) batchTasks() []*playbook.Task {
	var tasks []*playbook.Task
	gather := pr.play.GatherFacts == nil || *pr.play.GatherFacts
	if gather {
		args := map[string]any{}
		if len(pr.play.GatherSubset) > 0 {
			subset := make([]any, len(pr.play.GatherSubset))
			for i, s := range pr.play.GatherSubset {
				subset[i] = s
			}
			args["gather_subset"] = subset
		}
		tasks = append(tasks, &playbook.Task{Pos: pr.play.Pos, Name: "Gathering Facts", Action: "setup", ActionAs: "gather_facts",
			Args: args, Tags: []string{"always"}, File: pr.play.Pos.File, Implicit: true})
	}
	flush := func() *playbook.Task {
		return &playbook.Task{Pos: pr.play.Pos, Action: "meta", ActionAs: "meta", Args: map[string]any{"_raw_params": "flush_handlers"},
			Tags: []string{"always"}, File: pr.play.Pos.File, Name: "flush_handlers", Implicit: true}
	}
	tasks = append(tasks, pr.play.PreTasks...)
	tasks = append(tasks, flush())
	tasks = append(tasks, pr.play.Tasks...)
	tasks = append(tasks, flush())
	tasks = append(tasks, pr.play.PostTasks...)
	tasks = append(tasks, flush())
	return tasks
}

// runBatch runs all sections of the play for the current batch.
func (pr *playRun) runBatch(ctx context.Context) error {
	r := pr.r
	pr.cursors = map[string]*cursor{}
	pr.pending = map[string]*step{}
	tasks := pr.batchTasks()
	for _, h := range pr.batch {
		r.host(h).resetPlay()
		pr.cursors[h] = newCursor(tasks)
	}
	if pr.play.Strategy == "free" {
		return pr.runFree(ctx)
	}
	return pr.runLinear(ctx)
}

// active lists the batch hosts that still run tasks, in batch order.
func (pr *playRun) active() []string {
	var out []string
	for _, h := range pr.batch {
		hs := pr.r.host(h)
		if hs.failed || hs.unreachable || hs.ended || pr.cursors[h] == nil {
			continue
		}
		out = append(out, h)
	}
	return out
}

// playHosts is ansible_play_hosts: the batch's hosts that have not failed.
func (pr *playRun) playHosts() []any {
	var out []any
	for _, h := range pr.all {
		if !pr.r.isFailed(h) && !pr.r.host(h).ended {
			out = append(out, h)
		}
	}
	return out
}

// advance fetches the next runnable step for host, skipping tasks that the
// tag selection or --start-at-task exclude. It returns nil when the host is
// done (and marks it failed when a failure escaped every block).
func (pr *playRun) advance(host string) *step {
	c := pr.cursors[host]
	for {
		s, ok, failed := c.next()
		if !ok {
			if failed {
				pr.markFailed(host)
			}
			pr.cursors[host] = nil
			return nil
		}
		if !pr.selected(s.task) {
			continue
		}
		// --start-at-task: skip everything before the named task, except
		// fact gathering, as Ansible does.
		if start := pr.r.startAt; start != "" && !(s.task.Implicit && s.task.Action == "setup") {
			if s.task.Name != start && displayName(s.task) != start {
				continue
			}
			pr.r.startAt = ""
		}
		return &s
	}
}

// markFailed records that host failed for good in this run.
func (pr *playRun) markFailed(host string) {
	pr.r.host(host).failed = true
	pr.r.setFailed(host, true, false)
}

// markUnreachable records an unreachable host.
func (pr *playRun) markUnreachable(host string) {
	pr.r.host(host).unreachable = true
	pr.r.setFailed(host, false, true)
	pr.cursors[host] = nil
}
