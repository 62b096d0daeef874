package inventory

import (
	"cmp"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// AddVarsDir adds the group_vars/ and host_vars/ of a playbook directory
// (playbook group_vars and host_vars precedence). It reports errors in the
// vars files of the groups and hosts the inventory has now.
func (inv *Inventory) AddVarsDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	d := newVarsDir(abs)
	inv.playVars = append(inv.playVars, d)
	inv.changed()
	return inv.checkVarsDir(d)
}

// checkVarsDir loads d's files for every known group and host.
func (inv *Inventory) checkVarsDir(d *varsDir) error {
	var errs []error
	for _, g := range inv.groupList {
		if _, err := d.groups.lookup(g.name); err != nil {
			errs = append(errs, err)
		}
	}
	for _, h := range inv.hostOrder {
		if _, err := d.hosts.lookup(h.Name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Vars returns the inventory-level variables of a host merged with
// Ansible's precedence (lowest first):
//
//	inventory file vars of group all, then of the host's other groups
//	inventory group_vars/all, playbook group_vars/all
//	inventory group_vars/<group>, playbook group_vars/<group>
//	inventory file host vars (with inventory_file, inventory_dir,
//	  inventory_hostname, inventory_hostname_short, group_names)
//	inventory host_vars/<host>, playbook host_vars/<host>
//
// Groups are merged in Ansible's order: by depth (parents before
// children), then ansible_group_priority, then name. Values replace (hash
// behaviour "replace"). The map is the caller's; nested values are shared
// and must not be modified. Unknown hosts give an empty map.
func (inv *Inventory) Vars(host string) map[string]any {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if m, ok := inv.varsCache[host]; ok {
		return maps.Clone(m)
	}
	h, ok := inv.getHost(host)
	if !ok {
		return map[string]any{}
	}
	m := inv.computeVars(h)
	inv.varsCache[host] = m
	return maps.Clone(m)
}

func (inv *Inventory) computeVars(h *Host) map[string]any {
	out := make(map[string]any, 32)
	merge := func(m map[string]any) {
		for k, v := range m {
			out[k] = v
		}
	}
	groups := sortGroups(h.groups)
	merge(inv.groups["all"].vars)
	for _, g := range groups {
		merge(g.vars)
	}
	dirs := slices.Concat(inv.invVars, inv.playVars)
	for _, d := range dirs {
		m, _ := d.groups.lookup("all")
		merge(m)
	}
	for _, d := range dirs {
		for _, g := range groups {
			m, _ := d.groups.lookup(g.name)
			merge(m)
		}
	}
	merge(h.vars)
	out["inventory_hostname"] = h.Name
	out["inventory_hostname_short"] = inv.shortName(h.Name)
	names := groupNames(h)
	gn := make([]any, len(names))
	for i, n := range names {
		gn[i] = n
	}
	out["group_names"] = gn
	for _, d := range dirs {
		m, _ := d.hosts.lookup(h.Name)
		merge(m)
	}
	return out
}

// sortGroups is Ansible's sort_groups over a host's groups without all.
func sortGroups(gs []*group) []*group {
	out := make([]*group, 0, len(gs))
	for _, g := range gs {
		if g.name != "all" {
			out = append(out, g)
		}
	}
	slices.SortStableFunc(out, func(a, b *group) int {
		return cmp.Or(cmp.Compare(a.depth, b.depth), cmp.Compare(a.priority, b.priority), strings.Compare(a.name, b.name))
	})
	return out
}

// shortName is inventory_hostname_short: the name up to the first dot,
// unless the name is an IP address.
func (inv *Inventory) shortName(name string) string {
	a := inv.addressPatterns()
	if a.ipv4.MatchString(name) || a.ipv6.MatchString(name) {
		return name
	}
	short, _, _ := strings.Cut(name, ".")
	return short
}

// sharedAddressPatterns compiles the (large) address expressions once.
var sharedAddressPatterns = sync.OnceValue(newAddressPatterns)

func (inv *Inventory) addressPatterns() *addressPatterns {
	return sharedAddressPatterns()
}
