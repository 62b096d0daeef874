// Package become builds privilege-escalation command lines (sudo, su, doas)
// for POSIX hosts and drives their password exchange, the way Ansible's
// become plugins do: a random success marker echoed after escalation, a
// random prompt for sudo, the password sent only when asked for and never
// placed on a command line.
package become

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// Default values, as Ansible's.
const (
	DefaultMethod    = "sudo"
	DefaultUser      = "root"
	DefaultSudoFlags = "-H -S -n"
)

// Plan is a wrapped command ready to execute.
type Plan struct {
	// Command is the POSIX command line to execute instead of the script.
	Command string
	// Method is the escalation method used (sudo, su, doas).
	Method string
	// Marker is echoed alone on a line on stdout once escalation succeeded;
	// callers strip it (Streams does).
	Marker string
	// Prompt is the exact sudo prompt; empty for methods whose prompt is
	// matched loosely (su, doas), see PromptIn.
	Prompt string
	// Password to send when prompted; empty when none was given.
	Password string
	// PTY reports that the method reads its password from a terminal, so the
	// transport must request a pty (stdout and stderr then merge).
	PTY bool
}

// Wrap wraps script (a POSIX sh script) for execution under b. When b is not
// enabled the returned Plan runs the script with sh -c and has no marker.
func Wrap(script string, b transport.Become) (Plan, error) {
	if !b.Enabled {
		return Plan{Command: "/bin/sh -c " + shquote.POSIX(script)}, nil
	}
	key, err := randomKey()
	if err != nil {
		return Plan{}, fmt.Errorf("become: %w", err)
	}
	method := b.Method
	if method == "" {
		method = DefaultMethod
	}
	user := b.User
	if user == "" {
		user = DefaultUser
	}
	p := Plan{Method: method, Marker: "BECOME-SUCCESS-" + key, Password: b.Password}
	inner := "/bin/sh -c " + shquote.POSIX("echo "+p.Marker+"; "+script)
	switch method {
	case "sudo":
		flags := b.Flags
		if flags == "" {
			flags = DefaultSudoFlags
		}
		if b.Password != "" {
			flags = removeFlag(flags, 'n')
			p.Prompt = "[sudo via swarmbook, key=" + key + "] password:"
			flags += " -p " + shquote.POSIX(p.Prompt)
		}
		p.Command = strings.TrimSpace("sudo "+flags) + " -u " + shquote.POSIX(user) + " " + inner
	case "su":
		p.PTY = b.Password != ""
		p.Command = strings.TrimSpace("su "+b.Flags) + " " + shquote.POSIX(user) + " -c " + shquote.POSIX(inner)
	case "doas":
		flags := b.Flags
		if b.Password == "" && !strings.Contains(" "+flags+" ", " -n ") {
			flags = strings.TrimSpace(flags + " -n")
		}
		p.PTY = b.Password != ""
		p.Command = strings.TrimSpace("doas "+flags) + " -u " + shquote.POSIX(user) + " " + inner
	default:
		return Plan{}, fmt.Errorf("become: method %q is not supported (use sudo, su or doas)", method)
	}
	return p, nil
}

// removeFlag removes the single-letter flag c from a sudo flag string, both
// as "-n" and inside clusters such as "-Hn"; long options are kept.
func removeFlag(flags string, c byte) string {
	var out []string
	for _, f := range strings.Fields(flags) {
		if strings.HasPrefix(f, "-") && !strings.HasPrefix(f, "--") {
			f = "-" + strings.ReplaceAll(f[1:], string(c), "")
			if f == "-" {
				continue
			}
		}
		out = append(out, f)
	}
	return strings.Join(out, " ")
}

func randomKey() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
