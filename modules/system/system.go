// Package system holds swarmbook's system modules (facts, packages,
// services, users, keys, hostname, sysctl, downloads, HTTP calls, waits).
// Every module drives its host with POSIX sh scripts through the host's
// transport.Conn; nothing but sh and common tools is needed on the host.
package system

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// Modules returns the system modules by their Ansible names (short and
// ansible.builtin.* forms are resolved by the engine).
func Modules() map[string]modules.Module {
	svc := serviceModule{systemd: false}
	sysd := serviceModule{systemd: true}
	return map[string]modules.Module{
		"setup":           setupModule{},
		"package":         packageModule{},
		"apt":             aptModule{},
		"dnf":             rpmModule{tool: "dnf"},
		"yum":             rpmModule{tool: "yum"},
		"service":         svc,
		"systemd":         sysd,
		"systemd_service": sysd,
		"user":            userModule{},
		"group":           groupModule{},
		"authorized_key":  authorizedKeyModule{},
		"hostname":        hostnameModule{},
		"sysctl":          sysctlModule{},
		"get_url":         getURLModule{},
		"uri":             uriModule{},
		"wait_for":        waitForModule{},
	}
}

// run runs one POSIX sh script on the host with the task's become and
// environment. A transport failure is returned as an error; a non-zero exit
// status is data in the Result.
func run(ctx context.Context, t *modules.Target, script string, stdin io.Reader) (transport.Result, error) {
	res, err := t.Conn.Run(ctx, transport.Command{
		Script: script,
		Stdin:  stdin,
		Env:    t.Env,
		Become: t.Become,
	})
	if err != nil {
		return res, fmt.Errorf("%s: %w", t.Host, err)
	}
	return res, nil
}

// kv parses "key=value" lines (the compact answer of state scripts) into a
// map; lines without '=' are ignored and later keys win.
func kv(out []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			m[k] = v
		}
	}
	return m
}

// trimOut returns command output as Ansible reports it: trailing newline
// removed.
func trimOut(b []byte) string {
	return strings.TrimRight(string(b), "\n")
}

// lines splits output into non-empty trimmed lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// cmdFailure builds the failure Outcome fields of a command that ran and
// failed, as Ansible modules report them (rc, stdout, stderr and lines).
func cmdFields(res transport.Result) map[string]any {
	so, se := trimOut(res.Stdout), trimOut(res.Stderr)
	return map[string]any{
		"rc":           res.ExitCode,
		"stdout":       so,
		"stderr":       se,
		"stdout_lines": splitLines(so),
		"stderr_lines": splitLines(se),
	}
}

func splitLines(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

// anyStrings converts a string slice to []any (registered values are
// generic).
func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// withDefaults returns a copy of args with the Spec defaults filled in for
// absent parameters (the engine normally does this already).
func withDefaults(args modules.Args, spec modules.Spec) modules.Args {
	out := modules.Args{}
	for k, v := range args {
		out[k] = v
	}
	for _, p := range spec.Params {
		if v, ok := out[p.Name]; (!ok || v == nil) && p.Default != nil {
			out[p.Name] = p.Default
		}
	}
	return out
}
