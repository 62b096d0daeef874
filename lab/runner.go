package lab

import (
	"context"
	"io"
	"sort"
)

// Runner runs one playbook, as ansible-playbook would. The lab owns this interface; swarmbook's engine
// implements it for `swarmbook test`, and AnsiblePlaybook implements it with Debian's ansible-playbook.
type Runner interface {
	// Run runs req.Playbook. A playbook that fails on some host is not an error: it shows in the report's
	// ExitCode and Recap. The error is for a run that could not happen or be read at all.
	Run(ctx context.Context, req RunRequest) (RunReport, error)
}

// RunRequest is one playbook run.
type RunRequest struct {
	Playbook  string         // path to the playbook
	Inventory []string       // inventory files or directories (-i), in order
	Tags      []string       // --tags; empty runs every task
	ExtraVars map[string]any // -e, highest precedence
	RolesPath []string       // directories searched for roles, before the playbook's own roles/
	Dir       string         // working directory of the run (where an ansible.cfg would be read)
	Output    io.Writer      // the run's human-readable output (may be nil)
}

// RunReport is what a Runner observed.
type RunReport struct {
	Recap    map[string]Counts `json:"recap"`             // PLAY RECAP per host
	Changed  []TaskResult      `json:"changed,omitempty"` // every task that reported changed, per host, in run order
	Failed   []TaskResult      `json:"failed,omitempty"`  // every task that failed or found its host unreachable
	ExitCode int               `json:"exit_code"`
}

// Counts is one host's PLAY RECAP line.
type Counts struct {
	OK          int `json:"ok"`
	Changed     int `json:"changed"`
	Unreachable int `json:"unreachable"`
	Failed      int `json:"failed"`
	Skipped     int `json:"skipped"`
	Rescued     int `json:"rescued"`
	Ignored     int `json:"ignored"`
}

// TaskResult names one task's result on one host.
type TaskResult struct {
	Host string `json:"host"`
	Task string `json:"task"`
	Pos  string `json:"pos,omitempty"` // file:line of the task
	Msg  string `json:"msg,omitempty"` // failure message (failed tasks only)
}

// Hosts returns the report's hosts in sorted order.
func (r RunReport) Hosts() []string {
	hs := make([]string, 0, len(r.Recap))
	for h := range r.Recap {
		hs = append(hs, h)
	}
	sort.Strings(hs)
	return hs
}

// Total sums the recap over every host.
func (r RunReport) Total() Counts {
	var t Counts
	for _, c := range r.Recap {
		t.OK += c.OK
		t.Changed += c.Changed
		t.Unreachable += c.Unreachable
		t.Failed += c.Failed
		t.Skipped += c.Skipped
		t.Rescued += c.Rescued
		t.Ignored += c.Ignored
	}
	return t
}
