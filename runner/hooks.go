package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/pyfmt"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/vars"
)

// hostTemplater gives modules templating in the task's scope.
type hostTemplater struct {
	r  *Runner
	sc *vars.Scope
}

func (h *hostTemplater) Render(ctx context.Context, src string) (any, error) {
	return h.r.tmpl.Render(ctx, src, h.sc)
}

func (h *hostTemplater) RenderText(ctx context.Context, src string, extra map[string]any) (string, error) {
	// ansible_managed is defined for templates only, with 2.14's default.
	sc := h.sc.With(vars.Magic, map[string]any{"ansible_managed": "Ansible managed"})
	return h.r.tmpl.RenderText(ctx, src, sc.With(vars.Loop, extra))
}

func (h *hostTemplater) Truth(ctx context.Context, expr string) (bool, error) {
	return h.r.tmpl.Truth(ctx, expr, h.sc)
}

func (h *hostTemplater) Eval(ctx context.Context, expr string) (any, error) {
	return h.r.tmpl.Eval(ctx, expr, h.sc)
}

// fileFinder finds controller files as Ansible's path_dwim_relative.
type fileFinder struct {
	roleDir, taskDir, playbookDir string
}

func (f *fileFinder) Find(subdir, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	var cands []string
	if f.roleDir != "" {
		cands = append(cands, filepath.Join(f.roleDir, subdir, name), filepath.Join(f.roleDir, name),
			filepath.Join(f.roleDir, "tasks", name))
	}
	if f.taskDir != "" {
		cands = append(cands, filepath.Join(f.taskDir, subdir, name), filepath.Join(f.taskDir, name))
	}
	if f.playbookDir != "" {
		cands = append(cands, filepath.Join(f.playbookDir, subdir, name), filepath.Join(f.playbookDir, name))
	}
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("Could not find or access '%s'\nSearched in:\n\t%s", name, joinLines(cands))
}

func joinLines(l []string) string {
	out := ""
	for i, s := range l {
		if i > 0 {
			out += "\n\t"
		}
		out += s
	}
	return out
}

// peers gives modules the other hosts of the run.
type peers struct {
	pr *playRun
	t  *playbook.Task
}

func (p *peers) Conn(ctx context.Context, host string) (transport.Conn, error) {
	return p.pr.conn(ctx, host, p.pr.scope(host, p.t))
}

func (p *peers) Group(name string) []string { return p.pr.r.opts.Inventory.Groups()[name] }

func (p *peers) Vars(host string) map[string]any {
	hv := &hostVars{pr: p.pr, host: host, sc: p.pr.hostScope(host)}
	out := map[string]any{}
	for _, k := range hv.Keys() {
		if k == "hostvars" || k == "groups" {
			continue
		}
		v, _ := hv.Get(k)
		out[k] = v
	}
	return out
}

// loopItems evaluates a task's loop or with_* into its items.
func (pr *playRun) loopItems(ctx context.Context, t *playbook.Task, sc *vars.Scope) ([]any, error) {
	r := pr.r
	v, err := r.tmpl.RenderValue(ctx, t.Loop.Value, sc)
	if err != nil {
		return nil, err
	}
	if t.Loop.Kind == "loop" {
		l, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("Invalid data passed to 'loop', it requires a list, got this instead: %s. Hint: If you passed a list/dict of just one element, try adding wantlist=True to your lookup invocation or use q/query instead of lookup.", pyfmt.Str(v))
		}
		return l, nil
	}
	var terms []any
	switch x := v.(type) {
	case []any:
		terms = x
	case nil:
		terms = nil
	default:
		terms = []any{x}
	}
	return r.tmpl.Lookup(ctx, t.Loop.Kind, terms, nil, sc)
}
