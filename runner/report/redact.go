package report

import (
	"regexp"
	"strings"
	"sync"
)

// swarmSecret matches Docker Swarm join tokens and unlock keys wherever they
// appear (`docker swarm init` prints the worker token, seed playbooks grep
// `docker swarm join-token`), so they never reach any output.
var swarmSecret = regexp.MustCompile(`SWM(TKN|KEY)-1-[A-Za-z0-9+/=_-]+`)

// Mask replaces every secret in output.
const Mask = "********"

// Secrets is the set of values that must never be shown. It is safe for
// concurrent use: modules add join tokens and passwords while results for
// other hosts are being reported.
type Secrets struct {
	mu     sync.RWMutex
	values []string
}

// Add registers secret values; empty and very short values are ignored
// because masking them would mangle ordinary output.
func (s *Secrets) Add(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if len(v) < 4 {
			continue
		}
		dup := false
		for _, have := range s.values {
			if have == v {
				dup = true
				break
			}
		}
		if !dup {
			s.values = append(s.values, v)
		}
	}
}

// String masks every secret in str.
func (s *Secrets) String(str string) string {
	if strings.Contains(str, "SWM") {
		str = swarmSecret.ReplaceAllString(str, Mask)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, v := range s.values {
		if strings.Contains(str, v) {
			str = strings.ReplaceAll(str, v, Mask)
		}
	}
	return str
}

// Value returns a deep copy of v with every secret masked in every string.
func (s *Secrets) Value(v any) any {
	return s.value(v)
}

func (s *Secrets) value(v any) any {
	switch x := v.(type) {
	case string:
		return s.String(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = s.value(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = s.String(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[s.String(k)] = s.value(e)
		}
		return out
	}
	return v
}

// Redact wraps a reporter so that no secret reaches it.
type Redact struct {
	Secrets *Secrets
	Next    Reporter
}

func (r Redact) PlaybookStart(path string) { r.Next.PlaybookStart(path) }
func (r Redact) PlayStart(p Play)          { p.Name = r.Secrets.String(p.Name); r.Next.PlayStart(p) }
func (r Redact) TaskStart(t *Task) {
	c := *t
	c.Name = r.Secrets.String(t.Name)
	if t.Args != nil {
		c.Args, _ = r.Secrets.Value(t.Args).(map[string]any)
	}
	r.Next.TaskStart(&c)
}
func (r Redact) HostResult(res Result) {
	res.Label = r.Secrets.String(res.Label)
	if res.Fields != nil {
		res.Fields, _ = r.Secrets.Value(res.Fields).(map[string]any)
	}
	for i := range res.Diff {
		d := &res.Diff[i]
		d.Before, d.After = r.Secrets.String(d.Before), r.Secrets.String(d.After)
	}
	r.Next.HostResult(res)
}
func (r Redact) Retry(t *Task, host string, left int) { r.Next.Retry(t, host, left) }
func (r Redact) Include(file string, hosts []string, label string) {
	r.Next.Include(file, hosts, r.Secrets.String(label))
}
func (r Redact) Warning(msg string)     { r.Next.Warning(r.Secrets.String(msg)) }
func (r Redact) Deprecation(msg string) { r.Next.Deprecation(r.Secrets.String(msg)) }
func (r Redact) NoHostsMatched()        { r.Next.NoHostsMatched() }
func (r Redact) NoHostsRemaining()      { r.Next.NoHostsRemaining() }
func (r Redact) Recap(rc Recap)         { r.Next.Recap(rc) }
