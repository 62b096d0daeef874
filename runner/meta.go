package runner

import (
	"context"
	"slices"
	"strings"

	"github.com/swarmbook/swarmbook/runner/playbook"
)

// runMeta executes a meta task for a group of hosts.
func (pr *playRun) runMeta(ctx context.Context, t *playbook.Task, hosts []string) error {
	action, _ := t.Args["_raw_params"].(string)
	action = strings.TrimSpace(action)
	// Conditionals are evaluated per host for meta tasks that take them.
	var run []string
	for _, h := range hosts {
		if action == "flush_handlers" {
			run = append(run, h)
			continue
		}
		ok, err := pr.evalWhen(ctx, t, pr.scope(h, t))
		if err != nil {
			rt := pr.startTask(ctx, t, h, "")
			pr.commit(ctx, rt, t, nil, h, failedResult(err.Error()))
			continue
		}
		if ok {
			run = append(run, h)
		}
	}
	switch action {
	case "flush_handlers":
		if !t.Implicit && pr.play.Strategy != "free" {
			// Ansible 2.14 prints the meta task's banner once per host.
			for range run {
				pr.startTask(ctx, t, run[0], "")
			}
		}
		return pr.flushHandlers(ctx, run)
	case "end_play":
		if len(run) > 0 {
			pr.ended = true
			for _, h := range pr.batch {
				pr.cursors[h] = nil
			}
		}
	case "end_batch":
		if len(run) > 0 {
			for _, h := range pr.batch {
				pr.cursors[h] = nil
			}
		}
	case "end_host":
		for _, h := range run {
			pr.r.host(h).ended = true
			pr.cursors[h] = nil
		}
		pr.r.stateVersion.Add(1)
	case "clear_host_errors":
		for _, h := range pr.r.hostsList() {
			pr.r.setFailed(h, false, false)
			pr.r.host(h).failed = false
		}
	case "clear_facts":
		for _, h := range run {
			pr.r.host(h).facts = map[string]any{}
		}
	case "reset_connection":
		for _, h := range run {
			pr.r.conns.reset(h)
		}
	case "noop", "refresh_inventory", "role_complete", "end_role":
	}
	return nil
}

func (r *Runner) hostsList() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.hosts))
	for h := range r.hosts {
		out = append(out, h)
	}
	return out
}

// handlers lists the play's handlers, with those of included roles.
func (pr *playRun) handlers() []*playbook.Task {
	return append(append([]*playbook.Task(nil), pr.play.Handlers...), pr.extraHandlers...)
}

// notify records the handlers that a changed task notifies on host.
func (pr *playRun) notify(ctx context.Context, host string, t *playbook.Task) {
	hs := pr.r.host(host)
	sc := pr.scope(host, t)
	handlers := pr.handlers()
	for _, n := range t.Notify {
		name := pr.renderString(ctx, n, sc)
		// As Ansible: the first handler with that name, plus every handler
		// that listens to it.
		found := false
		for _, h := range handlers {
			if handlerNamed(h, name) {
				hs.notified[h] = true
				found = true
				break
			}
		}
		for _, h := range handlers {
			if slices.Contains(h.Listen, name) {
				hs.notified[h] = true
				found = true
			}
		}
		if !found {
			pr.r.rep.Warning("The requested handler '" + name + "' was not found in either the main handlers list nor in the listening handlers list")
		}
	}
}

func handlerNamed(h *playbook.Task, name string) bool {
	if h.Name == name {
		return true
	}
	role := taskRole(h)
	return role != nil && role.Name+" : "+h.Name == name
}

// flushHandlers runs the notified handlers, in handler order, on the hosts
// that were notified and have not failed.
func (pr *playRun) flushHandlers(ctx context.Context, hosts []string) error {
	for _, h := range pr.handlers() {
		var run []string
		for _, host := range hosts {
			hs := pr.r.host(host)
			if hs.notified[h] && !hs.failed && !hs.unreachable {
				run = append(run, host)
				delete(hs.notified, h)
			}
		}
		if len(run) == 0 {
			continue
		}
		if err := pr.runHandler(ctx, h, run); err != nil {
			return err
		}
	}
	return nil
}

// runHandler runs one handler (a task or a block of tasks) on hosts.
func (pr *playRun) runHandler(ctx context.Context, h *playbook.Task, hosts []string) error {
	saved := map[string]*cursor{}
	for _, host := range hosts {
		saved[host] = pr.cursors[host]
		pr.cursors[host] = newCursor([]*playbook.Task{h})
	}
	defer func() {
		for _, host := range hosts {
			if pr.cursors[host] == nil && (pr.r.host(host).failed || pr.r.host(host).unreachable) {
				continue
			}
			pr.cursors[host] = saved[host]
		}
	}()
	pend := map[string]*step{}
	for {
		var first *step
		for _, host := range hosts {
			if pr.cursors[host] == nil {
				continue
			}
			if pend[host] == nil {
				pend[host] = pr.advanceHandler(host)
			}
			if s := pend[host]; s != nil && (first == nil || comparePath(s.path, first.path) < 0) {
				first = s
			}
		}
		if first == nil {
			return nil
		}
		var run []string
		for _, host := range hosts {
			if s := pend[host]; s != nil && s.task == first.task {
				run = append(run, host)
				pend[host] = nil
			}
		}
		if err := pr.runStep(ctx, first.task, first.path, run); err != nil {
			return err
		}
	}
}

// advanceHandler is advance for handler cursors (no tag filtering:
// handlers run when notified).
func (pr *playRun) advanceHandler(host string) *step {
	c := pr.cursors[host]
	s, ok, failed := c.next()
	if !ok {
		if failed {
			pr.markFailed(host)
		}
		pr.cursors[host] = nil
		return nil
	}
	return &s
}
