package playbook

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// metaActions are the supported meta: actions.
var metaActions = map[string]bool{
	"flush_handlers": true, "end_play": true, "end_host": true, "clear_host_errors": true,
	"noop": true, "refresh_inventory": true, "clear_facts": true, "reset_connection": true,
}

var includeTasksArgs = map[string]bool{"file": true, "_raw_params": true, "apply": true}
var includeRoleArgs = map[string]bool{"name": true, "tasks_from": true, "vars_from": true, "defaults_from": true,
	"handlers_from": true, "apply": true, "public": true, "allow_duplicates": true, "rolespec_validate": true}

// engineAction finishes meta/include/import tasks: static imports are
// expanded here, dynamic includes are checked and kept.
func (ld *load) engineAction(t *Task, n *yaml11.Node, sc scope, at *yaml11.Node) []*Task {
	switch t.Action {
	case "meta":
		raw, _ := t.Args["_raw_params"].(string)
		if !metaActions[raw] {
			if raw == "end_batch" || raw == "role_complete" || isTemplate(raw) {
				ld.errorf(at, "meta: %s is not supported by swarmbook", raw)
			} else {
				ld.errorf(at, "invalid meta action requested: %s", raw)
			}
		}
		return []*Task{t}
	case "import_playbook":
		ld.errorf(at, "'import_playbook' is only allowed as a top-level playbook entry, not in a task list")
		return nil
	case "include_tasks", "import_tasks", "include":
		file := includeFile(t)
		if t.Action != "include" {
			for k := range t.Args {
				if !includeTasksArgs[k] || (k == "apply" && t.Action != "include_tasks") {
					ld.errorf(at, "Invalid options for %s: %s", t.ActionAs, k)
					return nil
				}
			}
		}
		if file == "" {
			ld.errorf(at, "No file specified for %s", t.ActionAs)
			return nil
		}
		static := t.Action == "import_tasks" ||
			(t.Action == "include" && !isTemplate(file) && t.Loop == nil && !underDynamicInclude(sc.parent))
		if !static {
			return []*Task{t}
		}
		if t.Loop != nil {
			ld.errorAt(t.Loop.Pos, "You cannot use loops on 'import_tasks' statements. You should use 'include_tasks' instead.")
			return nil
		}
		if isTemplate(file) {
			ld.errorf(at, "a templated file name in %s is not supported; use include_tasks", t.ActionAs)
			return nil
		}
		return ld.importTasks(t, file, sc)
	case "include_role", "import_role":
		for k := range t.Args {
			if !includeRoleArgs[k] || (k == "apply" && t.Action != "include_role") {
				ld.errorf(at, "Invalid options for %s: %s", t.ActionAs, k)
				return nil
			}
		}
		if sc.handler {
			ld.errorf(at, "Using '%s' as a handler is not supported.", t.ActionAs)
			return nil
		}
		ref, err := RoleRefFromTask(t)
		if err != nil {
			ld.errorf(at, "%v", err)
			return nil
		}
		if t.Action == "include_role" {
			return []*Task{t}
		}
		if t.Loop != nil {
			ld.errorAt(t.Loop.Pos, "You cannot use loops on 'import_role' statements. You should use 'include_role' instead.")
			return nil
		}
		if isTemplate(ref.Name) {
			ld.errorf(at, "a templated role name in import_role is not supported; use include_role")
			return nil
		}
		_, blk := ld.roleInstance(ref, sc.role, sc.parent, nil)
		if blk == nil {
			return nil
		}
		blk.Name = t.Name
		blk.Vars = blk.Vars.Merge(t.Vars)
		blk.Keywords = t.Keywords
		// The import's tags and conditionals apply to every task of the role.
		blk.Tags = append(blk.Tags, t.Tags...)
		blk.When = append(blk.When, t.When...)
		blk.Pos = t.Pos
		blk.ActionAs = t.ActionAs
		return []*Task{blk}
	}
	return []*Task{t}
}

func includeFile(t *Task) string {
	if s, ok := t.Args["_raw_params"].(string); ok && s != "" {
		return strings.TrimSpace(s)
	}
	if s, ok := t.Args["file"].(string); ok {
		return strings.TrimSpace(s)
	}
	return ""
}

// underDynamicInclude reports whether a task is being loaded inside a
// dynamic include (then a legacy include: is dynamic too).
func underDynamicInclude(p *Task) bool {
	for ; p != nil; p = p.Parent {
		if !p.IsBlock() && (p.Action == "include_tasks" || p.Action == "include" || p.Action == "include_role") {
			return true
		}
	}
	return false
}

// taskFilePath resolves a task file name as Ansible does: next to the
// including file, in the role's tasks/ (or handlers/), next to the
// playbook.
func (ld *load) taskFilePath(name string, from string, role *Role, handler bool) string {
	if filepath.IsAbs(name) {
		return name
	}
	var cands []string
	if from != "" {
		cands = append(cands, filepath.Join(filepath.Dir(from), name))
	}
	if role != nil {
		sub := "tasks"
		if handler {
			sub = "handlers"
		}
		cands = append(cands, filepath.Join(role.Path, sub, name))
	}
	cands = append(cands, filepath.Join(ld.pbDir, name))
	for _, c := range cands {
		if exists(c) {
			return c
		}
	}
	return cands[0]
}

// importTasks expands a static import into a block whose children inherit
// the import's tags, conditionals, vars and keywords.
func (ld *load) importTasks(t *Task, file string, sc scope) []*Task {
	blk := &Task{Pos: t.Pos, Name: t.Name, ActionAs: t.ActionAs, Args: t.Args, Import: true,
		Tags: t.Tags, When: t.When, Vars: t.Vars, Keywords: t.Keywords,
		Parent: sc.parent, Role: sc.role, Handler: sc.handler, File: sc.file}
	if t.Action == "include" {
		// legacy include: extra k=v arguments are variables for the file
		for _, k := range sortedKeys(t.Args) {
			if k != "_raw_params" {
				blk.Vars.Set(k, t.Args[k])
			}
		}
	}
	path := ld.taskFilePath(file, sc.file, sc.role, sc.handler)
	inner := scope{parent: blk, role: sc.role, handler: sc.handler, file: path}
	blk.Block = ld.taskFile(path, inner, t.Pos)
	if blk.Block == nil {
		blk.Block = []*Task{}
	}
	if sc.handler {
		return blk.Block // handlers stay a flat list; Parent keeps the inheritance
	}
	return []*Task{blk}
}

// taskFile reads a task file into tasks under sc.
func (ld *load) taskFile(path string, sc scope, from Pos) []*Task {
	if !ld.enter(path, from) {
		return nil
	}
	defer ld.leave()
	n, ok := ld.readYAML(path, from)
	if !ok {
		return nil
	}
	if n == nil {
		ld.warn(fmt.Sprintf("file %s is empty and had no tasks to include", path))
		return nil
	}
	if n.Kind != yaml11.Seq {
		ld.errorf(n, "included task files must contain a list of tasks")
		return nil
	}
	return ld.taskList(n, sc, path)
}

// LoadTasks reads the task file path for a dynamic include at run time:
// the tasks get parent (the include_tasks/include task) as Parent and role
// as Role. Static imports inside are expanded.
func (l *Loader) LoadTasks(path string, parent *Task, role *Role) ([]*Task, error) {
	dir := filepath.Dir(path)
	if parent != nil {
		for p := parent; p != nil; p = p.Parent {
			if p.File != "" {
				dir = filepath.Dir(p.File)
			}
		}
	}
	ld := l.newLoad(dir)
	handler := parent != nil && parent.Handler
	from := Pos{File: path}
	if parent != nil {
		from = parent.Pos
	}
	tasks := ld.taskFile(path, scope{parent: parent, role: role, handler: handler, file: path}, from)
	return tasks, ld.err()
}
