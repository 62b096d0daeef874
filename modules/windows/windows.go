// Package windows holds the Windows modules (win_command, win_shell,
// win_copy, win_file, win_template, win_service, win_regedit, win_get_url,
// win_ping). Each reads the host's state with a generated PowerShell script
// that prints one JSON line, decides in Go what has to change (so check
// mode, diff and idempotence are plain Go logic), and applies the change
// with a second generated script. Scripts run over any Conn whose
// Platform().Shell is PowerShell (WinRM, or OpenSSH with a PowerShell
// DefaultShell).
package windows

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// Modules returns the modules of this package by short name.
func Modules() map[string]modules.Module {
	return map[string]modules.Module{
		"win_ping":     pingModule{},
		"win_command":  commandModule{},
		"win_shell":    shellModule{},
		"win_file":     fileModule{},
		"win_copy":     copyModule{},
		"win_template": copyModule{template: true},
		"win_service":  serviceModule{},
		"win_regedit":  regeditModule{},
		"win_get_url":  getURLModule{},
	}
}

// q quotes a value as a single-quoted PowerShell literal.
func q(s string) string { return shquote.PowerShell(s) }

// psBool renders a Go bool as a PowerShell boolean.
func psBool(b bool) string {
	if b {
		return "$true"
	}
	return "$false"
}

// header starts every generated script: stop on errors.
const header = "$ErrorActionPreference = 'Stop'\n$ProgressPreference = 'SilentlyContinue'\n"

// needPowerShell refuses hosts that do not speak PowerShell.
func needPowerShell(t *modules.Target, name string) error {
	if t.Conn.Platform().Shell != transport.ShellPowerShell {
		return fmt.Errorf("%s needs a Windows host with PowerShell (ansible_connection=winrm or ansible_shell_type=powershell)", name)
	}
	return nil
}

// run runs a script and fails on a non-zero exit code.
func run(ctx context.Context, t *modules.Target, script string) (transport.Result, error) {
	res, err := t.Conn.Run(ctx, transport.Command{Script: script, Env: t.Env})
	if err != nil {
		return res, err
	}
	if res.ExitCode != 0 {
		msg := strings.TrimSpace(string(res.Stderr))
		if msg == "" {
			msg = strings.TrimSpace(string(res.Stdout))
		}
		return res, fmt.Errorf("%s", msg)
	}
	return res, nil
}

// query runs a state script and decodes the JSON object on its last line.
func query(ctx context.Context, t *modules.Target, script string, into any) error {
	res, err := run(ctx, t, script)
	if err != nil {
		return err
	}
	out := strings.TrimSpace(string(res.Stdout))
	if i := strings.LastIndex(out, "\n"); i >= 0 {
		out = strings.TrimSpace(out[i+1:])
	}
	if err := json.Unmarshal([]byte(out), into); err != nil {
		return fmt.Errorf("unexpected answer from the host: %q", out)
	}
	return nil
}

// anyStrings converts a string slice to []any (never nil), the form
// result fields and facts take.
func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// orNil is *p, or nil when p is nil (a JSON null from the host stays null).
func orNil[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func fail(msg string, fields map[string]any) (modules.Outcome, error) {
	return modules.Outcome{Failed: true, Msg: msg, Fields: fields}, nil
}
