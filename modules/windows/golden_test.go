package windows

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.ps1 goldens")

// hostile is a value with every character that matters to PowerShell
// quoting: quotes (also typographic), backtick, $, ;, newlines, Unicode.
const hostile = "it's \"x\" `n $env:PATH; $(whoami) ‘a’ ’b‘ \r\nline2 ✓ \\\\srv\\share"

// goldenScripts are the generated scripts pinned as golden files.
func goldenScripts() map[string]string {
	return map[string]string{
		"win_ping.ps1":              pingScript("pong"),
		"win_command.ps1":           commandScript([]string{`C:\Program Files\Docker\docker.exe`, "swarm", "join", "--token", "x"}, `C:\Temp`, true),
		"win_command_guard.ps1":     guardScript(`C:\done.txt`, `C:\todo.txt`),
		"win_shell_cmd.ps1":         shellScript("echo %PATH% & dir", "cmd", `C:\`),
		"win_file_stat.ps1":         statScript(`C:\ProgramData\docker`),
		"win_file_mkdir.ps1":        fileApplyScript("mkdir", `C:\ProgramData\docker`),
		"win_file_touch.ps1":        fileApplyScript("touch", `C:\x.txt`),
		"win_file_remove.ps1":       fileApplyScript("remove", `C:\x`),
		"win_copy_dest.ps1":         destScript(`C:\ProgramData\ssh\administrators_authorized_keys`),
		"win_service_query.ps1":     serviceQueryScript("sshd"),
		"win_service_apply.ps1":     serviceApplyScript("sshd", []string{"mode:delayed", "start", "stop", "restart"}),
		"win_regedit_query.ps1":     regQueryScript(`HKEY_LOCAL_MACHINE\SOFTWARE\OpenSSH`, "DefaultShell"),
		"win_regedit_string.ps1":    regApplyScript("set", `HKLM:\SOFTWARE\OpenSSH`, "DefaultShell", "string", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`),
		"win_regedit_dword.ps1":     regApplyScript("set", `HKLM:\SOFTWARE\X`, "Enabled", "dword", "0x1"),
		"win_regedit_multi.ps1":     regApplyScript("set", `HKLM:\SOFTWARE\X`, "List", "multistring", []any{"a", "b'c"}),
		"win_regedit_binary.ps1":    regApplyScript("set", `HKLM:\SOFTWARE\X`, "Blob", "binary", []any{"0x01", "0xff"}),
		"win_regedit_rmkey.ps1":     regApplyScript("remove-key", `HKLM:\SOFTWARE\X`, "", "string", nil),
		"win_get_url.ps1":           getURLScript("https://download.docker.com/win/static/stable/x86_64/docker-24.0.7.zip", `C:\Temp\docker.zip`, false, "abc", "sha256", 5, false, true),
		"hostile_command.ps1":       commandScript([]string{hostile, hostile}, hostile, false),
		"hostile_file.ps1":          statScript(hostile) + fileApplyScript("touch", hostile),
		"hostile_service.ps1":       serviceQueryScript(hostile) + serviceApplyScript(hostile, []string{"mode:auto", "start"}),
		"hostile_regedit.ps1":       regQueryScript(hostile, hostile) + regApplyScript("set", hostile, hostile, "string", hostile),
		"hostile_get_url.ps1":       getURLScript(hostile, hostile, true, hostile, "sha1", 1, true, false),
		"hostile_ping.ps1":          pingScript(hostile),
		"hostile_copy.ps1":          destScript(hostile),
		"hostile_shell_cmd.ps1":     shellScript(hostile, "cmd.exe", hostile),
		"hostile_command_guard.ps1": guardScript(hostile, hostile),
		"win_copy_backup.ps1":       backupScript(`C:\ProgramData\docker\config\daemon.json`),
		"hostile_copy_backup.ps1":   backupScript(hostile),
		"win_setup_all.ps1":         factsScript(subsetsOf("all"), `C:\ProgramData\ansible\facts.d`),
		"win_setup_min.ps1":         factsScript(subsetsOf("!all"), ""),
		"hostile_setup.ps1":         factsScript(subsetsOf("!all"), hostile),
	}
}

// subsetsOf resolves a gather_subset list for the goldens.
func subsetsOf(list ...string) winSubsets {
	s, _ := resolveSubsets(list)
	return s
}

func TestGoldenScripts(t *testing.T) {
	for name, script := range goldenScripts() {
		p := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(p, []byte(script), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if string(want) != script {
			t.Errorf("%s differs from the generated script (run go test -update and review)", name)
		}
	}
}

// unquote reverses q for a literal that spans a whole token.
func unquote(t *testing.T, lit string) string {
	t.Helper()
	if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
		t.Fatalf("not a single-quoted literal: %s", lit)
	}
	body := []rune(lit[1 : len(lit)-1])
	var b strings.Builder
	quotes := "'\u2018\u2019\u201a\u201b"
	for i := 0; i < len(body); i++ {
		if strings.ContainsRune(quotes, body[i]) {
			if i+1 >= len(body) || body[i+1] != body[i] {
				t.Fatalf("unescaped quote in %s", lit)
			}
			i++
		}
		b.WriteRune(body[i])
	}
	return b.String()
}

func TestQuoteRoundTrip(t *testing.T) {
	for _, v := range []string{"", "plain", hostile, "'", "''", "‘’‚‛", "a'b'c", "$x`'"} {
		if got := unquote(t, q(v)); got != v {
			t.Errorf("q(%q) round-trips to %q", v, got)
		}
	}
}
