package runner

import (
	"errors"
	"strings"
	"testing"
)

// TestTransportFailureMidPlay: a Run error is UNREACHABLE, not FAILED; the
// host stops, the recap counts it, and the exit code is 4 (over 2).
func TestTransportFailureMidPlay(t *testing.T) {
	d := &fakeDialer{runErr: map[string]error{"h2": errors.New("connection reset")}}
	o := run(t, fixture{dialer: d, inventory: "[web]\nh1\nh2\nh3\n", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - command: "{{ 'false' if inventory_hostname == 'h3' else 'true' }}"
    - command: echo after
`})
	checkRecap(t, o, map[string]string{
		"h1": "ok=2 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
		"h2": "ok=0 changed=0 unreachable=1 failed=0 skipped=0 rescued=0 ignored=0",
		"h3": "ok=0 changed=0 unreachable=0 failed=1 skipped=0 rescued=0 ignored=0",
	})
	if o.sum.ExitCode() != 4 {
		t.Errorf("exit code %d, want 4", o.sum.ExitCode())
	}
	if !strings.Contains(o.text, "fatal: [h2]: UNREACHABLE! =>") {
		t.Errorf("no UNREACHABLE line:\n%s", o.text)
	}
	for _, c := range o.d.commands() {
		if strings.HasPrefix(c, "h2: echo") || strings.HasPrefix(c, "h3: echo") {
			t.Errorf("command ran on a stopped host: %s", c)
		}
	}
}

// TestOneConnectionPerHost: hosts are dialled once for the whole run.
func TestOneConnectionPerHost(t *testing.T) {
	o := run(t, fixture{playbook: `
- hosts: web
  gather_facts: false
  tasks: [{command: "true"}, {command: "true"}]
- hosts: web
  gather_facts: false
  tasks: [{command: "true"}]
`})
	if o.d.dials["h1"] != 1 || o.d.dials["h2"] != 1 {
		t.Errorf("dials = %v, want one per host", o.d.dials)
	}
}

// TestDelegateAndRunOnceCommands checks where commands actually run.
func TestDelegateAndRunOnceCommands(t *testing.T) {
	o := run(t, fixture{inventory: "[web]\nh1\nh2\n[db]\nh3\n", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - command: echo deleg {{ inventory_hostname }}
      delegate_to: h3
    - command: echo once
      run_once: true
`})
	got := o.d.commands()
	want := []string{"h3: echo deleg h1", "h3: echo deleg h2", "h1: echo once"}
	if strings.Join(sorted(got[:2]), "|")+"|"+got[2] != strings.Join(want, "|") {
		t.Errorf("commands = %q, want %q", got, want)
	}
	if !strings.Contains(o.text, "changed: [h1 -> h3]") {
		t.Errorf("delegated result label missing:\n%s", o.text)
	}
	checkRecap(t, o, map[string]string{
		"h1": "ok=2 changed=2 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
		// run_once reports on the first host only (as Ansible's recap does).
		"h2": "ok=1 changed=1 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0",
	})
}

// TestLoopResultsShape checks the registered loop result.
func TestLoopResultsShape(t *testing.T) {
	o := run(t, fixture{inventory: "[web]\nh1\n", playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - command: echo {{ item }}
      loop: [a, b]
      loop_control: {index_var: i, label: "L{{ i }}"}
      register: r
    - assert:
        that:
          - r.results | length == 2
          - r.results[1].item == 'b'
          - r.results[1].stdout == 'b'
          - r.results[0].ansible_loop_var == 'item'
          - r.results[1].i == 1
          - r.changed
          - r.msg == 'All items completed'
`})
	if o.sum.ExitCode() != 0 {
		t.Fatalf("assert failed:\n%s", o.text)
	}
	if !strings.Contains(o.text, "changed: [h1] => (item=L0)") || !strings.Contains(o.text, "changed: [h1] => (item=L1)") {
		t.Errorf("labels missing:\n%s", o.text)
	}
}

// TestStartAtTask begins at the named task.
func TestStartAtTask(t *testing.T) {
	o := run(t, fixture{inventory: "[web]\nh1\n", opts: func(op *Options) { op.StartAtTask = "second" }, playbook: `
- hosts: web
  gather_facts: false
  tasks:
    - {name: first, command: echo 1}
    - {name: second, command: echo 2}
    - {name: third, command: echo 3}
`})
	eqLines(t, "commands", o.d.commands(), []string{"h1: echo 2", "h1: echo 3"}, o.text)
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sortStrings(out)
	return out
}
