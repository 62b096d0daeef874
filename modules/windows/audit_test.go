package windows

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// The tests in this file complete the check-mode, diff and idempotence
// matrix of the win_* modules against the fake PowerShell conn. Expected
// messages and result keys are ansible.windows 1.14's (Debian bookworm).

func TestCommandShellCheckModeAndGuards(t *testing.T) {
	cases := []struct {
		name    string
		mod     modules.Module
		args    modules.Args
		check   bool
		guard   string // the guard script's answer; "" = no guard rule
		skipped bool
		changed bool
		msg     string
		scripts int
	}{
		{"command check mode", commandModule{}, modules.Args{"_raw_params": "whoami.exe"}, true, "", true, false,
			"remote module (win_command) does not support check mode", 0},
		{"command check mode ignores creates", commandModule{}, modules.Args{"_raw_params": "whoami.exe", "creates": `C:\x`}, true, `{"skip":"C:\\x exists"}`, true, false,
			"remote module (win_command) does not support check mode", 0},
		{"shell check mode", shellModule{}, modules.Args{"_raw_params": "Get-Date"}, true, "", true, false,
			"remote module does not support check mode", 0},
		{"command creates exists", commandModule{}, modules.Args{"_raw_params": "whoami.exe", "creates": `C:\x`}, false, `{"skip":"C:\\x exists"}`, true, false,
			`skipped, since C:\x exists`, 1},
		{"command removes missing", commandModule{}, modules.Args{"_raw_params": "whoami.exe", "removes": `C:\y`}, false, `{"skip":"C:\\y does not exist"}`, true, false,
			`skipped, since C:\y does not exist`, 1},
		{"shell creates exists", shellModule{}, modules.Args{"_raw_params": "New-Item C:\\x", "creates": `C:\x`}, false, `{"skip":"C:\\x exists"}`, true, false,
			`skipped, since C:\x exists`, 1},
		{"command guard passes", commandModule{}, modules.Args{"_raw_params": "whoami.exe", "creates": `C:\x`}, false, `{"skip":""}`, false, true, "", 2},
		{"shell runs", shellModule{}, modules.Args{"_raw_params": "Get-Date"}, false, "", false, true, "", 1},
	}
	for _, c := range cases {
		var rules []rule
		if c.guard != "" {
			rules = append(rules, answer("$skip = ''", c.guard))
		}
		f := newFake(rules...)
		out := mustRun(t, c.mod, target(f, c.check, true), c.args)
		if out.Skipped != c.skipped || out.Changed != c.changed || out.Msg != c.msg || out.Failed {
			t.Errorf("%s: %+v", c.name, out)
		}
		if len(f.scripts) != c.scripts {
			t.Errorf("%s: %d scripts, want %d", c.name, len(f.scripts), c.scripts)
		}
		if c.skipped && !c.check && (out.Fields["rc"] != 0 || out.Fields["cmd"] == nil) {
			t.Errorf("%s: skipped result lacks rc/cmd: %v", c.name, out.Fields)
		}
	}
}

func TestCommandRunDetails(t *testing.T) {
	f := newFake(rule{"& 'C:\\Program Files\\x.exe'", transport.Result{ExitCode: 2, Stdout: []byte("a\r\nb\r\n"), Stderr: []byte("bad\r\n")}})
	out := mustRun(t, commandModule{}, target(f, false, false), modules.Args{
		"argv": []any{`C:\Program Files\x.exe`, "it's", "two words"}, "chdir": `C:\Temp`, "stdin": "yes"})
	if !out.Failed || out.Fields["rc"] != 2 || out.Msg != "non-zero return code" {
		t.Fatalf("%+v", out)
	}
	if got := out.Fields["stdout_lines"].([]any); len(got) != 2 || got[1] != "b" {
		t.Fatalf("stdout_lines %v", got)
	}
	s := f.scripts[0]
	for _, want := range []string{"Set-Location -LiteralPath 'C:\\Temp'", "$input | & 'C:\\Program Files\\x.exe' 'it''s' 'two words'", "exit $LASTEXITCODE"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
}

// sha256hex is what Get-FileHash prints (upper case) for content.
func sha256hex(content string) string {
	h := sha256.Sum256([]byte(content))
	return strings.ToUpper(hex.EncodeToString(h[:]))
}

func TestTemplateCheckDiffIdempotence(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "t.j2"), []byte("a={{ x }}\n"), 0o644)
	rendered := "a=42\r\n"
	// Host has old content: check mode reports the change without uploading;
	// --diff shows nothing, as ansible.windows' win_copy returns an empty diff.
	f := newFake(answer("Get-Item", `{"exists":true,"isdir":false,"sha256":"00"}`))
	tg := target(f, true, true)
	tg.Files, tg.Tmpl = files{dir}, tmpl{}
	args := modules.Args{"src": "t.j2", "dest": `C:\t.txt`, "force": true, "newline_sequence": `\r\n`}
	out := mustRun(t, copyModule{template: true}, tg, args)
	h1 := sha1.Sum([]byte(rendered))
	if !out.Changed || len(f.puts) != 0 || len(out.Diffs) != 0 || out.Fields["checksum"] != hex.EncodeToString(h1[:]) || out.Fields["size"] != len(rendered) {
		t.Fatalf("check+diff: %+v puts=%v", out, f.puts)
	}
	// Host already has the rendered content: unchanged, nothing uploaded.
	f = newFake(answer("Get-Item", `{"exists":true,"isdir":false,"sha256":"`+sha256hex(rendered)+`"}`))
	tg.Conn, tg.Check = f, false
	if out = mustRun(t, copyModule{template: true}, tg, args); out.Changed || len(f.puts) != 0 {
		t.Fatalf("second run: %+v", out)
	}
	// Missing dest: upload outside check mode.
	f = newFake(answer("Get-Item", `{"exists":false}`))
	tg.Conn = f
	if out = mustRun(t, copyModule{template: true}, tg, args); !out.Changed || f.puts[`C:\t.txt`] != rendered || len(out.Diffs) != 0 {
		t.Fatalf("new file: %+v", out)
	}
}

func TestCopyEdgeCases(t *testing.T) {
	// force=false writes a missing file.
	f := newFake(answer("Get-Item", `{"exists":false}`))
	out := mustRun(t, copyModule{}, target(f, false, false), modules.Args{"content": "x", "dest": `C:\a.txt`, "force": false})
	if !out.Changed || f.puts[`C:\a.txt`] != "x" {
		t.Fatalf("%+v", out)
	}
	// content into a directory cannot name the file.
	f = newFake(answer("Get-Item", `{"exists":true,"isdir":true}`))
	if out = mustRun(t, copyModule{}, target(f, false, false), modules.Args{"content": "x", "dest": `C:\dir`, "force": true}); !out.Failed {
		t.Fatalf("%+v", out)
	}
}

func TestRegeditCheckAndDiff(t *testing.T) {
	// Expected texts are Python's json.dumps(sort_keys=True, indent=4) of
	// the dicts win_regedit puts in its diff, as Ansible's callback prints them.
	cases := []struct {
		name, host    string
		args          modules.Args
		before, after string
		checkAfter    string // after in check mode, when it differs
	}{
		{"change dword", `{"key_exists":true,"value_exists":true,"type":"dword","data":"0"}`, modules.Args{"name": "Enabled", "data": 1, "type": "dword", "state": "present"},
			"{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {\n        \"Enabled\": {\n            \"type\": \"DWord\",\n            \"value\": \"0x00000000\"\n        }\n    }\n}\n",
			"{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {\n        \"Enabled\": {\n            \"type\": \"DWord\",\n            \"value\": \"0x00000001\"\n        }\n    }\n}\n", ""},
		{"new value", `{"key_exists":true,"value_exists":false}`, modules.Args{"name": "DefaultShell", "data": `C:\pwsh.exe`, "type": "string", "state": "present"},
			"{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {}\n}\n",
			"{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {\n        \"DefaultShell\": {\n            \"type\": \"String\",\n            \"value\": \"C:\\\\pwsh.exe\"\n        }\n    }\n}\n", ""},
		{"remove value", `{"key_exists":true,"value_exists":true,"type":"multistring","data":"a\nb"}`, modules.Args{"name": "Käse", "type": "string", "state": "absent"},
			"{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {\n        \"K\\u00e4se\": {\n            \"type\": \"MultiString\",\n            \"value\": [\n                \"a\",\n                \"b\"\n            ]\n        }\n    }\n}\n",
			"{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {}\n}\n", ""},
		{"binary type change", `{"key_exists":true,"value_exists":true,"type":"string","data":"x"}`, modules.Args{"name": "Blob", "data": []any{"0x01", "0xFF"}, "type": "binary", "state": "present"},
			"{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {\n        \"Blob\": {\n            \"type\": \"String\",\n            \"value\": \"x\"\n        }\n    }\n}\n",
			"{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {\n        \"Blob\": {\n            \"type\": \"Binary\",\n            \"value\": [\n                \"0x01\",\n                \"0xff\"\n            ]\n        }\n    }\n}\n", ""},
		{"new key", `{"key_exists":false}`, modules.Args{"type": "string", "state": "present"},
			"{}\n",
			"{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {}\n}\n", ""},
		{"remove key", `{"key_exists":true}`, modules.Args{"type": "string", "state": "absent"},
			"{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {}\n}\n",
			"{}\n", ""},
		{"value under a new key", `{"key_exists":false}`, modules.Args{"name": "Q", "data": "0x10", "type": "qword", "state": "present"},
			"{}\n",
			"{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {\n        \"Q\": {\n            \"type\": \"QWord\",\n            \"value\": \"0x0000000000000010\"\n        }\n    }\n}\n", "{\n    \"HKLM:\\\\SOFTWARE\\\\Swarm\": {}\n}\n"},
	}
	for _, c := range cases {
		c.args["path"] = `HKLM:\SOFTWARE\Swarm`
		for _, check := range []bool{true, false} {
			f := newFake(answer("Test-Path", c.host))
			out := mustRun(t, regeditModule{}, target(f, check, true), c.args)
			after := c.after
			if check && c.checkAfter != "" {
				after = c.checkAfter
			}
			if !out.Changed || len(out.Diffs) != 1 || out.Diffs[0].Before != c.before || out.Diffs[0].After != after {
				t.Errorf("%s check=%v: %+v", c.name, check, out.Diffs)
			}
			if applied := len(f.scripts) == 2; applied == check {
				t.Errorf("%s check=%v: %d scripts", c.name, check, len(f.scripts))
			}
		}
	}
	// No diff without --diff.
	f := newFake(answer("Test-Path", `{"key_exists":false}`))
	if out := mustRun(t, regeditModule{}, target(f, false, false), modules.Args{"path": `HKLM:\X`, "name": "a", "data": "b", "type": "string", "state": "present"}); len(out.Diffs) != 0 || !out.Changed {
		t.Fatalf("%+v", out)
	}
}

func TestServiceDiffOutsideCheckMode(t *testing.T) {
	f := newFake(answer("Get-Service", `{"exists":true,"state":"stopped","start_mode":"manual"}`))
	out := mustRun(t, serviceModule{}, target(f, false, true), modules.Args{"name": "sshd", "state": "started", "start_mode": "auto"})
	if !out.Changed || len(f.scripts) != 2 || len(out.Diffs) != 1 ||
		out.Diffs[0].Before != "state: stopped\nstart_mode: manual\n" || out.Diffs[0].After != "state: running\nstart_mode: auto\n" {
		t.Fatalf("%+v", out)
	}
	// An apply failure is a failed task, not a transport error.
	f = newFake(answer("Get-Service", `{"exists":true,"state":"stopped","start_mode":"auto"}`),
		rule{"Start-Service", transport.Result{ExitCode: 1, Stderr: []byte("Cannot start service sshd")}})
	if out = mustRun(t, serviceModule{}, target(f, false, false), modules.Args{"name": "sshd", "state": "started"}); !out.Failed || !strings.Contains(out.Msg, "Cannot start") {
		t.Fatalf("%+v", out)
	}
}

func TestGetURLCheckIdempotenceRetries(t *testing.T) {
	base := modules.Args{"url": "https://example.invalid/docker.zip", "dest": `C:\docker.zip`, "force": true,
		"checksum_algorithm": "sha256", "validate_certs": true, "retries": 5}
	cases := []struct {
		name    string
		check   bool
		answer  string
		changed bool
		script  []string
	}{
		{"check mode, dest missing", true, `{"changed":true,"status_code":200}`, true, []string{"$check = $true"}},
		{"check mode, dest present", true, `{"changed":false,"status_code":200}`, false, []string{"$check = $true"}},
		{"same content", false, `{"changed":false,"status_code":200,"checksum_dest":"ab"}`, false, []string{"$check = $false", "$retries = 5"}},
		{"new content", false, `{"changed":true,"status_code":200,"checksum_dest":"cd","checksum_src":"cd","size":12,"dest":"C:\\docker.zip"}`, true, []string{"Copy-Item -LiteralPath $tmp -Destination $dest"}},
	}
	for _, c := range cases {
		f := newFake(answer("$url = ", c.answer))
		out := mustRun(t, getURLModule{}, target(f, c.check, false), base)
		if out.Changed != c.changed || out.Failed || len(f.scripts) != 1 {
			t.Errorf("%s: %+v (%d scripts)", c.name, out, len(f.scripts))
		}
		for _, s := range c.script {
			if !strings.Contains(f.scripts[0], s) {
				t.Errorf("%s: script lacks %q", c.name, s)
			}
		}
		if c.name == "new content" && (out.Fields["checksum_src"] != "cd" || out.Fields["size"] != int64(12) || out.Fields["dest"] != `C:\docker.zip`) {
			t.Errorf("%s: result fields %v", c.name, out.Fields)
		}
	}
	// Check mode downloads and compares, as ansible.windows does, but
	// never touches dest: the only write to dest is guarded by -not $check.
	s := getURLScript("u", "d", true, "", "sha1", 3, true, true)
	if strings.Count(s, "-Destination $dest") != 1 || !strings.Contains(s, "if ($changed -and -not $check) { Copy-Item -LiteralPath $tmp -Destination $dest -Force }") ||
		!strings.Contains(s, "$check = $true") {
		t.Fatal("check mode may write dest")
	}
	// The temporary download is removed whatever happens.
	if !strings.Contains(s, "} finally {\n    Remove-Item -LiteralPath $tmp") {
		t.Fatal("temporary file may be left behind")
	}
	// Retries: the attempt counter bounds the loop and the error names the attempts.
	if !strings.Contains(s, "$retries = 3") || !strings.Contains(s, "if ($attempt -ge $retries) { throw") {
		t.Fatal("retry loop changed")
	}
	// retries below 1 still make one attempt.
	f := newFake(answer("$url = ", `{"changed":true,"status_code":200}`))
	low := modules.Args{}
	for k, v := range base {
		low[k] = v
	}
	low["retries"] = 0
	mustRun(t, getURLModule{}, target(f, false, false), low)
	if !strings.Contains(f.scripts[0], "$retries = 1") {
		t.Fatal("retries=0 not raised to 1")
	}
	// A failed download (after the retries) fails the task with the host's message.
	f = newFake(rule{"$url = ", transport.Result{ExitCode: 1, Stderr: []byte("Error downloading 'https://example.invalid/docker.zip' to 'C:\\docker.zip' after 5 attempts: 404")}})
	if out := mustRun(t, getURLModule{}, target(f, false, false), base); !out.Failed || !strings.Contains(out.Msg, "after 5 attempts") {
		t.Fatalf("%+v", out)
	}
}

func TestPingCheckMode(t *testing.T) {
	f := newFake(answer("ping =", `{"ping":"pong"}`))
	out := mustRun(t, pingModule{}, target(f, true, false), modules.Args{"data": "pong"})
	if out.Changed || out.Skipped || out.Fields["ping"] != "pong" || len(f.scripts) != 1 {
		t.Fatalf("win_ping supports check mode and runs: %+v", out)
	}
	f = newFake(rule{"ping =", transport.Result{ExitCode: 1, Stderr: []byte("boom")}})
	if out = mustRun(t, pingModule{}, target(f, false, false), modules.Args{"data": "crash"}); !out.Failed {
		t.Fatalf("crash: %+v", out)
	}
}

func TestFileTouchAlwaysChanged(t *testing.T) {
	// win_file state=touch changes the timestamp on every run (not idempotent by design).
	for _, host := range []string{`{"exists":true,"isdir":false}`, `{"exists":true,"isdir":true}`, `{"exists":false,"isdir":false}`} {
		f := newFake(answer("Get-Item -LiteralPath", host))
		out := mustRun(t, fileModule{}, target(f, false, false), modules.Args{"path": `C:\x`, "state": "touch"})
		if !out.Changed || len(f.scripts) != 2 {
			t.Errorf("%s: %+v", host, out)
		}
	}
	// No state: a directory stays a directory, a file a file; nothing changes.
	for _, host := range []string{`{"exists":true,"isdir":false}`, `{"exists":true,"isdir":true}`} {
		f := newFake(answer("Get-Item -LiteralPath", host))
		if out := mustRun(t, fileModule{}, target(f, false, false), modules.Args{"path": `C:\x`}); out.Changed || out.Failed {
			t.Errorf("%s: %+v", host, out)
		}
	}
}

func TestCopyBackup(t *testing.T) {
	name := `C:\app.conf.4242.20261122-031500.bak`
	cases := []struct {
		name    string
		host    string
		check   bool
		backup  bool
		scripts int // dest query + backup
		file    string
	}{
		{"changed file is backed up", `{"exists":true,"isdir":false,"sha256":"00"}`, false, true, 2, name},
		// ansible.windows' action plugin skips the module in check mode: no backup_file.
		{"check mode: no backup", `{"exists":true,"isdir":false,"sha256":"00"}`, true, true, 1, ""},
		{"new file: nothing to back up", `{"exists":false}`, false, true, 1, ""},
		{"no backup asked", `{"exists":true,"isdir":false,"sha256":"00"}`, false, false, 1, ""},
	}
	for _, c := range cases {
		f := newFake(answer("[DateTime]::Now", `{"backup_file":"`+strings.ReplaceAll(name, `\`, `\\`)+`"}`), answer("Get-Item", c.host))
		out := mustRun(t, copyModule{}, target(f, c.check, false), modules.Args{"content": "new", "dest": `C:\app.conf`, "force": true, "backup": c.backup})
		got, _ := out.Fields["backup_file"].(string)
		if !out.Changed || got != c.file || len(f.scripts) != c.scripts {
			t.Errorf("%s: %+v (%d scripts)", c.name, out, len(f.scripts))
		}
		if (len(f.puts) == 1) == c.check {
			t.Errorf("%s: uploads %v", c.name, f.puts)
		}
	}
	// Unchanged content: no backup, even when asked.
	f := newFake(answer("[DateTime]::Now", `{"backup_file":"x"}`), answer("Get-Item", `{"exists":true,"isdir":false,"sha256":"`+sha256hex("same")+`"}`))
	out := mustRun(t, copyModule{}, target(f, false, false), modules.Args{"content": "same", "dest": `C:\app.conf`, "force": true, "backup": true})
	if out.Changed || out.Fields["backup_file"] != nil || len(f.scripts) != 1 {
		t.Fatalf("unchanged file backed up: %+v", out)
	}
}

func TestFileMessagesAndDefaultState(t *testing.T) {
	cases := []struct {
		path, state, host string
		changed           bool
		msg               string
	}{
		{`C:\x`, "directory", `{"exists":true,"isdir":false}`, false, `path C:\x is not a directory`},
		{`C:\x`, "file", `{"exists":true,"isdir":true}`, false, `path C:\x is not a file`},
		{`C:\x`, "file", `{"exists":false,"isdir":false}`, false, `path C:\x will not be created`},
		{`C:\x`, "", `{"exists":false,"isdir":false}`, false, `path C:\x will not be created`},
		{`C:\newdir\`, "", `{"exists":false,"isdir":false}`, true, ""},
		{`C:\x`, "", `{"exists":true,"isdir":true}`, false, ""},
	}
	for _, c := range cases {
		f := newFake(answer("Get-Item -LiteralPath", c.host))
		args := modules.Args{"path": c.path}
		if c.state != "" {
			args["state"] = c.state
		}
		out := mustRun(t, fileModule{}, target(f, false, false), args)
		if out.Changed != c.changed || out.Msg != c.msg || out.Failed != (c.msg != "") || len(out.Fields) != 0 {
			t.Errorf("%s %q: %+v", c.path, c.state, out)
		}
		if c.changed && !f.applied("-ItemType Directory") {
			t.Errorf("%s: directory not created", c.path)
		}
	}
}

func TestServiceResultKeys(t *testing.T) {
	host := `{"exists":true,"state":"stopped","start_mode":"manual","display_name":"OpenSSH SSH Server","path":"C:\\Windows\\System32\\OpenSSH\\sshd.exe",` +
		`"description":"SSH protocol based service","username":"LocalSystem","desktop_interact":false,"dependencies":["ssh-agent"],"depended_by":[],"can_pause_and_continue":false}`
	f := newFake(answer("Get-Service", host))
	out := mustRun(t, serviceModule{}, target(f, false, false), modules.Args{"name": "sshd", "state": "started", "start_mode": "auto"})
	want := map[string]any{"name": "sshd", "exists": true, "state": "running", "start_mode": "auto", "display_name": "OpenSSH SSH Server",
		"path": `C:\Windows\System32\OpenSSH\sshd.exe`, "description": "SSH protocol based service", "username": "LocalSystem",
		"desktop_interact": false, "dependencies": []any{"ssh-agent"}, "depended_by": []any{}, "can_pause_and_continue": false}
	if !out.Changed || !reflect.DeepEqual(out.Fields, want) {
		t.Fatalf("got  %#v\nwant %#v", out.Fields, want)
	}
	// The SYSTEM account is reported as LocalSystem; other accounts as they are.
	for in, w := range map[string]any{`NT AUTHORITY\SYSTEM`: "LocalSystem", `NT AUTHORITY\LocalService`: `NT AUTHORITY\LocalService`} {
		if got := (serviceState{Username: &in}).resultFields("x")["username"]; got != w {
			t.Errorf("%s -> %v", in, got)
		}
	}
}
