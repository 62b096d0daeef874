// Package report turns the engine's events into output: Ansible-like text,
// a JSON-lines event stream, and a machine-readable summary. Every reporter
// is called from one goroutine, in a deterministic order; secret redaction
// happens at this boundary (see Redact).
package report

import "time"

// Status is the outcome of one task on one host (or one loop item).
type Status string

const (
	StatusOK          Status = "ok"
	StatusChanged     Status = "changed"
	StatusSkipped     Status = "skipped"
	StatusFailed      Status = "failed"
	StatusUnreachable Status = "unreachable"
)

// Play describes a play that starts.
type Play struct {
	Name  string
	Hosts []string
	Check bool
	Free  bool // strategy free: task banners are printed per result
}

// Task describes a task that starts.
type Task struct {
	ID     int    // unique per task start
	Name   string // display name ("role : name" or the action)
	Prefix string // "TASK", "RUNNING HANDLER"
	Pos    string // file:line
	Action string
	Check  bool
	Args   map[string]any
}

// Result is the outcome of a task (or one loop item) on one host.
type Result struct {
	Task        *Task
	Host        string
	DelegatedTo string // empty unless delegated to another host
	Status      Status
	Item        bool // one loop item; Label is set
	Label       string
	Ignored     bool // failure or unreachable ignored
	Rescued     bool
	// Fields is the registered-style result (changed, msg, rc, stdout, ...,
	// results for loops) including the internal _ansible_* keys that steer
	// display (_ansible_verbose_always, _ansible_no_log).
	Fields   map[string]any
	Diff     []Diff
	Duration time.Duration
}

// Diff is one before/after pair for --diff.
type Diff struct {
	BeforeHeader, AfterHeader string
	Before, After             string
}

// Counts are the PLAY RECAP counters of one host.
type Counts struct {
	OK          int `json:"ok"`
	Changed     int `json:"changed"`
	Unreachable int `json:"unreachable"`
	Failed      int `json:"failed"`
	Skipped     int `json:"skipped"`
	Rescued     int `json:"rescued"`
	Ignored     int `json:"ignored"`
}

// Recap is the end-of-run summary.
type Recap struct {
	Hosts    []string // sorted
	Counts   map[string]*Counts
	Check    bool
	Duration time.Duration
}

// Reporter receives the engine's events from one goroutine.
type Reporter interface {
	PlaybookStart(path string)
	PlayStart(p Play)
	TaskStart(t *Task)
	HostResult(r Result)
	// Retry reports a failed attempt of an until loop.
	Retry(t *Task, host string, left int)
	Include(file string, hosts []string, label string)
	Warning(msg string)
	Deprecation(msg string)
	NoHostsMatched()
	NoHostsRemaining()
	Recap(r Recap)
}

// Multi fans events out to several reporters.
type Multi []Reporter

func (m Multi) PlaybookStart(path string) {
	for _, r := range m {
		r.PlaybookStart(path)
	}
}
func (m Multi) PlayStart(p Play) {
	for _, r := range m {
		r.PlayStart(p)
	}
}
func (m Multi) TaskStart(t *Task) {
	for _, r := range m {
		r.TaskStart(t)
	}
}
func (m Multi) HostResult(res Result) {
	for _, r := range m {
		r.HostResult(res)
	}
}
func (m Multi) Retry(t *Task, host string, left int) {
	for _, r := range m {
		r.Retry(t, host, left)
	}
}
func (m Multi) Include(file string, hosts []string, label string) {
	for _, r := range m {
		r.Include(file, hosts, label)
	}
}
func (m Multi) Warning(msg string) {
	for _, r := range m {
		r.Warning(msg)
	}
}
func (m Multi) Deprecation(msg string) {
	for _, r := range m {
		r.Deprecation(msg)
	}
}
func (m Multi) NoHostsMatched() {
	for _, r := range m {
		r.NoHostsMatched()
	}
}
func (m Multi) NoHostsRemaining() {
	for _, r := range m {
		r.NoHostsRemaining()
	}
}
func (m Multi) Recap(rc Recap) {
	for _, r := range m {
		r.Recap(rc)
	}
}
