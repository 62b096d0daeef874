package runner

import (
	"context"
	"reflect"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
)

// varsProbe records the variables the engine hands to a module.
type varsProbe struct {
	needs bool
	got   map[string]map[string]any
}

func (p *varsProbe) Spec() modules.Spec {
	return modules.Spec{NeedsVars: p.needs, AnyParams: true}
}

func (p *varsProbe) Run(_ context.Context, t *modules.Target, _ modules.Args) (modules.Outcome, error) {
	p.got[t.Host] = t.Vars
	return modules.Outcome{}, nil
}

func TestModuleVarsOnlyWhenAsked(t *testing.T) {
	for _, needs := range []bool{true, false} {
		probe := &varsProbe{needs: needs, got: map[string]map[string]any{}}
		o := run(t, fixture{
			inventory: "[swarm-manager]\nh1 ansible_port=2222\n[swarm-worker]\nh2\n",
			playbook: `
- hosts: all
  gather_facts: false
  vars:
    greeting: "hi {{ inventory_hostname }}"
  tasks:
    - ping:
`,
			opts: func(o *Options) { o.Modules = modules.NewRegistry(map[string]modules.Module{"ping": probe}) },
		})
		if o.err != nil {
			t.Fatal(o.err)
		}
		h1 := probe.got["h1"]
		if !needs {
			if h1 != nil {
				t.Errorf("vars built for a module that did not ask: %v", h1)
			}
			continue
		}
		if !reflect.DeepEqual(h1["group_names"], []any{"swarm-manager"}) || h1["ansible_port"] != 2222 || h1["greeting"] != "hi h1" {
			t.Errorf("h1 vars: group_names=%v ansible_port=%v greeting=%v", h1["group_names"], h1["ansible_port"], h1["greeting"])
		}
		if _, ok := h1["hostvars"]; ok {
			t.Error("hostvars handed to the module")
		}
	}
}
