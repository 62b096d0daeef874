package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Step is one step of a scenario's test sequence.
type Step string

// The steps, in the order Test runs them (Molecule's `test` sequence without lint and syntax).
const (
	StepCreate      Step = "create"
	StepConverge    Step = "converge"
	StepIdempotence Step = "idempotence"
	StepVerify      Step = "verify"
	StepDestroy     Step = "destroy"
)

// destroyTimeout bounds the destroy step, which runs even after the caller's context is done.
const destroyTimeout = 5 * time.Minute

// Sequence is the full test sequence.
var Sequence = []Step{StepCreate, StepConverge, StepIdempotence, StepVerify, StepDestroy}

// ParseSteps reads a comma-separated step list; "all" or "test" is the full Sequence.
func ParseSteps(s string) ([]Step, error) {
	if s == "" || s == "all" || s == "test" {
		return Sequence, nil
	}
	var out []Step
	for _, f := range strings.Split(s, ",") {
		st := Step(strings.TrimSpace(f))
		known := false
		for _, k := range Sequence {
			known = known || k == st
		}
		if !known {
			return nil, fmt.Errorf("unknown step %q (want create, converge, idempotence, verify, destroy or all)", st)
		}
		out = append(out, st)
	}
	return out, nil
}

// DestroyPolicy says whether the destroy step runs (Molecule's --destroy).
type DestroyPolicy string

// Destroy policies.
const (
	DestroyAlways DestroyPolicy = "always" // destroy even after a failed step (the default)
	DestroyNever  DestroyPolicy = "never"  // keep the lab for inspection or another scenario
)

// TestOptions configure Test.
type TestOptions struct {
	Lab        Options       // the lab to create and destroy; its machine counts come from the scenario
	Runner     Runner        // runs the playbook
	Destroy    DestroyPolicy // default DestroyAlways
	ResultsDir string        // default <scenario dir>/.results: summary.json, junit.xml, <step>.log, hosts.ini
	Output     io.Writer     // step lines and playbook output (may be nil)
}

// StepStatus is a step's outcome.
type StepStatus string

// Step outcomes.
const (
	StatusPassed  StepStatus = "passed"
	StatusFailed  StepStatus = "failed"
	StatusSkipped StepStatus = "skipped"
)

// StepResult is one step's outcome.
type StepResult struct {
	Step     Step          `json:"step"`
	Status   StepStatus    `json:"status"`
	Duration time.Duration `json:"duration_ns"`
	Error    string        `json:"error,omitempty"` // why it failed or was skipped
	Run      *RunReport    `json:"run,omitempty"`   // the playbook run of converge, idempotence, verify
}

// Report is the outcome of a scenario's steps; Test writes it as summary.json and junit.xml.
type Report struct {
	Scenario string        `json:"scenario"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	Passed   bool          `json:"passed"`
	Steps    []StepResult  `json:"steps"`
}

// Step returns the result of step s, or nil when it was not requested.
func (r *Report) Step(s Step) *StepResult {
	for i := range r.Steps {
		if r.Steps[i].Step == s {
			return &r.Steps[i]
		}
	}
	return nil
}

// Test runs the requested steps of the scenario, in sequence order, on the lab. After a failed step the
// remaining steps are skipped, except destroy (unless the policy is DestroyNever). The report is always
// returned and written to the results directory; the error is non-nil when a step failed.
func Test(ctx context.Context, sc *Scenario, steps []Step, opts TestOptions) (*Report, error) {
	if opts.Runner == nil && needsRunner(steps) {
		return nil, errors.New("lab test: no playbook runner")
	}
	if opts.Destroy == "" {
		opts.Destroy = DestroyAlways
	}
	if opts.Destroy != DestroyAlways && opts.Destroy != DestroyNever {
		return nil, fmt.Errorf("lab test: destroy policy %q: want always or never", opts.Destroy)
	}
	if opts.ResultsDir == "" {
		opts.ResultsDir = filepath.Join(sc.Dir, ".results")
	}
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	opts.Lab.Managers, opts.Lab.Workers = sc.LabSize()
	if err := os.MkdirAll(opts.ResultsDir, 0o755); err != nil {
		return nil, fmt.Errorf("lab test: %w", err)
	}
	t := &tester{sc: sc, opts: opts}
	rep := &Report{Scenario: sc.Name, Started: time.Now(), Passed: true}
	want := map[Step]bool{}
	for _, s := range steps {
		want[s] = true
	}
	failed := false
	for _, s := range Sequence {
		if !want[s] {
			continue
		}
		res := StepResult{Step: s}
		switch {
		case failed && s != StepDestroy:
			res.Status, res.Error = StatusSkipped, "an earlier step failed"
		case s == StepDestroy && opts.Destroy == DestroyNever:
			res.Status, res.Error = StatusSkipped, "destroy=never: the lab is kept"
		case s == StepIdempotence && !sc.CheckIdempotence():
			res.Status, res.Error = StatusSkipped, "idempotence is off in the scenario"
		default:
			fmt.Fprintf(opts.Output, "--> %s: %s\n", sc.Name, s)
			begin := time.Now()
			run, err := t.run(ctx, s)
			res.Duration, res.Run = time.Since(begin), run
			res.Status = StatusPassed
			if err != nil {
				res.Status, res.Error = StatusFailed, err.Error()
				failed = true
				rep.Passed = false
			}
		}
		fmt.Fprintf(opts.Output, "--> %s: %s %s (%.1fs)%s\n", sc.Name, s, res.Status, res.Duration.Seconds(), suffix(res.Error))
		rep.Steps = append(rep.Steps, res)
	}
	rep.Duration = time.Since(rep.Started)
	werr := writeResults(rep, opts.ResultsDir)
	if !rep.Passed {
		var msgs []string
		for _, st := range rep.Steps {
			if st.Status == StatusFailed {
				msgs = append(msgs, fmt.Sprintf("%s: %s", st.Step, st.Error))
			}
		}
		return rep, errors.Join(fmt.Errorf("scenario %s failed: %s", sc.Name, strings.Join(msgs, "; ")), werr)
	}
	return rep, werr
}

func needsRunner(steps []Step) bool {
	for _, s := range steps {
		if s == StepConverge || s == StepIdempotence || s == StepVerify {
			return true
		}
	}
	return false
}

func suffix(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

type tester struct {
	sc   *Scenario
	opts TestOptions
}

func (t *tester) run(ctx context.Context, s Step) (*RunReport, error) {
	switch s {
	case StepCreate:
		return nil, Up(ctx, t.opts.Lab)
	case StepDestroy:
		// Clean up even when the run was cancelled (Ctrl-C, test timeout), within a bound of its own.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), destroyTimeout)
		defer cancel()
		return nil, Down(ctx, t.opts.Lab)
	case StepConverge:
		rep, err := t.playbook(ctx, s, nil)
		if err != nil {
			return rep, err
		}
		return rep, runFailure(rep)
	case StepIdempotence:
		rep, err := t.playbook(ctx, s, nil)
		if err != nil {
			return rep, err
		}
		if err := runFailure(rep); err != nil {
			return rep, err
		}
		if len(rep.Changed) > 0 || rep.Total().Changed > 0 {
			return rep, fmt.Errorf("not idempotent: the second converge changed %d task result(s): %s",
				rep.Total().Changed, describe(rep.Changed))
		}
		return rep, nil
	case StepVerify:
		rep, err := t.playbook(ctx, s, t.sc.Verify.Tags)
		if err != nil {
			return rep, err
		}
		return rep, runFailure(rep)
	}
	return nil, fmt.Errorf("unknown step %q", s)
}

// playbook runs the scenario's playbook for step s through the runner, logging to <results>/<step>.log.
func (t *tester) playbook(ctx context.Context, s Step, tags []string) (*RunReport, error) {
	sshConfig := t.opts.Lab.sshConfigFile()
	if !exists(sshConfig) {
		return nil, fmt.Errorf("the lab is not up (%s missing): run the create step first", sshConfig)
	}
	var inv bytes.Buffer
	if err := writeInventory(&inv, t.sc, sshConfig); err != nil {
		return nil, err
	}
	invPath := filepath.Join(t.opts.ResultsDir, "hosts.ini")
	if err := os.WriteFile(invPath, inv.Bytes(), 0o644); err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(t.opts.ResultsDir, string(s)+".log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	rep, err := t.opts.Runner.Run(ctx, RunRequest{
		Playbook:  t.sc.PlaybookPath(),
		Inventory: []string{invPath},
		Tags:      tags,
		ExtraVars: t.sc.ExtraVars,
		RolesPath: t.sc.RolesPaths(),
		Dir:       t.sc.Dir,
		Output:    io.MultiWriter(logf, t.opts.Output),
	})
	if err != nil {
		return &rep, err
	}
	return &rep, nil
}

// sshConfigFile is the ssh configuration path for these (possibly not yet defaulted) options.
func (o Options) sshConfigFile() string {
	p, err := SSHConfigPath(o)
	if err != nil {
		return filepath.Join(defaultDir, "ssh.config")
	}
	return p
}

// runFailure turns a failed playbook run into an error naming the failed tasks.
func runFailure(rep *RunReport) error {
	t := rep.Total()
	if rep.ExitCode == 0 && t.Failed == 0 && t.Unreachable == 0 && len(rep.Failed) == 0 {
		return nil
	}
	if len(rep.Failed) > 0 {
		return fmt.Errorf("playbook failed (exit %d): %s", rep.ExitCode, describe(rep.Failed))
	}
	return fmt.Errorf("playbook failed (exit %d, %d failed, %d unreachable)", rep.ExitCode, t.Failed, t.Unreachable)
}

// describe lists task results as "host: task (pos)[: msg]".
func describe(trs []TaskResult) string {
	parts := make([]string, len(trs))
	for i, tr := range trs {
		s := tr.Host + ": " + tr.Task
		if tr.Pos != "" {
			s += " (" + tr.Pos + ")"
		}
		if tr.Msg != "" {
			s += ": " + tr.Msg
		}
		parts[i] = s
	}
	return strings.Join(parts, "; ")
}

// detail is a step's playbook summary for the JUnit report.
func (st StepResult) detail() string {
	if st.Run == nil {
		return st.Error
	}
	var b strings.Builder
	for _, h := range st.Run.Hosts() {
		c := st.Run.Recap[h]
		fmt.Fprintf(&b, "%s : ok=%d changed=%d unreachable=%d failed=%d skipped=%d rescued=%d ignored=%d\n",
			h, c.OK, c.Changed, c.Unreachable, c.Failed, c.Skipped, c.Rescued, c.Ignored)
	}
	if st.Error != "" {
		b.WriteString(st.Error + "\n")
	}
	return b.String()
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// writeResults writes summary.json and junit.xml into dir.
func writeResults(rep *Report, dir string) error {
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("lab test: summary: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("lab test: %w", err)
	}
	var x bytes.Buffer
	if err := rep.WriteJUnit(&x); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "junit.xml"), x.Bytes(), 0o644); err != nil {
		return fmt.Errorf("lab test: %w", err)
	}
	return nil
}
