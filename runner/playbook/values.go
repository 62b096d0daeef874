package playbook

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/swarmbook/swarmbook/runner/yaml11"
)

// Conversions of YAML nodes to the typed fields of the tree, as Ansible's
// FieldAttributes convert them.

func posOf(n *yaml11.Node) Pos { return Pos(n.Pos) }

// isTemplate reports whether s holds Jinja2 (Templar.is_template).
func isTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// scalarString renders a scalar node as Ansible's str() would.
func scalarString(n *yaml11.Node) string {
	if n == nil || n.Kind == yaml11.Null {
		return ""
	}
	return yaml11.KeyString(n)
}

func (ld *load) str(n *yaml11.Node, what string) string {
	if n == nil || n.Kind == yaml11.Null {
		return ""
	}
	if n.Kind != yaml11.Scalar {
		ld.errorf(n, "the field '%s' should be a string, but a %s was given", what, n.Kind)
		return ""
	}
	return scalarString(n)
}

// boolValue is Ansible's boolean() for static values.
func boolValue(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case int:
		if x == 0 || x == 1 {
			return x == 1, true
		}
	case float64:
		if x == 0 || x == 1 {
			return x == 1, true
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "y", "yes", "on", "1", "true", "t", "1.0":
			return true, true
		case "n", "no", "off", "0", "false", "f", "0.0", "":
			return false, true
		}
	}
	return false, false
}

func (ld *load) boolPtr(n *yaml11.Node, what string) *bool {
	if n == nil || n.Kind == yaml11.Null {
		return nil
	}
	b, ok := boolValue(n.Value())
	if !ok {
		if s, isStr := n.Scalar.(string); isStr && isTemplate(s) {
			ld.errorf(n, "a templated value for '%s' is not supported; use a literal true/false", what)
		} else {
			ld.errorf(n, "the field '%s' has an invalid value (%v), and could not be converted to bool", what, n.Value())
		}
		return nil
	}
	return &b
}

// boolOrTemplate keeps a bool, or a template string evaluated later.
func (ld *load) boolOrTemplate(n *yaml11.Node, what string) any {
	if n == nil || n.Kind == yaml11.Null {
		return nil
	}
	if s, ok := n.Scalar.(string); ok && isTemplate(s) {
		return s
	}
	b, ok := boolValue(n.Value())
	if !ok {
		ld.errorf(n, "the field '%s' has an invalid value (%v), and could not be converted to bool", what, n.Value())
		return nil
	}
	return b
}

// stringList accepts a string or a list of scalars.
func (ld *load) stringList(n *yaml11.Node, what string) []string {
	if n == nil || n.Kind == yaml11.Null {
		return nil
	}
	switch n.Kind {
	case yaml11.Scalar:
		return []string{scalarString(n)}
	case yaml11.Seq:
		var out []string
		for _, it := range n.Items {
			if it.Kind == yaml11.Map || it.Kind == yaml11.Seq {
				ld.errorf(it, "the field '%s' should be a list of strings", what)
				continue
			}
			out = append(out, scalarString(it))
		}
		return out
	}
	ld.errorf(n, "the field '%s' should be a string or a list of strings, but a %s was given", what, n.Kind)
	return nil
}

// tags are a list, or a comma-separated string (Taggable._load_tags).
func (ld *load) tags(n *yaml11.Node) []string {
	if n == nil || n.Kind == yaml11.Null {
		return nil
	}
	if n.Kind == yaml11.Scalar {
		var out []string
		for _, t := range strings.Split(scalarString(n), ",") {
			out = append(out, strings.TrimSpace(t))
		}
		return out
	}
	if n.Kind != yaml11.Seq {
		ld.errorf(n, "the field 'tags' should be a list of (<class 'str'>, <class 'int'>), but the item '%v' is a <class 'dict'>", n.Value())
		return nil
	}
	return ld.stringList(n, "tags")
}

// conds parses when/changed_when/failed_when/until: a string, bool or list.
func (ld *load) conds(n *yaml11.Node, what string) []Cond {
	if n == nil || n.Kind == yaml11.Null {
		return nil
	}
	one := func(it *yaml11.Node) (Cond, bool) {
		switch v := it.Scalar.(type) {
		case bool:
			if v {
				return Cond{Pos: posOf(it), Expr: "true"}, true
			}
			return Cond{Pos: posOf(it), Expr: "false"}, true
		case nil:
			if it.Kind == yaml11.Null {
				return Cond{}, false
			}
		}
		if it.Kind != yaml11.Scalar {
			ld.errorf(it, "the field '%s' should be a string, a boolean or a list of those, but a %s was given", what, it.Kind)
			return Cond{}, false
		}
		return Cond{Pos: posOf(it), Expr: scalarString(it)}, true
	}
	if n.Kind == yaml11.Seq {
		var out []Cond
		for _, it := range n.Items {
			if c, ok := one(it); ok {
				out = append(out, c)
			}
		}
		return out
	}
	if c, ok := one(n); ok {
		return []Cond{c}
	}
	return nil
}

var varNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// vars parses a vars: dict or list of dicts, checking variable names.
func (ld *load) vars(n *yaml11.Node, owner string) Vars {
	v := Vars{Values: map[string]any{}}
	if n == nil || n.Kind == yaml11.Null {
		return v
	}
	add := func(m *yaml11.Node) {
		for i, k := range m.Keys {
			name := yaml11.KeyString(k)
			if !varNameRE.MatchString(name) {
				ld.errorf(k, "Invalid variable name in vars specified for %s: '%s' is not a valid variable name", owner, name)
				continue
			}
			v.Set(name, m.Values[i].Value())
		}
	}
	switch n.Kind {
	case yaml11.Map:
		add(n)
	case yaml11.Seq:
		for _, it := range n.Items {
			if it.Kind != yaml11.Map {
				ld.errorf(it, "Vars in a %s must be specified as a dictionary, or a list of dictionaries", owner)
				continue
			}
			add(it)
		}
	default:
		ld.errorf(n, "Vars in a %s must be specified as a dictionary, or a list of dictionaries", owner)
	}
	return v
}

// Set sets name to value, keeping the first position of name.
func (v *Vars) Set(name string, value any) {
	if v.Values == nil {
		v.Values = map[string]any{}
	}
	if _, ok := v.Values[name]; !ok {
		v.Keys = append(v.Keys, name)
	}
	v.Values[name] = value
}

// Get returns the value of name.
func (v Vars) Get(name string) (any, bool) {
	x, ok := v.Values[name]
	return x, ok
}

// Merge returns v with the entries of o added or overriding.
func (v Vars) Merge(o Vars) Vars {
	out := Vars{Values: map[string]any{}}
	for _, k := range v.Keys {
		out.Set(k, v.Values[k])
	}
	for _, k := range o.Keys {
		out.Set(k, o.Values[k])
	}
	return out
}

// Map returns the variables as a plain map.
func (v Vars) Map() map[string]any {
	out := make(map[string]any, len(v.Keys))
	for _, k := range v.Keys {
		out[k] = v.Values[k]
	}
	return out
}

// environment accepts a dict, a template string or a list of those.
func (ld *load) environment(n *yaml11.Node) []any {
	if n == nil || n.Kind == yaml11.Null {
		return nil
	}
	if n.Kind == yaml11.Seq {
		var out []any
		for _, it := range n.Items {
			out = append(out, ld.environment(it)...)
		}
		return out
	}
	if n.Kind == yaml11.Map {
		return []any{n.Value()}
	}
	if s, ok := n.Scalar.(string); ok && isTemplate(s) {
		return []any{s}
	}
	ld.errorf(n, "environment must be a dictionary, a templated string or a list of those, got %v", n.Value())
	return nil
}

func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "dict"
	case []any:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}
