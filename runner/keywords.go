package runner

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/vars"
)

// chain returns the keyword sets that apply to t, nearest first: the task,
// its enclosing blocks, then the play.
func (pr *playRun) chain(t *playbook.Task) []*playbook.Keywords {
	var out []*playbook.Keywords
	for p := t; p != nil; p = p.Parent {
		out = append(out, &p.Keywords)
	}
	return append(out, &pr.play.Keywords)
}

// keyword returns the nearest non-nil value of a keyword.
func (pr *playRun) keyword(t *playbook.Task, get func(*playbook.Keywords) any) any {
	for _, k := range pr.chain(t) {
		if v := get(k); v != nil {
			return v
		}
	}
	return nil
}

func (pr *playRun) keywordString(t *playbook.Task, get func(*playbook.Keywords) string) string {
	for _, k := range pr.chain(t) {
		if v := get(k); v != "" {
			return v
		}
	}
	return ""
}

// boolKeyword evaluates a bool keyword that may be a template.
func (pr *playRun) boolKeyword(ctx context.Context, t *playbook.Task, sc *vars.Scope, get func(*playbook.Keywords) any) (bool, bool) {
	v := pr.keyword(t, get)
	if v == nil {
		return false, false
	}
	if s, ok := v.(string); ok {
		out, err := pr.r.tmpl.Render(ctx, s, sc)
		if err != nil {
			return false, false
		}
		v = out
	}
	return boolish(v), true
}

func boolish(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "yes", "on", "true", "1", "y", "t":
			return true
		}
		return false
	case int:
		return x != 0
	case float64:
		return x != 0
	}
	return false
}

func (pr *playRun) checkMode(ctx context.Context, t *playbook.Task, sc *vars.Scope) bool {
	if v, ok := pr.boolKeyword(ctx, t, sc, func(k *playbook.Keywords) any { return k.CheckMode }); ok {
		return v
	}
	return pr.r.opts.Check
}

func (pr *playRun) diffMode(ctx context.Context, t *playbook.Task, sc *vars.Scope) bool {
	if v, ok := pr.boolKeyword(ctx, t, sc, func(k *playbook.Keywords) any { return k.Diff }); ok {
		return v
	}
	return pr.r.opts.Diff
}

func (pr *playRun) noLog(ctx context.Context, t *playbook.Task, sc *vars.Scope) bool {
	v, _ := pr.boolKeyword(ctx, t, sc, func(k *playbook.Keywords) any { return k.NoLog })
	return v
}

func (pr *playRun) ignoreErrors(ctx context.Context, t *playbook.Task, sc *vars.Scope) bool {
	v, _ := pr.boolKeyword(ctx, t, sc, func(k *playbook.Keywords) any { return k.IgnoreErrors })
	return v
}

func (pr *playRun) ignoreUnreachable(ctx context.Context, t *playbook.Task, sc *vars.Scope) bool {
	v, _ := pr.boolKeyword(ctx, t, sc, func(k *playbook.Keywords) any { return k.IgnoreUnreachable })
	return v
}

func (pr *playRun) runOnce(t *playbook.Task) bool {
	v := pr.keyword(t, func(k *playbook.Keywords) any { return k.RunOnce })
	return v != nil && boolish(v)
}

func (pr *playRun) anyErrorsFatal(t *playbook.Task) bool {
	for _, k := range pr.chain(t) {
		if k.AnyErrorsFatal != nil {
			return *k.AnyErrorsFatal
		}
	}
	return pr.play.AnyErrorsFatal
}

func (pr *playRun) throttle(ctx context.Context, t *playbook.Task, host string) int {
	v := pr.keyword(t, func(k *playbook.Keywords) any { return k.Throttle })
	if v == nil {
		return 0
	}
	if s, ok := v.(string); ok {
		out, err := pr.r.tmpl.Render(ctx, s, pr.scope(host, t))
		if err != nil {
			return 0
		}
		v = out
	}
	n, _ := toInt(v)
	return n
}

func (pr *playRun) timeout(ctx context.Context, t *playbook.Task, sc *vars.Scope) time.Duration {
	v := t.Keywords.Timeout
	if v == nil {
		return 0
	}
	if s, ok := v.(string); ok {
		out, err := pr.r.tmpl.Render(ctx, s, sc)
		if err != nil {
			return 0
		}
		v = out
	}
	n, _ := toFloat(v)
	return time.Duration(n * float64(time.Second))
}

// untilSpec returns the number of retries (attempts = retries+1), the
// delay and the until conditions, with Ansible 2.14's defaults.
func (pr *playRun) untilSpec(ctx context.Context, t *playbook.Task, sc *vars.Scope) (int, time.Duration, []playbook.Cond) {
	if len(t.Until) == 0 {
		return 0, 0, nil
	}
	retries := 2
	if t.Retries != nil {
		v, err := pr.r.tmpl.RenderValue(ctx, t.Retries, sc)
		if n, ok := toInt(v); err == nil && ok {
			retries = n
			if retries <= 0 {
				retries = 0
			}
		}
	}
	delay := 5 * time.Second
	if t.Delay != nil {
		v, err := pr.r.tmpl.RenderValue(ctx, t.Delay, sc)
		if f, ok := toFloat(v); err == nil && ok {
			if f < 0 {
				f = 1
			}
			delay = time.Duration(f * float64(time.Second))
		}
	}
	return retries, delay, t.Until
}

// evalWhen evaluates the task's conditionals and those of its enclosing
// blocks, outermost first.
func (pr *playRun) evalWhen(ctx context.Context, t *playbook.Task, sc *vars.Scope) (bool, error) {
	var conds []playbook.Cond
	for p := t; p != nil; p = p.Parent {
		conds = append(p.When[:len(p.When):len(p.When)], conds...)
	}
	return pr.truthAll(ctx, conds, sc)
}

func (pr *playRun) truthAll(ctx context.Context, conds []playbook.Cond, sc *vars.Scope) (bool, error) {
	for _, c := range conds {
		ok, err := pr.truth(ctx, c, sc)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

func (pr *playRun) truthAny(ctx context.Context, conds []playbook.Cond, sc *vars.Scope) (bool, error) {
	for _, c := range conds {
		ok, err := pr.truth(ctx, c, sc)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func (pr *playRun) truth(ctx context.Context, c playbook.Cond, sc *vars.Scope) (bool, error) {
	switch c.Expr {
	case "true", "True":
		return true, nil
	case "false", "False":
		return false, nil
	}
	ok, err := pr.r.tmpl.Truth(ctx, c.Expr, sc)
	if err != nil {
		return false, fmt.Errorf("The conditional check '%s' failed. The error was: %v\n\nThe error appears to be in '%s': line %d, column %d", c.Expr, err, c.Pos.File, c.Pos.Line, c.Pos.Col)
	}
	return ok, nil
}

// become resolves privilege escalation for a task on a host. As in
// Ansible (PlayContext.set_task_and_variable_override and the become
// plugin's options), a defined ansible_become* variable — from the
// inventory, group_vars, play or task vars — wins over the become*
// keywords, which win over the command line.
func (pr *playRun) become(ctx context.Context, t *playbook.Task, sc *vars.Scope) transport.Become {
	r := pr.r
	var b transport.Become
	if v, ok := sc.Lookup("ansible_become"); ok && v != nil {
		b.Enabled = boolish(pr.render(ctx, v, sc))
	} else if v, ok := pr.boolKeyword(ctx, t, sc, func(k *playbook.Keywords) any {
		if k.Become == nil {
			return nil
		}
		return *k.Become
	}); ok {
		b.Enabled = v
	} else if r.opts.Become != nil {
		b.Enabled = *r.opts.Become
	}
	b.User = pr.varOrKeyword(ctx, t, sc, "ansible_become_user", func(k *playbook.Keywords) string { return k.BecomeUser }, cmp.Or(r.opts.BecomeUser, "root"))
	b.Method = pr.varOrKeyword(ctx, t, sc, "ansible_become_method", func(k *playbook.Keywords) string { return k.BecomeMethod }, cmp.Or(r.opts.BecomeMethod, "sudo"))
	b.Flags = pr.varOrKeyword(ctx, t, sc, "ansible_become_flags", func(k *playbook.Keywords) string { return k.BecomeFlags }, "")
	b.Password = pr.varString(ctx, sc, "ansible_become_password", "")
	if b.Password == "" {
		b.Password = pr.varString(ctx, sc, "ansible_become_pass", r.opts.BecomePassword)
	}
	return b
}

// varOrKeyword resolves one become setting: the variable, else the
// (rendered) keyword, else fallback (the command line's value or the
// default).
func (pr *playRun) varOrKeyword(ctx context.Context, t *playbook.Task, sc *vars.Scope, name string, kw func(*playbook.Keywords) string, fallback string) string {
	if v := pr.varString(ctx, sc, name, ""); v != "" {
		return v
	}
	if k := pr.keywordString(t, kw); k != "" {
		return pr.renderString(ctx, k, sc)
	}
	return fallback
}

func (pr *playRun) render(ctx context.Context, v any, sc *vars.Scope) any {
	out, err := pr.r.tmpl.RenderValue(ctx, v, sc)
	if err != nil {
		return v
	}
	return out
}

func (pr *playRun) renderString(ctx context.Context, s string, sc *vars.Scope) string {
	if !isTemplate(s) {
		return s
	}
	out, err := pr.r.tmpl.RenderString(ctx, s, sc)
	if err != nil {
		return s
	}
	return out
}

func (pr *playRun) varString(ctx context.Context, sc *vars.Scope, name, dflt string) string {
	v, ok := sc.Lookup(name)
	if !ok || v == nil {
		return dflt
	}
	out := pr.render(ctx, v, sc)
	if s, ok := out.(string); ok {
		return s
	}
	return fmt.Sprint(out)
}

// environment merges the play's, blocks' and task's environment keywords.
func (pr *playRun) environment(ctx context.Context, t *playbook.Task, sc *vars.Scope) map[string]string {
	ch := pr.chain(t)
	var env map[string]string
	for i := len(ch) - 1; i >= 0; i-- {
		for _, e := range ch[i].Environment {
			v := pr.render(ctx, e, sc)
			m, ok := v.(map[string]any)
			if !ok {
				continue
			}
			if env == nil {
				env = map[string]string{}
			}
			for k, val := range m {
				env[k] = stringify(val)
			}
		}
	}
	return env
}

func stringify(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case bool:
		if x {
			return "True"
		}
		return "False"
	}
	return fmt.Sprint(v)
}

// connKeys are the variables a dialer reads; only these are rendered.
var connPrefixes = []string{"ansible_host", "ansible_port", "ansible_user", "ansible_password", "ansible_ssh_", "ansible_private_key_file",
	"ansible_connection", "ansible_winrm_", "ansible_shell_type", "ansible_become", "ansible_host_key_checking", "ansible_timeout", "ansible_psrp_"}

// connVars renders the connection variables of host.
func (pr *playRun) connVars(ctx context.Context, host string, sc *vars.Scope) (map[string]any, error) {
	out := map[string]any{"inventory_hostname": host}
	for _, k := range sc.Keys() {
		match := false
		for _, p := range connPrefixes {
			if strings.HasPrefix(k, p) {
				match = true
				break
			}
		}
		if !match {
			continue
		}
		v, _ := sc.Lookup(k)
		rv, err := pr.r.tmpl.RenderValue(ctx, v, sc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = rv
	}
	if _, ok := out["ansible_user"]; !ok && pr.r.opts.RemoteUser != "" {
		out["ansible_user"] = pr.r.opts.RemoteUser
	}
	if ru := pr.keywordString(nil, func(k *playbook.Keywords) string { return k.RemoteUser }); ru != "" {
		if _, ok := out["ansible_user"]; !ok {
			out["ansible_user"] = pr.renderString(ctx, ru, sc)
		}
	}
	if _, ok := out["ansible_connection"]; !ok {
		if c := pr.play.Keywords.Connection; c != "" {
			out["ansible_connection"] = c
		}
	}
	if pw, ok := out["ansible_password"].(string); ok {
		pr.r.secrets.Add(pw)
	}
	if pw, ok := out["ansible_ssh_pass"].(string); ok {
		pr.r.secrets.Add(pw)
	}
	return out, nil
}

// conn returns the open connection to host, dialling it on first use.
func (pr *playRun) conn(ctx context.Context, host string, sc *vars.Scope) (transport.Conn, error) {
	kind := ""
	if v, ok := sc.Lookup("ansible_connection"); ok && v != nil {
		kind = pr.renderString(ctx, stringify(v), sc)
	} else if c := pr.play.Keywords.Connection; c != "" {
		kind = c
	}
	kind = pr.r.connectionType(kind)
	return pr.r.conns.get(ctx, host, kind, func() (map[string]any, error) {
		cv, err := pr.connVars(ctx, host, sc)
		if err != nil {
			return nil, &transport.Unreachable{Host: host, Err: err}
		}
		return cv, nil
	})
}
