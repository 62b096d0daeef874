package command

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

func validated(t *testing.T, name string, raw map[string]any) modules.Args {
	t.Helper()
	r := modules.NewRegistry(Modules())
	a, err := r.Validate(name, raw, false)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSplit(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "echo hello world", want: []string{"echo", "hello", "world"}},
		{in: `echo "a b" 'c d'`, want: []string{"echo", "a b", "c d"}},
		{in: `a"b c"d`, want: []string{"ab cd"}},
		{in: `echo "x\"y" "p\q" 'r\s'`, want: []string{"echo", `x"y`, `p\q`, `r\s`}},
		{in: `echo a\ b`, want: []string{"echo", "a b"}},
		{in: `echo ""`, want: []string{"echo", ""}},
		{in: "  lead  trail ", want: []string{"lead", "trail"}},
		{in: `echo "open`, err: true},
		{in: `echo \`, err: true},
	}
	for _, c := range cases {
		got, err := split(c.in)
		if c.err {
			if err == nil {
				t.Errorf("split(%q) no error", c.in)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("split(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	if got := pyDelta(5247 * 1000); got != "0:00:00.005247" {
		t.Errorf("pyDelta = %q", got)
	}
	if got := pyDelta(3661e9); got != "1:01:01" {
		t.Errorf("pyDelta = %q", got)
	}
	if got := pyDelta(2*86400e9 + 1e3); got != "2 days, 0:00:00.000001" {
		t.Errorf("pyDelta = %q", got)
	}
	if got := splitLines("a\r\nb\n\nc\n"); !reflect.DeepEqual(got, []any{"a", "b", "", "c"}) {
		t.Errorf("splitLines = %q", got)
	}
	if got := splitLines(""); len(got) != 0 || got == nil {
		t.Errorf("splitLines(\"\") = %#v", got)
	}
	if got := pyBytesRepr("/non exist"); got != "b'/non exist'" {
		t.Errorf("pyBytesRepr = %q", got)
	}
	if got := globWord("~/my dir/*.txt"); got != `"$HOME"/'my dir/'*.txt` {
		t.Errorf("globWord = %q", got)
	}
}

func TestCommandFake(t *testing.T) {
	cases := []struct {
		name    string
		module  string
		args    map[string]any
		check   bool
		answer  func(transport.Command) (transport.Result, error)
		noRun   bool
		script  []string // substrings expected in the script
		want    map[string]any
		failed  bool
		skipped bool
		changed bool
	}{
		{name: "no command", module: "command", args: map[string]any{"_raw_params": "  "}, noRun: true,
			failed: true, want: map[string]any{"rc": 256, "msg": "no command given", "cmd": nil}},
		{name: "both forms", module: "command", args: map[string]any{"_raw_params": "ls", "argv": []any{"ls"}}, noRun: true,
			failed: true, want: map[string]any{"rc": 256, "msg": "only command or argv can be given, not both"}},
		{name: "command quotes words", module: "command", args: map[string]any{"_raw_params": `echo "a b" $HOME`},
			script: []string{`exec echo 'a b' '$HOME'`}, changed: true,
			want: map[string]any{"cmd": []any{"echo", "a b", "$HOME"}, "rc": 0, "msg": ""}},
		{name: "shell runs sh -c", module: "shell", args: map[string]any{"_raw_params": "echo $HOME | wc"},
			script: []string{`exec /bin/sh -c 'echo $HOME | wc'`}, changed: true,
			want: map[string]any{"cmd": "echo $HOME | wc"}},
		{name: "shell executable", module: "shell", args: map[string]any{"_raw_params": "echo", "executable": "/bin/bash"},
			script: []string{`exec /bin/bash -c echo`}, changed: true},
		{name: "rc and stripping", module: "shell", args: map[string]any{"_raw_params": "x"},
			answer: func(transport.Command) (transport.Result, error) {
				return transport.Result{ExitCode: 3, Stdout: []byte("out\n\n"), Stderr: []byte("e1\r\ne2\n")}, nil
			},
			failed: true, changed: true,
			want: map[string]any{"rc": 3, "stdout": "out", "stderr": "e1\r\ne2", "msg": "non-zero return code",
				"stdout_lines": []any{"out"}, "stderr_lines": []any{"e1", "e2"}}},
		{name: "no strip", module: "command", args: map[string]any{"_raw_params": "x", "strip_empty_ends": false},
			answer: func(transport.Command) (transport.Result, error) {
				return transport.Result{Stdout: []byte("out\n")}, nil
			},
			changed: true, want: map[string]any{"stdout": "out\n"}},
		{name: "creates exists", module: "command", args: map[string]any{"_raw_params": "x", "creates": "/etc/*"},
			answer: markerReply("creates"), script: []string{"for f in /etc/*;"},
			want: map[string]any{"msg": "Did not run command since '/etc/*' exists", "stdout": "skipped, since /etc/* exists",
				"rc": 0, "start": nil, "stdout_lines": []any{"skipped, since /etc/* exists"}}},
		{name: "removes missing in check mode", module: "command", check: true, args: map[string]any{"_raw_params": "x", "removes": "/nope"},
			answer: markerReply("removes"),
			want:   map[string]any{"msg": "Would not run command since '/nope' does not exist", "rc": 0}},
		{name: "check mode skips", module: "command", check: true, args: map[string]any{"_raw_params": "echo hi"},
			answer: markerReply("check"), skipped: true,
			want: map[string]any{"msg": "Command would have run if not in check mode", "rc": 0, "changed": false, "stdout": ""}},
		{name: "check mode with creates changes", module: "command", check: true,
			args: map[string]any{"_raw_params": "echo hi", "creates": "/nope"}, answer: markerReply("check"), changed: true,
			want: map[string]any{"msg": "Command would have run if not in check mode"}},
		{name: "chdir missing", module: "command", args: map[string]any{"_raw_params": "echo hi", "chdir": "/nonexist"},
			answer: markerReply("chdir 2"), failed: true, script: []string{"cd -- /nonexist"},
			want: map[string]any{"msg": "Unable to change directory before execution: [Errno 2] No such file or directory: b'/nonexist'",
				"rc": nil, "cmd": []any{"echo", "hi"}}},
		{name: "program missing", module: "command", args: map[string]any{"_raw_params": "/nonexistent/bin 'a b'"},
			answer: markerReply("exec 2"), failed: true,
			want: map[string]any{"msg": "[Errno 2] No such file or directory: b'/nonexistent/bin'", "rc": 2,
				"cmd": "/nonexistent/bin 'a b'"}},
		{name: "stdin newline", module: "command", args: map[string]any{"_raw_params": "cat", "stdin": "abc"}, changed: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn := &fakeConn{answer: c.answer}
			m, _ := modules.NewRegistry(Modules()).Get(c.module)
			tg := &modules.Target{Host: "h", Conn: conn, Check: c.check, Env: map[string]string{"A": "1"}}
			out, err := m.Run(context.Background(), tg, validated(t, c.module, c.args))
			if err != nil {
				t.Fatal(err)
			}
			if c.noRun != (len(conn.cmds) == 0) {
				t.Fatalf("ran %d commands", len(conn.cmds))
			}
			if out.Failed != c.failed || out.Skipped != c.skipped || out.Changed != c.changed {
				t.Errorf("failed/skipped/changed = %v/%v/%v, want %v/%v/%v (%v)", out.Failed, out.Skipped, out.Changed,
					c.failed, c.skipped, c.changed, out.Fields)
			}
			if out.Fields["changed"] != out.Changed {
				t.Errorf("Fields[changed] = %v", out.Fields["changed"])
			}
			for k, v := range c.want {
				if !reflect.DeepEqual(out.Fields[k], v) {
					t.Errorf("%s = %#v, want %#v", k, out.Fields[k], v)
				}
			}
			for _, s := range c.script {
				if !strings.Contains(conn.cmds[0].Script, s) {
					t.Errorf("script lacks %q:\n%s", s, conn.cmds[0].Script)
				}
			}
			if c.name == "stdin newline" && conn.stdins[0] != "abc\n" {
				t.Errorf("stdin = %q", conn.stdins[0])
			}
			if !c.noRun && conn.cmds[0].Env["A"] != "1" {
				t.Error("task environment not passed")
			}
		})
	}
}

func TestCommandUnreachable(t *testing.T) {
	conn := &fakeConn{answer: func(transport.Command) (transport.Result, error) {
		return transport.Result{}, &transport.Unreachable{Host: "h", Err: errors.New("gone")}
	}}
	m := commandModule{}
	_, err := m.Run(context.Background(), &modules.Target{Conn: conn}, validated(t, "command", map[string]any{"_raw_params": "ls"}))
	if !transport.IsUnreachable(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestRawFake(t *testing.T) {
	conn := &fakeConn{answer: func(transport.Command) (transport.Result, error) {
		return transport.Result{ExitCode: 2, Stdout: []byte("x\n")}, nil
	}}
	tg := &modules.Target{Conn: conn, Become: transport.Become{Enabled: true}}
	out, err := rawModule{}.Run(context.Background(), tg, validated(t, "raw", map[string]any{"_raw_params": "echo 'hi'", "executable": "/bin/bash"}))
	if err != nil {
		t.Fatal(err)
	}
	if conn.cmds[0].Script != `/bin/bash -c 'echo '"'"'hi'"'"''` || !conn.cmds[0].Become.Enabled {
		t.Errorf("command = %+v", conn.cmds[0])
	}
	if !out.Failed || !out.Changed || out.Fields["msg"] != "non-zero return code" || out.Fields["stdout"] != "x\n" ||
		sortedKeys(out.Fields) != "changed,msg,rc,stderr,stderr_lines,stdout,stdout_lines" {
		t.Errorf("out = %+v", out)
	}
	tg.Check = true
	conn.cmds = nil
	out, _ = rawModule{}.Run(context.Background(), tg, validated(t, "raw", map[string]any{"_raw_params": "echo"}))
	if !out.Skipped || len(conn.cmds) != 0 || out.Msg != "" {
		t.Errorf("check mode: %+v, %d commands", out, len(conn.cmds))
	}
}

func TestPing(t *testing.T) {
	conn := &fakeConn{}
	out, err := pingModule{}.Run(context.Background(), &modules.Target{Conn: conn}, validated(t, "ping", map[string]any{}))
	if err != nil || out.Failed || out.Changed || out.Fields["ping"] != "pong" || len(conn.cmds) != 1 {
		t.Fatalf("out = %+v, %v", out, err)
	}
	out, _ = pingModule{}.Run(context.Background(), &modules.Target{Conn: conn}, validated(t, "ping", map[string]any{"data": "crash"}))
	if !out.Failed || out.Msg != "MODULE FAILURE\nSee stdout/stderr for the exact error" {
		t.Fatalf("crash: %+v", out)
	}
	out, _ = pingModule{}.Run(context.Background(), &modules.Target{Conn: conn}, validated(t, "ping", map[string]any{"data": "x"}))
	if out.Fields["ping"] != "x" {
		t.Fatalf("data: %+v", out)
	}
}

func TestUnsupportedMessageMatchesAnsible(t *testing.T) {
	r := modules.NewRegistry(Modules())
	for _, name := range []string{"command", "shell", "ansible.builtin.shell"} {
		_, err := r.Validate(name, map[string]any{"_raw_params": "echo hi", "warn": false}, false)
		want := "Unsupported parameters for (ansible.legacy.command) module: warn. Supported parameters include: _raw_params, _uses_shell, argv, chdir, creates, executable, removes, stdin, stdin_add_newline, strip_empty_ends."
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v", name, err)
		}
	}
}
