package runner

import (
	"context"
	"strings"

	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/pyfmt"
	"github.com/swarmbook/swarmbook/runner/report"
)

// includeRequest is an include that a host asked for in this step.
type includeRequest struct {
	host string
	path []int
	task *playbook.Task
	item includeItem
}

// startTask reports the start of a task and returns its report handle.
func (pr *playRun) startTask(ctx context.Context, t *playbook.Task, host, prefix string) *report.Task {
	r := pr.r
	r.mu.Lock()
	r.taskID++
	id := r.taskID
	r.mu.Unlock()
	name := displayName(t)
	if isTemplate(name) {
		sc := pr.scope(host, t)
		if out, err := r.tmpl.RenderString(ctx, name, sc); err == nil {
			name = out
		}
	}
	if prefix == "" {
		prefix = "TASK"
		if t.Handler {
			prefix = "RUNNING HANDLER"
		}
	}
	rt := &report.Task{ID: id, Name: name, Prefix: prefix, Pos: t.Pos.String(), Action: t.Action, Check: r.opts.Check}
	if pr.play.Strategy != "free" {
		r.rep.TaskStart(rt)
	}
	return rt
}

// displayName is Ansible's task.get_name(): "role : name", the name, or
// the action as written.
func displayName(t *playbook.Task) string {
	name := t.Name
	if name == "" {
		name = t.ActionAs
		if name == "" {
			name = t.Action
		}
	}
	if role := taskRole(t); role != nil && !(t.Name == "Gathering Facts" && t.ActionAs == "gather_facts") {
		return role.Name + " : " + name
	}
	return name
}

// commit applies one host's result: output, stats, registered variables,
// facts, handlers, inventory changes; it returns the includes to expand.
func (pr *playRun) commit(ctx context.Context, rt *report.Task, t *playbook.Task, path []int, host string, res *taskResult) []includeRequest {
	r := pr.r
	hs := r.host(host)
	c := r.count(host)
	cur := pr.cursors[host]

	for _, left := range res.retries {
		r.rep.Retry(rt, host, left)
	}
	// Per-item lines first, then the task line.
	for _, it := range res.items {
		if len(res.includes) > 0 && it.status != report.StatusFailed && it.status != report.StatusSkipped {
			continue
		}
		f := it.fields
		if t.Action == "debug" && it.status != report.StatusSkipped {
			f = withVerboseAlways(f)
		}
		r.rep.HostResult(report.Result{Task: rt, Host: host, DelegatedTo: res.delegatedTo, Status: it.status, Item: true,
			Label: it.label, Fields: f, Diff: it.diffs})
	}
	out := report.Result{Task: rt, Host: host, DelegatedTo: res.delegatedTo, Status: res.status, Fields: res.fields,
		Diff: res.diffs, Duration: res.duration}
	if t.Action == "debug" && res.status != report.StatusSkipped {
		out.Fields = withVerboseAlways(res.fields)
	}
	if t.Action == "assert" && res.status == report.StatusOK && !boolish(t.Args["quiet"]) {
		out.Fields = withVerboseAlways(res.fields)
	}

	var includes []includeRequest
	switch res.status {
	case report.StatusFailed:
		if res.ignored {
			out.Ignored = true
			c.OK++
			c.Ignored++
			if truthy(res.fields["changed"]) {
				c.Changed++
			}
			r.rep.HostResult(out)
			break
		}
		rescued := false
		if cur != nil {
			rescued, _ = cur.fail()
		}
		if rescued {
			c.Rescued++
			out.Rescued = true
			hs.rescueVars = map[string]any{
				"ansible_failed_task":   map[string]any{"name": t.Name, "action": t.ActionAs},
				"ansible_failed_result": res.fields,
			}
		} else {
			c.Failed++
			if pr.anyErrorsFatal(t) {
				pr.anyErrorsFatalTriggered = true
			}
			if cur == nil || cur.failed {
				pr.markFailed(host)
				pr.cursors[host] = nil
			}
		}
		r.rep.HostResult(out)
	case report.StatusUnreachable:
		if pr.ignoreUnreachable(ctx, t, pr.scope(host, t)) {
			out.Ignored = true
			c.OK++
			c.Ignored++
			r.rep.HostResult(out)
			break
		}
		c.Unreachable++
		r.rep.HostResult(out)
		pr.markUnreachable(host)
	case report.StatusSkipped:
		c.Skipped++
		r.rep.HostResult(out)
	default:
		if len(res.includes) > 0 {
			for _, inc := range res.includes {
				includes = append(includes, includeRequest{host: host, path: path, task: t, item: inc})
			}
		} else {
			c.OK++
			if res.status == report.StatusChanged {
				c.Changed++
			}
			r.rep.HostResult(out)
		}
	}
	if res.status != report.StatusUnreachable {
		pr.applyEffects(host, t, res)
		if t.Register != "" {
			hs.setFacts[t.Register] = stripInternal(res.fields)
			hs.registered[t.Register] = true
		}
		if (res.status == report.StatusChanged || (res.status == report.StatusFailed && res.ignored && truthy(res.fields["changed"]))) && len(t.Notify) > 0 {
			pr.notify(ctx, host, t)
		}
	}
	return includes
}

func withVerboseAlways(f map[string]any) map[string]any {
	out := make(map[string]any, len(f)+1)
	for k, v := range f {
		out[k] = v
	}
	out["_ansible_verbose_always"] = true
	return out
}

// stripInternal removes the _ansible_* keys from a registered value.
func stripInternal(f map[string]any) map[string]any {
	out := make(map[string]any, len(f))
	for k, v := range f {
		if strings.HasPrefix(k, "_ansible_") {
			continue
		}
		if k == "results" {
			if l, ok := v.([]any); ok {
				nl := make([]any, len(l))
				for i, e := range l {
					if m, ok := e.(map[string]any); ok {
						nl[i] = stripInternal(m)
					} else {
						nl[i] = e
					}
				}
				v = nl
			}
		}
		out[k] = v
	}
	return out
}

// applyEffects applies facts, set_fact, include_vars, add_host and group_by.
func (pr *playRun) applyEffects(host string, t *playbook.Task, res *taskResult) {
	r := pr.r
	factHost := host
	if res.delegatedTo != "" && t.Keywords.DelegateFacts != nil && *t.Keywords.DelegateFacts {
		factHost = res.delegatedTo
	}
	for _, out := range res.effects {
		fh := r.host(factHost)
		for k, v := range out.Facts {
			fh.facts[k] = v
		}
		hs := r.host(host)
		for k, v := range out.SetVars {
			hs.setFacts[k] = v
			delete(hs.registered, k)
		}
		for k, v := range out.IncludedVars {
			hs.includeVars[k] = v
		}
		if out.AddHost != nil {
			r.opts.Inventory.AddHost(out.AddHost.Name, out.AddHost.Groups, out.AddHost.Vars)
			r.stateVersion.Add(1)
		}
		for _, g := range out.AddGroups {
			r.opts.Inventory.AddToGroup(host, g)
			r.stateVersion.Add(1)
		}
	}
}

// shareRunOnce gives the result of a run_once task to every host of the
// batch (registered variables and facts), as Ansible does.
func (pr *playRun) shareRunOnce(t *playbook.Task, first string, res *taskResult) {
	for _, h := range pr.active() {
		if h == first {
			continue
		}
		if t.Register != "" {
			pr.r.host(h).setFacts[t.Register] = stripInternal(res.fields)
			pr.r.host(h).registered[t.Register] = true
		}
		pr.applyEffects(h, t, res)
	}
}

// itemLabel is the (item=...) label of an include item.
func itemLabel(v any) string { return pyfmt.Str(v) }
