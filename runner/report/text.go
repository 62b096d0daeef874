package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/swarmbook/swarmbook/runner/pyfmt"
)

// ANSI colours as Ansible's defaults name them.
const (
	colorOK          = "0;32" // green
	colorChanged     = "0;33" // yellow
	colorError       = "0;31" // red
	colorSkip        = "0;36" // cyan
	colorUnreachable = "1;31" // bright red
	colorWarn        = "1;35" // bright purple
	colorDeprecate   = "0;35" // purple
	colorVerbose     = "0;34" // blue
)

// Text prints the Ansible default callback's output, line for line, so that
// CI parsers written for ansible-playbook keep working.
type Text struct {
	Out       io.Writer // stdout
	Err       io.Writer // warnings
	Color     bool
	Columns   int // terminal width; 0: not a terminal (Ansible then uses 80)
	Verbosity int
	// CheckModeMarkers adds " [CHECK MODE]" to banners in check mode, as
	// Ansible's check_mode_markers option (off by default).
	CheckModeMarkers bool
	lastBanner       int
	free             bool
}

func (t *Text) colorize(code, s string) string {
	if !t.Color || code == "" {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "\033[" + code + "m" + l + "\033[0m"
	}
	return strings.Join(lines, "\n")
}

func (t *Text) line(code, s string) { fmt.Fprintln(t.Out, t.colorize(code, s)) }

func (t *Text) banner(msg string) {
	cols := 79
	if t.Columns-1 > cols {
		cols = t.Columns - 1
	}
	msg = strings.TrimSpace(msg)
	n := cols - len([]rune(msg))
	if n <= 3 {
		n = 3
	}
	fmt.Fprintf(t.Out, "\n%s %s\n", msg, strings.Repeat("*", n))
}

// PlaybookStart prints the playbook at -vv and above.
func (t *Text) PlaybookStart(path string) {
	if t.Verbosity > 1 {
		t.line("", "PLAYBOOK: "+path+" "+strings.Repeat("*", 3))
	}
}

// PlayStart prints the PLAY banner.
func (t *Text) PlayStart(p Play) {
	t.free = p.Free
	msg := "PLAY"
	if p.Name != "" {
		msg = "PLAY [" + p.Name + "]"
	}
	if p.Check && t.CheckModeMarkers {
		msg += " [CHECK MODE]"
	}
	t.banner(msg)
	t.lastBanner = -1
}

// TaskStart prints the TASK banner (at once under the linear strategy, with
// the first result under free).
func (t *Text) TaskStart(task *Task) {
	if t.free {
		return
	}
	t.taskBanner(task)
}

func (t *Text) taskBanner(task *Task) {
	prefix := task.Prefix
	if prefix == "" {
		prefix = "TASK"
	}
	msg := prefix + " [" + task.Name + "]"
	if task.Check && t.CheckModeMarkers {
		msg += " [CHECK MODE]"
	}
	t.banner(msg)
	if t.Verbosity >= 2 && task.Pos != "" {
		t.line("", "task path: "+task.Pos)
	}
	t.lastBanner = task.ID
}

func (t *Text) ensureBanner(task *Task) {
	if task != nil && t.lastBanner != task.ID {
		t.taskBanner(task)
	}
}

func hostLabel(r Result) string {
	if r.DelegatedTo != "" && r.DelegatedTo != r.Host {
		return r.Host + " -> " + r.DelegatedTo
	}
	return r.Host
}

func (t *Text) verbose(f map[string]any) bool {
	if v, _ := f["_ansible_verbose_override"].(bool); v {
		return false
	}
	always, _ := f["_ansible_verbose_always"].(bool)
	return t.Verbosity > 0 || always
}

// dump renders a result as Ansible's _dump_results does.
func (t *Text) dump(f map[string]any) string {
	out := make(map[string]any, len(f))
	if noLog, _ := f["_ansible_no_log"].(bool); noLog {
		out["censored"] = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
		for _, k := range []string{"attempts", "changed", "retries"} {
			if v, ok := f[k]; ok {
				out[k] = v
			}
		}
		return pyfmt.JSON(out, 0)
	}
	for k, v := range f {
		if strings.HasPrefix(k, "_ansible_") || k == "failed" || k == "skipped" {
			continue
		}
		if (k == "invocation" || k == "diff") && t.Verbosity < 3 {
			continue
		}
		if k == "exception" {
			continue
		}
		out[k] = v
	}
	indent := 0
	if always, _ := f["_ansible_verbose_always"].(bool); always || t.Verbosity > 2 {
		indent = 4
	}
	return pyfmt.JSON(out, indent)
}

// cleanDebug keeps only what debug is meant to show, as Ansible's
// _clean_results does.
func cleanDebug(action string, f map[string]any) map[string]any {
	if action != "debug" {
		return f
	}
	out := map[string]any{}
	if _, ok := f["msg"]; ok {
		for k, v := range f {
			if k == "msg" || k == "failed" || k == "skipped" || strings.HasPrefix(k, "_") {
				out[k] = v
			}
		}
		return out
	}
	for k, v := range f {
		if k == "changed" || k == "invocation" {
			continue
		}
		out[k] = v
	}
	return out
}

// HostResult prints one result line (and its diff) as Ansible does.
func (t *Text) HostResult(r Result) {
	t.ensureBanner(r.Task)
	action := ""
	if r.Task != nil {
		action = r.Task.Action
	}
	_, hasResults := r.Fields["results"]
	f := cleanDebug(action, r.Fields)
	for _, d := range r.Diff {
		if s := UnifiedDiff(d); s != "" && (r.Status == StatusChanged || r.Item) {
			fmt.Fprint(t.Out, s)
		}
	}
	label := hostLabel(r)
	switch {
	case r.Item:
		item := "(item=" + r.Label + ")"
		switch r.Status {
		case StatusFailed:
			t.line(colorError, "failed: ["+label+"] "+item+" => "+t.dump(f))
		case StatusSkipped:
			msg := "skipping: [" + r.Host + "] => " + item + " "
			if t.verbose(f) {
				msg += " => " + t.dump(f)
			}
			t.line(colorSkip, msg)
		default:
			msg, code := "ok", colorOK
			if r.Status == StatusChanged {
				msg, code = "changed", colorChanged
			}
			msg = msg + ": [" + label + "] => " + item
			if t.verbose(f) {
				msg += " => " + t.dump(f)
			}
			t.line(code, msg)
		}
		return
	case r.Status == StatusFailed:
		if !hasResults {
			t.line(colorError, "fatal: ["+label+"]: FAILED! => "+t.dump(f))
		}
		if r.Ignored {
			t.line(colorSkip, "...ignoring")
		}
	case r.Status == StatusUnreachable:
		t.line(colorUnreachable, "fatal: ["+label+"]: UNREACHABLE! => "+t.dump(f))
		if r.Ignored {
			t.line(colorSkip, "...ignoring")
		}
	case r.Status == StatusSkipped:
		msg := "skipping: [" + r.Host + "]"
		if hasResults {
			f = withoutKey(f, "results")
		}
		if t.verbose(f) {
			msg += " => " + t.dump(f)
		}
		t.line(colorSkip, msg)
	default:
		if hasResults {
			return // the items were printed one by one
		}
		msg, code := "ok: ["+label+"]", colorOK
		if r.Status == StatusChanged {
			msg, code = "changed: ["+label+"]", colorChanged
		}
		if t.verbose(f) {
			msg += " => " + t.dump(f)
		}
		t.line(code, msg)
	}
}

func withoutKey(f map[string]any, key string) map[string]any {
	out := make(map[string]any, len(f))
	for k, v := range f {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// Retry prints Ansible's "FAILED - RETRYING" line.
func (t *Text) Retry(task *Task, host string, left int) {
	t.ensureBanner(task)
	t.line("1;30", fmt.Sprintf("FAILED - RETRYING: [%s]: %s (%d retries left).", host, task.Name, left))
}

// Include prints "included: FILE for HOSTS".
func (t *Text) Include(file string, hosts []string, label string) {
	msg := "included: " + file + " for " + strings.Join(hosts, ", ")
	if label != "" {
		msg += " => (item=" + label + ")"
	}
	t.line(colorSkip, msg)
}

// Warning prints "[WARNING]: msg" on stderr.
func (t *Text) Warning(msg string) {
	w := t.Err
	if w == nil {
		w = t.Out
	}
	fmt.Fprintln(w, t.colorize(colorWarn, "[WARNING]: "+msg))
}

// Deprecation prints "[DEPRECATION WARNING]: msg" on stderr.
func (t *Text) Deprecation(msg string) {
	w := t.Err
	if w == nil {
		w = t.Out
	}
	fmt.Fprintln(w, t.colorize(colorDeprecate, "[DEPRECATION WARNING]: "+msg))
}

// NoHostsMatched prints Ansible's line for a play without hosts.
func (t *Text) NoHostsMatched() { t.line(colorSkip, "skipping: no hosts matched") }

// NoHostsRemaining prints the banner shown when every host has failed.
func (t *Text) NoHostsRemaining() { t.banner("NO MORE HOSTS LEFT") }

// Recap prints the PLAY RECAP in exactly ansible-playbook's format.
func (t *Text) Recap(rc Recap) {
	t.banner("PLAY RECAP")
	for _, h := range rc.Hosts {
		c := rc.Counts[h]
		var host string
		if t.Color {
			code := colorOK
			if c.Failed != 0 || c.Unreachable != 0 {
				code = colorError
			} else if c.Changed != 0 {
				code = colorChanged
			}
			host = fmt.Sprintf("%-37s", t.colorize(code, h))
		} else {
			host = fmt.Sprintf("%-26s", h)
		}
		num := func(lead string, n int, code string) string {
			s := fmt.Sprintf("%s=%-4d", lead, n)
			if n != 0 {
				return t.colorize(code, s)
			}
			return s
		}
		fmt.Fprintf(t.Out, "%s : %s %s %s %s %s %s %s\n", host,
			num("ok", c.OK, colorOK), num("changed", c.Changed, colorChanged),
			num("unreachable", c.Unreachable, colorUnreachable), num("failed", c.Failed, colorError),
			num("skipped", c.Skipped, colorSkip), num("rescued", c.Rescued, colorOK),
			num("ignored", c.Ignored, colorWarn))
	}
	fmt.Fprintln(t.Out)
}
