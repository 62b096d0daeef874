package runner

import (
	"sort"

	"github.com/swarmbook/swarmbook/runner/playbook"
)

// hostState is what the run keeps about one host across tasks and plays.
type hostState struct {
	name        string
	facts       map[string]any  // gathered facts, with their ansible_ prefix
	setFacts    map[string]any  // set_fact and registered variables
	registered  map[string]bool // names in setFacts that hold module results (never templated)
	includeVars map[string]any  // include_vars

	// per play
	failed      bool // failed in this play (removed from it)
	unreachable bool
	ended       bool // meta: end_host
	notified    map[*playbook.Task]bool
	// nonpersistent: ansible_failed_task / ansible_failed_result in rescue
	rescueVars map[string]any
}

// resetPlay clears the per-play state.
func (h *hostState) resetPlay() {
	h.failed, h.unreachable, h.ended = false, false, false
	h.notified = map[*playbook.Task]bool{}
	h.rescueVars = nil
}

// factsView returns the facts layer: the facts as gathered plus
// ansible_facts without the ansible_ prefix.
func (h *hostState) factsView() map[string]any {
	if len(h.facts) == 0 {
		return nil
	}
	out := make(map[string]any, len(h.facts)+1)
	clean := make(map[string]any, len(h.facts))
	for k, v := range h.facts {
		out[k] = v
		if len(k) > 8 && k[:8] == "ansible_" {
			clean[k[8:]] = v
		} else {
			clean[k] = v
		}
	}
	out["ansible_facts"] = clean
	return out
}

func sortStrings(s []string) { sort.Strings(s) }
