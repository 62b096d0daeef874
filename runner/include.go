package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/pyfmt"
	"github.com/swarmbook/swarmbook/runner/report"
	"github.com/swarmbook/swarmbook/runner/vars"
)

// includeResult evaluates a dynamic include for one host (one loop item):
// which file or role to load, with which parameters.
func (pr *playRun) includeResult(ctx context.Context, t *playbook.Task, sc *vars.Scope) *taskResult {
	args, err := pr.r.tmpl.RenderValue(ctx, t.Args, sc)
	if err != nil {
		return failedResult(err.Error())
	}
	am, _ := args.(map[string]any)
	params := map[string]any{}
	if v, ok := sc.Lookup(loopVarName(t)); ok && t.Loop != nil {
		params[loopVarName(t)] = v
	}
	if t.LoopControl.IndexVar != "" {
		if v, ok := sc.Lookup(t.LoopControl.IndexVar); ok {
			params[t.LoopControl.IndexVar] = v
		}
	}
	for k, v := range t.Vars.Values {
		params[k] = pr.render(ctx, v, sc)
	}
	item := includeItem{vars: params}
	switch t.Action {
	case "include_role", "import_role":
		item.role = t
		item.file = fmt.Sprint(am["name"])
	default:
		file, _ := am["file"].(string)
		if file == "" {
			file, _ = am["_raw_params"].(string)
		}
		for k, v := range am {
			if k != "file" && k != "_raw_params" && k != "apply" {
				params[k] = v
			}
		}
		item.file = pr.resolveTaskFile(t, file)
	}
	return &taskResult{status: report.StatusOK, fields: map[string]any{"changed": false, "include": item.file, "include_args": am},
		includes: []includeItem{item}}
}

func loopVarName(t *playbook.Task) string {
	if t.LoopControl.LoopVar != "" {
		return t.LoopControl.LoopVar
	}
	return "item"
}

// resolveTaskFile finds an included task file as Ansible does: in the
// role's tasks/, next to the including file, then in the playbook directory.
func (pr *playRun) resolveTaskFile(t *playbook.Task, file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	var cands []string
	if role := taskRole(t); role != nil {
		sub := "tasks"
		if t.Handler {
			sub = "handlers"
		}
		cands = append(cands, filepath.Join(role.Path, sub, file), filepath.Join(role.Path, file))
	}
	if t.File != "" {
		cands = append(cands, filepath.Join(filepath.Dir(t.File), file))
	}
	cands = append(cands, filepath.Join(pr.pb.Dir, file), filepath.Join(pr.pb.Dir, "tasks", file))
	for _, c := range cands {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	return cands[0]
}

// expandIncludes loads the files that hosts included in this step and
// inserts their tasks into those hosts' iteration, printing "included:"
// once per distinct file and parameters.
func (pr *playRun) expandIncludes(ctx context.Context, reqs []includeRequest) {
	type group struct {
		key   string
		req   includeRequest
		hosts []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, rq := range reqs {
		key := rq.item.file + "\x00" + pyfmt.Repr(rq.item.vars) + fmt.Sprint(rq.path)
		g := byKey[key]
		if g == nil {
			g = &group{key: key, req: rq}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.hosts = append(g.hosts, rq.host)
	}
	type pushed struct {
		blk  *playbook.Task
		path []int
	}
	perHost := map[string][]pushed{}
	for gi, g := range groups {
		t := g.req.task
		label := g.req.item.label
		if t.Loop == nil {
			label = ""
		}
		blk, err := pr.loadInclude(g.req)
		if err != nil {
			for _, h := range g.hosts {
				res := failedResult(err.Error())
				res.fields["reason"] = err.Error()
				delete(res.fields, "msg")
				rt := &report.Task{ID: -1, Name: displayName(t), Action: t.Action}
				pr.commit(ctx, rt, t, g.req.path, h, res)
			}
			continue
		}
		isRole := g.req.item.role != nil
		if !isRole {
			// include_role is neither printed nor counted (Ansible 2.14).
			pr.r.rep.Include(g.req.item.file, g.hosts, label)
		}
		for _, h := range g.hosts {
			if !isRole {
				pr.r.count(h).OK++
			}
			perHost[h] = append(perHost[h], pushed{blk, childPath(g.req.path, gi)})
		}
	}
	// The cursor is a stack: push the last include first so that the
	// first one runs first.
	for h, list := range perHost {
		c := pr.cursors[h]
		if c == nil {
			continue
		}
		for i := len(list) - 1; i >= 0; i-- {
			c.push([]*playbook.Task{list[i].blk}, list[i].path)
		}
	}
}

// loadInclude loads the tasks of an include into a block that carries the
// include parameters.
func (pr *playRun) loadInclude(rq includeRequest) (*playbook.Task, error) {
	t := rq.task
	blk := &playbook.Task{Pos: t.Pos, Parent: t.Parent, Vars: playbook.Vars{Values: rq.item.vars}, Import: true, File: t.File, Handler: t.Handler}
	if rq.item.role != nil {
		ref, err := playbook.RoleRefFromTask(rq.item.role)
		if err != nil {
			return nil, err
		}
		ref.Name = rq.item.file
		role, rblk, err := pr.r.opts.Loader.LoadRole(ref, pr.play, blk)
		if err != nil {
			return nil, err
		}
		pr.addRoleHandlers(role)
		blk.Block = []*playbook.Task{rblk}
		return blk, nil
	}
	if apply, ok := t.Args["apply"].(map[string]any); ok {
		applyKeywords(blk, apply)
	}
	tasks, err := pr.r.opts.Loader.LoadTasks(rq.item.file, blk, taskRole(t))
	if err != nil {
		return nil, err
	}
	if tasks == nil {
		tasks = []*playbook.Task{}
	}
	blk.Block = tasks
	return blk, nil
}

// addRoleHandlers makes an included role's handlers notifiable.
func (pr *playRun) addRoleHandlers(role *playbook.Role) {
	for _, d := range role.Deps {
		pr.addRoleHandlers(d)
	}
	pr.extraHandlers = append(pr.extraHandlers, role.Handlers...)
}

// applyKeywords gives an include's `apply:` keywords to the block that holds
// the included tasks, so that they inherit them.
func applyKeywords(blk *playbook.Task, apply map[string]any) {
	switch tags := apply["tags"].(type) {
	case string:
		for _, tg := range strings.Split(tags, ",") {
			blk.Tags = append(blk.Tags, strings.TrimSpace(tg))
		}
	case []any:
		for _, tg := range tags {
			blk.Tags = append(blk.Tags, fmt.Sprint(tg))
		}
	}
	switch w := apply["when"].(type) {
	case string:
		blk.When = append(blk.When, playbook.Cond{Pos: blk.Pos, Expr: w})
	case []any:
		for _, c := range w {
			blk.When = append(blk.When, playbook.Cond{Pos: blk.Pos, Expr: fmt.Sprint(c)})
		}
	}
	if b, ok := apply["become"].(bool); ok {
		blk.Keywords.Become = &b
	}
	if u, ok := apply["become_user"].(string); ok {
		blk.Keywords.BecomeUser = u
	}
	if e, ok := apply["environment"]; ok {
		blk.Keywords.Environment = append(blk.Keywords.Environment, e)
	}
}
