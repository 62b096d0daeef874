package lab

import (
	"bufio"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

//go:embed ansiblecb/swarmbook_events.py
var callbackFS embed.FS

// AnsiblePlaybook is a Runner that execs Debian's ansible-playbook (2.14) and reads its results through a
// small notification callback (ansiblecb/swarmbook_events.py), leaving its usual text output intact.
type AnsiblePlaybook struct {
	Python   string   // interpreter; default /usr/bin/python3 (Debian's, which has the ansible package)
	Playbook string   // ansible-playbook script; default /usr/bin/ansible-playbook
	Env      []string // added to the environment
}

// Run implements Runner.
func (a AnsiblePlaybook) Run(ctx context.Context, req RunRequest) (RunReport, error) {
	python, script := a.Python, a.Playbook
	if python == "" {
		python = "/usr/bin/python3"
	}
	if script == "" {
		script = "/usr/bin/ansible-playbook"
	}
	if !exists(script) {
		return RunReport{}, missing("%s not found: install it with `apt-get install -y ansible`", script)
	}
	tmp, err := os.MkdirTemp("", "swarmbook-ansible-")
	if err != nil {
		return RunReport{}, fmt.Errorf("ansible-playbook: %w", err)
	}
	defer os.RemoveAll(tmp)
	cb, _ := callbackFS.ReadFile("ansiblecb/swarmbook_events.py")
	if err := os.WriteFile(filepath.Join(tmp, "swarmbook_events.py"), cb, 0o644); err != nil {
		return RunReport{}, fmt.Errorf("ansible-playbook: %w", err)
	}
	events := filepath.Join(tmp, "events.jsonl")

	args := []string{script, req.Playbook}
	for _, inv := range req.Inventory {
		args = append(args, "-i", inv)
	}
	if len(req.Tags) > 0 {
		args = append(args, "--tags", strings.Join(req.Tags, ","))
	}
	if len(req.ExtraVars) > 0 {
		ev, err := json.Marshal(req.ExtraVars)
		if err != nil {
			return RunReport{}, fmt.Errorf("ansible-playbook: extra vars: %w", err)
		}
		args = append(args, "-e", string(ev))
	}
	cmd := exec.CommandContext(ctx, python, args...)
	cmd.Dir = req.Dir
	cmd.Env = append(os.Environ(),
		"ANSIBLE_CALLBACK_PLUGINS="+tmp,
		"ANSIBLE_CALLBACKS_ENABLED=swarmbook_events",
		"SWARMBOOK_EVENTS_FILE="+events,
		"ANSIBLE_HOST_KEY_CHECKING=False",
		"ANSIBLE_RETRY_FILES_ENABLED=False",
		// The seed's group names (swarm-leader, ...) have dashes: keep them, without a warning per run.
		"ANSIBLE_TRANSFORM_INVALID_GROUP_CHARS=ignore",
		// Fewer round trips and one batch for a whole lab: results are the same, runs are faster.
		"ANSIBLE_PIPELINING=True",
		"ANSIBLE_FORKS=10",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_FORCE_COLOR=0",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(tmp, "local"),
		"PYTHONUNBUFFERED=1",
	)
	if len(req.RolesPath) > 0 {
		cmd.Env = append(cmd.Env, "ANSIBLE_ROLES_PATH="+strings.Join(req.RolesPath, ":"))
	}
	cmd.Env = append(cmd.Env, a.Env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 15 * time.Second
	var stderr tailBuffer
	out := req.Output
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout = out
	cmd.Stderr = io.MultiWriter(out, &stderr)
	runErr := cmd.Run()

	rep, perr := readEvents(events)
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return rep, fmt.Errorf("ansible-playbook %s: %w", req.Playbook, ctx.Err())
	case runErr != nil && !errors.As(runErr, &ee):
		return rep, fmt.Errorf("ansible-playbook %s: %w", req.Playbook, runErr)
	case runErr != nil:
		rep.ExitCode = ee.ExitCode()
	}
	if perr != nil {
		return rep, fmt.Errorf("ansible-playbook %s: reading results: %w", req.Playbook, perr)
	}
	if rep.Recap == nil && rep.ExitCode != 0 {
		// No stats at all: the playbook did not even start (syntax error, missing file, bad option).
		return rep, fmt.Errorf("ansible-playbook %s exited %d before running: %s", req.Playbook, rep.ExitCode,
			strings.TrimSpace(stderr.String()))
	}
	return rep, nil
}

// callbackEvent is one line written by swarmbook_events.py.
type callbackEvent struct {
	Event   string `json:"event"`
	Status  string `json:"status"`
	Host    string `json:"host"`
	Task    string `json:"task"`
	Pos     string `json:"pos"`
	Changed bool   `json:"changed"`
	Msg     string `json:"msg"`
	Hosts   map[string]struct {
		OK          int `json:"ok"`
		Changed     int `json:"changed"`
		Unreachable int `json:"unreachable"`
		Failures    int `json:"failures"`
		Skipped     int `json:"skipped"`
		Rescued     int `json:"rescued"`
		Ignored     int `json:"ignored"`
	} `json:"hosts"`
}

// readEvents builds a RunReport from the callback's JSON lines. A missing file is an empty report.
func readEvents(path string) (RunReport, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return RunReport{}, nil
	}
	if err != nil {
		return RunReport{}, err
	}
	defer f.Close()
	return parseEvents(f)
}

func parseEvents(r io.Reader) (RunReport, error) {
	var rep RunReport
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for n := 1; sc.Scan(); n++ {
		var e callbackEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return rep, fmt.Errorf("line %d: %w", n, err)
		}
		switch e.Event {
		case "result":
			tr := TaskResult{Host: e.Host, Task: e.Task, Pos: e.Pos}
			if e.Changed && (e.Status == "ok" || e.Status == "ignored") {
				rep.Changed = append(rep.Changed, tr)
			}
			if e.Status == "failed" || e.Status == "unreachable" {
				tr.Msg = e.Msg
				rep.Failed = append(rep.Failed, tr)
			}
		case "stats":
			rep.Recap = map[string]Counts{}
			for h, s := range e.Hosts {
				rep.Recap[h] = Counts{OK: s.OK, Changed: s.Changed, Unreachable: s.Unreachable, Failed: s.Failures,
					Skipped: s.Skipped, Rescued: s.Rescued, Ignored: s.Ignored}
			}
		}
	}
	return rep, sc.Err()
}
