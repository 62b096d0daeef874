package main

import (
	"strings"
	"testing"
)

// Pure helpers only: the harness itself needs root, sshd and minutes, and
// runs with `make bench`, never under `go test`.

func TestParseRecap(t *testing.T) {
	cases := []struct {
		name string
		out  string
		want recap
	}{
		{"ansible", "TASK [x]\nok: [h0000]\n\nPLAY RECAP *****\nh0000                      : ok=10   changed=7    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   \nh0001                      : ok=9   changed=6    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0\n\nSunday 22 November 2026 (0:00:00.527)\n",
			recap{Hosts: 2, OK: 19, Changed: 13, Failed: 1}},
		{"no recap", "ERROR! the playbook could not be found\n", recap{}},
		{"last recap wins", "PLAY RECAP\nh0 : ok=1 changed=1 unreachable=0 failed=0\nPLAY RECAP\nh0 : ok=2 changed=0 unreachable=1 failed=0\n",
			recap{Hosts: 1, OK: 2, Unreachable: 1}},
	}
	for _, c := range cases {
		if got := parseRecap(c.out); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestPlaybookMix(t *testing.T) {
	for _, k := range []int{4, 10, 100} {
		y, commands := playbookYAML(k, true, false, "")
		if got := strings.Count(y, "    - name: t"); got != k {
			t.Errorf("k=%d: %d tasks", k, got)
		}
		if want := (k + 3) / 4; commands != want || strings.Count(y, "command: /bin/true") != want {
			t.Errorf("k=%d: %d commands, want %d", k, commands, want)
		}
		if !strings.Contains(y, "strategy: free") || !strings.Contains(y, "gather_facts: false") {
			t.Errorf("k=%d: play header wrong:\n%s", k, y[:200])
		}
	}
}

func TestPlaybookOnly(t *testing.T) {
	for _, kind := range taskKinds {
		y, commands := playbookYAML(8, false, false, kind)
		if got := strings.Count(y, " "+kind+"\n"); got != 8 {
			t.Errorf("%s: %d tasks of the kind, want 8", kind, got)
		}
		if want := map[bool]int{true: 8, false: 0}[kind == "command"]; commands != want {
			t.Errorf("%s: %d commands, want %d", kind, commands, want)
		}
	}
}

func TestSummarize(t *testing.T) {
	cases := []struct {
		in   []float64
		want stat
	}{
		{[]float64{3, 1, 2}, stat{2, 1, 3}},
		{[]float64{4, 1, 2, 3}, stat{2.5, 1, 4}},
		{nil, stat{}},
	}
	for _, c := range cases {
		if got := summarize(c.in); got != c.want {
			t.Errorf("summarize(%v) = %+v, want %+v", c.in, got, c.want)
		}
	}
	if ratio(10, 0) != "–" || ratio(10, 4) != "2.5x" {
		t.Errorf("ratio: %q %q", ratio(10, 0), ratio(10, 4))
	}
}
