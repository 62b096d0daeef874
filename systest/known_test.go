package systest

import (
	"sort"
	"strings"
	"testing"
)

// knownDifferences records where swarmbook differs from ansible-playbook 2.14
// on the system playbook; values say why. Keys are
// "recap1", "recap2", "exit", "task1:<task>", "task2:<task>",
// "facts:<fact>", "hostname:<field>", "state:<key>". A listed difference is
// logged, not failed; a listed key that now matches is reported so the entry
// can go.
var knownDifferences = map[string]string{
	"state:hostname.live":  "sys-3: hostname also sets the running hostname on Debian without systemd; Ansible's FileStrategy only writes /etc/hostname",
	"check:authorized_key": "Ansible too fails authorized_key under --check for a user that does not exist yet (ignored in the playbook)",
}

// known compares one tool's values with Ansible's under knownDifferences.
type known struct {
	t       *testing.T
	matched map[string]bool // listed keys seen equal on every host
	seen    map[string]bool
	logged  []string
}

func newKnown(t *testing.T) *known {
	return &known{t: t, matched: map[string]bool{}, seen: map[string]bool{}}
}

// compare checks swarmbook's value sb against Ansible's an for key on host.
func (k *known) compare(key, host, sb, an string) {
	k.t.Helper()
	why, listed := knownDifferences[key]
	if _, ok := k.seen[key]; !ok {
		k.seen[key] = true
		k.matched[key] = true
	}
	if sb == an {
		return
	}
	k.matched[key] = false
	if listed {
		k.logged = append(k.logged, key+" on "+host+" ("+why+"): swarmbook "+quote(sb)+", ansible "+quote(an))
		return
	}
	k.t.Errorf("%s on %s: swarmbook %s, ansible-playbook %s", key, host, quote(sb), quote(an))
}

// report logs the known differences seen and the listed ones now gone.
func (k *known) report() {
	k.t.Helper()
	sort.Strings(k.logged)
	for _, l := range k.logged {
		k.t.Logf("known difference: %s", l)
	}
	var gone []string
	for key := range knownDifferences {
		if k.seen[key] && k.matched[key] {
			gone = append(gone, key)
		}
	}
	sort.Strings(gone)
	for _, key := range gone {
		k.t.Logf("%s now matches Ansible: remove it from knownDifferences (%s)", key, knownDifferences[key])
	}
}

// quote shows a value, or <none> for an empty one.
func quote(s string) string {
	if s == "" {
		return "<none>"
	}
	return "\"" + strings.ReplaceAll(s, "\n", "\\n") + "\""
}
