package template

import (
	"context"
	"errors"
	"fmt"
	"regexp"
)

// maxDepth bounds nested template rendering (a variable whose value is a
// template that refers to another such variable, and so on).
const maxDepth = 64

// state is one top-level rendering: the scope, resolved variables and the
// names being resolved (for cycle detection).
type state struct {
	e      *Engine
	ctx    context.Context
	scope  Scope
	memo   map[string]any
	active map[string]bool
	depth  int
}

func (e *Engine) newState(ctx context.Context, s Scope) *state {
	if s == nil {
		s = emptyScope{}
	}
	return &state{e: e, ctx: ctx, scope: s}
}

// UnsafeScope is implemented by scopes that know which variables hold data
// that must never be templated again — module results, registered values
// and facts — as Ansible marks them AnsibleUnsafe.
type UnsafeScope interface {
	Unsafe(name string) bool
}

type emptyScope struct{}

func (emptyScope) Lookup(string) (any, bool) { return nil, false }

// variable resolves a scope variable, rendering templates inside its value
// as Ansible's AnsibleJ2Vars does. A value that fails on an undefined
// variable becomes an Undefined carrying the error as its hint.
func (st *state) variable(name string) (any, bool, error) {
	if v, ok := st.memo[name]; ok {
		return v, true, nil
	}
	raw, ok := st.scope.Lookup(name)
	if !ok {
		return nil, false, nil
	}
	raw = normalize(raw)
	if us, ok := st.scope.(UnsafeScope); ok && us.Unsafe(name) {
		return raw, true, nil
	}
	if _, lazy := raw.(Mapping); lazy || name == "vars" || !hasTemplate(raw) {
		return raw, true, nil
	}
	if st.active[name] {
		return nil, true, fmt.Errorf("recursive loop detected in template string: %s", name)
	}
	if st.active == nil {
		st.active = map[string]bool{}
	}
	st.active[name] = true
	v, err := st.renderValue(raw)
	delete(st.active, name)
	if err != nil {
		var ue *UndefinedError
		if !errors.As(err, &ue) {
			return nil, true, err
		}
		v = &Undefined{hint: fmt.Sprintf("%s: %s", pyStr(raw), ue.Error()), name: name}
	}
	if st.memo == nil {
		st.memo = map[string]any{}
	}
	st.memo[name] = v
	return v, true, nil
}

// hasTemplate reports whether v holds a string that is a template.
func hasTemplate(v any) bool {
	switch x := v.(type) {
	case string:
		return IsTemplate(x)
	case []any:
		for _, e := range x {
			if hasTemplate(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasTemplate(e) {
				return true
			}
		}
	}
	return false
}

// renderValue templates every string inside v (Templar.template on data).
func (st *state) renderValue(v any) (any, error) {
	switch x := normalize(v).(type) {
	case string:
		return st.template(x)
	case []any:
		if !hasTemplate(x) {
			return x, nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			r, err := st.renderValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case map[string]any:
		if !hasTemplate(x) {
			return x, nil
		}
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			r, err := st.renderValue(x[k])
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

// singleVar matches Templar's SINGLE_VAR: "{{ name }}" alone.
var singleVarRE = regexp.MustCompile(`^\{\{\s*(\w*)\s*\}\}$`)

// template renders a playbook string with Ansible's default (non-native)
// typing: Templar.template(convert_data=True).
func (st *state) template(src string) (any, error) {
	if !IsTemplate(src) {
		return src, nil
	}
	if m := singleVarRE.FindStringSubmatch(src); m != nil {
		if raw, ok := st.scope.Lookup(m[1]); ok {
			switch x := normalize(raw).(type) {
			case nil:
				return nil, nil
			case bool, int, float64:
				return x, nil
			}
		}
	}
	c, err := st.e.compile(src, true)
	if err != nil {
		return nil, err
	}
	return st.exec(c, true)
}

// mappingGet reads key from a lazy Mapping, rendering templates in the value
// as HostVars does (fail_on_undefined=False: undefined leaves the text).
func (st *state) mappingGet(m Mapping, key string) (any, bool, error) {
	v, ok := m.Get(key)
	if !ok {
		return nil, false, nil
	}
	v = normalize(v)
	if _, lazy := v.(Mapping); lazy || !hasTemplate(v) {
		return v, true, nil
	}
	r, err := st.renderValue(v)
	if err != nil {
		var ue *UndefinedError
		if errors.As(err, &ue) {
			return v, true, nil
		}
		return nil, true, err
	}
	return r, true, nil
}
