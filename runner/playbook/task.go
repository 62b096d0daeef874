package playbook

import (
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// scope is where a task list is read: its enclosing block, role, file.
type scope struct {
	parent  *Task
	role    *Role
	handler bool
	file    string
}

var (
	taskKeywordSet  = setOf(taskKeywords)
	blockKeywordSet = setOf(append(append([]string{}, blockKeywords...), "block", "rescue", "always"))
)

// engineActions are handled by the loader and the engine, not by modules.
var engineActions = map[string]bool{
	"meta": true, "include": true, "include_tasks": true, "import_tasks": true,
	"include_role": true, "import_role": true, "import_playbook": true,
}

// rawParamActions may take free-form parameters (RAW_PARAM_MODULES).
var rawParamActions = []string{"include", "include_vars", "include_tasks", "include_role",
	"import_tasks", "import_role", "add_host", "group_by", "set_fact", "meta"}

// stripFQCN removes the builtin collection prefixes of an engine action.
func stripFQCN(name string) string {
	for _, p := range []string{"ansible.builtin.", "ansible.legacy."} {
		if strings.HasPrefix(name, p) {
			return strings.TrimPrefix(name, p)
		}
	}
	return name
}

// taskList reads a list of tasks (or handlers).
func (ld *load) taskList(n *yaml11.Node, sc scope, section string) []*Task {
	if n == nil || n.Kind == yaml11.Null {
		return nil
	}
	if n.Kind != yaml11.Seq {
		ld.errorf(n, "A malformed block was encountered while loading %s", section)
		return nil
	}
	var out []*Task
	for _, it := range n.Items {
		if it.Kind != yaml11.Map {
			ld.errorf(it, "A malformed block was encountered while loading %s: each entry must be a dictionary, got %s", section, it.Kind)
			continue
		}
		out = append(out, ld.task(it, sc)...)
	}
	return out
}

// task reads one task, block, or static import (expanded in place).
func (ld *load) task(n *yaml11.Node, sc scope) []*Task {
	if n.Get("block") != nil {
		if sc.handler {
			ld.errorf(n, "Using a block as a handler is not supported.")
			return nil
		}
		return []*Task{ld.block(n, sc)}
	}
	t := &Task{Pos: posOf(n), Parent: sc.parent, Role: sc.role, Handler: sc.handler, File: sc.file}
	var actionKey *yaml11.Node
	var thing *yaml11.Node
	var extra []*yaml11.Node // keys that are neither keywords nor modules
	var argsNode *yaml11.Node
	var spec modules.Spec
	hasSpec := false
	setAction := func(k *yaml11.Node, name string, v *yaml11.Node) {
		if actionKey != nil {
			ld.errorf(k, "conflicting action statements: %s, %s", t.ActionAs, name)
			return
		}
		actionKey, thing = k, v
		t.ActionAs = name
	}
	for i, k := range n.Keys {
		key, v := yaml11.KeyString(k), n.Values[i]
		if taskKeywordSet[key] || strings.HasPrefix(key, "with_") {
			continue
		}
		if engineActions[stripFQCN(key)] {
			setAction(k, key, v)
			continue
		}
		if ld.l.Modules != nil {
			if _, _, ok := ld.l.Modules.Lookup(key); ok {
				setAction(k, key, v)
				continue
			}
		}
		extra = append(extra, k)
	}
	// action: / local_action: (old style: "module k=v" or {module: x, ...})
	for _, kw := range []string{"action", "local_action"} {
		v := n.Get(kw)
		if v == nil {
			continue
		}
		if kw == "local_action" && n.Get("action") != nil {
			ld.errorf(v, "action and local_action are mutually exclusive")
			return nil
		}
		if actionKey != nil {
			ld.errorf(v, "conflicting action statements: %s, %s", t.ActionAs, kw)
			return nil
		}
		name, rest, ok := ld.oldStyle(v)
		if !ok {
			return nil
		}
		actionKey, thing = keyNode(n, kw), rest
		t.ActionAs = name
		if kw == "local_action" {
			t.Keywords.DelegateTo = "localhost"
		}
	}
	if actionKey == nil {
		if len(extra) > 0 {
			bad := yaml11.KeyString(extra[0])
			ld.errorf(extra[0], "couldn't resolve module/action '%s'. This often indicates a misspelling, missing collection, or incorrect module path.%s",
				bad, suggest(bad, taskKeywords))
		} else {
			ld.errorf(n, "no module/action detected in task.")
		}
		return nil
	}
	for _, k := range extra {
		bad := yaml11.KeyString(k)
		ld.errorf(k, "'%s' is not a valid attribute for a Task%s", bad, suggest(bad, taskKeywords))
	}
	// resolve the action
	if a := stripFQCN(t.ActionAs); engineActions[a] {
		t.Action = a
	} else if ld.l.Modules != nil {
		canon, sp, ok := ld.l.Modules.Lookup(t.ActionAs)
		if !ok {
			ld.errorf(actionKey, "couldn't resolve module/action '%s'. This often indicates a misspelling, missing collection, or incorrect module path.", t.ActionAs)
			return nil
		}
		t.Action, spec, hasSpec = canon, sp, true
	}
	argsNode = n.Get("args")
	t.Args = ld.normalizeArgs(t, thing, argsNode, hasSpec && spec.FreeForm, actionKey)
	if t.Args == nil {
		return nil
	}
	// keywords
	for i, k := range n.Keys {
		key, v := yaml11.KeyString(k), n.Values[i]
		ld.taskKeyword(t, key, k, v)
	}
	if n.Get("local_action") != nil {
		t.Keywords.DelegateTo = "localhost"
	}
	if hasSpec {
		ld.validateArgs(t, spec, actionKey, thing)
	}
	return ld.engineAction(t, n, sc, actionKey)
}

// keyNode returns the key node for key in mapping n.
func keyNode(n *yaml11.Node, key string) *yaml11.Node {
	for _, k := range n.Keys {
		if yaml11.KeyString(k) == key {
			return k
		}
	}
	return n
}

// oldStyle splits an action:/local_action: value into the module name and
// its argument node.
func (ld *load) oldStyle(v *yaml11.Node) (string, *yaml11.Node, bool) {
	switch v.Kind {
	case yaml11.Scalar:
		s := scalarString(v)
		parts, err := SplitArgs(s)
		if err != nil || len(parts) == 0 {
			ld.errorf(v, "no module/action detected in task.")
			return "", nil, false
		}
		rest := strings.Join(parts[1:], " ")
		return strings.TrimSpace(parts[0]), &yaml11.Node{Kind: yaml11.Scalar, Pos: v.Pos, Scalar: rest}, true
	case yaml11.Map:
		m := v.Get("module")
		if m == nil {
			ld.errorf(v, "no module/action detected in task.")
			return "", nil, false
		}
		parts, err := SplitArgs(scalarString(m))
		if err != nil || len(parts) == 0 {
			ld.errorf(m, "no module/action detected in task.")
			return "", nil, false
		}
		args := &yaml11.Node{Kind: yaml11.Map, Pos: v.Pos}
		for i, k := range v.Keys {
			if yaml11.KeyString(k) != "module" {
				args.Keys = append(args.Keys, k)
				args.Values = append(args.Values, v.Values[i])
			}
		}
		if len(parts) > 1 {
			args.Keys = append(args.Keys, &yaml11.Node{Kind: yaml11.Scalar, Pos: m.Pos, Scalar: "_kv"})
			args.Values = append(args.Values, &yaml11.Node{Kind: yaml11.Scalar, Pos: m.Pos, Scalar: strings.Join(parts[1:], " ")})
		}
		return strings.TrimSpace(parts[0]), args, true
	}
	ld.errorf(v, "unexpected parameter type in action: %s", v.Kind)
	return "", nil, false
}

// normalizeArgs merges args: and the module's own arguments as
// ModuleArgsParser does; nil means an error was reported.
func (ld *load) normalizeArgs(t *Task, thing, argsNode *yaml11.Node, freeForm bool, at *yaml11.Node) map[string]any {
	out := map[string]any{}
	if argsNode != nil && argsNode.Kind != yaml11.Null {
		switch argsNode.Kind {
		case yaml11.Map:
			for i, k := range argsNode.Keys {
				out[yaml11.KeyString(k)] = argsNode.Values[i].Value()
			}
		case yaml11.Scalar:
			s := scalarString(argsNode)
			if !isTemplate(s) {
				ld.errorf(argsNode, "Complex args containing variables cannot use bare variables (without Jinja2 delimiters), and must use the full variable style ('{{var_name}}')")
				return nil
			}
			out["_variable_params"] = s
		default:
			ld.errorf(argsNode, "Complex args must be a dictionary or variable string (\"{{var}}\").")
			return nil
		}
	}
	kv := func(s string, n *yaml11.Node) bool {
		m, err := ParseKV(s, freeForm)
		if err != nil {
			msg := err.Error()
			if err == errUnableToParse {
				msg = "Unable to parse argument string"
			}
			ld.errorf(n, "%s", msg)
			return false
		}
		for k, v := range m {
			out[k] = v
		}
		return true
	}
	if thing != nil {
		switch thing.Kind {
		case yaml11.Map:
			for i, k := range thing.Keys {
				key := yaml11.KeyString(k)
				if key == "_kv" { // "module: copy src=a" inside action: {module: ...}
					if !kv(scalarString(thing.Values[i]), thing.Values[i]) {
						return nil
					}
					continue
				}
				out[key] = thing.Values[i].Value()
			}
		case yaml11.Scalar:
			if !kv(scalarString(thing), thing) {
				return nil
			}
		case yaml11.Seq:
			ld.errorf(thing, "unexpected parameter type in action: <class 'list'>")
			return nil
		}
	}
	if !freeForm {
		for k := range out {
			if strings.HasPrefix(k, "_ansible_") {
				ld.errorf(at, "invalid parameter specified for action '%s': '%s'", t.ActionAs, k)
				return nil
			}
		}
	}
	if raw, ok := out["_raw_params"].(string); ok && raw != "" && !freeForm {
		allowed := false
		for _, a := range rawParamActions {
			if stripFQCN(t.ActionAs) == a {
				allowed = true
			}
		}
		if !allowed {
			delete(out, "_raw_params")
			if !isTemplate(raw) {
				list := append([]string{"command", "shell", "raw", "script", "win_command", "win_shell"}, rawParamActions...)
				ld.errorf(at, "this task '%s' has extra params, which is only allowed in the following modules: %s", t.ActionAs, strings.Join(list, ", "))
				return nil
			}
			out["_variable_params"] = raw
		}
	}
	return out
}

// taskKeyword applies one keyword of a task.
func (ld *load) taskKeyword(t *Task, key string, k, v *yaml11.Node) {
	switch key {
	case "name":
		t.Name = ld.str(v, key)
	case "when":
		t.When = ld.conds(v, key)
	case "register":
		t.Register = ld.str(v, key)
		if t.Register != "" && !varNameRE.MatchString(t.Register) && !isTemplate(t.Register) {
			ld.errorf(v, "Invalid variable name in 'register' specified: '%s'", t.Register)
		}
	case "changed_when":
		t.ChangedWhen = ld.conds(v, key)
	case "failed_when":
		t.FailedWhen = ld.conds(v, key)
	case "until":
		t.Until = ld.conds(v, key)
	case "retries":
		t.Retries = v.Value()
	case "delay":
		t.Delay = v.Value()
	case "loop":
		ld.setLoop(t, k, "loop", v)
	case "loop_control":
		ld.loopControl(t, v)
	case "notify":
		t.Notify = ld.stringList(v, key)
	case "listen":
		if !t.Handler {
			ld.errorf(k, "'listen' is not a valid attribute for a Task")
			return
		}
		t.Listen = ld.stringList(v, key)
	case "tags":
		t.Tags = ld.tags(v)
	case "vars":
		t.Vars = ld.vars(v, "a Task")
	case "async":
		if b, ok := v.Scalar.(int); !ok || b != 0 {
			ld.errorf(k, "'async' is not supported by swarmbook")
		}
	case "poll", "static", "action", "local_action", "args":
		// handled elsewhere, or accepted without effect
	default:
		if strings.HasPrefix(key, "with_") {
			ld.setLoop(t, k, strings.TrimPrefix(key, "with_"), v)
			return
		}
		ld.keyword(key, v, &t.Keywords)
	}
}

func (ld *load) setLoop(t *Task, k *yaml11.Node, kind string, v *yaml11.Node) {
	if t.Loop != nil {
		ld.errorf(k, "The task includes both '%s' and '%s': only one loop is allowed per task", loopKey(t.Loop.Kind), loopKey(kind))
		return
	}
	t.Loop = &Loop{Pos: posOf(k), Kind: kind, Value: v.Value()}
	if t.LoopControl.LoopVar == "" {
		t.LoopControl.LoopVar = "item"
	}
}

func loopKey(kind string) string {
	if kind == "loop" {
		return kind
	}
	return "with_" + kind
}

var loopControlKeys = []string{"loop_var", "index_var", "label", "pause", "extended", "extended_allitems"}

func (ld *load) loopControl(t *Task, v *yaml11.Node) {
	if v.Kind == yaml11.Null {
		return
	}
	if v.Kind != yaml11.Map {
		ld.errorf(v, "loop_control must be a dictionary")
		return
	}
	lc := &t.LoopControl
	for i, k := range v.Keys {
		key, val := yaml11.KeyString(k), v.Values[i]
		switch key {
		case "loop_var":
			lc.LoopVar = ld.str(val, key)
		case "index_var":
			lc.IndexVar = ld.str(val, key)
		case "label":
			lc.Label = ld.str(val, key)
		case "pause":
			lc.Pause = val.Value()
		case "extended":
			if b := ld.boolPtr(val, key); b != nil {
				lc.Extended = *b
			}
		case "extended_allitems":
		default:
			ld.errorf(k, "'%s' is not a valid attribute for a LoopControl%s", key, suggest(key, loopControlKeys))
		}
	}
	if lc.LoopVar == "" {
		lc.LoopVar = "item"
	}
}

// block reads a block with rescue/always.
func (ld *load) block(n *yaml11.Node, sc scope) *Task {
	b := &Task{Pos: posOf(n), Parent: sc.parent, Role: sc.role, File: sc.file}
	inner := sc
	inner.parent = b
	for i, k := range n.Keys {
		key, v := yaml11.KeyString(k), n.Values[i]
		switch key {
		case "block":
			b.Block = ld.taskList(v, inner, "a block")
		case "rescue":
			b.Rescue = ld.taskList(v, inner, "a rescue section")
		case "always":
			b.Always = ld.taskList(v, inner, "an always section")
		case "name":
			b.Name = ld.str(v, key)
		case "when":
			b.When = ld.conds(v, key)
		case "tags":
			b.Tags = ld.tags(v)
		case "vars":
			b.Vars = ld.vars(v, "a Block")
		default:
			if !blockKeywordSet[key] || !ld.keyword(key, v, &b.Keywords) {
				ld.errorf(k, "'%s' is not a valid attribute for a Block%s", key, suggest(key, append(blockKeywords, "block", "rescue", "always")))
			}
		}
	}
	if b.Block == nil {
		b.Block = []*Task{}
	}
	return b
}

// sortedKeys returns the keys of m sorted.
func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
