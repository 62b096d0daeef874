package modules

import (
	"context"
	"reflect"
	"testing"
)

type stubModule struct{ spec Spec }

func (s stubModule) Spec() Spec { return s.spec }
func (s stubModule) Run(context.Context, *Target, Args) (Outcome, error) {
	return Outcome{}, nil
}

func TestRegistry(t *testing.T) {
	r := NewRegistry(
		map[string]Module{"command": stubModule{}, "file": stubModule{spec: Spec{Params: []Param{{Name: "path"}}}}},
		map[string]Module{"debug": stubModule{spec: Spec{Action: true, Params: []Param{{Name: "msg"}}}}},
	)
	for _, name := range []string{"file", "ansible.builtin.file", "ansible.legacy.file", "community.general.file",
		"community.docker.file", "ansible.posix.file", "ansible.windows.file", "community.windows.file"} {
		c, spec, ok := r.Lookup(name)
		if !ok || c != "file" || len(spec.Params) != 1 {
			t.Errorf("Lookup(%q) = %q %v %v", name, c, spec, ok)
		}
		if _, ok := r.Get(name); !ok {
			t.Errorf("Get(%q) failed", name)
		}
	}
	if _, _, ok := r.Lookup("foo.bar.file"); ok {
		t.Error("unknown collection resolved")
	}
	if _, ok := r.Get("nope"); ok {
		t.Error("unknown module found")
	}
	if got := r.Names(); !reflect.DeepEqual(got, []string{"command", "debug", "file"}) {
		t.Errorf("Names = %v", got)
	}
}

func TestRegistryValidateNames(t *testing.T) {
	r := NewRegistry(map[string]Module{
		"file":  stubModule{spec: Spec{Params: []Param{{Name: "path"}}}},
		"shell": stubModule{spec: Spec{FreeForm: true}},
		"debug": stubModule{spec: Spec{Action: true, Params: []Param{{Name: "msg"}}}},
	})
	cases := map[string]string{
		"file":                  "Unsupported parameters for (file) module: foo. Supported parameters include: path.",
		"ansible.builtin.file":  "Unsupported parameters for (ansible.builtin.file) module: foo. Supported parameters include: path.",
		"shell":                 "Unsupported parameters for (ansible.legacy.command) module: foo. Supported parameters include: _raw_params.",
		"ansible.builtin.debug": "Invalid options for ansible.builtin.debug: foo",
	}
	for name, want := range cases {
		_, err := r.Validate(name, map[string]any{"foo": 1}, false)
		if err == nil || err.Error() != want {
			t.Errorf("%s: err = %v, want %s", name, err, want)
		}
	}
	if _, err := r.Validate("nope", nil, false); err == nil {
		t.Error("unknown module validated")
	}
}
