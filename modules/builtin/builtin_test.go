package builtin

import "testing"

func TestRegistry(t *testing.T) {
	r := Registry()
	for _, name := range []string{
		"command", "shell", "raw", "script", "ping",
		"debug", "assert", "fail", "set_fact", "pause", "include_vars", "add_host", "group_by", "wait_for_connection",
		"copy", "file", "template", "setup",
		"ansible.builtin.command", "ansible.builtin.debug",
	} {
		if _, ok := r.Get(name); !ok {
			t.Errorf("%s is not registered", name)
		}
	}
	for _, name := range r.Names() {
		m, _ := r.Get(name)
		spec := m.Spec()
		seen := map[string]bool{}
		for _, p := range spec.Params {
			if seen[p.Name] {
				t.Errorf("%s: parameter %s declared twice", name, p.Name)
			}
			seen[p.Name] = true
			if p.Required && p.Default != nil {
				t.Errorf("%s: %s is required and has a default", name, p.Name)
			}
		}
	}
}
