package report

import (
	"encoding/json"
	"io"
	"strings"
	"time"
)

// JSONLines writes one JSON record per event: play and task starts, one
// record per host-task result, and the recap. It is the machine-readable
// report (--report-file).
type JSONLines struct {
	W    io.Writer
	play string
	task *Task
}

func (j *JSONLines) emit(rec map[string]any) {
	rec["time"] = time.Now().UTC().Format(time.RFC3339Nano)
	b, err := json.Marshal(rec)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"event": "error", "msg": err.Error()})
	}
	j.W.Write(append(b, '\n'))
}

func (j *JSONLines) PlaybookStart(path string) {
	j.emit(map[string]any{"event": "playbook_start", "playbook": path})
}

func (j *JSONLines) PlayStart(p Play) {
	j.play = p.Name
	j.emit(map[string]any{"event": "play_start", "play": p.Name, "hosts": p.Hosts, "check": p.Check})
}

func (j *JSONLines) TaskStart(t *Task) {
	j.task = t
	j.emit(map[string]any{"event": "task_start", "play": j.play, "task": t.Name, "kind": t.Prefix, "path": t.Pos, "action": t.Action})
}

func (j *JSONLines) HostResult(r Result) {
	fields := map[string]any{}
	if noLog, _ := r.Fields["_ansible_no_log"].(bool); noLog {
		fields["censored"] = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
	}
	for k, v := range r.Fields {
		if _, censored := fields["censored"]; censored && k != "changed" {
			continue
		}
		if !strings.HasPrefix(k, "_ansible_") {
			fields[k] = v
		}
	}
	rec := map[string]any{
		"event": "host_result", "play": j.play, "host": r.Host, "status": string(r.Status),
		"result": fields, "duration_ms": r.Duration.Milliseconds(),
	}
	if r.Task != nil {
		rec["task"], rec["path"], rec["action"] = r.Task.Name, r.Task.Pos, r.Task.Action
	}
	if r.DelegatedTo != "" {
		rec["delegated_to"] = r.DelegatedTo
	}
	if r.Item {
		rec["item"] = r.Label
	}
	if r.Ignored {
		rec["ignored"] = true
	}
	if r.Rescued {
		rec["rescued"] = true
	}
	j.emit(rec)
}

func (j *JSONLines) Retry(t *Task, host string, left int) {
	j.emit(map[string]any{"event": "retry", "task": t.Name, "host": host, "retries_left": left})
}

func (j *JSONLines) Include(file string, hosts []string, label string) {
	j.emit(map[string]any{"event": "include", "file": file, "hosts": hosts, "item": label})
}
func (j *JSONLines) Warning(msg string) { j.emit(map[string]any{"event": "warning", "msg": msg}) }
func (j *JSONLines) Deprecation(msg string) {
	j.emit(map[string]any{"event": "deprecation", "msg": msg})
}
func (j *JSONLines) NoHostsMatched() {
	j.emit(map[string]any{"event": "no_hosts_matched", "play": j.play})
}
func (j *JSONLines) NoHostsRemaining() {
	j.emit(map[string]any{"event": "no_hosts_remaining", "play": j.play})
}
func (j *JSONLines) Recap(rc Recap) {
	j.emit(map[string]any{"event": "recap", "hosts": rc.Counts, "check": rc.Check, "duration_ms": rc.Duration.Milliseconds()})
}
