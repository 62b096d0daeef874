package become

import (
	"bytes"
	"fmt"
	"strings"
)

// Kind classifies an escalation failure.
type Kind int

const (
	// Failed is any other escalation failure (not in sudoers, unknown user...).
	Failed Kind = iota
	// PasswordRequired: the method asked for a password and none was given.
	PasswordRequired
	// IncorrectPassword: the password given was refused.
	IncorrectPassword
)

// Failure is a privilege escalation that did not happen. It is a task
// failure, not a transport failure: the host was reached. Its message never
// contains the password.
type Failure struct {
	Kind   Kind
	Method string
	Detail string // the method's own message (first lines of its stderr)
}

func (f *Failure) Error() string {
	switch f.Kind {
	case PasswordRequired:
		return fmt.Sprintf("Missing %s password", f.Method)
	case IncorrectPassword:
		return fmt.Sprintf("Incorrect %s password", f.Method)
	}
	if f.Detail == "" {
		return fmt.Sprintf("privilege escalation with %s failed", f.Method)
	}
	return fmt.Sprintf("privilege escalation with %s failed: %s", f.Method, f.Detail)
}

// Is makes errors.Is(err, &Failure{Kind: k}) match on Kind.
func (f *Failure) Is(target error) bool {
	t, ok := target.(*Failure)
	return ok && t.Kind == f.Kind && (t.Method == "" || t.Method == f.Method)
}

// Classify reads the output of an escalation that never printed its success
// marker and says why it failed.
func Classify(method string, output []byte) *Failure {
	text := string(output)
	low := strings.ToLower(text)
	f := &Failure{Kind: Failed, Method: method, Detail: firstLines(text, 3)}
	switch {
	case strings.Contains(low, "a password is required"),
		strings.Contains(low, "a terminal is required"),
		strings.Contains(low, "must be run from a terminal"):
		f.Kind = PasswordRequired
	case strings.Contains(low, "incorrect password"),
		strings.Contains(low, "sorry, try again"),
		strings.Contains(low, "authentication failure"),
		strings.Contains(low, "authentication failed"):
		f.Kind = IncorrectPassword
	}
	return f
}

func firstLines(s string, n int) string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		out = append(out, l)
		if len(out) == n {
			break
		}
	}
	return strings.Join(out, "; ")
}

// promptIndex finds the password prompt in b: the exact sudo prompt when
// the plan has one, otherwise a loose "...password...:" line end (su, doas).
func (p *Plan) promptIndex(b []byte) (start, end int) {
	if p.Prompt != "" {
		i := bytes.Index(b, []byte(p.Prompt))
		if i < 0 {
			return -1, -1
		}
		return i, i + len(p.Prompt)
	}
	low := bytes.ToLower(b)
	i := bytes.Index(low, []byte("password"))
	for i >= 0 {
		lineEnd := bytes.IndexByte(low[i:], '\n')
		rest := low[i:]
		if lineEnd >= 0 {
			rest = low[i : i+lineEnd]
		}
		if c := bytes.IndexByte(rest, ':'); c >= 0 && len(bytes.TrimSpace(rest[c+1:])) == 0 {
			start := bytes.LastIndexByte(b[:i], '\n') + 1
			return start, i + len(rest)
		}
		next := bytes.Index(low[i+1:], []byte("password"))
		if next < 0 {
			break
		}
		i += 1 + next
	}
	return -1, -1
}
