package playbook

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// validateArgs checks a task's static arguments against the module's
// spec: unknown names, missing required ones, bad choices and types of
// literal (non-templated) values, and argument constraints.
func (ld *load) validateArgs(t *Task, spec modules.Spec, at, thing *yaml11.Node) {
	if _, ok := t.Args["_variable_params"]; ok {
		return // the arguments come from a variable: checked at run time
	}
	errPos := posOf(at)
	fail := func(format string, args ...any) {
		ld.errorAt(errPos, fmt.Sprintf(format, args...))
	}
	byName := map[string]*modules.Param{}
	for i := range spec.Params {
		p := &spec.Params[i]
		byName[p.Name] = p
		for _, a := range p.Aliases {
			byName[a] = p
		}
	}
	var unknown []string
	for _, k := range sortedKeys(t.Args) {
		if (k == "_raw_params" || k == "cmd") && spec.FreeForm {
			continue
		}
		if byName[k] == nil && !spec.AnyParams {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 && spec.Action {
		fail("Invalid options for %s: %s", t.ActionAs, strings.Join(unknown, ","))
		return
	}
	if len(unknown) > 0 {
		var supported []string
		for _, p := range spec.Params {
			if strings.HasPrefix(p.Name, "_") {
				continue
			}
			s := p.Name
			if len(p.Aliases) > 0 {
				s += " (" + strings.Join(p.Aliases, ", ") + ")"
			}
			supported = append(supported, s)
		}
		sort.Strings(supported)
		hint := ""
		if len(unknown) == 1 {
			names := make([]string, 0, len(byName))
			for n := range byName {
				names = append(names, n)
			}
			hint = suggest(unknown[0], names)
		}
		fail("Unsupported parameters for (%s) module: %s. Supported parameters include: %s.%s",
			t.Action, strings.Join(unknown, ", "), strings.Join(supported, ", "), hint)
		return
	}
	given := func(p *modules.Param) (any, bool) {
		if v, ok := t.Args[p.Name]; ok {
			return v, true
		}
		for _, a := range p.Aliases {
			if v, ok := t.Args[a]; ok {
				return v, true
			}
		}
		return nil, false
	}
	has := func(name string) bool {
		if p := byName[name]; p != nil {
			v, ok := given(p)
			return ok && v != nil
		}
		return false
	}
	var missing []string
	for i := range spec.Params {
		p := &spec.Params[i]
		v, ok := given(p)
		if p.Required && !ok {
			missing = append(missing, p.Name)
			continue
		}
		if !ok || v == nil {
			continue
		}
		if s, isStr := v.(string); isStr && isTemplate(s) {
			continue
		}
		if msg := checkValue(p, v); msg != "" {
			fail("%s", msg)
		}
	}
	if len(missing) > 0 {
		fail("missing required arguments: %s", strings.Join(missing, ", "))
	}
	for _, group := range spec.MutuallyExclusive {
		var set []string
		for _, n := range group {
			if has(n) {
				set = append(set, n)
			}
		}
		if len(set) > 1 {
			fail("parameters are mutually exclusive: %s", strings.Join(group, "|"))
		}
	}
	for _, group := range spec.RequiredOneOf {
		found := false
		for _, n := range group {
			found = found || has(n)
		}
		if !found && !(spec.FreeForm && t.Args["_raw_params"] != nil) {
			fail("one of the following is required: %s", strings.Join(group, ", "))
		}
	}
	for _, group := range spec.RequiredTogether {
		n := 0
		for _, name := range group {
			if has(name) {
				n++
			}
		}
		if n > 0 && n < len(group) {
			fail("parameters are required together: %s", strings.Join(group, ", "))
		}
	}
}

// checkValue checks a literal value against a parameter's kind and
// choices; it returns an Ansible-like message, or "".
func checkValue(p *modules.Param, v any) string {
	switch p.Kind {
	case modules.KindBool:
		if _, ok := boolValue(v); !ok {
			return fmt.Sprintf("argument '%s' is of type %s and we were unable to convert to bool: The value '%v' is not a valid boolean.", p.Name, pyType(v), v)
		}
	case modules.KindInt:
		switch x := v.(type) {
		case int:
		case float64:
			if x != float64(int(x)) {
				return fmt.Sprintf("argument '%s' is of type %s and we were unable to convert to int: cannot convert %v", p.Name, pyType(v), v)
			}
		case string:
			if _, err := strconv.Atoi(strings.TrimSpace(x)); err != nil {
				return fmt.Sprintf("argument '%s' is of type %s and we were unable to convert to int: <class 'str'> cannot be converted to an int", p.Name, pyType(v))
			}
		default:
			return fmt.Sprintf("argument '%s' is of type %s and we were unable to convert to int", p.Name, pyType(v))
		}
	case modules.KindStr, modules.KindPath:
		switch v.(type) {
		case map[string]any, []any:
			return fmt.Sprintf("argument '%s' is of type %s and we were unable to convert to str", p.Name, pyType(v))
		}
	case modules.KindDict:
		switch v.(type) {
		case map[string]any, string:
		default:
			return fmt.Sprintf("argument '%s' is of type %s and we were unable to convert to dict", p.Name, pyType(v))
		}
	}
	if len(p.Choices) > 0 {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case bool:
			// Ansible compares the choices with the str() of the value
			s = yaml11.KeyString(&yaml11.Node{Kind: yaml11.Scalar, Scalar: x})
		case int, float64:
			s = yaml11.KeyString(&yaml11.Node{Kind: yaml11.Scalar, Scalar: x})
		default:
			return ""
		}
		for _, c := range p.Choices {
			if c == s {
				return ""
			}
		}
		return fmt.Sprintf("value of %s must be one of: %s, got: %s", p.Name, strings.Join(p.Choices, ", "), s)
	}
	return ""
}

func pyType(v any) string {
	switch v.(type) {
	case string:
		return "<class 'str'>"
	case int:
		return "<class 'int'>"
	case float64:
		return "<class 'float'>"
	case bool:
		return "<class 'bool'>"
	case map[string]any:
		return "<class 'dict'>"
	case []any:
		return "<class 'list'>"
	}
	return "<class 'NoneType'>"
}
