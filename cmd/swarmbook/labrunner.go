package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/swarmbook/swarmbook/lab"
	"github.com/swarmbook/swarmbook/runner"
	"github.com/swarmbook/swarmbook/runner/report"
)

// engineRunner runs lab scenarios with swarmbook's own engine.
type engineRunner struct{}

func (engineRunner) Run(ctx context.Context, req lab.RunRequest) (lab.RunReport, error) {
	out := req.Output
	if out == nil {
		out = io.Discard
	}
	if req.Dir != "" {
		wd, err := os.Getwd()
		if err == nil {
			if err := os.Chdir(req.Dir); err == nil {
				defer os.Chdir(wd)
			}
		}
	}
	rec := &changeRecorder{}
	var sum runner.Summary
	f := &runFlags{inventories: req.Inventory, tags: req.Tags, color: "never", extraVarsMap: req.ExtraVars,
		rolesPath: req.RolesPath, extraReporter: rec, summary: &sum}
	err := runPlaybooks(ctx, out, out, f, []string{req.Playbook})
	rep := lab.RunReport{Recap: map[string]lab.Counts{}, Changed: rec.changed, Failed: rec.failed}
	for h, c := range sum.Counts {
		rep.Recap[h] = lab.Counts{OK: c.OK, Changed: c.Changed, Unreachable: c.Unreachable, Failed: c.Failed,
			Skipped: c.Skipped, Rescued: c.Rescued, Ignored: c.Ignored}
	}
	var ec *exitCodeError
	switch {
	case err == nil:
	case errors.As(err, &ec) && ec.err == nil:
		rep.ExitCode = ec.code
	case errors.As(err, &ec) && len(sum.Counts) == 0:
		return rep, ec.err
	case errors.As(err, &ec):
		rep.ExitCode = ec.code
	default:
		return rep, err
	}
	return rep, nil
}

// changeRecorder remembers which tasks changed or failed on which host.
type changeRecorder struct {
	changed, failed []lab.TaskResult
}

func (c *changeRecorder) HostResult(r report.Result) {
	if r.Task == nil || r.Item {
		return
	}
	switch r.Status {
	case report.StatusChanged:
		c.changed = append(c.changed, lab.TaskResult{Host: r.Host, Task: r.Task.Name, Pos: r.Task.Pos})
	case report.StatusFailed, report.StatusUnreachable:
		if r.Ignored {
			return
		}
		msg, _ := r.Fields["msg"].(string)
		c.failed = append(c.failed, lab.TaskResult{Host: r.Host, Task: r.Task.Name, Pos: r.Task.Pos, Msg: msg})
	}
}

func (c *changeRecorder) PlaybookStart(string)             {}
func (c *changeRecorder) PlayStart(report.Play)            {}
func (c *changeRecorder) TaskStart(*report.Task)           {}
func (c *changeRecorder) Retry(*report.Task, string, int)  {}
func (c *changeRecorder) Include(string, []string, string) {}
func (c *changeRecorder) Warning(string)                   {}
func (c *changeRecorder) Deprecation(string)               {}
func (c *changeRecorder) NoHostsMatched()                  {}
func (c *changeRecorder) NoHostsRemaining()                {}
func (c *changeRecorder) Recap(report.Recap)               {}
