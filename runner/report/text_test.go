package report

import (
	"bytes"
	"strings"
	"testing"
)

// diffCases were generated with Ansible 2.14's CallbackBase._get_diff
// logic (difflib.unified_diff, n=3, "\ No newline at end of file").
var diffCases = []struct {
	name string
	d    Diff
	want string
}{
	{"same", Diff{BeforeHeader: "", AfterHeader: "", Before: "a\nb\n", After: "a\nb\n"}, ""},
	{"change", Diff{BeforeHeader: "", AfterHeader: "", Before: "a\nb\nc\n", After: "a\nB\nc\n"}, "--- before\n+++ after\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n\n"},
	{"headers", Diff{BeforeHeader: "/etc/f", AfterHeader: "/etc/f", Before: "x\n", After: "y\n"}, "--- before: /etc/f\n+++ after: /etc/f\n@@ -1 +1 @@\n-x\n+y\n\n"},
	{"add_end", Diff{BeforeHeader: "", AfterHeader: "", Before: "a\n", After: "a\nb\nc\n"}, "--- before\n+++ after\n@@ -1 +1,3 @@\n a\n+b\n+c\n\n"},
	{"delete_start", Diff{BeforeHeader: "", AfterHeader: "", Before: "a\nb\nc\nd\n", After: "c\nd\n"}, "--- before\n+++ after\n@@ -1,4 +1,2 @@\n-a\n-b\n c\n d\n\n"},
	{"empty_before", Diff{BeforeHeader: "", AfterHeader: "/tmp/x", Before: "", After: "new\nfile\n"}, "--- before\n+++ after: /tmp/x\n@@ -0,0 +1,2 @@\n+new\n+file\n\n"},
	{"empty_after", Diff{BeforeHeader: "", AfterHeader: "", Before: "old\n", After: ""}, "--- before\n+++ after\n@@ -1 +0,0 @@\n-old\n\n"},
	{"no_newline_after", Diff{BeforeHeader: "", AfterHeader: "", Before: "a\nb\n", After: "a\nb"}, "--- before\n+++ after\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n\n"},
	{"no_newline_both", Diff{BeforeHeader: "", AfterHeader: "", Before: "a\nb", After: "a\nc"}, "--- before\n+++ after\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n\n"},
	{"two_hunks", Diff{BeforeHeader: "", AfterHeader: "", Before: "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\nline 10\nline 11\nline 12\nline 13\nline 14\nline 15\nline 16\nline 17\nline 18\nline 19\nline 20\nline 21\nline 22\nline 23\nline 24\nline 25\nline 26\nline 27\nline 28\nline 29\nline 30\nline 31\nline 32\nline 33\nline 34\nline 35\nline 36\nline 37\nline 38\nline 39\nline 40\n", After: "line 1\nline 2\nLINE 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\nline 10\nline 11\nline 12\nline 13\nline 14\nline 15\nline 16\nline 17\nline 18\nline 19\nline 20\nline 21\nline 22\nline 23\nline 24\nline 25\nline 26\nline 27\nline 28\nline 29\nline 30\nline 31\nline 32\nline 33\nline 34\nline 36\nline 37\nline 38\nline 39\nline 40\n"}, "--- before\n+++ after\n@@ -1,6 +1,6 @@\n line 1\n line 2\n-line 3\n+LINE 3\n line 4\n line 5\n line 6\n@@ -32,7 +32,6 @@\n line 32\n line 33\n line 34\n-line 35\n line 36\n line 37\n line 38\n\n"},
	{"merged_hunk", Diff{BeforeHeader: "", AfterHeader: "", Before: "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\nline 10\nline 11\nline 12\nline 13\nline 14\nline 15\nline 16\nline 17\nline 18\nline 19\nline 20\nline 21\nline 22\nline 23\nline 24\nline 25\nline 26\nline 27\nline 28\nline 29\nline 30\nline 31\nline 32\nline 33\nline 34\nline 35\nline 36\nline 37\nline 38\nline 39\nline 40\n", After: "line 1\nline 2\nline 3\nline 4\nline 5\nline 6\nline 7\nline 8\nline 9\nX\nline 11\nline 12\nline 13\nline 14\nline 15\nY\nline 17\nline 18\nline 19\nline 20\nline 21\nline 22\nline 23\nline 24\nline 25\nline 26\nline 27\nline 28\nline 29\nline 30\nline 31\nline 32\nline 33\nline 34\nline 35\nline 36\nline 37\nline 38\nline 39\nline 40\n"}, "--- before\n+++ after\n@@ -7,13 +7,13 @@\n line 7\n line 8\n line 9\n-line 10\n+X\n line 11\n line 12\n line 13\n line 14\n line 15\n-line 16\n+Y\n line 17\n line 18\n line 19\n\n"},
	{"crlf", Diff{BeforeHeader: "", AfterHeader: "", Before: "a\r\nb\r\n", After: "a\r\nc\r\n"}, "--- before\n+++ after\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n\n"},
	{"bare_cr", Diff{BeforeHeader: "", AfterHeader: "", Before: "a\rb\n", After: "a\rc\n"}, "--- before\n+++ after\n@@ -1,2 +1,2 @@\n a\r-b\n+c\n\n"},
	{"unicode", Diff{BeforeHeader: "", AfterHeader: "", Before: "caf\u00e9\n", After: "cafe\n"}, "--- before\n+++ after\n@@ -1 +1 @@\n-caf\u00e9\n+cafe\n\n"},
	{"move", Diff{BeforeHeader: "", AfterHeader: "", Before: "a\nb\nc\nd\ne\nf\ng\nh\n", After: "h\nb\nc\nd\ne\nf\ng\na\n"}, "--- before\n+++ after\n@@ -1,8 +1,8 @@\n-a\n+h\n b\n c\n d\n e\n f\n g\n-h\n+a\n\n"},
	{"repeated", Diff{BeforeHeader: "", AfterHeader: "", Before: "x\nx\nx\ny\nx\nx\n", After: "x\ny\nx\nx\nx\nx\n"}, "--- before\n+++ after\n@@ -1,6 +1,6 @@\n-x\n-x\n x\n y\n x\n x\n+x\n+x\n\n"},
}

func TestUnifiedDiffMatchesDifflib(t *testing.T) {
	for _, c := range diffCases {
		t.Run(c.name, func(t *testing.T) {
			if got := UnifiedDiff(c.d); got != c.want {
				t.Errorf("UnifiedDiff:\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestBanner(t *testing.T) {
	cases := []struct {
		name string
		cols int
		ev   func(*Text)
		want string
	}{
		{"play", 0, func(x *Text) { x.PlayStart(Play{Name: "web"}) }, "\nPLAY [web] " + strings.Repeat("*", 80-len("PLAY [web]")-1) + "\n"},
		{"task", 0, func(x *Text) { x.TaskStart(&Task{ID: 1, Name: "debug"}) }, "\nTASK [debug] " + strings.Repeat("*", 80-len("TASK [debug]")-1) + "\n"},
		{"handler", 0, func(x *Text) { x.TaskStart(&Task{ID: 1, Name: "h", Prefix: "RUNNING HANDLER"}) }, "\nRUNNING HANDLER [h] " + strings.Repeat("*", 80-len("RUNNING HANDLER [h]")-1) + "\n"},
		{"wide terminal", 120, func(x *Text) { x.PlayStart(Play{Name: "x"}) }, "\nPLAY [x] " + strings.Repeat("*", 120-len("PLAY [x]")-1) + "\n"},
		{"long name keeps 3 stars", 0, func(x *Text) { x.TaskStart(&Task{ID: 1, Name: strings.Repeat("n", 90)}) }, "\nTASK [" + strings.Repeat("n", 90) + "] ***\n"},
		{"check mode", 0, func(x *Text) { x.CheckModeMarkers = true; x.PlayStart(Play{Name: "p", Check: true}) }, "\nPLAY [p] [CHECK MODE] " + strings.Repeat("*", 80-len("PLAY [p] [CHECK MODE]")-1) + "\n"},
		{"no more hosts", 0, func(x *Text) { x.NoHostsRemaining() }, "\nNO MORE HOSTS LEFT " + strings.Repeat("*", 80-len("NO MORE HOSTS LEFT")-1) + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			c.ev(&Text{Out: &b, Columns: c.cols})
			if b.String() != c.want {
				t.Errorf("got %q\nwant %q", b.String(), c.want)
			}
			// Ansible: columns = 79 when stdout is not a tty; msg + " " + (79-len(msg)) stars = 80.
			if c.cols == 0 && !strings.HasPrefix(c.name, "long") {
				if n := len(strings.TrimPrefix(strings.TrimSuffix(b.String(), "\n"), "\n")); n != 80 {
					t.Errorf("banner is %d columns, want 80 (msg + space + stars)", n)
				}
			}
		})
	}
}

func TestRecapFormat(t *testing.T) {
	var b bytes.Buffer
	x := &Text{Out: &b}
	x.Recap(Recap{Hosts: []string{"h1", "a-very-long-host-name.example.com"}, Counts: map[string]*Counts{
		"h1":                                {OK: 3, Changed: 1, Failed: 0, Skipped: 2, Ignored: 1},
		"a-very-long-host-name.example.com": {OK: 12345, Unreachable: 1, Rescued: 2},
	}})
	// Lines from Ansible 2.14's default callback ("%-26s : %s %s %s %s %s %s %s" with "ok=%-4d" ...).
	want := "\nPLAY RECAP *********************************************************************\n" +
		"h1                         : ok=3    changed=1    unreachable=0    failed=0    skipped=2    rescued=0    ignored=1   \n" +
		"a-very-long-host-name.example.com : ok=12345 changed=0    unreachable=1    failed=0    skipped=0    rescued=2    ignored=0   \n\n"
	if b.String() != want {
		t.Errorf("recap:\n got %q\nwant %q", b.String(), want)
	}
}

// Ansible's default callback prints DRY RUN only with check_mode_markers,
// which is off by default.
func TestRecapCheckModeNoDryRun(t *testing.T) {
	var b bytes.Buffer
	(&Text{Out: &b}).Recap(Recap{Hosts: []string{"h"}, Counts: map[string]*Counts{"h": {}}, Check: true})
	if strings.Contains(b.String(), "DRY RUN") {
		t.Errorf("unexpected DRY RUN banner: %q", b.String())
	}
}

func TestResultLines(t *testing.T) {
	task := &Task{ID: 7, Name: "t", Action: "command"}
	cases := []struct {
		name string
		r    Result
		want string
	}{
		{"ok", Result{Task: task, Host: "h", Status: StatusOK, Fields: map[string]any{"changed": false}}, "ok: [h]\n"},
		{"changed delegated", Result{Task: task, Host: "h", DelegatedTo: "d", Status: StatusChanged, Fields: map[string]any{"changed": true}}, "changed: [h -> d]\n"},
		{"skipped", Result{Task: task, Host: "h", Status: StatusSkipped, Fields: map[string]any{"skipped": true, "changed": false}}, "skipping: [h]\n"},
		{"failed", Result{Task: task, Host: "h", Status: StatusFailed, Fields: map[string]any{"msg": "boom", "rc": 1, "changed": false}},
			`fatal: [h]: FAILED! => {"changed": false, "msg": "boom", "rc": 1}` + "\n"},
		{"failed ignored", Result{Task: task, Host: "h", Status: StatusFailed, Ignored: true, Fields: map[string]any{"msg": "boom", "changed": false}},
			`fatal: [h]: FAILED! => {"changed": false, "msg": "boom"}` + "\n...ignoring\n"},
		{"unreachable", Result{Task: task, Host: "h", Status: StatusUnreachable, Fields: map[string]any{"msg": "no route", "unreachable": true, "changed": false}},
			`fatal: [h]: UNREACHABLE! => {"changed": false, "msg": "no route", "unreachable": true}` + "\n"},
		{"item ok", Result{Task: task, Host: "h", Status: StatusOK, Item: true, Label: "a", Fields: map[string]any{"changed": false}}, "ok: [h] => (item=a)\n"},
		{"item failed", Result{Task: task, Host: "h", Status: StatusFailed, Item: true, Label: "a", Fields: map[string]any{"changed": false, "msg": "x"}},
			`failed: [h] (item=a) => {"changed": false, "msg": "x"}` + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			x := &Text{Out: &b}
			x.lastBanner = task.ID // banner already printed
			x.HostResult(c.r)
			if b.String() != c.want {
				t.Errorf("got %q\nwant %q", b.String(), c.want)
			}
		})
	}
}
