package sshtest

import (
	"path/filepath"
	"testing"
)

// knownCases are playbooks swarmbook runs differently from Ansible. Each must
// run twice with exit 0 and changed=0 on the second run; until the bug is
// fixed the case is logged, not failed. When a case passes, the test says so
// and the entry should move into the default set.
var knownCases = map[string]string{
	"touch_preserve": "bug 3: file state=touch with preserved times is changed on every run",
}

func TestKnownDifferences(t *testing.T) {
	t.Parallel()
	l := startLab(t, 1)
	for name, why := range knownCases {
		root := t.TempDir()
		l.seedHosts(t, root)
		inv := l.inventory(t, root, "", "")
		pb, _ := filepath.Abs(filepath.Join("testdata/known", name+".yml"))
		r1 := l.run(t, "swarmbook", t.TempDir(), pb, "-i", inv)
		r2 := l.run(t, "swarmbook", t.TempDir(), pb, "-i", inv)
		ok := r1.exit == 0 && r2.exit == 0 && count(r2.recap, "h0", "changed") == "0"
		if ok {
			t.Logf("%s: now passes; remove it from knownCases (%s)", name, why)
			continue
		}
		t.Logf("%s still differs (%s): first exit %d recap %v, second exit %d recap %v\n%s%s",
			name, why, r1.exit, r1.recap, r2.exit, r2.recap, r1.stderr, r2.stderr)
	}
}
