package runner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/pyfmt"
	"github.com/swarmbook/swarmbook/runner/report"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/vars"
)

// taskResult is the outcome of a task on one host, loop included.
type taskResult struct {
	status      report.Status
	fields      map[string]any // the registered value
	items       []*itemResult  // loop items, for display
	ignored     bool
	delegatedTo string
	diffs       []report.Diff
	effects     []modules.Outcome // engine effects (facts, set_fact, add_host, ...)
	includes    []includeItem
	duration    time.Duration
	retries     []int // "retries left" of each FAILED - RETRYING line
}

// itemResult is one loop item's outcome.
type itemResult struct {
	status report.Status
	fields map[string]any
	label  string
	diffs  []report.Diff
}

// includeItem is one file (or role) that a dynamic include asks to load.
type includeItem struct {
	file  string
	role  *playbook.Task // the include_role task, when a role
	vars  map[string]any // include params and loop variables
	label string
}

// execute runs task t on host, looping over items when asked.
func (pr *playRun) execute(ctx context.Context, t *playbook.Task, host string) *taskResult {
	start := time.Now()
	sc := pr.scope(host, t)
	var res *taskResult
	if t.Loop == nil {
		res = pr.executeOne(ctx, t, host, sc, nil)
	} else {
		res = pr.executeLoop(ctx, t, host, sc)
	}
	res.duration = time.Since(start)
	return res
}

func (pr *playRun) executeLoop(ctx context.Context, t *playbook.Task, host string, sc *vars.Scope) *taskResult {
	items, err := pr.loopItems(ctx, t, sc)
	if err != nil {
		return failedResult(err.Error())
	}
	if len(items) == 0 {
		return &taskResult{status: report.StatusSkipped, fields: map[string]any{
			"changed": false, "skipped": true, "skipped_reason": "No items in the list", "results": []any{}}}
	}
	lc := t.LoopControl
	loopVar := lc.LoopVar
	if loopVar == "" {
		loopVar = "item"
	}
	agg := &taskResult{fields: map[string]any{}}
	var results []any
	changed, failed, allSkipped := false, false, true
	// set_fact in a loop sees the values set by earlier items, as in
	// Ansible's task executor.
	var setSoFar map[string]any
	for i, item := range items {
		if ctx.Err() != nil {
			break
		}
		lv := map[string]any{loopVar: item, "ansible_loop_var": loopVar}
		if lc.IndexVar != "" {
			lv[lc.IndexVar] = i
		}
		if lc.Extended {
			lv["ansible_loop"] = loopInfo(items, i)
		}
		isc := sc.With(vars.SetFacts, setSoFar).With(vars.Loop, lv)
		label := pyfmt.Str(item)
		if lc.Label != "" {
			if l, err := pr.r.tmpl.RenderString(ctx, lc.Label, isc); err == nil {
				label = l
			}
		}
		one := pr.executeOne(ctx, t, host, isc, item)
		f := one.fields
		f["item"] = item
		f["ansible_loop_var"] = loopVar
		if lc.IndexVar != "" {
			f["ansible_index_var"] = lc.IndexVar
			f[lc.IndexVar] = i
		}
		if lc.Label != "" {
			f["_ansible_item_label"] = label
		}
		if one.status != report.StatusSkipped {
			allSkipped = false
		}
		if one.status == report.StatusChanged || truthy(f["changed"]) {
			changed = true
		}
		if one.status == report.StatusFailed {
			failed = true
		}
		if one.status == report.StatusUnreachable {
			// An unreachable host stops the loop, as in Ansible.
			return one
		}
		results = append(results, f)
		agg.items = append(agg.items, &itemResult{status: one.status, fields: f, label: label, diffs: one.diffs})
		agg.effects = append(agg.effects, one.effects...)
		for _, eff := range one.effects {
			for k, v := range eff.SetVars {
				if setSoFar == nil {
					setSoFar = map[string]any{}
				}
				setSoFar[k] = v
			}
		}
		agg.includes = append(agg.includes, one.includes...)
		agg.delegatedTo = one.delegatedTo
		if len(agg.includes) > 0 {
			agg.includes[len(agg.includes)-1].label = label
		}
		if p := pr.loopPause(ctx, lc, isc); p > 0 && i < len(items)-1 {
			select {
			case <-time.After(p):
			case <-ctx.Done():
			}
		}
	}
	agg.fields["results"] = results
	agg.fields["changed"] = changed
	switch {
	case failed:
		agg.fields["failed"] = true
		agg.fields["msg"] = "One or more items failed"
		agg.status = report.StatusFailed
	case allSkipped:
		agg.fields["msg"] = "All items skipped"
		agg.fields["skipped"] = true
		agg.status = report.StatusSkipped
	default:
		agg.fields["msg"] = "All items completed"
		agg.fields["skipped"] = false
		agg.status = report.StatusOK
		if changed {
			agg.status = report.StatusChanged
		}
	}
	if failed {
		// ignore_errors is decided per task.
		agg.ignored = pr.ignoreErrors(ctx, t, sc)
	}
	return agg
}

func loopInfo(items []any, i int) map[string]any {
	n := len(items)
	info := map[string]any{
		"allitems": items, "index": i + 1, "index0": i, "revindex": n - i, "revindex0": n - i - 1,
		"first": i == 0, "last": i == n-1, "length": n,
	}
	if i > 0 {
		info["previtem"] = items[i-1]
	}
	if i < n-1 {
		info["nextitem"] = items[i+1]
	}
	return info
}

func (pr *playRun) loopPause(ctx context.Context, lc playbook.LoopControl, sc *vars.Scope) time.Duration {
	if lc.Pause == nil {
		return 0
	}
	v, err := pr.r.tmpl.RenderValue(ctx, lc.Pause, sc)
	if err != nil {
		return 0
	}
	f, ok := toFloat(v)
	if !ok {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

func failedResult(msg string) *taskResult {
	return &taskResult{status: report.StatusFailed, fields: map[string]any{"failed": true, "msg": msg, "changed": false}}
}

// executeOne runs the task once (one loop item, or the task without loop).
func (pr *playRun) executeOne(ctx context.Context, t *playbook.Task, host string, sc *vars.Scope, item any) *taskResult {
	r := pr.r
	// Conditionals (inherited from blocks, roles and imports).
	ok, err := pr.evalWhen(ctx, t, sc)
	if err != nil {
		return failedResult(err.Error())
	}
	if !ok {
		return &taskResult{status: report.StatusSkipped, fields: map[string]any{"changed": false, "skipped": true, "skip_reason": "Conditional result was False"}}
	}

	switch t.Action {
	case "include_tasks", "include", "import_tasks", "include_role", "import_role":
		return pr.includeResult(ctx, t, sc)
	}

	// Delegation.
	target := host
	delegated := ""
	if dt := pr.keywordString(t, func(k *playbook.Keywords) string { return k.DelegateTo }); dt != "" {
		d, err := r.tmpl.RenderString(ctx, dt, sc)
		if err != nil {
			return failedResult(fmt.Sprintf("delegate_to: %v", err))
		}
		target, delegated = d, d
	}

	mod, ok := r.opts.Modules.Get(t.Action)
	if !ok {
		return failedResult(fmt.Sprintf("couldn't resolve module/action '%s'", t.ActionAs))
	}
	spec := mod.Spec()

	check := pr.checkMode(ctx, t, sc)
	if check && spec.NoCheckMode {
		return &taskResult{status: report.StatusSkipped, fields: map[string]any{"changed": false, "skipped": true, "msg": "check mode not supported for " + t.ActionAs}}
	}
	noLog := pr.noLog(ctx, t, sc)

	var res *taskResult
	var retryLog []int
	attempts := 0
	retries, delay, until := pr.untilSpec(ctx, t, sc)
	for {
		attempts++
		res = pr.runModule(ctx, t, mod, spec, host, target, sc, check)
		res.delegatedTo = delegated
		res.retries = retryLog
		if res.status == report.StatusUnreachable {
			return res
		}
		if t.Register != "" || len(t.ChangedWhen) > 0 || len(t.FailedWhen) > 0 || len(until) > 0 {
			pr.postConditions(ctx, t, sc, res)
		}
		if len(until) == 0 {
			break
		}
		res.fields["attempts"] = attempts
		rsc := sc
		if t.Register != "" {
			rsc = sc.WithUnsafe(vars.Loop, map[string]any{t.Register: res.fields}, nil, true)
		}
		done, err := pr.truthAll(ctx, until, rsc)
		if err != nil {
			res = failedResult(err.Error())
			break
		}
		if done {
			break
		}
		if attempts >= retries+1 {
			res.status = report.StatusFailed
			res.fields["failed"] = true
			// Ansible 2.14 registers attempts = retries on exhaustion.
			res.fields["attempts"] = attempts - 1
			break
		}
		retryLog = append(retryLog, retries+1-attempts)
		res.fields["retries"] = retries + 1
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return failedResult("interrupted")
		}
	}
	if res.status == report.StatusFailed && item == nil {
		res.ignored = pr.ignoreErrors(ctx, t, sc)
	}
	if noLog {
		censor(res)
	}
	return res
}

// runModule renders the arguments, connects, and runs the module once.
func (pr *playRun) runModule(ctx context.Context, t *playbook.Task, mod modules.Module, spec modules.Spec,
	host, target string, sc *vars.Scope, check bool) *taskResult {
	r := pr.r
	rawArgs, err := r.tmpl.RenderValue(ctx, t.Args, sc)
	if err != nil {
		return failedResult(fmt.Sprintf("The task includes an option with an undefined variable. The error was: %v\n\nThe error appears to be in '%s': line %d, column %d", err, t.Pos.File, t.Pos.Line, t.Pos.Col))
	}
	argMap, _ := rawArgs.(map[string]any)
	argMap = dropOmitted(argMap, r.omit)
	args, err := modules.Validate(spec, argMap, false)
	if err != nil {
		return failedResult(err.Error())
	}
	// Credentials are masked everywhere. Other no_log parameters (copy's
	// content) only stay out of the invocation, as in Ansible.
	for _, p := range spec.Params {
		if p.NoLog && isCredential(p.Name) {
			if s, ok := args[p.Name].(string); ok {
				r.secrets.Add(s)
			}
		}
	}

	tsc := sc
	if target != host {
		tsc = pr.scope(target, t)
	}
	var conn transport.Conn
	if !spec.Action || needsConn(t.Action) {
		var err error
		conn, err = pr.conn(ctx, target, tsc)
		if err != nil {
			return unreachableResult(err)
		}
	}
	tgt := &modules.Target{
		Host:      host,
		Conn:      conn,
		Check:     check,
		Diff:      pr.diffMode(ctx, t, sc),
		Become:    pr.become(ctx, t, sc),
		Env:       pr.environment(ctx, t, sc),
		Vars:      pr.moduleVars(ctx, spec, sc),
		Tmpl:      &hostTemplater{r: r, sc: sc},
		Files:     pr.files(t),
		Peers:     &peers{pr: pr, t: t},
		Verbosity: r.opts.Verbosity,
	}
	if tgt.Become.Password != "" {
		r.secrets.Add(tgt.Become.Password)
	}
	tctx := ctx
	if to := pr.timeout(ctx, t, sc); to > 0 {
		var cancel context.CancelFunc
		tctx, cancel = context.WithTimeout(ctx, to)
		defer cancel()
	}
	out, err := mod.Run(tctx, tgt, args)
	r.secrets.Add(out.Secrets...)
	if err != nil {
		if transport.IsUnreachable(err) {
			return unreachableResult(err)
		}
		if errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			return failedResult(fmt.Sprintf("The %s action failed to execute in the expected time frame (%d) and was terminated", t.ActionAs, int(pr.timeout(ctx, t, sc).Seconds())))
		}
		res := failedResult(err.Error())
		for k, v := range out.Fields {
			if _, ok := res.fields[k]; !ok {
				res.fields[k] = v
			}
		}
		return res
	}
	return outcomeResult(out)
}

// needsConn: action modules that still talk to the host.
func needsConn(action string) bool {
	switch action {
	case "debug", "assert", "fail", "set_fact", "include_vars", "add_host", "group_by", "pause", "meta", "set_stats":
		return false
	}
	return true
}

func unreachableResult(err error) *taskResult {
	return &taskResult{status: report.StatusUnreachable, fields: map[string]any{
		"changed": false, "unreachable": true, "msg": err.Error()}}
}

// outcomeResult converts a module's Outcome to a registered value.
func outcomeResult(out modules.Outcome) *taskResult {
	f := make(map[string]any, len(out.Fields)+4)
	for k, v := range out.Fields {
		f[k] = plain(v)
	}
	for k, v := range out.Facts {
		out.Facts[k] = plain(v)
	}
	f["changed"] = out.Changed
	if out.Msg != "" {
		f["msg"] = out.Msg
	}
	res := &taskResult{fields: f, effects: []modules.Outcome{out}}
	for _, d := range out.Diffs {
		res.diffs = append(res.diffs, report.Diff{BeforeHeader: d.BeforeHeader, AfterHeader: d.AfterHeader, Before: d.Before, After: d.After})
	}
	if len(out.Diffs) > 0 {
		f["diff"] = diffFields(out.Diffs)
	}
	switch {
	case out.Failed:
		f["failed"] = true
		res.status = report.StatusFailed
	case out.Skipped:
		f["skipped"] = true
		res.status = report.StatusSkipped
	case out.Changed:
		res.status = report.StatusChanged
	default:
		res.status = report.StatusOK
	}
	if !out.Failed && !out.Skipped {
		// Ansible's task executor registers failed: false on success.
		f["failed"] = false
	}
	return res
}

// isCredential reports whether a no_log parameter holds a credential that
// must be masked in every output.
func isCredential(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"pass", "token", "secret", "credential", "private"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func diffFields(ds []modules.Diff) any {
	var l []any
	for _, d := range ds {
		m := map[string]any{"before": d.Before, "after": d.After}
		if d.BeforeHeader != "" {
			m["before_header"] = d.BeforeHeader
		}
		if d.AfterHeader != "" {
			m["after_header"] = d.AfterHeader
		}
		l = append(l, m)
	}
	if len(l) == 1 {
		return l[0]
	}
	return l
}

// postConditions applies changed_when and failed_when.
func (pr *playRun) postConditions(ctx context.Context, t *playbook.Task, sc *vars.Scope, res *taskResult) {
	if res.status == report.StatusSkipped || res.status == report.StatusUnreachable {
		return
	}
	rsc := sc
	if t.Register != "" {
		rsc = sc.WithUnsafe(vars.Loop, map[string]any{t.Register: res.fields}, nil, true)
	}
	if len(t.ChangedWhen) > 0 {
		ch, err := pr.truthAll(ctx, t.ChangedWhen, rsc)
		if err != nil {
			res.status = report.StatusFailed
			res.fields["failed"] = true
			res.fields["msg"] = err.Error()
			return
		}
		res.fields["changed"] = ch
		if res.status != report.StatusFailed {
			res.status = report.StatusOK
			if ch {
				res.status = report.StatusChanged
			}
		}
	}
	if len(t.FailedWhen) > 0 {
		fl, err := pr.truthAny(ctx, t.FailedWhen, rsc)
		if err != nil {
			res.status = report.StatusFailed
			res.fields["failed"] = true
			res.fields["msg"] = err.Error()
			return
		}
		res.fields["failed_when_result"] = fl
		res.fields["failed"] = fl
		if fl {
			res.status = report.StatusFailed
		} else {
			res.status = report.StatusOK
			if truthy(res.fields["changed"]) {
				res.status = report.StatusChanged
			}
		}
	}
}

// censor marks a no_log result: reporters show it censored; the
// registered value keeps the data, as in Ansible.
func censor(res *taskResult) {
	res.fields["_ansible_no_log"] = true
	res.diffs = nil
	for _, it := range res.items {
		it.fields["_ansible_no_log"] = true
		it.label = "(censored due to no_log)"
		it.diffs = nil
	}
}

func dropOmitted(m map[string]any, omit string) map[string]any {
	for k, v := range m {
		if s, ok := v.(string); ok && s == omit {
			delete(m, k)
		}
	}
	return m
}

func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case nil:
		return false
	case string:
		return x != ""
	case int:
		return x != 0
	case float64:
		return x != 0
	}
	return true
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil
	}
	return 0, false
}

func toInt(v any) (int, bool) {
	f, ok := toFloat(v)
	return int(f), ok
}

// moduleVars gives a module that asks for them the task's variables,
// rendered (magic variables that are views of other hosts are left out).
func (pr *playRun) moduleVars(ctx context.Context, spec modules.Spec, sc *vars.Scope) map[string]any {
	if !spec.NeedsVars {
		return nil
	}
	out := map[string]any{}
	for k, v := range sc.Flatten() {
		if k == "hostvars" || k == "vars" {
			continue
		}
		if sc.Unsafe(k) {
			out[k] = v
			continue
		}
		out[k] = pr.render(ctx, v, sc)
	}
	return out
}
