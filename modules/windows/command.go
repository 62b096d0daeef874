package windows

import (
	"context"
	"strings"
	"time"

	"github.com/swarmbook/swarmbook/modules"
)

// commandModule is win_command: run an executable with arguments, no shell.
type commandModule struct{}

// shellModule is win_shell: run a PowerShell (or cmd) script.
type shellModule struct{}

func commandParams(extra ...modules.Param) []modules.Param {
	return append([]modules.Param{
		{Name: "chdir", Kind: modules.KindStr},
		{Name: "creates", Kind: modules.KindStr},
		{Name: "removes", Kind: modules.KindStr},
		{Name: "stdin", Kind: modules.KindStr},
	}, extra...)
}

func (commandModule) Spec() modules.Spec {
	return modules.Spec{FreeForm: true, Params: commandParams(
		modules.Param{Name: "cmd", Kind: modules.KindStr},
		modules.Param{Name: "argv", Kind: modules.KindList, Elements: modules.KindStr})}
}

func (shellModule) Spec() modules.Spec {
	return modules.Spec{FreeForm: true, Params: commandParams(
		modules.Param{Name: "cmd", Kind: modules.KindStr},
		modules.Param{Name: "executable", Kind: modules.KindStr},
		modules.Param{Name: "no_profile", Kind: modules.KindBool, Default: false})}
}

// splitWindowsArgs splits a command line the way CommandLineToArgvW does
// for the common cases: whitespace separates, double quotes group, \" is
// a literal quote.
func splitWindowsArgs(s string) []string {
	var out []string
	var cur strings.Builder
	inQ, have := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
			have = true
		case c == '"':
			inQ, have = !inQ, true
		case (c == ' ' || c == '\t') && !inQ:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

// guardScript prints whether creates/removes let the command run.
func guardScript(creates, removes string) string {
	s := header + "$skip = ''\n"
	if creates != "" {
		s += "if (Test-Path -LiteralPath " + q(creates) + ") { $skip = " + q(creates+" exists") + " }\n"
	}
	if removes != "" {
		s += "if (-not (Test-Path -LiteralPath " + q(removes) + ")) { $skip = " + q(removes+" does not exist") + " }\n"
	}
	return s + "Write-Output (ConvertTo-Json -Compress @{ skip = $skip })\n"
}

// commandScript runs argv[0] with the remaining arguments, no shell.
func commandScript(argv []string, chdir string, stdin bool) string {
	s := ""
	if chdir != "" {
		s += "Set-Location -LiteralPath " + q(chdir) + "\n"
	}
	if stdin {
		s += "$input | "
	}
	s += "& " + q(argv[0])
	for _, a := range argv[1:] {
		s += " " + q(a)
	}
	return s + "\nexit $LASTEXITCODE\n"
}

// shellScript runs a PowerShell script, or a cmd.exe command line.
func shellScript(raw, executable, chdir string) string {
	s := ""
	if chdir != "" {
		s += "Set-Location -LiteralPath " + q(chdir) + "\n"
	}
	exe := strings.ToLower(executable)
	if strings.HasSuffix(exe, "cmd") || strings.HasSuffix(exe, "cmd.exe") {
		return s + "& cmd.exe /c " + q(raw) + "\nexit $LASTEXITCODE\n"
	}
	return s + raw + "\n"
}

func (commandModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	argv := a.StrList("argv")
	raw := a.Str("_raw_params")
	if raw == "" {
		raw = a.Str("cmd")
	}
	if len(argv) == 0 {
		argv = splitWindowsArgs(raw)
	}
	if len(argv) == 0 {
		return fail("no command given", map[string]any{"rc": 256})
	}
	if raw == "" {
		raw = strings.Join(argv, " ")
	}
	return runCommand(ctx, t, a, "win_command", raw, commandScript(argv, a.Str("chdir"), a.Str("stdin") != ""))
}

func (shellModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	raw := a.Str("_raw_params")
	if raw == "" {
		raw = a.Str("cmd")
	}
	if strings.TrimSpace(raw) == "" {
		return fail("no command given", map[string]any{"rc": 256})
	}
	return runCommand(ctx, t, a, "win_shell", raw, shellScript(raw, a.Str("executable"), a.Str("chdir")))
}

// runCommand applies creates/removes, check mode, stdin and Ansible's
// result keys for win_command and win_shell.
func runCommand(ctx context.Context, t *modules.Target, a modules.Args, name, raw, script string) (modules.Outcome, error) {
	if err := needPowerShell(t, name); err != nil {
		return fail(err.Error(), nil)
	}
	// Neither module supports check mode: Ansible skips them before
	// creates/removes are looked at, with the module framework's message
	// (win_command uses Ansible.Basic, win_shell the legacy Parse-Args).
	if t.Check {
		msg := "remote module does not support check mode"
		if name == "win_command" {
			msg = "remote module (win_command) does not support check mode"
		}
		return modules.Outcome{Skipped: true, Msg: msg}, nil
	}
	r := map[string]any{"cmd": raw, "rc": 0, "stdout": "", "stderr": ""}
	if a.Str("creates") != "" || a.Str("removes") != "" {
		var g struct {
			Skip string `json:"skip"`
		}
		if err := query(ctx, t, guardScript(a.Str("creates"), a.Str("removes")), &g); err != nil {
			return fail(err.Error(), r)
		}
		if g.Skip != "" {
			// ansible.windows reports a creates/removes guard as skipped.
			return modules.Outcome{Skipped: true, Msg: "skipped, since " + g.Skip, Fields: map[string]any{"cmd": raw, "rc": 0}}, nil
		}
	}
	cmd := commandInput(script, a)
	start := time.Now()
	res, err := t.Conn.Run(ctx, cmd)
	if err != nil {
		return modules.Outcome{}, err
	}
	end := time.Now()
	r["rc"] = res.ExitCode
	r["stdout"] = string(res.Stdout)
	r["stderr"] = string(res.Stderr)
	r["stdout_lines"] = lines(string(res.Stdout))
	r["stderr_lines"] = lines(string(res.Stderr))
	r["start"] = start.Format("2006-01-02 15:04:05.000000")
	r["end"] = end.Format("2006-01-02 15:04:05.000000")
	r["delta"] = end.Sub(start).String()
	out := modules.Outcome{Changed: true, Fields: r}
	if res.ExitCode != 0 {
		out.Failed, out.Msg = true, "non-zero return code"
	}
	return out, nil
}

func lines(s string) []any {
	out := []any{}
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		out = append(out, l)
	}
	if len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}
