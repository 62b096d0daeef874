package lab

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseEvents(t *testing.T) {
	in := `{"event": "result", "status": "ok", "host": "h1", "task": "a", "pos": "/p.yml:3", "changed": true}
{"event": "result", "status": "ok", "host": "h1", "task": "b", "pos": "/p.yml:6", "changed": false}
{"event": "result", "status": "failed", "host": "h2", "task": "c", "pos": "/p.yml:9", "changed": false, "msg": "boom"}
{"event": "result", "status": "skipped", "host": "h1", "task": "d", "pos": "/p.yml:12", "changed": false}
{"event": "stats", "hosts": {"h1": {"ok": 2, "changed": 1, "unreachable": 0, "failures": 0, "skipped": 1, "rescued": 0, "ignored": 0}, "h2": {"ok": 0, "changed": 0, "unreachable": 0, "failures": 1, "skipped": 0, "rescued": 0, "ignored": 0}}}
`
	rep, err := parseEvents(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Changed) != 1 || rep.Changed[0] != (TaskResult{Host: "h1", Task: "a", Pos: "/p.yml:3"}) {
		t.Errorf("changed: %+v", rep.Changed)
	}
	if len(rep.Failed) != 1 || rep.Failed[0].Msg != "boom" {
		t.Errorf("failed: %+v", rep.Failed)
	}
	if rep.Recap["h1"] != (Counts{OK: 2, Changed: 1, Skipped: 1}) || rep.Recap["h2"].Failed != 1 {
		t.Errorf("recap: %+v", rep.Recap)
	}
	if _, err := parseEvents(strings.NewReader("{not json\n")); err == nil {
		t.Error("bad JSON accepted")
	}
}

// TestAnsiblePlaybookLocal runs Debian's ansible-playbook on localhost (connection local) through the
// callback and checks what the report says against what the playbook does.
func TestAnsiblePlaybookLocal(t *testing.T) {
	if !exists("/usr/bin/ansible-playbook") || !exists("/usr/bin/python3") {
		t.Skip("Debian's ansible-playbook is not installed")
	}
	dir := t.TempDir()
	marker := filepath.Join(dir, "marker")
	play := `---
- hosts: all
  gather_facts: false
  tasks:
    - name: Create the marker
      command: touch ` + marker + `
      args:
        creates: ` + marker + `
    - name: Read nothing
      command: "true"
      changed_when: false
    - name: Skipped one
      command: "false"
      when: false
    - name: Ignored failure
      command: "false"
      ignore_errors: true
    - name: Tagged
      debug:
        msg: "{{ greeting }}"
      tags: [test]
`
	if err := os.WriteFile(filepath.Join(dir, "play.yml"), []byte(play), 0o644); err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(dir, "hosts.ini")
	if err := os.WriteFile(inv, []byte("local1 ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out strings.Builder
	req := RunRequest{Playbook: filepath.Join(dir, "play.yml"), Inventory: []string{inv}, Dir: dir, Output: &out,
		ExtraVars: map[string]any{"greeting": "hello from -e"}}
	rep, err := AnsiblePlaybook{}.Run(ctx, req)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	// ansible-playbook counts a failed command whose failure is ignored as changed too.
	want := Counts{OK: 4, Changed: 2, Skipped: 1, Ignored: 1}
	if rep.ExitCode != 0 || rep.Recap["local1"] != want {
		t.Errorf("first run: exit %d, recap %+v, want %+v\n%s", rep.ExitCode, rep.Recap, want, out.String())
	}
	if len(rep.Changed) != 2 || rep.Changed[0].Task != "Create the marker" || !strings.HasSuffix(rep.Changed[0].Pos, "play.yml:5") ||
		rep.Changed[1].Task != "Ignored failure" {
		t.Errorf("changed: %+v", rep.Changed)
	}
	if !strings.Contains(out.String(), "hello from -e") || !strings.Contains(out.String(), "PLAY RECAP") {
		t.Errorf("output lacks the debug message or the recap:\n%s", out.String())
	}

	// Second run: idempotent; --tags test runs only the tagged task.
	req.Tags = []string{"test"}
	rep, err = AnsiblePlaybook{}.Run(ctx, req)
	if err != nil || rep.Recap["local1"] != (Counts{OK: 1}) || len(rep.Changed) != 0 {
		t.Errorf("tagged run: %v, %+v, changed %+v", err, rep.Recap, rep.Changed)
	}

	// A failing task: exit code 2, named in Failed.
	if err := os.WriteFile(filepath.Join(dir, "fail.yml"), []byte("- hosts: all\n  gather_facts: false\n  tasks:\n    - name: Boom\n      command: \"false\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err = AnsiblePlaybook{}.Run(ctx, RunRequest{Playbook: filepath.Join(dir, "fail.yml"), Inventory: []string{inv}, Dir: dir})
	if err != nil || rep.ExitCode != 2 || len(rep.Failed) != 1 || rep.Failed[0].Task != "Boom" || rep.Recap["local1"].Failed != 1 {
		t.Errorf("failing run: %v, %+v", err, rep)
	}

	// A playbook that cannot even load is an error.
	if err := os.WriteFile(filepath.Join(dir, "bad.yml"), []byte("- hosts: all\n  tasks:\n    - nosuchmodule_xyz: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := (AnsiblePlaybook{}).Run(ctx, RunRequest{Playbook: filepath.Join(dir, "bad.yml"), Inventory: []string{inv}, Dir: dir}); err == nil {
		t.Error("a playbook with an unknown module ran without error")
	}
}
