package windows

import "strings"

// Windows fact subsets as ansible.windows' setup.ps1 groups them. "dns" is
// listed there in "min" but gathers nothing; "facter" runs facter.exe,
// which swarmbook does not do (the subset is accepted and gathers nothing).
var (
	subsetMin      = []string{"date_time", "distribution", "dns", "env", "local", "platform", "powershell_version", "user"}
	subsetNetwork  = []string{"all_ipv4_addresses", "all_ipv6_addresses", "interfaces", "windows_domain", "winrm"}
	subsetHardware = []string{"bios", "memory", "processor", "uptime", "virtual"}
	subsetExternal = []string{"facter"}
)

// subsetGroup returns the members of a group name, or nil.
func subsetGroup(name string) []string {
	switch name {
	case "min":
		return subsetMin
	case "network":
		return subsetNetwork
	case "hardware":
		return subsetHardware
	case "external":
		return subsetExternal
	case "all":
		return allSubsets()
	}
	return nil
}

func allSubsets() []string {
	var all []string
	for _, g := range [][]string{subsetMin, subsetNetwork, subsetHardware, subsetExternal} {
		all = append(all, g...)
	}
	return all
}

// winSubsets is the set of subsets to gather.
type winSubsets map[string]bool

// resolveSubsets applies gather_subset the way setup.ps1 does, which
// differs from the POSIX setup: it starts from every subset, removes the
// "!x" exclusions ("!all" removes all but "min"), then adds the named
// subsets back. So gather_subset: [min] still gathers everything; only
// "!all" narrows. Unknown names are warnings (POSIX setup fails), unknown
// exclusions are ignored.
func resolveSubsets(list []string) (winSubsets, []string) {
	valid := map[string]bool{}
	for _, s := range allSubsets() {
		valid[s] = true
	}
	excl, explicit := map[string]bool{}, map[string]bool{}
	var warnings []string
	for _, item := range list {
		if name, neg := strings.CutPrefix(item, "!"); neg {
			switch {
			case name == "all":
				min := map[string]bool{}
				for _, s := range subsetMin {
					min[s] = true
				}
				for _, s := range allSubsets() {
					if !min[s] {
						excl[s] = true
					}
				}
			case subsetGroup(name) != nil:
				for _, s := range subsetGroup(name) {
					excl[s] = true
				}
			case valid[name]:
				excl[name] = true
			}
			continue
		}
		switch {
		case subsetGroup(item) != nil:
			for _, s := range subsetGroup(item) {
				explicit[s] = true
			}
		case valid[item]:
			explicit[item] = true
		default:
			warnings = append(warnings, "invalid value "+item+" specified in gather_subset")
		}
	}
	out := winSubsets{}
	for _, s := range allSubsets() {
		if (!excl[s]) || explicit[s] {
			out[s] = true
		}
	}
	return out, warnings
}

// has reports whether one of the named subsets is gathered.
func (w winSubsets) has(names ...string) bool {
	for _, n := range names {
		if w[n] {
			return true
		}
	}
	return false
}
