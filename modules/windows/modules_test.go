package windows

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

func target(c transport.Conn, check, diff bool) *modules.Target {
	return &modules.Target{Host: "win1", Conn: c, Check: check, Diff: diff}
}

func mustRun(t *testing.T, m modules.Module, tg *modules.Target, a modules.Args) modules.Outcome {
	t.Helper()
	out, err := m.Run(context.Background(), tg, a)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFileIdempotence(t *testing.T) {
	cases := []struct {
		name, state, host string
		changed           bool
		apply             string
		failed            bool
	}{
		{"mkdir", "directory", `{"exists":false,"isdir":false}`, true, "-ItemType Directory", false},
		{"dir exists", "directory", `{"exists":true,"isdir":true}`, false, "", false},
		{"remove", "absent", `{"exists":true,"isdir":false}`, true, "Remove-Item", false},
		{"already absent", "absent", `{"exists":false,"isdir":false}`, false, "", false},
		{"touch", "touch", `{"exists":true,"isdir":false}`, true, "LastWriteTime", false},
		{"file missing", "file", `{"exists":false,"isdir":false}`, false, "", true},
		{"file is dir", "directory", `{"exists":true,"isdir":false}`, false, "", true},
	}
	for _, c := range cases {
		for _, check := range []bool{false, true} {
			f := newFake(answer("Get-Item -LiteralPath", c.host))
			out := mustRun(t, fileModule{}, target(f, check, true), modules.Args{"path": `C:\data`, "state": c.state})
			if out.Changed != c.changed || out.Failed != c.failed {
				t.Errorf("%s check=%v: %+v", c.name, check, out)
			}
			applied := c.apply != "" && f.applied(c.apply)
			if applied == check && c.apply != "" {
				t.Errorf("%s check=%v: applied=%v", c.name, check, applied)
			}
			if len(out.Diffs) != 0 {
				t.Errorf("%s: a diff, but ansible.windows' win_file has no diff mode", c.name)
			}
		}
	}
}

func TestServiceIdempotence(t *testing.T) {
	cases := []struct {
		host, state, mode string
		acts              []string
	}{
		{`{"exists":true,"state":"stopped","start_mode":"manual"}`, "started", "auto", []string{"mode:auto", "start"}},
		{`{"exists":true,"state":"running","start_mode":"auto"}`, "started", "auto", nil},
		{`{"exists":true,"state":"running","start_mode":"auto"}`, "stopped", "", []string{"stop"}},
		{`{"exists":true,"state":"running","start_mode":"delayed"}`, "restarted", "delayed", []string{"restart"}},
	}
	for _, c := range cases {
		f := newFake(answer("Get-Service", c.host))
		out := mustRun(t, serviceModule{}, target(f, false, false), modules.Args{"name": "sshd", "state": c.state, "start_mode": c.mode})
		if out.Changed != (len(c.acts) > 0) {
			t.Errorf("%v: changed=%v", c, out.Changed)
		}
		got := len(f.scripts) - 1
		if (got == 1) != (len(c.acts) > 0) {
			t.Errorf("%v: %d apply scripts", c, got)
		}
		if len(c.acts) > 0 {
			want := serviceApplyScript("sshd", c.acts)
			if f.scripts[1] != want {
				t.Errorf("apply script:\n%s\nwant\n%s", f.scripts[1], want)
			}
		}
	}
	f := newFake(answer("Get-Service", `{"exists":false}`))
	if out := mustRun(t, serviceModule{}, target(f, false, false), modules.Args{"name": "nope", "state": "started"}); !out.Failed {
		t.Fatal("missing service did not fail")
	}
	f = newFake(answer("Get-Service", `{"exists":true,"state":"stopped","start_mode":"manual"}`))
	if out := mustRun(t, serviceModule{}, target(f, true, true), modules.Args{"name": "sshd", "state": "started"}); !out.Changed || len(f.scripts) != 1 || len(out.Diffs) != 1 {
		t.Fatalf("check mode: %+v, %d scripts", out, len(f.scripts))
	}
}

func TestRegeditIdempotence(t *testing.T) {
	cases := []struct {
		host   string
		args   modules.Args
		action string
	}{
		{`{"key_exists":true,"value_exists":true,"type":"dword","data":"1"}`, modules.Args{"name": "X", "data": 1, "type": "dword", "state": "present"}, ""},
		{`{"key_exists":true,"value_exists":true,"type":"dword","data":"1"}`, modules.Args{"name": "X", "data": "0x10", "type": "dword", "state": "present"}, "set"},
		{`{"key_exists":true,"value_exists":true,"type":"string","data":"1"}`, modules.Args{"name": "X", "data": 1, "type": "dword", "state": "present"}, "set"},
		{`{"key_exists":false}`, modules.Args{"name": "X", "data": "v", "type": "string", "state": "present"}, "set"},
		{`{"key_exists":false}`, modules.Args{"state": "present", "type": "string"}, "create-key"},
		{`{"key_exists":true,"value_exists":true,"type":"multistring","data":"a\nb"}`, modules.Args{"name": "X", "data": []any{"a", "b"}, "type": "multistring", "state": "present"}, ""},
		{`{"key_exists":true,"value_exists":true,"type":"binary","data":"01,ff"}`, modules.Args{"name": "X", "data": []any{"0x01", "0xff"}, "type": "binary", "state": "present"}, ""},
		{`{"key_exists":true,"value_exists":true,"type":"string","data":"v"}`, modules.Args{"name": "X", "state": "absent", "type": "string"}, "remove-value"},
		{`{"key_exists":true}`, modules.Args{"state": "absent", "type": "string"}, "remove-key"},
		{`{"key_exists":false}`, modules.Args{"state": "absent", "type": "string"}, ""},
	}
	for i, c := range cases {
		c.args["path"] = `HKLM:\SOFTWARE\Swarm`
		f := newFake(answer("Test-Path", c.host))
		out := mustRun(t, regeditModule{}, target(f, false, false), c.args)
		if out.Changed != (c.action != "") {
			t.Errorf("case %d: changed=%v", i, out.Changed)
		}
		if c.action != "" {
			want := regApplyScript(c.action, `HKLM:\SOFTWARE\Swarm`, c.args.Str("name"), c.args.Str("type"), c.args["data"])
			if len(f.scripts) != 2 || f.scripts[1] != want {
				t.Errorf("case %d: scripts %q", i, f.scripts)
			}
		} else if len(f.scripts) != 1 {
			t.Errorf("case %d: applied without a change", i)
		}
	}
}

type files struct{ dir string }

func (f files) Find(_, name string) (string, error) { return filepath.Join(f.dir, name), nil }

func TestCopyIdempotence(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "app.conf"), []byte("key=value\n"), 0o644)
	sum := "a6c4b2ef5bfa0cd8f3dd0b53f7ee3d1c52d1da7e4e0b6e37e8c4c3d1b8a2a1e9" // not the file's hash
	f := newFake(answer("Get-Item -LiteralPath 'C:\\app\\app.conf'", `{"exists":true,"isdir":false,"sha256":"`+sum+`"}`),
		answer("Get-Item -LiteralPath 'C:\\app\\'", `{"exists":true,"isdir":true}`))
	tg := target(f, false, true)
	tg.Files = files{dir}
	out := mustRun(t, copyModule{}, tg, modules.Args{"src": "app.conf", "dest": `C:\app\`, "force": true})
	// No diff: ansible.windows' win_copy returns an empty one for a local src.
	if !out.Changed || f.puts[`C:\app\app.conf`] != "key=value\n" || len(out.Diffs) != 0 || out.Fields["dest"] != `C:\app\app.conf` {
		t.Fatalf("%+v puts=%v", out, f.puts)
	}
	// Same content: no change, no upload.
	f = newFake(answer("Get-Item", `{"exists":true,"isdir":false,"sha256":"`+sha256hex("key=value\n")+`"}`))
	tg.Conn = f
	out = mustRun(t, copyModule{}, tg, modules.Args{"content": "key=value\n", "dest": `C:\app\app.conf`, "force": true})
	if out.Changed || len(f.puts) != 0 {
		t.Fatalf("identical content changed: %+v", out)
	}
	// force=false never overwrites; check mode never uploads.
	f = newFake(answer("Get-Item", `{"exists":true,"isdir":false,"sha256":"00"}`))
	tg.Conn, tg.Check = f, true
	if out = mustRun(t, copyModule{}, tg, modules.Args{"content": "x", "dest": `C:\a.txt`, "force": false}); out.Changed {
		t.Fatal("force=false overwrote")
	}
	if out = mustRun(t, copyModule{}, tg, modules.Args{"content": "x", "dest": `C:\a.txt`, "force": true}); !out.Changed || len(f.puts) != 0 {
		t.Fatalf("check mode: %+v %v", out, f.puts)
	}
}

type tmpl struct{}

func (tmpl) Render(context.Context, string) (any, error) { return nil, nil }
func (tmpl) RenderText(_ context.Context, s string, _ map[string]any) (string, error) {
	return strings.ReplaceAll(s, "{{ x }}", "42"), nil
}
func (tmpl) Truth(context.Context, string) (bool, error) { return false, nil }
func (tmpl) Eval(context.Context, string) (any, error)   { return nil, nil }

func TestTemplateCRLF(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "t.j2"), []byte("a={{ x }}\nb\n"), 0o644)
	f := newFake(answer("Get-Item", `{"exists":false}`))
	tg := target(f, false, false)
	tg.Files, tg.Tmpl = files{dir}, tmpl{}
	out := mustRun(t, copyModule{template: true}, tg, modules.Args{"src": "t.j2", "dest": `C:\t.txt`, "force": true, "newline_sequence": `\r\n`})
	if !out.Changed || f.puts[`C:\t.txt`] != "a=42\r\nb\r\n" {
		t.Fatalf("%+v %q", out, f.puts)
	}
}

func TestCommandAndShell(t *testing.T) {
	f := newFake(rule{"'whoami.exe'", transport.Result{ExitCode: 0, Stdout: []byte("host\\user\r\n")}})
	out := mustRun(t, commandModule{}, target(f, false, false), modules.Args{"_raw_params": `whoami.exe /groups "a b"`})
	if !out.Changed || out.Fields["stdout"] != "host\\user\r\n" || !strings.Contains(f.scripts[0], "& 'whoami.exe' '/groups' 'a b'") {
		t.Fatalf("%+v %q", out, f.scripts)
	}
	f = newFake(answer("Test-Path", `{"skip":"C:\\x exists"}`))
	out = mustRun(t, shellModule{}, target(f, false, false), modules.Args{"_raw_params": "Remove-Item C:\\x", "creates": `C:\x`})
	if out.Changed || len(f.scripts) != 1 {
		t.Fatalf("creates did not skip: %+v", out)
	}
	f = newFake(rule{"exit 3", transport.Result{ExitCode: 3}})
	out = mustRun(t, shellModule{}, target(f, false, false), modules.Args{"_raw_params": "exit 3"})
	if !out.Failed || out.Fields["rc"] != 3 {
		t.Fatalf("%+v", out)
	}
	f = newFake()
	out = mustRun(t, shellModule{}, target(f, true, false), modules.Args{"_raw_params": "Stop-Computer"})
	if !out.Skipped || len(f.scripts) != 0 {
		t.Fatalf("check mode ran the command: %+v", out)
	}
}

func TestPingAndGetURL(t *testing.T) {
	f := newFake(answer("ping =", `{"ping":"pong"}`))
	if out := mustRun(t, pingModule{}, target(f, false, false), modules.Args{"data": "pong"}); out.Fields["ping"] != "pong" {
		t.Fatalf("%+v", out)
	}
	f = newFake(answer("Invoke-WebRequest", `{"changed":true,"status_code":200,"checksum_dest":"ab"}`))
	out := mustRun(t, getURLModule{}, target(f, false, false), modules.Args{"url": "https://x/y.zip", "dest": `C:\y.zip`,
		"force": true, "checksum_algorithm": "sha256", "retries": 5, "validate_certs": true})
	if !out.Changed || out.Fields["status_code"] != 200 || !strings.Contains(f.scripts[0], "$retries = 5") {
		t.Fatalf("%+v", out)
	}
}

func TestSplitWindowsArgs(t *testing.T) {
	got := splitWindowsArgs(`a "b c" d\"e "" f`)
	want := []string{"a", "b c", `d"e`, "", "f"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("%q", got)
	}
}

func TestNotPowerShell(t *testing.T) {
	out := mustRun(t, pingModule{}, target(posixConn{newFake()}, false, false), modules.Args{"data": "pong"})
	if !out.Failed {
		t.Fatal("win_ping ran on a POSIX host")
	}
}

type posixConn struct{ *fakeConn }

func (posixConn) Platform() transport.Platform {
	return transport.Platform{Shell: transport.ShellPOSIX}
}
