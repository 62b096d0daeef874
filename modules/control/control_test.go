package control

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

type undefinedError struct{ name string }

func (e *undefinedError) Error() string   { return "'" + e.name + "' is undefined" }
func (e *undefinedError) Undefined() bool { return true }

// fakeTmpl evaluates names from vars and conditionals from truths.
type fakeTmpl struct {
	vars   map[string]any
	truths map[string]bool
}

func (f fakeTmpl) Render(_ context.Context, src string) (any, error) { return src, nil }
func (f fakeTmpl) RenderText(_ context.Context, src string, _ map[string]any) (string, error) {
	return src, nil
}
func (f fakeTmpl) Truth(_ context.Context, expr string) (bool, error) {
	v, ok := f.truths[expr]
	if !ok {
		return false, errors.New("syntax error in " + expr)
	}
	return v, nil
}
func (f fakeTmpl) Eval(_ context.Context, expr string) (any, error) {
	if v, ok := f.vars[expr]; ok {
		return v, nil
	}
	if expr == "broken(" {
		return nil, errors.New("template error while templating string")
	}
	return nil, &undefinedError{expr}
}

// fakeConn fails its first n commands as unreachable.
type fakeConn struct {
	failures int
	runs     int
}

func (c *fakeConn) Run(context.Context, transport.Command) (transport.Result, error) {
	c.runs++
	if c.runs <= c.failures {
		return transport.Result{}, &transport.Unreachable{Host: "h", Err: errors.New("connection refused")}
	}
	return transport.Result{}, nil
}
func (c *fakeConn) Put(context.Context, string, io.Reader, fs.FileMode, transport.Become) error {
	return nil
}
func (c *fakeConn) Get(context.Context, string, io.Writer, transport.Become) error { return nil }
func (c *fakeConn) Platform() transport.Platform {
	return transport.Platform{Shell: transport.ShellPOSIX}
}
func (c *fakeConn) Close() error { return nil }

type dirFiles struct{ dir string }

func (d dirFiles) Find(_, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	return filepath.Join(d.dir, name), nil
}

func run(t *testing.T, tg *modules.Target, name string, raw map[string]any) (modules.Outcome, error) {
	t.Helper()
	reg := modules.NewRegistry(Modules())
	args, err := reg.Validate(name, raw, false)
	if err != nil {
		return modules.Outcome{}, err
	}
	m, _ := reg.Get(name)
	return m.Run(context.Background(), tg, args)
}

func TestControlModules(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "v.yml"), []byte("x: 1\ny: [a, b]\nz: yes\nmode: 0644\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "list.yml"), []byte("- 1\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "d", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "d", "a.yml"), []byte("a: 1\nshared: a\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "d", "b.json"), []byte(`{"b": 2, "shared": "b"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "d", "notes.txt"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "d", "sub", "c.yml"), []byte("c: 3\nshared: c\n"), 0o644)

	tmpl := fakeTmpl{
		vars:   map[string]any{"c4.rc": "0", "c2": map[string]any{"rc": 0}},
		truths: map[string]bool{"1 == 1": true, "2 > 1": true, "1 == 2": false, "True": true},
	}
	cases := []struct {
		name    string
		module  string
		args    map[string]any
		verbose int
		check   bool
		want    map[string]any // exact Fields
		failed  bool
		skipped bool
		changed bool
		err     string
		check2  func(t *testing.T, o modules.Outcome)
	}{
		{name: "debug msg", module: "debug", args: map[string]any{"msg": "hi"}, want: map[string]any{"msg": "hi"}},
		{name: "debug list msg", module: "debug", args: map[string]any{"msg": []any{1, 2}}, want: map[string]any{"msg": []any{1, 2}}},
		{name: "debug default", module: "debug", args: map[string]any{}, want: map[string]any{"msg": "Hello world!"}},
		{name: "debug var", module: "debug", args: map[string]any{"var": "c4.rc"}, want: map[string]any{"c4.rc": "0"}},
		{name: "debug var dict", module: "debug", args: map[string]any{"var": "c2"}, want: map[string]any{"c2": map[string]any{"rc": 0}}},
		{name: "debug undefined", module: "debug", args: map[string]any{"var": "nope"}, want: map[string]any{"nope": "VARIABLE IS NOT DEFINED!"}},
		{name: "debug undefined verbose", module: "debug", verbose: 1, args: map[string]any{"var": "nope"},
			want: map[string]any{"nope": "VARIABLE IS NOT DEFINED!: 'nope' is undefined"}},
		{name: "debug template error", module: "debug", args: map[string]any{"var": "broken("}, err: "template error while templating string"},
		{name: "debug verbosity", module: "debug", args: map[string]any{"msg": "x", "verbosity": 2}, skipped: true,
			want: map[string]any{"skipped_reason": "Verbosity threshold not met."}},
		{name: "debug verbosity met", module: "debug", verbose: 2, args: map[string]any{"msg": "x", "verbosity": "2"}, want: map[string]any{"msg": "x"}},
		{name: "debug msg and var", module: "debug", args: map[string]any{"msg": "x", "var": "y"}, failed: true,
			want: map[string]any{"msg": "'msg' and 'var' are incompatible options"}},
		{name: "debug bad option", module: "debug", args: map[string]any{"foo": 1}, err: "Invalid options for debug: foo"},
		{name: "assert passes", module: "assert", args: map[string]any{"that": []any{"1 == 1", "2 > 1"}},
			want: map[string]any{"msg": "All assertions passed"}},
		{name: "assert string and bool item", module: "assert", args: map[string]any{"that": []any{true}, "success_msg": "yay"},
			want: map[string]any{"msg": "yay"}},
		{name: "assert fails", module: "assert", args: map[string]any{"that": "1 == 2", "fail_msg": "boom"}, failed: true,
			want: map[string]any{"msg": "boom", "evaluated_to": false, "assertion": "1 == 2"}},
		{name: "assert default fail msg", module: "assert", args: map[string]any{"that": []any{"1 == 1", "1 == 2"}}, failed: true,
			want: map[string]any{"msg": "Assertion failed", "evaluated_to": false, "assertion": "1 == 2"}},
		{name: "assert msg alias", module: "assert", args: map[string]any{"that": "1 == 2", "msg": []any{"a", "b"}}, failed: true,
			want: map[string]any{"msg": []any{"a", "b"}, "evaluated_to": false, "assertion": "1 == 2"}},
		{name: "assert bad expr", module: "assert", args: map[string]any{"that": "x ==="}, err: "syntax error in x ==="},
		{name: "assert without that", module: "assert", args: map[string]any{}, failed: true,
			want: map[string]any{"msg": `conditional required in "that" string`}},
		{name: "fail default", module: "fail", args: map[string]any{}, failed: true,
			want: map[string]any{"msg": "Failed as requested from task"}},
		{name: "fail msg", module: "fail", args: map[string]any{"msg": "no"}, failed: true, want: map[string]any{"msg": "no"}},
		{name: "set_fact", module: "set_fact", args: map[string]any{"a": "1", "b": "yes", "c": "False", "d": []any{1}, "cacheable": true},
			want: map[string]any{"ansible_facts": map[string]any{"a": "1", "b": true, "c": false, "d": []any{1}}},
			check2: func(t *testing.T, o modules.Outcome) {
				if !reflect.DeepEqual(o.SetVars, map[string]any{"a": "1", "b": true, "c": false, "d": []any{1}}) {
					t.Errorf("SetVars = %v", o.SetVars)
				}
			}},
		{name: "set_fact empty", module: "set_fact", args: map[string]any{}, failed: true,
			want: map[string]any{"msg": "No key/value pairs provided, at least one is required for this action to succeed"}},
		{name: "set_fact bad name", module: "set_fact", args: map[string]any{"a-b": 1}, failed: true,
			want: map[string]any{"msg": "The variable name 'a-b' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores."}},
		{name: "include_vars file", module: "include_vars", args: map[string]any{"file": "v.yml"},
			want: map[string]any{"ansible_facts": map[string]any{"x": 1, "y": []any{"a", "b"}, "z": true, "mode": 420},
				"ansible_included_var_files": []any{filepath.Join(dir, "v.yml")}},
			check2: func(t *testing.T, o modules.Outcome) {
				if o.IncludedVars["x"] != 1 {
					t.Errorf("IncludedVars = %v", o.IncludedVars)
				}
			}},
		{name: "include_vars free form with name", module: "include_vars", args: map[string]any{"_raw_params": "v.yml\n", "name": "nm"},
			want: map[string]any{"ansible_facts": map[string]any{"nm": map[string]any{"x": 1, "y": []any{"a", "b"}, "z": true, "mode": 420}},
				"ansible_included_var_files": []any{filepath.Join(dir, "v.yml")}}},
		{name: "include_vars missing", module: "include_vars", args: map[string]any{"file": "/nonexist.yml"}, failed: true,
			want: map[string]any{"ansible_facts": map[string]any{}, "ansible_included_var_files": []any{},
				"message": "Could not find or access '/nonexist.yml' on the Ansible Controller.\nIf you are using a module and expect the file to exist on the remote, see the remote_src option"}},
		{name: "include_vars not a dict", module: "include_vars", args: map[string]any{"file": "list.yml"}, failed: true,
			want: map[string]any{"ansible_facts": map[string]any{}, "ansible_included_var_files": []any{},
				"message": filepath.Join(dir, "list.yml") + " must be stored as a dictionary/hash"}},
		{name: "include_vars bad option", module: "include_vars", args: map[string]any{"file": "v.yml", "foo": 1}, failed: true,
			want: map[string]any{"msg": "foo is not a valid option in include_vars"}},
		{name: "include_vars mixed", module: "include_vars", args: map[string]any{"file": "v.yml", "dir": "d"}, failed: true,
			want: map[string]any{"msg": "You are mixing file only and dir only arguments, these are incompatible"}},
		{name: "include_vars dir", module: "include_vars", args: map[string]any{"dir": "d", "ignore_unknown_extensions": true},
			want: map[string]any{"ansible_facts": map[string]any{"a": 1, "b": 2, "c": 3, "shared": "c"},
				"ansible_included_var_files": []any{filepath.Join(dir, "d", "a.yml"), filepath.Join(dir, "d", "b.json"), filepath.Join(dir, "d", "sub", "c.yml")}}},
		{name: "include_vars dir depth and matching", module: "include_vars",
			args: map[string]any{"dir": "d", "depth": 1, "files_matching": "^a", "ignore_files": []any{"b.json"}},
			want: map[string]any{"ansible_facts": map[string]any{"a": 1, "shared": "a"},
				"ansible_included_var_files": []any{filepath.Join(dir, "d", "a.yml")}}},
		{name: "include_vars dir unknown extension", module: "include_vars", args: map[string]any{"dir": "d"}, failed: true,
			want: map[string]any{"ansible_facts": map[string]any{}, "ansible_included_var_files": []any{filepath.Join(dir, "d", "a.yml"), filepath.Join(dir, "d", "b.json")},
				"message": filepath.Join(dir, "d", "notes.txt") + " does not have a valid extension: yaml, yml, json"}},
		{name: "add_host", module: "add_host", args: map[string]any{"name": "h2:2222", "groups": "g1, g2,g1", "foo": "bar"}, changed: true,
			want: map[string]any{"add_host": map[string]any{"host_name": "h2", "groups": []any{"g1", "g2"},
				"host_vars": map[string]any{"foo": "bar", "ansible_ssh_port": 2222}}},
			check2: func(t *testing.T, o modules.Outcome) {
				if o.AddHost == nil || o.AddHost.Name != "h2" || !reflect.DeepEqual(o.AddHost.Groups, []string{"g1", "g2"}) {
					t.Errorf("AddHost = %+v", o.AddHost)
				}
			}},
		{name: "add_host host and group are vars", module: "add_host", args: map[string]any{"host": "h3", "group": "g5"}, changed: true,
			want: map[string]any{"add_host": map[string]any{"host_name": "h3", "groups": []any{"g5"},
				"host_vars": map[string]any{"host": "h3", "group": "g5"}}}},
		{name: "add_host without name", module: "add_host", args: map[string]any{"groups": "g"}, failed: true,
			want: map[string]any{"msg": "name, host or hostname needs to be provided"}},
		{name: "group_by", module: "group_by", args: map[string]any{"key": "a b"}, changed: true,
			want: map[string]any{"add_group": "a-b", "parent_groups": []any{"all"}},
			check2: func(t *testing.T, o modules.Outcome) {
				if !reflect.DeepEqual(o.AddGroups, []string{"a-b"}) {
					t.Errorf("AddGroups = %v", o.AddGroups)
				}
			}},
		{name: "group_by parents", module: "group_by", args: map[string]any{"key": "k", "parents": "p q"}, changed: true,
			want: map[string]any{"add_group": "k", "parent_groups": []any{"p-q"}}},
		{name: "group_by without key", module: "group_by", args: map[string]any{}, failed: true,
			want: map[string]any{"msg": "the 'key' param is required when using group_by"}},
		{name: "pause exclusive", module: "pause", args: map[string]any{"seconds": 1, "minutes": 1},
			err: "parameters are mutually exclusive: minutes|seconds"},
		{name: "pause prompt does not wait", module: "pause", args: map[string]any{"prompt": "Continue?"},
			check2: func(t *testing.T, o modules.Outcome) {
				if o.Fields["stdout"] != "Paused for 0.0 minutes" || o.Fields["delta"] != 0 || o.Fields["user_input"] != "" ||
					o.Fields["echo"] != true || o.Fields["rc"] != 0 {
					t.Errorf("fields = %v", o.Fields)
				}
			}},
		{name: "wait_for_connection check mode", module: "wait_for_connection", check: true, args: map[string]any{}, skipped: true,
			want: map[string]any{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tg := &modules.Target{Host: "h", Conn: &fakeConn{}, Tmpl: tmpl, Files: dirFiles{dir}, Verbosity: c.verbose, Check: c.check}
			out, err := run(t, tg, c.module, c.args)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("err = %v, want %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.Failed != c.failed || out.Skipped != c.skipped || out.Changed != c.changed {
				t.Errorf("failed/skipped/changed = %v/%v/%v (%v)", out.Failed, out.Skipped, out.Changed, out.Fields)
			}
			if c.want != nil && !reflect.DeepEqual(out.Fields, c.want) {
				t.Errorf("fields = %#v\nwant     %#v", out.Fields, c.want)
			}
			if m, ok := out.Fields["msg"].(string); ok && out.Msg != m {
				t.Errorf("Msg = %q, Fields[msg] = %q", out.Msg, m)
			}
			if c.check2 != nil {
				c.check2(t, out)
			}
		})
	}
}

func TestPauseSeconds(t *testing.T) {
	start := time.Now()
	out, err := run(t, &modules.Target{}, "pause", map[string]any{"seconds": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second || d > 3*time.Second {
		t.Errorf("paused %s", d)
	}
	if out.Fields["stdout"] != "Paused for 1.0 seconds" || out.Fields["delta"] != 1 {
		t.Errorf("fields = %v", out.Fields)
	}
	for _, k := range []string{"start", "stop"} {
		if s, _ := out.Fields[k].(string); len(s) != len("2006-01-02 15:04:05.000000") {
			t.Errorf("%s = %q", k, s)
		}
	}
}

func TestPauseHonoursContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	args, _ := modules.Validate(pause{}.Spec(), map[string]any{"minutes": 5}, false)
	start := time.Now()
	if _, err := (pause{}).Run(ctx, &modules.Target{}, args); err == nil {
		t.Fatal("no error on cancel")
	}
	if time.Since(start) > 2*time.Second {
		t.Fatal("did not stop on cancel")
	}
}

func TestWaitForConnection(t *testing.T) {
	conn := &fakeConn{failures: 2}
	out, err := run(t, &modules.Target{Conn: conn}, "wait_for_connection", map[string]any{"sleep": 0, "timeout": 5})
	if err != nil || out.Failed || conn.runs != 3 {
		t.Fatalf("out = %+v, err %v, runs %d", out, err, conn.runs)
	}
	if _, ok := out.Fields["elapsed"].(int); !ok {
		t.Errorf("elapsed = %#v", out.Fields["elapsed"])
	}
	conn = &fakeConn{failures: 1 << 30}
	out, err = run(t, &modules.Target{Conn: conn}, "wait_for_connection", map[string]any{"sleep": 0, "timeout": 1})
	if err != nil || !out.Failed || !strings.HasPrefix(out.Msg, "timed out waiting for ping module test: connection refused") {
		t.Fatalf("out = %+v, err %v", out, err)
	}
}
