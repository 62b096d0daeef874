package playbook

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// RoleRef is one use of a role: a roles: entry, a meta dependency, or an
// import_role/include_role task.
type RoleRef struct {
	Pos      Pos
	Name     string
	Params   Vars // role parameters (keys that are not keywords)
	Tags     []string
	When     []Cond
	Vars     Vars
	Keywords Keywords
	// TasksFrom etc. select other files than main (include/import_role).
	TasksFrom, VarsFrom, DefaultsFrom, HandlersFrom string
	Public                                          *bool
	// FromInclude is true for import_role/include_role (part of the
	// role's identity, as in Ansible's ROLE_CACHE).
	FromInclude bool
	// Apply is include_role's apply: keywords given to the role's tasks.
	Apply map[string]any
}

// roleKeywordSet are the keys of a roles: entry that are keywords; every
// other key is a role parameter.
var roleKeywordSet = setOf(append(append([]string{}, baseKeywords...), "when", "delegate_to", "delegate_facts", "role"))

// RoleRefFromTask builds the RoleRef of an include_role/import_role task.
func RoleRefFromTask(t *Task) (RoleRef, error) {
	ref := RoleRef{Pos: t.Pos, Vars: Vars{Values: map[string]any{}}, Params: Vars{Values: map[string]any{}}, FromInclude: true}
	str := func(k string) string {
		s, _ := t.Args[k].(string)
		return s
	}
	ref.Name = str("name")
	if ref.Name == "" {
		return ref, fmt.Errorf("'name' is a required field for %s", t.ActionAs)
	}
	ref.TasksFrom, ref.VarsFrom = str("tasks_from"), str("vars_from")
	ref.DefaultsFrom, ref.HandlersFrom = str("defaults_from"), str("handlers_from")
	if v, ok := t.Args["public"]; ok {
		if b, ok := boolValue(v); ok {
			ref.Public = &b
		}
	}
	if a, ok := t.Args["apply"]; ok {
		m, isMap := a.(map[string]any)
		if !isMap {
			return ref, errors.New("Expected a dict for apply but got " + describe(a))
		}
		ref.Apply = m
	}
	return ref, nil
}

// roleEntry parses one roles: entry (string or dict).
func (ld *load) roleEntry(n *yaml11.Node) (RoleRef, bool) {
	ref := RoleRef{Pos: posOf(n), Params: Vars{Values: map[string]any{}}, Vars: Vars{Values: map[string]any{}}}
	switch n.Kind {
	case yaml11.Scalar:
		ref.Name = strings.TrimSpace(scalarString(n))
		return ref, ref.Name != ""
	case yaml11.Map:
	default:
		ld.errorf(n, "role definitions must contain a role name")
		return ref, false
	}
	nameNode := n.Get("role")
	if nameNode == nil {
		nameNode = n.Get("name")
	}
	if nameNode == nil {
		ld.errorf(n, "role definitions must contain a role name")
		return ref, false
	}
	ref.Name = strings.TrimSpace(scalarString(nameNode))
	for i, k := range n.Keys {
		key, v := yaml11.KeyString(k), n.Values[i]
		switch key {
		case "role":
		case "name":
			if n.Get("role") != nil {
				ref.Params.Set(key, v.Value())
			}
		case "tags":
			ref.Tags = ld.tags(v)
		case "when":
			ref.When = ld.conds(v, key)
		case "vars":
			ref.Vars = ld.vars(v, "a Role")
		default:
			if roleKeywordSet[key] && ld.keyword(key, v, &ref.Keywords) {
				continue
			}
			ref.Params.Set(key, v.Value())
		}
	}
	return ref, ref.Name != ""
}

// rolePaths lists the directories searched for roles, in order.
func (ld *load) rolePaths() []string {
	out := []string{filepath.Join(ld.pbDir, "roles")}
	out = append(out, ld.l.RolesPath...)
	return append(out, ld.pbDir)
}

func (ld *load) findRole(name string) (string, error) {
	if filepath.IsAbs(name) || strings.HasPrefix(name, "~") {
		p := name
		if strings.HasPrefix(p, "~/") {
			if h, err := os.UserHomeDir(); err == nil {
				p = filepath.Join(h, p[2:])
			}
		}
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p, nil
		}
	}
	for _, dir := range ld.rolePaths() {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p, nil
		}
	}
	return "", fmt.Errorf("the role '%s' was not found in %s", name, strings.Join(ld.rolePaths(), ":"))
}

// roleFile finds <role>/<sub>/<name>[.yml|.yaml|.json]; with allowDir a
// directory of that name is accepted too (vars/defaults).
func roleFile(rolePath, sub, name string, allowDir bool) (string, bool) {
	base := filepath.Join(rolePath, sub, name)
	cands := []string{base + ".yml", base + ".yaml", base + ".json", base}
	if ext := filepath.Ext(name); ext == ".yml" || ext == ".yaml" || ext == ".json" {
		cands = []string{base}
	}
	for _, c := range cands {
		fi, err := os.Stat(c)
		if err != nil {
			continue
		}
		if !fi.IsDir() || allowDir {
			return c, true
		}
	}
	return "", false
}

// roleVars reads defaults/ or vars/: a file, or a directory of files.
func (ld *load) roleVars(path string, from Pos) Vars {
	fi, err := os.Stat(path)
	if err != nil || !fi.IsDir() {
		return ld.varsFile(path, from)
	}
	out := Vars{Values: map[string]any{}}
	var files []string
	_ = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			switch filepath.Ext(p) {
			case ".yml", ".yaml", ".json", "":
				files = append(files, p)
			}
		}
		return nil
	})
	sort.Strings(files)
	for _, f := range files {
		out = out.Merge(ld.varsFile(f, from))
	}
	return out
}

// roleKey identifies a role instance for de-duplication (ROLE_CACHE).
func roleKey(path string, ref RoleRef) string {
	return fmt.Sprintf("%s|%v|%v|%v|%v|%v|%s|%s|%s|%s", path, ref.FromInclude, ref.Params.Map(), ref.Tags, ref.When, ref.Vars.Map(),
		ref.TasksFrom, ref.VarsFrom, ref.DefaultsFrom, ref.HandlersFrom)
}

// roleInstance loads the role of ref with its dependencies and returns it
// with its block: an Import block (Role, Tags and When of the ref) holding
// the dependencies' blocks followed by the role's tasks.
func (ld *load) roleInstance(ref RoleRef, parentRole *Role, parent *Task, chain []string) (*Role, *Task) {
	path, err := ld.findRole(ref.Name)
	if err != nil {
		ld.errorAt(ref.Pos, err.Error())
		return nil, nil
	}
	for _, c := range chain {
		if c == path {
			ld.errorAt(ref.Pos, "A recursion loop was detected with the roles specified. Make sure child roles do not have dependencies on parent roles: "+
				strings.Join(append(chain, path), " -> "))
			return nil, nil
		}
	}
	chain = append(chain, path)
	key := roleKey(path, ref)
	r, cached := ld.roles[key]
	if !cached {
		r = &Role{Pos: ref.Pos, Name: ref.Name, Path: path, Params: ref.Params, Tags: ref.Tags, When: ref.When, Parent: parentRole}
		ld.roles[key] = r
		ld.loadRoleFiles(r, ref, chain)
	}
	blk := &Task{Pos: ref.Pos, Import: true, Role: r, Tags: ref.Tags, When: ref.When, Vars: ref.Vars,
		Keywords: ref.Keywords, Parent: parent, File: filepath.Join(path, "tasks")}
	for _, dep := range r.depRefs {
		if dr, db := ld.roleInstance(dep, r, blk, chain); db != nil {
			blk.Block = append(blk.Block, db)
			if !cached {
				r.Deps = append(r.Deps, dr)
			}
		}
	}
	tasksFile := ref.TasksFrom
	if tasksFile == "" {
		tasksFile = "main"
	}
	if p, ok := roleFile(path, "tasks", tasksFile, false); ok {
		blk.Block = append(blk.Block, ld.taskFile(p, scope{parent: blk, role: r, file: p}, ref.Pos)...)
	} else if ref.TasksFrom != "" {
		ld.errorAt(ref.Pos, fmt.Sprintf("Could not find specified file in role: tasks/%s", ref.TasksFrom))
	}
	if blk.Block == nil {
		blk.Block = []*Task{}
	}
	return r, blk
}

// loadRoleFiles reads meta, defaults, vars and handlers of a new role.
func (ld *load) loadRoleFiles(r *Role, ref RoleRef, chain []string) {
	from := ref.Pos
	if p, ok := roleFile(r.Path, "meta", "main", false); ok {
		if n, ok := ld.readYAML(p, from); ok && n != nil {
			if n.Kind != yaml11.Map {
				ld.errorf(n, "the role meta file must be a dictionary")
			} else {
				if ad := n.Get("allow_duplicates"); ad != nil {
					if b := ld.boolPtr(ad, "allow_duplicates"); b != nil {
						r.AllowDuplicates = *b
					}
				}
				if deps := n.Get("dependencies"); deps != nil && deps.Kind == yaml11.Seq {
					for _, d := range deps.Items {
						if dr, ok := ld.roleEntry(d); ok {
							r.depRefs = append(r.depRefs, dr)
						}
					}
				} else if deps != nil && deps.Kind != yaml11.Null {
					ld.errorf(deps, "Expected role dependencies to be a list.")
				}
			}
		}
	}
	name := func(s string) string {
		if s == "" {
			return "main"
		}
		return s
	}
	if p, ok := roleFile(r.Path, "defaults", name(ref.DefaultsFrom), true); ok {
		r.Defaults = ld.roleVars(p, from)
	} else if ref.DefaultsFrom != "" {
		ld.errorAt(from, "Could not find specified file in role: defaults/"+ref.DefaultsFrom)
	}
	if p, ok := roleFile(r.Path, "vars", name(ref.VarsFrom), true); ok {
		r.RoleVars = ld.roleVars(p, from)
	} else if ref.VarsFrom != "" {
		ld.errorAt(from, "Could not find specified file in role: vars/"+ref.VarsFrom)
	}
	if p, ok := roleFile(r.Path, "handlers", name(ref.HandlersFrom), false); ok {
		r.Handlers = ld.taskFile(p, scope{role: r, handler: true, file: p}, from)
	} else if ref.HandlersFrom != "" {
		ld.errorAt(from, "Could not find specified file in role: handlers/"+ref.HandlersFrom)
	}
}

// LoadRole loads a role for include_role at run time: the role (with its
// defaults, vars, handlers and dependencies) and its block, whose Parent
// is parent. Role handlers are in Role.Handlers (and its Deps').
func (l *Loader) LoadRole(ref RoleRef, play *Play, parent *Task) (*Role, *Task, error) {
	dir := "."
	if play != nil && play.Playbook != nil {
		dir = play.Playbook.Dir
	}
	ld := l.newLoad(dir)
	ld.play = play
	var parentRole *Role
	if parent != nil {
		parentRole = parent.Role
	}
	r, blk := ld.roleInstance(ref, parentRole, parent, nil)
	if err := ld.err(); err != nil {
		return nil, nil, err
	}
	return r, blk, nil
}
