// Package hostsetup holds swarmbook's host-preparation modules for swarm
// nodes: firewall (ports of a swarm, with a backend detected on the host),
// smb_mount (shared storage) and openssh_server (sshd configuration and keys).
//
// Every module speaks both dialects a transport can offer: POSIX sh for
// Linux hosts and PowerShell for Windows hosts. Each run is one read script,
// whose answer is parsed into a typed state, a decision made in Go that is
// the same for both dialects, and at most one apply script rendered from
// that decision in the host's dialect.
package hostsetup

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// Modules returns the host-setup modules by name.
func Modules() map[string]modules.Module {
	return map[string]modules.Module{
		"firewall":       firewallModule{},
		"smb_mount":      smbMountModule{},
		"openssh_server": opensshServerModule{},
	}
}

// windows reports whether the host speaks PowerShell.
func windows(t *modules.Target) bool {
	return t.Conn.Platform().Shell == transport.ShellPowerShell
}

// run runs one script on the host with the task's become and environment.
// A transport failure is returned as an error; a non-zero exit status is
// data in the Result.
func run(ctx context.Context, t *modules.Target, script string) (transport.Result, error) {
	res, err := t.Conn.Run(ctx, transport.Command{Script: script, Env: t.Env, Become: t.Become})
	if err != nil {
		return res, fmt.Errorf("%s: %w", t.Host, err)
	}
	return res, nil
}

// runStdin runs a script with stdin as its standard input when use is set
// (secrets travel this way, never inside a script).
func runStdin(ctx context.Context, t *modules.Target, script, stdin string, use bool) (transport.Result, error) {
	cmd := transport.Command{Script: script, Env: t.Env, Become: t.Become}
	if use {
		cmd.Stdin = strings.NewReader(stdin)
	}
	res, err := t.Conn.Run(ctx, cmd)
	if err != nil {
		return res, fmt.Errorf("%s: %w", t.Host, err)
	}
	return res, nil
}

// facts is the answer of a read script: "key=value" lines, where a key may
// repeat (one value per line, in order).
type facts map[string][]string

// parseFacts parses a read script's output.
func parseFacts(out []byte) facts {
	f := facts{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimRight(sc.Text(), "\r"), "=")
		if ok {
			f[k] = append(f[k], v)
		}
	}
	return f
}

// get returns the last value of key, or "".
func (f facts) get(key string) string {
	if v := f[key]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// decoded returns the base64-decoded last value of key; ok is false when the
// key is absent or not valid base64.
func (f facts) decoded(key string) (string, bool) {
	v, present := f[key]
	if !present || len(v) == 0 {
		return "", false
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v[len(v)-1]))
	if err != nil {
		return "", false
	}
	return string(b), true
}

// withDefaults returns a copy of args with the Spec defaults filled in for
// absent parameters (the engine's validation normally did this already).
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

// failed returns a failure Outcome with msg.
func failed(msg string) (modules.Outcome, error) {
	return modules.Outcome{Failed: true, Msg: msg}, nil
}

// scriptFailure turns a failed apply script into a failure Outcome: its
// stderr (or stdout) is the message.
func scriptFailure(out modules.Outcome, res transport.Result, what string) modules.Outcome {
	msg := strings.TrimSpace(string(res.Stderr))
	if msg == "" {
		msg = strings.TrimSpace(string(res.Stdout))
	}
	if msg == "" {
		msg = fmt.Sprintf("exit status %d", res.ExitCode)
	}
	out.Failed = true
	out.Msg = what + ": " + msg
	out.Fields = mergeFields(out.Fields, map[string]any{"rc": res.ExitCode})
	return out
}

func mergeFields(a, b map[string]any) map[string]any {
	if a == nil {
		a = map[string]any{}
	}
	for k, v := range b {
		a[k] = v
	}
	return a
}

// posixWrite renders POSIX sh that writes content to the file named by the
// shell word dest (already quoted); content travels base64-encoded, so no
// byte of it is ever interpreted by the shell.
func posixWrite(dest, content string) string {
	return fmt.Sprintf("printf '%%s' '%s' | base64 -d > %s", b64(content), dest)
}

// b64 encodes s for embedding in a script.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// psUTF8 renders a PowerShell expression that yields s, decoded from base64
// (no quoting of s is needed at all).
func psUTF8(s string) string {
	return fmt.Sprintf("[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s'))", b64(s))
}

// splitNonEmpty splits s into trimmed non-empty lines.
func splitNonEmpty(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
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
