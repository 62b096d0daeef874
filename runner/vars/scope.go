// Package vars implements Ansible's variable precedence as a stack of
// layers searched from the top, without merging maps: with Ansible's default
// hash_behaviour=replace, a top-level key in a higher layer hides the same
// key below, which is exactly a top-down lookup.
package vars

import "sort"

// Level names the precedence levels, lowest first, as Ansible documents them.
type Level int

const (
	RoleDefaults Level = iota
	Inventory          // inventory file and group_vars/host_vars, already merged by the inventory
	Facts              // host facts
	PlayVars
	VarsFiles
	RoleVars
	BlockVars
	TaskVars
	IncludeVars // include_vars
	SetFacts    // set_fact and registered
	RoleParams
	IncludeParams
	ExtraVars
	Magic // inventory_hostname, groups, hostvars, ... (computed by the engine)
	Loop  // loop variables of the current item
	numLevels
)

// Scope is an immutable stack of variable layers. Lookups walk from the top
// layer down. Adding a layer returns a new Scope sharing the lower ones.
type Scope struct {
	layers []layer
}

type layer struct {
	level Level
	vars  map[string]any
	// unsafe names variables of this layer that hold data which must
	// never be templated (module results); allUnsafe marks the whole layer.
	unsafe    map[string]bool
	allUnsafe bool
}

// With returns a scope with m added at level (above any existing layer of
// the same level). Nil or empty maps are skipped.
func (s *Scope) With(level Level, m map[string]any) *Scope {
	return s.with(layer{level: level, vars: m})
}

// WithUnsafe is With for a layer whose variables named in unsafe (or all of
// them, when all is true) hold data that must never be templated.
func (s *Scope) WithUnsafe(level Level, m map[string]any, unsafe map[string]bool, all bool) *Scope {
	return s.with(layer{level: level, vars: m, unsafe: unsafe, allUnsafe: all})
}

// Unsafe reports whether the visible value of name is data that must not
// be templated.
func (s *Scope) Unsafe(name string) bool {
	if s == nil {
		return false
	}
	for i := len(s.layers) - 1; i >= 0; i-- {
		l := s.layers[i]
		if _, ok := l.vars[name]; ok {
			return l.allUnsafe || l.unsafe[name]
		}
	}
	return false
}

func (s *Scope) with(nl layer) *Scope {
	level, m := nl.level, nl.vars
	if len(m) == 0 {
		return s
	}
	var base []layer
	if s != nil {
		base = s.layers
	}
	// Insert keeping levels ordered; layers of the same level stack in order.
	i := len(base)
	for i > 0 && base[i-1].level > level {
		i--
	}
	out := make([]layer, 0, len(base)+1)
	out = append(out, base[:i]...)
	out = append(out, nl)
	out = append(out, base[i:]...)
	return &Scope{layers: out}
}

// Lookup finds name in the highest layer that defines it.
func (s *Scope) Lookup(name string) (any, bool) {
	if s == nil {
		return nil, false
	}
	for i := len(s.layers) - 1; i >= 0; i-- {
		if v, ok := s.layers[i].vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// Below returns the scope without the layers at or above level.
func (s *Scope) Below(level Level) *Scope {
	if s == nil {
		return nil
	}
	i := 0
	for i < len(s.layers) && s.layers[i].level < level {
		i++
	}
	return &Scope{layers: s.layers[:i:i]}
}

// Keys lists every variable name visible in the scope, sorted.
func (s *Scope) Keys() []string {
	if s == nil {
		return nil
	}
	seen := map[string]bool{}
	var keys []string
	for _, l := range s.layers {
		for k := range l.vars {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// Flatten returns all visible variables as one map (the `vars` magic
// variable and debug output); values are not rendered.
func (s *Scope) Flatten() map[string]any {
	out := map[string]any{}
	if s == nil {
		return out
	}
	for _, l := range s.layers {
		for k, v := range l.vars {
			out[k] = v
		}
	}
	return out
}

// Get makes a Scope usable as a lazy mapping (for the `vars` variable).
func (s *Scope) Get(key string) (any, bool) { return s.Lookup(key) }
