package modules

import (
	"sort"
	"strings"
)

// fqcnPrefixes are the collection prefixes under which swarmbook's built-in
// modules may be named in a playbook (ansible.builtin.copy, community.general.ufw ...).
var fqcnPrefixes = []string{
	"ansible.builtin.",
	"ansible.legacy.",
	"community.general.",
	"community.docker.",
	"ansible.posix.",
	"ansible.windows.",
	"community.windows.",
}

// Registry maps module names to modules. It is built once per run and only
// read afterwards, so it is safe for concurrent use.
type Registry struct {
	mods map[string]Module
}

// NewRegistry combines sets of modules (each keyed by short name, e.g. "copy").
// A later set overrides an earlier one for the same name.
func NewRegistry(sets ...map[string]Module) *Registry {
	r := &Registry{mods: map[string]Module{}}
	for _, set := range sets {
		for name, m := range set {
			r.mods[name] = m
		}
	}
	return r
}

// canonical strips a known collection prefix from name.
func canonical(name string) string {
	for _, p := range fqcnPrefixes {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return rest
		}
	}
	return name
}

// Lookup resolves name (short or fully qualified) to its canonical short name
// and the module's Spec.
func (r *Registry) Lookup(name string) (string, Spec, bool) {
	c := canonical(name)
	m, ok := r.mods[c]
	if !ok {
		return c, Spec{}, false
	}
	return c, m.Spec(), true
}

// Get returns the module called name (short or fully qualified).
func (r *Registry) Get(name string) (Module, bool) {
	m, ok := r.mods[canonical(name)]
	return m, ok
}

// Names lists the canonical names of all registered modules, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.mods))
	for n := range r.mods {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// DisplayName is the module name Ansible shows in argument errors for a
// task that names the module as name: the name as written, except command
// and shell, which Ansible always runs as ansible.legacy.command.
func DisplayName(name string) string {
	switch canonical(name) {
	case "command", "shell":
		return "ansible.legacy.command"
	}
	return name
}

// Validate validates raw arguments of the module called name against its
// Spec (see the package function Validate); an unsupported-parameter error
// names the module as Ansible does.
func (r *Registry) Validate(name string, raw map[string]any, static bool) (Args, error) {
	_, spec, ok := r.Lookup(name)
	if !ok {
		return nil, &UnknownModuleError{Name: name}
	}
	args, err := Validate(spec, raw, static)
	if u, isU := err.(*UnsupportedError); isU {
		u.Module = name
		if !u.Action {
			u.Module = DisplayName(name)
		}
	}
	return args, err
}

// UnknownModuleError reports a module name the registry does not know.
type UnknownModuleError struct{ Name string }

func (e *UnknownModuleError) Error() string {
	return "couldn't resolve module/action '" + e.Name + "'. This often indicates a misspelling, missing collection, or incorrect module path."
}
