// Package command holds the modules that run commands on a host: command,
// shell, raw, script and ping, with Ansible 2.14's arguments and results.
package command

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// Modules returns the modules of this package by short name.
func Modules() map[string]modules.Module {
	return map[string]modules.Module{
		"command": commandModule{shell: false},
		"shell":   commandModule{shell: true},
		"raw":     rawModule{},
		"script":  scriptModule{},
		"ping":    pingModule{},
	}
}

// commandModule is Ansible's command module; with shell set it is the shell
// module (command with _uses_shell=true).
type commandModule struct{ shell bool }

func (m commandModule) Spec() modules.Spec {
	return modules.Spec{
		FreeForm: true,
		Params: []modules.Param{
			{Name: "_uses_shell", Kind: modules.KindBool, Default: m.shell},
			{Name: "argv", Kind: modules.KindList, Elements: modules.KindStr},
			{Name: "chdir", Kind: modules.KindPath},
			{Name: "executable", Kind: modules.KindStr},
			{Name: "creates", Kind: modules.KindPath},
			{Name: "removes", Kind: modules.KindPath},
			{Name: "stdin", Kind: modules.KindStr},
			{Name: "stdin_add_newline", Kind: modules.KindBool, Default: true},
			{Name: "strip_empty_ends", Kind: modules.KindBool, Default: true},
		},
	}
}

// errnoText is Python's strerror for the errors the command module reports.
var errnoText = map[string]string{
	"2":  "No such file or directory",
	"13": "Permission denied",
	"20": "Not a directory",
}

func (m commandModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	shell := m.shell || a.Bool("_uses_shell")
	r := map[string]any{
		"changed": false, "stdout": "", "stderr": "", "rc": nil, "cmd": nil,
		"start": nil, "end": nil, "delta": nil, "msg": "",
	}
	raw := a.Str("_raw_params")
	var argv []string
	for _, v := range a.List("argv") {
		argv = append(argv, modules.PyStr(v))
	}
	if strings.TrimSpace(raw) == "" && len(argv) == 0 {
		r["rc"] = 256
		return failWith(r, "no command given"), nil
	}
	if raw != "" && len(argv) > 0 {
		r["rc"] = 256
		return failWith(r, "only command or argv can be given, not both"), nil
	}
	if t.Conn.Platform().Shell != transport.ShellPOSIX {
		return failWith(r, "the command and shell modules need a POSIX host; use win_command or win_shell"), nil
	}
	var words []string
	switch {
	case shell && raw != "":
		r["cmd"] = raw
	case raw != "":
		w, err := split(raw)
		if err != nil {
			return failWith(r, err.Error()), nil
		}
		words = w
		r["cmd"] = listOf(words)
	default:
		words = argv
		r["cmd"] = listOf(words)
	}

	nonce, err := newNonce()
	if err != nil {
		return modules.Outcome{}, err
	}
	marker := "__swarmbook_command_" + nonce + "__"
	var b strings.Builder
	if chdir := a.Str("chdir"); chdir != "" {
		d := pathWord(chdir)
		fmt.Fprintf(&b, "if [ ! -e %s ]; then echo %s chdir 2; exit 0; fi\n", d, marker)
		fmt.Fprintf(&b, "if [ ! -d %s ]; then echo %s chdir 20; exit 0; fi\n", d, marker)
		fmt.Fprintf(&b, "cd -- %s 2>/dev/null || { echo %s chdir 13; exit 0; }\n", d, marker)
	}
	if creates := a.Str("creates"); creates != "" {
		fmt.Fprintf(&b, "for f in %s; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then echo %s creates; exit 0; fi; done\n",
			globWord(creates), marker)
	}
	if removes := a.Str("removes"); removes != "" {
		fmt.Fprintf(&b, "found=; for f in %s; do if [ -e \"$f\" ] || [ -L \"$f\" ]; then found=1; break; fi; done\n", globWord(removes))
		fmt.Fprintf(&b, "[ -n \"$found\" ] || { echo %s removes; exit 0; }\n", marker)
	}
	if t.Check {
		fmt.Fprintf(&b, "echo %s check; exit 0\n", marker)
	}
	if shell && raw != "" {
		exe := a.Str("executable")
		if exe == "" {
			exe = "/bin/sh"
		}
		fmt.Fprintf(&b, "exec %s -c %s\n", shquote.POSIX(exe), shquote.POSIX(raw))
	} else {
		prog := shquote.POSIX(words[0])
		if strings.Contains(words[0], "/") {
			fmt.Fprintf(&b, "if [ ! -e %s ]; then echo %s exec 2; exit 0; fi\n", prog, marker)
			fmt.Fprintf(&b, "if [ -d %s ] || [ ! -x %s ]; then echo %s exec 13; exit 0; fi\n", prog, prog, marker)
		} else {
			fmt.Fprintf(&b, "command -v %s >/dev/null 2>&1 || { echo %s exec 2; exit 0; }\n", prog, marker)
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = shquote.POSIX(w)
		}
		fmt.Fprintf(&b, "exec %s\n", strings.Join(quoted, " "))
	}

	cmd := transport.Command{Script: b.String(), Env: t.Env, Become: t.Become}
	if stdin := a.Str("stdin"); stdin != "" {
		if a.Bool("stdin_add_newline") {
			stdin += "\n"
		}
		cmd.Stdin = strings.NewReader(stdin)
	}
	start := time.Now()
	res, err := t.Conn.Run(ctx, cmd)
	end := time.Now()
	if err != nil {
		return modules.Outcome{}, err
	}

	shoulda := "Did"
	if t.Check {
		shoulda = "Would"
	}
	if status, ok := strings.CutPrefix(string(res.Stdout), marker+" "); ok {
		status = strings.TrimSpace(status)
		kind, detail, _ := strings.Cut(status, " ")
		switch kind {
		case "chdir":
			return failWith(r, fmt.Sprintf("Unable to change directory before execution: [Errno %s] %s: %s",
				detail, errnoText[detail], pyBytesRepr(a.Str("chdir")))), nil
		case "exec":
			quoted := make([]string, len(words))
			for i, w := range words {
				quoted[i] = shquote.POSIX(w)
			}
			f := map[string]any{"cmd": strings.Join(quoted, " "), "rc": atoi(detail), "stdout": "", "stderr": "",
				"changed": false}
			return failWith(f, fmt.Sprintf("[Errno %s] %s: %s", detail, errnoText[detail], pyBytesRepr(words[0]))), nil
		case "creates", "removes":
			p := a.Str(kind)
			if kind == "creates" {
				r["msg"] = fmt.Sprintf("%s not run command since '%s' exists", shoulda, p)
				r["stdout"] = fmt.Sprintf("skipped, since %s exists", p)
			} else {
				r["msg"] = fmt.Sprintf("%s not run command since '%s' does not exist", shoulda, p)
				r["stdout"] = fmt.Sprintf("skipped, since %s does not exist", p)
			}
			r["rc"] = 0
			return finish(r, false), nil
		case "check":
			r["rc"] = 0
			r["msg"] = "Command would have run if not in check mode"
			if !a.Has("creates") && !a.Has("removes") {
				out := finish(r, false)
				out.Skipped = true
				return out, nil
			}
			return finish(r, true), nil
		}
	}

	r["rc"] = res.ExitCode
	r["start"] = pyTime(start)
	r["end"] = pyTime(end)
	r["delta"] = pyDelta(end.Sub(start))
	stdout, stderr := text(res.Stdout), text(res.Stderr)
	if a.Bool("strip_empty_ends") {
		stdout = strings.TrimRight(stdout, "\r\n")
		stderr = strings.TrimRight(stderr, "\r\n")
	}
	r["stdout"], r["stderr"] = stdout, stderr
	if res.ExitCode != 0 {
		out := failWith(r, "non-zero return code")
		out.Changed = true
		out.Fields["changed"] = true
		return out, nil
	}
	return finish(r, true), nil
}

// finish turns a result map into an Outcome, adding stdout_lines and
// stderr_lines as Ansible's action plugins do.
func finish(r map[string]any, changed bool) modules.Outcome {
	r["changed"] = changed
	addLines(r)
	msg, _ := r["msg"].(string)
	return modules.Outcome{Changed: changed, Msg: msg, Fields: r}
}

// failWith is finish for a failed result with message msg.
func failWith(r map[string]any, msg string) modules.Outcome {
	changed, _ := r["changed"].(bool)
	r["msg"] = msg
	out := finish(r, changed)
	out.Failed = true
	return out
}

func addLines(r map[string]any) {
	for _, k := range []string{"stdout", "stderr"} {
		if s, ok := r[k].(string); ok {
			r[k+"_lines"] = splitLines(s)
		}
	}
}

func listOf(words []string) []any {
	out := make([]any, len(words))
	for i, w := range words {
		out[i] = w
	}
	return out
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func newNonce() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("command: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// pathWord quotes a host path for sh, expanding a leading ~ to $HOME as
// Python's os.path.expanduser does on the host.
func pathWord(p string) string {
	if p == "~" {
		return `"$HOME"`
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return `"$HOME"/` + shquote.POSIX(rest)
	}
	return shquote.POSIX(p)
}

// globWord quotes a glob pattern for sh so that only *, ? and [...] stay
// special (and a leading ~ expands to $HOME).
func globWord(p string) string {
	var b strings.Builder
	if p == "~" {
		return `"$HOME"`
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		b.WriteString(`"$HOME"/`)
		p = rest
	}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			b.WriteString(shquote.POSIX(lit.String()))
			lit.Reset()
		}
	}
	for _, c := range p {
		if c == '*' || c == '?' || c == '[' || c == ']' {
			flush()
			b.WriteRune(c)
		} else {
			lit.WriteRune(c)
		}
	}
	flush()
	if b.Len() == 0 {
		return "''"
	}
	return b.String()
}
