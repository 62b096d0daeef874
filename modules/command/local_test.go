package command

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/local"
)

var startTime = time.Now()

func localConn(t *testing.T) transport.Conn {
	t.Helper()
	c, err := local.Dialer{}.Dial(context.Background(), transport.Endpoint{Name: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type dirFiles struct{ dir string }

func (d dirFiles) Find(_, name string) (string, error) {
	if filepath.IsAbs(name) {
		return name, nil
	}
	return filepath.Join(d.dir, name), nil
}

var (
	timeRe  = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$`)
	deltaRe = regexp.MustCompile(`^0:00:0\d(\.\d{6})?$`)
)

// Key sets are those ansible-playbook 2.14 registers (without
// ansible_facts.discovered_interpreter_python and failed, added by the engine).
const (
	cmdKeys = "changed,cmd,delta,end,msg,rc,start,stderr,stderr_lines,stdout,stdout_lines"
	rawKeys = "changed,rc,stderr,stderr_lines,stdout,stdout_lines"
)

func TestModulesOnLocalHost(t *testing.T) {
	dir := t.TempDir()
	spaced := filepath.Join(dir, "my dir")
	if err := os.Mkdir(spaced, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(spaced, "a.txt"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "s.sh"), []byte("#!/bin/sh\necho \"script $@\"\npwd\necho \"$FOO\" >&2\nexit ${RC:-0}\n"), 0o755)

	cases := []struct {
		name   string
		module string
		args   map[string]any
		check  bool
		env    map[string]string
		keys   string
		want   map[string]any
		failed bool
		skip   bool
	}{
		{name: "command", module: "command", args: map[string]any{"_raw_params": "echo hello world"}, keys: cmdKeys,
			want: map[string]any{"cmd": []any{"echo", "hello", "world"}, "stdout": "hello world",
				"stdout_lines": []any{"hello world"}, "stderr_lines": []any{}, "rc": 0, "msg": "", "changed": true}},
		{name: "command does not use a shell", module: "command", args: map[string]any{"_raw_params": "echo $HOME;ls"},
			keys: cmdKeys, want: map[string]any{"stdout": "$HOME;ls"}},
		{name: "argv", module: "command", args: map[string]any{"argv": []any{"echo", "a b"}}, keys: cmdKeys,
			want: map[string]any{"cmd": []any{"echo", "a b"}, "stdout": "a b"}},
		{name: "shell", module: "shell", args: map[string]any{"_raw_params": "echo out; echo err >&2; exit 3"}, keys: cmdKeys,
			failed: true, want: map[string]any{"cmd": "echo out; echo err >&2; exit 3", "rc": 3, "stdout": "out",
				"stderr": "err", "msg": "non-zero return code", "changed": true}},
		{name: "shell env and stdin", module: "shell", args: map[string]any{"_raw_params": `cat; printf %s "$FOO"`, "stdin": "abc"},
			env: map[string]string{"FOO": "bar"}, keys: cmdKeys, want: map[string]any{"stdout": "abc\nbar"}},
		{name: "chdir", module: "command", args: map[string]any{"_raw_params": "pwd", "chdir": spaced}, keys: cmdKeys,
			want: map[string]any{"stdout": spaced}},
		{name: "creates glob in spaced dir", module: "command",
			args: map[string]any{"_raw_params": "false", "creates": spaced + "/*.txt"}, keys: cmdKeys,
			want: map[string]any{"msg": "Did not run command since '" + spaced + "/*.txt' exists", "rc": 0, "changed": false, "start": nil}},
		{name: "creates relative to chdir", module: "command",
			args: map[string]any{"_raw_params": "false", "creates": "a.txt", "chdir": spaced}, keys: cmdKeys,
			want: map[string]any{"msg": "Did not run command since 'a.txt' exists"}},
		{name: "removes missing", module: "command", args: map[string]any{"_raw_params": "false", "removes": dir + "/nope*"},
			keys: cmdKeys, want: map[string]any{"msg": "Did not run command since '" + dir + "/nope*' does not exist"}},
		{name: "removes present runs", module: "command", args: map[string]any{"_raw_params": "echo ran", "removes": spaced},
			keys: cmdKeys, want: map[string]any{"stdout": "ran"}},
		{name: "check mode", module: "command", check: true, args: map[string]any{"_raw_params": "touch " + dir + "/x"},
			keys: cmdKeys + ",skipped", skip: true, want: map[string]any{"msg": "Command would have run if not in check mode", "changed": false}},
		{name: "chdir missing", module: "command", args: map[string]any{"_raw_params": "pwd", "chdir": "/nonexist"},
			keys: cmdKeys, failed: true,
			want: map[string]any{"msg": "Unable to change directory before execution: [Errno 2] No such file or directory: b'/nonexist'", "rc": nil}},
		{name: "missing program", module: "command", args: map[string]any{"_raw_params": "/nonexistent/bin"},
			keys: "changed,cmd,msg,rc,stderr,stderr_lines,stdout,stdout_lines", failed: true,
			want: map[string]any{"msg": "[Errno 2] No such file or directory: b'/nonexistent/bin'", "rc": 2, "cmd": "/nonexistent/bin"}},
		{name: "missing program on PATH", module: "command", args: map[string]any{"_raw_params": "no-such-program-xyz"},
			failed: true, want: map[string]any{"rc": 2}},
		{name: "raw", module: "raw", args: map[string]any{"_raw_params": "echo rawout"}, keys: rawKeys,
			want: map[string]any{"stdout": "rawout\n", "stdout_lines": []any{"rawout"}, "changed": true}},
		{name: "script", module: "script", args: map[string]any{"_raw_params": "s.sh a 'b c'", "chdir": spaced},
			env: map[string]string{"FOO": "envval"}, keys: rawKeys,
			want: map[string]any{"stdout": "script a b c\n" + spaced + "\n", "stderr": "envval\n", "rc": 0}},
		{name: "script failing", module: "script", args: map[string]any{"_raw_params": "s.sh"},
			env: map[string]string{"RC": "4"}, keys: rawKeys + ",msg", failed: true,
			want: map[string]any{"rc": 4, "msg": "non-zero return code"}},
		{name: "script creates", module: "script", args: map[string]any{"_raw_params": "s.sh", "creates": spaced},
			keys: "msg,skipped", skip: true, want: map[string]any{"msg": spaced + " exists, matching creates option"}},
		{name: "script check mode", module: "script", check: true, args: map[string]any{"_raw_params": "s.sh"},
			keys: "msg,skipped", skip: true, want: map[string]any{"msg": "Check mode is not supported for this task."}},
		{name: "script relative chdir", module: "script", args: map[string]any{"_raw_params": "s.sh", "chdir": "rel"},
			keys: "msg", failed: true, want: map[string]any{"msg": "chdir rel must be an absolute path for a Unix-aware remote node"}},
	}
	conn := localConn(t)
	reg := modules.NewRegistry(Modules())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, _ := reg.Get(c.module)
			tg := &modules.Target{Host: "localhost", Conn: conn, Check: c.check, Env: c.env, Files: dirFiles{dir}}
			out, err := m.Run(context.Background(), tg, validated(t, c.module, c.args))
			if err != nil {
				t.Fatal(err)
			}
			if out.Failed != c.failed || out.Skipped != c.skip {
				t.Errorf("failed/skipped = %v/%v, fields %v", out.Failed, out.Skipped, out.Fields)
			}
			f := out.Fields
			if out.Skipped {
				f["skipped"] = true
			}
			if c.keys != "" && sortedKeys(f) != sortKeyList(c.keys) {
				t.Errorf("keys = %s\nwant   %s", sortedKeys(f), c.keys)
			}
			for k, v := range c.want {
				if !reflect.DeepEqual(f[k], v) {
					t.Errorf("%s = %#v, want %#v", k, f[k], v)
				}
			}
			if s, ok := f["start"].(string); ok {
				if !timeRe.MatchString(s) || !timeRe.MatchString(f["end"].(string)) || !deltaRe.MatchString(f["delta"].(string)) {
					t.Errorf("times: %v %v %v", f["start"], f["end"], f["delta"])
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x")); err == nil {
		t.Error("check mode ran the command")
	}
	left, _ := filepath.Glob(filepath.Join(os.TempDir(), "swarmbook-tmp-*"))
	for _, l := range left {
		if st, err := os.Stat(l); err == nil && st.ModTime().After(startTime) {
			t.Errorf("script left its temporary directory %s", l)
		}
	}
}

func sortKeyList(s string) string {
	m := map[string]any{}
	for _, k := range strings.Split(s, ",") {
		m[k] = nil
	}
	return sortedKeys(m)
}
