package playbook

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/runner/yaml11"
)

var playKeywordSet = setOf(playKeywords)

var importPlaybookKeys = []string{"import_playbook", "ansible.builtin.import_playbook", "name", "vars", "tags", "when"}

// LoadPlaybook reads a playbook, expanding import_playbook entries, roles
// and static imports, resolving modules and checking static arguments.
// All errors found are returned together (an *Error or Errors).
func (l *Loader) LoadPlaybook(path string) (*Playbook, error) {
	p, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("playbook %s: %w", path, err)
	}
	pb := &Playbook{Path: p, Dir: filepath.Dir(p)}
	ld := l.newLoad(pb.Dir)
	if !exists(p) {
		return nil, &Error{Msg: fmt.Sprintf("the playbook: %s could not be found", path)}
	}
	pb.Plays = ld.playbookFile(pb, p, Pos{File: p}, Vars{}, nil)
	if err := ld.err(); err != nil {
		return nil, err
	}
	return pb, nil
}

// playbookFile reads the plays of one playbook file.
func (ld *load) playbookFile(pb *Playbook, path string, from Pos, importVars Vars, importTags []string) []*Play {
	if !ld.enter(path, from) {
		return nil
	}
	defer ld.leave()
	n, ok := ld.readYAML(path, from)
	if !ok {
		return nil
	}
	if n == nil {
		return nil
	}
	if n.Kind != yaml11.Seq {
		ld.errorf(n, "A playbook must be a list of plays, got a %s instead", describe(n.Value()))
		return nil
	}
	var plays []*Play
	for _, entry := range n.Items {
		if entry.Kind != yaml11.Map {
			ld.errorf(entry, "playbook entries must be either valid plays or 'import_playbook' statements")
			continue
		}
		if imp := importPlaybookNode(entry); imp != nil {
			plays = append(plays, ld.importPlaybook(pb, entry, imp, path, importVars, importTags)...)
			continue
		}
		if p := ld.playEntry(pb, entry, path); p != nil {
			p.Vars = importVars.Merge(p.Vars)
			p.Tags = append(append([]string{}, importTags...), p.Tags...)
			plays = append(plays, p)
		}
	}
	return plays
}

func importPlaybookNode(n *yaml11.Node) *yaml11.Node {
	for _, k := range []string{"import_playbook", "ansible.builtin.import_playbook", "ansible.legacy.import_playbook", "include"} {
		if v := n.Get(k); v != nil {
			if k == "include" && n.Get("hosts") != nil {
				return nil
			}
			return v
		}
	}
	return nil
}

func (ld *load) importPlaybook(pb *Playbook, entry, imp *yaml11.Node, from string, vars Vars, tags []string) []*Play {
	for i, k := range entry.Keys {
		key, v := yaml11.KeyString(k), entry.Values[i]
		switch key {
		case "import_playbook", "ansible.builtin.import_playbook", "ansible.legacy.import_playbook", "name":
		case "include":
			ld.errorf(k, "'include' for playbooks is not supported; use import_playbook")
			return nil
		case "vars":
			vars = vars.Merge(ld.vars(v, "an import_playbook"))
		case "tags":
			tags = append(append([]string{}, tags...), ld.tags(v)...)
		case "when":
			ld.errorf(k, "'when' on import_playbook is not supported by swarmbook")
			return nil
		default:
			ld.errorf(k, "'%s' is not a valid attribute for a PlaybookInclude%s", key, suggest(key, importPlaybookKeys))
			return nil
		}
	}
	name := strings.TrimSpace(scalarString(imp))
	if name == "" || isTemplate(name) {
		ld.errorf(imp, "import_playbook needs a literal file name, got %q", name)
		return nil
	}
	// relative to the importing file
	target := abs(filepath.Dir(from), name)
	if !exists(target) {
		ld.errorf(imp, "Unable to retrieve file contents\nCould not find or access '%s'", target)
		return nil
	}
	return ld.playbookFile(pb, target, posOf(imp), vars, tags)
}

// playEntry reads one play.
func (ld *load) playEntry(pb *Playbook, n *yaml11.Node, file string) *Play {
	p := &Play{Pos: posOf(n), Playbook: pb, File: file, Vars: Vars{Values: map[string]any{}}}
	ld.play = p
	ld.roles = map[string]*Role{}
	nerr := len(ld.errs)
	// keywords first: sections need nothing from each other
	var rolesNode, pre, tasks, post, handlers *yaml11.Node
	for i, k := range n.Keys {
		key, v := yaml11.KeyString(k), n.Values[i]
		switch key {
		case "name":
			p.Name = ld.str(v, key)
		case "hosts":
			p.Hosts = strings.Join(ld.stringList(v, key), ",")
		case "gather_facts":
			p.GatherFacts = ld.boolPtr(v, key)
		case "gather_subset":
			p.GatherSubset = ld.tags(v)
		case "gather_timeout", "fact_path":
		case "vars":
			p.Vars = ld.vars(v, "Play")
		case "vars_files":
			p.VarsFiles = ld.varsFiles(v)
		case "vars_prompt":
			if v.Kind != yaml11.Null && !(v.Kind == yaml11.Seq && len(v.Items) == 0) {
				ld.errorf(k, "'vars_prompt' is not supported by swarmbook (runs are non-interactive); pass the values with -e")
			}
		case "roles":
			rolesNode = v
		case "pre_tasks":
			pre = v
		case "tasks":
			tasks = v
		case "post_tasks":
			post = v
		case "handlers":
			handlers = v
		case "serial":
			p.Serial = ld.serial(v)
		case "strategy":
			p.Strategy = ld.str(v, key)
			switch p.Strategy {
			case "", "linear", "free":
			default:
				ld.errorf(v, "strategy '%s' is not supported (supported: linear, free)", p.Strategy)
			}
		case "any_errors_fatal":
			if b := ld.boolPtr(v, key); b != nil {
				p.AnyErrorsFatal = *b
				p.Keywords.AnyErrorsFatal = b
			}
		case "max_fail_percentage":
			switch x := v.Value().(type) {
			case int:
				f := float64(x)
				p.MaxFailPercentage = &f
			case float64:
				p.MaxFailPercentage = &x
			case string:
				f, err := strconv.ParseFloat(strings.TrimSuffix(x, "%"), 64)
				if err != nil {
					ld.errorf(v, "max_fail_percentage must be a number, got %q", x)
				} else {
					p.MaxFailPercentage = &f
				}
			}
		case "tags":
			p.Tags = ld.tags(v)
		case "order":
			p.Order = ld.str(v, key)
			switch p.Order {
			case "", "inventory", "reverse_inventory", "sorted", "reverse_sorted", "shuffle":
			default:
				ld.errorf(v, "'%s' is not a valid value for 'order' (inventory, reverse_inventory, sorted, reverse_sorted, shuffle)", p.Order)
			}
		case "force_handlers":
			if b := ld.boolPtr(v, key); b != nil {
				p.ForceHandlers = *b
			}
		default:
			if !playKeywordSet[key] || !ld.keyword(key, v, &p.Keywords) {
				ld.errorf(k, "'%s' is not a valid attribute for a Play%s", key, suggest(key, playKeywords))
			}
		}
	}
	if n.Get("hosts") == nil || p.Hosts == "" {
		ld.errorf(n, "the field 'hosts' is required but was not set")
	}
	sc := scope{file: file}
	p.PreTasks = ld.taskList(pre, sc, "pre_tasks")
	// roles run before tasks, each preceded by its dependencies
	if rolesNode != nil && rolesNode.Kind != yaml11.Null {
		if rolesNode.Kind != yaml11.Seq {
			ld.errorf(rolesNode, "A malformed role declaration was encountered.")
		} else {
			for _, it := range rolesNode.Items {
				ref, ok := ld.roleEntry(it)
				if !ok {
					continue
				}
				r, blk := ld.roleInstance(ref, nil, nil, nil)
				if blk == nil {
					continue
				}
				p.Roles = append(p.Roles, r)
				p.Tasks = append(p.Tasks, blk)
			}
		}
	}
	p.Tasks = append(p.Tasks, ld.taskList(tasks, sc, "tasks")...)
	p.PostTasks = ld.taskList(post, sc, "post_tasks")
	// role handlers (dependencies first) come before the play's own, as
	// Ansible's compile_roles_handlers() + play.handlers
	seen := map[*Role]bool{}
	var rh []*Task
	for _, sec := range [][]*Task{p.PreTasks, p.Tasks, p.PostTasks} {
		rh = append(rh, roleHandlers(sec, seen)...)
	}
	p.Handlers = append(rh, ld.taskList(handlers, scope{file: file, handler: true}, "handlers")...)
	if len(ld.errs) > nerr {
		return nil
	}
	return p
}

// roleHandlers collects the handlers of every role instance found in
// tasks (dependencies first), each role once.
func roleHandlers(tasks []*Task, seen map[*Role]bool) []*Task {
	var out []*Task
	for _, t := range tasks {
		if t.IsBlock() {
			out = append(out, roleHandlers(t.Block, seen)...)
			out = append(out, roleHandlers(t.Rescue, seen)...)
			out = append(out, roleHandlers(t.Always, seen)...)
		}
		if t.Import && t.Role != nil && (t.Parent == nil || t.Parent.Role != t.Role) {
			if !seen[t.Role] {
				seen[t.Role] = true
				out = append(out, t.Role.Handlers...)
			}
		}
	}
	return out
}

func (ld *load) varsFiles(n *yaml11.Node) []VarsFile {
	if n.Kind == yaml11.Null {
		return nil
	}
	items := []*yaml11.Node{n}
	if n.Kind == yaml11.Seq {
		items = n.Items
	}
	var out []VarsFile
	for _, it := range items {
		vf := VarsFile{Pos: posOf(it)}
		switch it.Kind {
		case yaml11.Scalar:
			vf.Candidates = []string{scalarString(it)}
		case yaml11.Seq:
			vf.Candidates = ld.stringList(it, "vars_files")
		default:
			ld.errorf(it, "vars_files entries must be file names or lists of file names")
			continue
		}
		out = append(out, vf)
	}
	return out
}

// serial accepts an int, "N%" string, or a list of those.
func (ld *load) serial(n *yaml11.Node) []any {
	one := func(it *yaml11.Node) (any, bool) {
		switch x := it.Value().(type) {
		case int:
			return x, true
		case float64:
			return int(x), true
		case string:
			s := strings.TrimSpace(x)
			if isTemplate(s) {
				return s, true
			}
			if strings.HasSuffix(s, "%") {
				if _, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64); err == nil {
					return s, true
				}
			} else if i, err := strconv.Atoi(s); err == nil {
				return i, true
			}
		}
		ld.errorf(it, "serial must be an integer, a percentage (\"30%%\") or a list of those, got %v", it.Value())
		return nil, false
	}
	switch n.Kind {
	case yaml11.Null:
		return nil
	case yaml11.Seq:
		var out []any
		for _, it := range n.Items {
			if v, ok := one(it); ok {
				out = append(out, v)
			}
		}
		return out
	}
	if v, ok := one(n); ok {
		return []any{v}
	}
	return nil
}
