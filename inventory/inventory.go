// Package inventory loads Ansible inventories (INI, YAML, directories,
// group_vars/ and host_vars/) and selects hosts with Ansible's host patterns.
//
// It follows ansible-core 2.14: the same group tree (implicit "all" and
// "ungrouped"), the same host order, the same value parsing and the same
// variable precedence for inventory-level variables.
package inventory

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
)

// Host is one inventory host.
type Host struct {
	// Name is the inventory_hostname.
	Name string
	// Implicit is true for the implicit localhost, which Ansible creates
	// when a pattern names localhost but the inventory does not.
	Implicit bool

	vars   map[string]any // own (inventory file) variables
	groups []*group       // every group the host is in, ancestors included
}

// group is one inventory group.
type group struct {
	name     string
	vars     map[string]any
	priority int
	depth    int
	hosts    []*Host // direct members, in the order they were added
	children []*group
	parents  []*group

	hostsCache []*Host // get_hosts(), valid while cacheGen == Inventory.gen
	cacheGen   uint64
}

// Inventory is a loaded inventory. Its methods are safe for concurrent use.
type Inventory struct {
	mu sync.Mutex

	hosts     map[string]*Host
	hostOrder []*Host // creation order (Python dict order)
	groups    map[string]*group
	groupList []*group // creation order
	localhost *Host    // first localhost-like host, or the implicit one

	sources  []string           // inventory sources as given
	invVars  []*varsDir         // group_vars/host_vars next to each source
	playVars []*varsDir         // playbook-adjacent group_vars/host_vars
	limit    []string           // --limit patterns, nil when unset
	selected map[string][]*Host // Select() results, valid for gen and limit

	gen       uint64                    // bumped on every change
	varsCache map[string]map[string]any // Vars() per host, valid for gen
	groupsMap map[string][]string       // Groups(), nil when stale
}

// New returns an empty inventory holding only the groups all and ungrouped.
func New() *Inventory {
	inv := &Inventory{
		hosts:     map[string]*Host{},
		groups:    map[string]*group{},
		varsCache: map[string]map[string]any{},
		selected:  map[string][]*Host{},
	}
	inv.addGroup("all")
	inv.addGroup("ungrouped")
	inv.addChild(inv.groups["all"], inv.groups["ungrouped"])
	return inv
}

// localhostNames are the names Ansible treats as the controller itself.
func isLocalhostName(name string) bool {
	return name == "localhost" || name == "127.0.0.1" || name == "::1"
}

// changed invalidates every cache that depends on the inventory's shape.
func (inv *Inventory) changed() {
	inv.gen++
	clear(inv.varsCache)
	inv.groupsMap = nil
	clear(inv.selected)
}

func (inv *Inventory) addGroup(name string) *group {
	if g, ok := inv.groups[name]; ok {
		return g
	}
	g := &group{name: name, vars: map[string]any{}, priority: 1}
	inv.groups[name] = g
	inv.groupList = append(inv.groupList, g)
	inv.changed()
	return g
}

// addHost creates the host if needed (port and source only apply then, as
// in Ansible) and adds it to group g when g is not nil.
func (inv *Inventory) addHost(name string, g *group, port int, source string) *Host {
	h, ok := inv.hosts[name]
	if !ok {
		h = &Host{Name: name, vars: map[string]any{}}
		if port != 0 {
			h.vars["ansible_port"] = port
		}
		if source != "" {
			h.vars["inventory_file"] = source
			h.vars["inventory_dir"] = filepath.Dir(source)
		} else {
			h.vars["inventory_file"] = nil
			h.vars["inventory_dir"] = nil
		}
		inv.hosts[name] = h
		inv.hostOrder = append(inv.hostOrder, h)
		if isLocalhostName(name) && (inv.localhost == nil || inv.localhost.Implicit) {
			inv.localhost = h
		}
		inv.changed()
	}
	if g != nil {
		inv.addHostToGroup(g, h)
	}
	return h
}

func (inv *Inventory) addHostToGroup(g *group, h *Host) {
	if slices.Contains(g.hosts, h) {
		return
	}
	g.hosts = append(g.hosts, h)
	for _, a := range g.ancestors() {
		h.addGroup(a)
	}
	h.addGroup(g)
	inv.changed()
}

func (inv *Inventory) removeHostFromGroup(g *group, h *Host) {
	i := slices.Index(g.hosts, h)
	if i < 0 {
		return
	}
	g.hosts = slices.Delete(g.hosts, i, i+1)
	h.groups = slices.DeleteFunc(h.groups, func(x *group) bool { return x == g })
	// Drop ancestors no longer reached through another group, except all.
	for _, a := range g.ancestors() {
		if a.name == "all" {
			continue
		}
		needed := false
		for _, other := range h.groups {
			if slices.Contains(other.ancestors(), a) {
				needed = true
				break
			}
		}
		if !needed {
			h.groups = slices.DeleteFunc(h.groups, func(x *group) bool { return x == a })
		}
	}
	inv.changed()
}

func (h *Host) addGroup(g *group) {
	if !slices.Contains(h.groups, g) {
		h.groups = append(h.groups, g)
	}
}

// addChild makes child a subgroup of parent. It refuses loops.
func (inv *Inventory) addChild(parent, child *group) error {
	if parent == child {
		return errorf("can't add group %q to itself", parent.name)
	}
	if slices.Contains(parent.children, child) {
		return nil
	}
	if slices.Contains(parent.ancestors(), child) {
		return errorf("adding group %q as child to %q creates a recursive dependency loop", child.name, parent.name)
	}
	newAnc := append(parent.ancestors(), parent)
	parent.children = append(parent.children, child)
	child.depth = max(child.depth, parent.depth+1)
	child.fixChildDepth()
	if !slices.ContainsFunc(child.parents, func(p *group) bool { return p.name == parent.name }) {
		child.parents = append(child.parents, parent)
		for _, h := range child.allHosts(0) {
			for _, a := range newAnc {
				h.addGroup(a)
			}
		}
	}
	inv.changed()
	return nil
}

func (g *group) fixChildDepth() {
	seen := map[*group]bool{g: true}
	level := []*group{g}
	for len(level) > 0 {
		var next []*group
		for _, p := range level {
			for _, c := range p.children {
				if c.depth < p.depth+1 {
					c.depth = p.depth + 1
				}
				if !seen[c] {
					seen[c] = true
					next = append(next, c)
				}
			}
		}
		level = next
	}
}

// ancestors returns every group above g (breadth first, no duplicates).
func (g *group) ancestors() []*group {
	return walk(g, func(x *group) []*group { return x.parents })
}

// descendants returns g followed by every group below it, level by level.
func (g *group) descendants() []*group {
	return append([]*group{g}, walk(g, func(x *group) []*group { return x.children })...)
}

func walk(g *group, next func(*group) []*group) []*group {
	var out []*group
	seen := map[*group]bool{g: true}
	level := []*group{g}
	for len(level) > 0 {
		var nl []*group
		for _, x := range level {
			for _, y := range next(x) {
				if !seen[y] {
					seen[y] = true
					out = append(out, y)
					nl = append(nl, y)
				}
			}
		}
		level = nl
	}
	return out
}

// allHosts is Ansible's Group.get_hosts(): the hosts of g and of every
// group below it, deduplicated; the implicit localhost is never part of all.
func (g *group) allHosts(gen uint64) []*Host {
	if gen != 0 && g.cacheGen == gen && g.hostsCache != nil {
		return g.hostsCache
	}
	var out []*Host
	seen := map[*Host]bool{}
	for _, d := range g.descendants() {
		for _, h := range d.hosts {
			if seen[h] {
				continue
			}
			seen[h] = true
			if g.name == "all" && h.Implicit {
				continue
			}
			out = append(out, h)
		}
	}
	if out == nil {
		out = []*Host{}
	}
	if gen != 0 {
		g.hostsCache, g.cacheGen = out, gen
	}
	return out
}

// reconcile applies Ansible's reconcile_inventory rules: every group hangs
// below all, hosts with no other group are in ungrouped, and hosts in some
// other group are not.
func (inv *Inventory) reconcile() {
	all, ungrouped := inv.groups["all"], inv.groups["ungrouped"]
	for _, g := range inv.groupList {
		if g != all && len(g.parents) == 0 {
			_ = inv.addChild(all, g) // all is never below anything: no loop
		}
	}
	for _, h := range inv.hostOrder {
		if slices.Contains(h.groups, ungrouped) {
			for _, g := range h.groups {
				if g != all && g != ungrouped {
					inv.removeHostFromGroup(ungrouped, h)
					break
				}
			}
		} else if !h.Implicit {
			if len(h.groups) == 0 || (len(h.groups) == 1 && h.groups[0] == all) {
				inv.addHostToGroup(ungrouped, h)
			}
		}
	}
	inv.changed()
}

// Hosts returns every host of the inventory (the group all), in inventory
// order.
func (inv *Inventory) Hosts() []*Host {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return slices.Clone(inv.groups["all"].allHosts(inv.gen))
}

// Host returns the named host. Like Ansible, the names localhost, 127.0.0.1
// and ::1 always resolve, to the inventory's localhost or to an implicit
// one that is not a member of all.
func (inv *Inventory) Host(name string) (*Host, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.getHost(name)
}

func (inv *Inventory) getHost(name string) (*Host, bool) {
	if h, ok := inv.hosts[name]; ok {
		return h, true
	}
	if isLocalhostName(name) {
		return inv.implicitLocalhost(name), true
	}
	return nil, false
}

func (inv *Inventory) implicitLocalhost(name string) *Host {
	if inv.localhost != nil {
		return inv.localhost
	}
	h := &Host{Name: name, Implicit: true, vars: map[string]any{
		"ansible_python_interpreter": controllerPython(),
		"ansible_connection":         "local",
	}}
	inv.localhost = h
	inv.changed()
	return h
}

// controllerPython is the Python the implicit localhost uses, as Ansible
// sets it to its own interpreter.
func controllerPython() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	if p, err := exec.LookPath("python3"); err == nil {
		return p
	}
	return "/usr/bin/python3"
}

// GroupNames returns the group_names of a host: its groups, sorted, without
// all. As in Ansible 2.14, a host in no group gets ["ungrouped"].
func (inv *Inventory) GroupNames(host string) []string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h, ok := inv.hosts[host]
	if !ok {
		if h, ok = inv.getHost(host); !ok {
			return []string{}
		}
	}
	return groupNames(h)
}

func groupNames(h *Host) []string {
	out := make([]string, 0, len(h.groups))
	for _, g := range h.groups {
		if g.name != "all" {
			out = append(out, g.name)
		}
	}
	slices.Sort(out)
	return out
}

// Groups returns the `groups` magic variable: every group (all and
// ungrouped included) with its hosts in inventory order. The result is
// shared and must not be modified.
func (inv *Inventory) Groups() map[string][]string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if inv.groupsMap == nil {
		m := make(map[string][]string, len(inv.groupList))
		for _, g := range inv.groupList {
			hs := g.allHosts(inv.gen)
			names := make([]string, len(hs))
			for i, h := range hs {
				names[i] = h.Name
			}
			m[g.name] = names
		}
		inv.groupsMap = m
	}
	return inv.groupsMap
}

// AddHost is the add_host module: it adds the host (to all) if it is new,
// merges vars into its own variables and puts it into groups, creating
// them (below all) as needed.
func (inv *Inventory) AddHost(name string, groups []string, vars map[string]any) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h, ok := inv.hosts[name]
	if !ok {
		// A new host is a direct member of all, so it comes first in
		// groups['all'], as in Ansible.
		h = inv.addHost(name, inv.groups["all"], 0, "")
	}
	for k, v := range vars {
		h.vars[k] = v
	}
	for _, gn := range groups {
		inv.addHostToGroup(inv.addGroup(gn), h)
	}
	inv.reconcile()
}

// AddToGroup is group_by: it puts host into group, creating the group
// (below all) when it does not exist.
func (inv *Inventory) AddToGroup(host, group string) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	h, ok := inv.getHost(host)
	if !ok {
		return
	}
	g := inv.addGroup(group)
	inv.addHostToGroup(g, h)
	inv.reconcile()
}

// Dir returns inventory_dir of the first source: the source itself when it
// is a directory, else its directory; "" without sources.
func (inv *Inventory) Dir() string {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	for _, s := range inv.sources {
		if isHostList(s) {
			continue
		}
		if fi, err := os.Stat(s); err == nil && fi.IsDir() {
			return s
		}
		return filepath.Dir(s)
	}
	return ""
}
