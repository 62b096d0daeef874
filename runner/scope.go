package runner

import (
	"context"
	"path/filepath"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/template"
	"github.com/swarmbook/swarmbook/runner/vars"
)

// ansibleVersion is the Ansible version swarmbook is compatible with, as the
// ansible_version variable reports it.
func ansibleVersion() map[string]any {
	return map[string]any{"full": "2.14.0", "major": 2, "minor": 14, "revision": 0, "string": "2.14.0"}
}

func isTemplate(s string) bool { return template.IsTemplate(s) }

// playScope is the scope used to template play-level strings: extra vars
// and play vars.
func (pr *playRun) playScope() *vars.Scope {
	var sc *vars.Scope
	sc = sc.With(vars.PlayVars, pr.play.Vars.Values)
	sc = sc.With(vars.ExtraVars, pr.r.extra)
	sc = sc.With(vars.Magic, map[string]any{
		"playbook_dir": pr.pb.Dir, "omit": pr.r.omit, "ansible_check_mode": pr.r.opts.Check,
		"groups": pr.r.groupsVar(), "inventory_dir": pr.r.opts.Inventory.Dir(),
	})
	return sc
}

// hostScope is the scope of a host outside any task: what hostvars[host]
// shows.
func (pr *playRun) hostScope(host string) *vars.Scope {
	r := pr.r
	hs := r.host(host)
	var sc *vars.Scope
	sc = sc.With(vars.RoleDefaults, map[string]any{"ansible_host": host})
	for _, d := range pr.roleDefaults {
		sc = sc.With(vars.RoleDefaults, d)
	}
	sc = sc.With(vars.Inventory, r.opts.Inventory.Vars(host))
	sc = sc.WithUnsafe(vars.Facts, hs.factsView(), nil, true)
	sc = sc.With(vars.PlayVars, pr.play.Vars.Values)
	sc = sc.With(vars.VarsFiles, pr.varsFiles[host])
	for _, v := range pr.roleVars {
		sc = sc.With(vars.RoleVars, v)
	}
	sc = sc.With(vars.IncludeVars, hs.includeVars)
	sc = sc.WithUnsafe(vars.SetFacts, hs.setFacts, hs.registered, false)
	sc = sc.WithUnsafe(vars.SetFacts, hs.rescueVars, nil, true)
	sc = sc.With(vars.ExtraVars, r.extra)
	sc = sc.With(vars.Magic, pr.sharedMagic())
	sc = sc.With(vars.Magic, pr.magic(host))
	return sc
}

// scope is the full scope of host for task t.
func (pr *playRun) scope(host string, t *playbook.Task) *vars.Scope {
	r := pr.r
	hs := r.host(host)
	var sc *vars.Scope
	sc = sc.With(vars.RoleDefaults, map[string]any{"ansible_host": host})
	for _, d := range pr.roleDefaults {
		sc = sc.With(vars.RoleDefaults, d)
	}
	role := taskRole(t)
	if role != nil {
		sc = sc.With(vars.RoleDefaults, role.Defaults.Values)
	}
	sc = sc.With(vars.Inventory, r.opts.Inventory.Vars(host))
	sc = sc.WithUnsafe(vars.Facts, hs.factsView(), nil, true)
	sc = sc.With(vars.PlayVars, pr.play.Vars.Values)
	sc = sc.With(vars.VarsFiles, pr.varsFiles[host])
	for _, v := range pr.roleVars {
		sc = sc.With(vars.RoleVars, v)
	}
	if role != nil {
		sc = sc.With(vars.RoleVars, role.RoleVars.Values)
	}
	// Block vars, outermost first; include params on include blocks.
	var chain []*playbook.Task
	for p := t.Parent; p != nil; p = p.Parent {
		chain = append(chain, p)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		sc = sc.With(vars.BlockVars, chain[i].Vars.Values)
	}
	sc = sc.With(vars.TaskVars, t.Vars.Values)
	sc = sc.With(vars.IncludeVars, hs.includeVars)
	sc = sc.WithUnsafe(vars.SetFacts, hs.setFacts, hs.registered, false)
	sc = sc.WithUnsafe(vars.SetFacts, hs.rescueVars, nil, true)
	if role != nil {
		sc = sc.With(vars.RoleParams, role.Params.Values)
	}
	sc = sc.With(vars.ExtraVars, r.extra)
	sc = sc.With(vars.Magic, pr.sharedMagic())
	m := pr.magic(host)
	if role != nil {
		m["role_path"] = role.Path
		m["role_name"] = role.Name
		m["ansible_role_name"] = role.Name
	}
	sc = sc.With(vars.Magic, m)
	return sc
}

// taskRole is the role a task belongs to (directly or through its blocks).
func taskRole(t *playbook.Task) *playbook.Role {
	for p := t; p != nil; p = p.Parent {
		if p.Role != nil {
			return p.Role
		}
	}
	return nil
}

// magic returns the magic variables of host: a shared layer computed once
// per state change (groups, play hosts, ...) and a small per-host layer.
func (pr *playRun) magic(host string) map[string]any {
	inv := pr.r.opts.Inventory
	short := host
	if i := strings.IndexByte(host, '.'); i > 0 {
		short = host[:i]
	}
	groupNames := inv.GroupNames(host)
	gn := make([]any, len(groupNames))
	for i, g := range groupNames {
		gn[i] = g
	}
	return map[string]any{
		"inventory_hostname":       host,
		"inventory_hostname_short": short,
		"group_names":              gn,
	}
}

// sharedMagic returns the magic variables that are the same for every host,
// rebuilt only when hosts fail or the inventory changes.
func (pr *playRun) sharedMagic() map[string]any {
	r := pr.r
	ver := r.stateVersion.Load()
	pr.magicMu.Lock()
	defer pr.magicMu.Unlock()
	if pr.magicShared != nil && pr.magicVer == ver {
		return pr.magicShared
	}
	playHosts := pr.playHosts()
	all := make([]any, len(pr.all))
	for i, h := range pr.all {
		all[i] = h
	}
	batch := make([]any, 0, len(pr.batch))
	for _, h := range pr.batch {
		if !r.isFailed(h) {
			batch = append(batch, h)
		}
	}
	var roleNames []any
	for _, ro := range pr.play.Roles {
		roleNames = append(roleNames, ro.Name)
	}
	pr.magicShared = map[string]any{
		"groups":                  r.groupsVar(),
		"hostvars":                &hostvarsMap{pr: pr},
		"play_hosts":              playHosts,
		"ansible_play_hosts":      playHosts,
		"ansible_play_hosts_all":  all,
		"ansible_play_batch":      batch,
		"ansible_play_name":       pr.play.Name,
		"ansible_play_role_names": roleNames,
		"playbook_dir":            pr.pb.Dir,
		"inventory_dir":           r.opts.Inventory.Dir(),
		"ansible_check_mode":      r.opts.Check,
		"ansible_diff_mode":       r.opts.Diff,
		"ansible_verbosity":       r.opts.Verbosity,
		"ansible_forks":           r.opts.Forks,
		"ansible_run_tags":        tagList(r.opts.Tags, "all"),
		"ansible_skip_tags":       tagList(r.opts.SkipTags, ""),
		"ansible_version":         ansibleVersion(),
		"omit":                    r.omit,
		"ansible_config_file":     nil,
		"ansible_playbook_python": "/usr/bin/python3",
	}
	pr.magicVer = ver
	return pr.magicShared
}

func tagList(tags []string, dflt string) []any {
	out := []any{}
	for _, t := range tags {
		out = append(out, t)
	}
	if len(out) == 0 && dflt != "" {
		out = append(out, dflt)
	}
	return out
}

// groupsVar builds the `groups` magic variable.
func (r *Runner) groupsVar() map[string]any {
	g := r.opts.Inventory.Groups()
	out := make(map[string]any, len(g))
	for name, hosts := range g {
		l := make([]any, len(hosts))
		for i, h := range hosts {
			l[i] = h
		}
		out[name] = l
	}
	return out
}

// hostvarsMap is the lazy `hostvars` variable: other hosts' variables are
// only computed when a template reads them.
type hostvarsMap struct{ pr *playRun }

func (h *hostvarsMap) Get(key string) (any, bool) {
	if _, ok := h.pr.r.opts.Inventory.Host(key); !ok {
		if !h.pr.r.knownHost(key) {
			return nil, false
		}
	}
	return &hostVars{pr: h.pr, host: key, sc: h.pr.hostScope(key)}, true
}

func (h *hostvarsMap) Keys() []string {
	var out []string
	for _, host := range h.pr.r.opts.Inventory.Hosts() {
		out = append(out, host.Name)
	}
	return out
}

// hostVars is hostvars[host]: values are rendered in that host's scope.
type hostVars struct {
	pr   *playRun
	host string
	sc   *vars.Scope
}

func (h *hostVars) Get(key string) (any, bool) {
	v, ok := h.sc.Lookup(key)
	if !ok {
		return nil, false
	}
	if key == "hostvars" || h.sc.Unsafe(key) {
		return v, true
	}
	out, err := h.pr.r.tmpl.RenderValue(context.Background(), v, h.sc)
	if err != nil {
		return v, true
	}
	return out, true
}

func (h *hostVars) Keys() []string {
	keys := h.sc.Keys()
	sort.Strings(keys)
	return keys
}

// files finds controller files for a task: its role, its task file's
// directory, then the playbook directory, as Ansible's path_dwim_relative.
func (pr *playRun) files(t *playbook.Task) *fileFinder {
	f := &fileFinder{playbookDir: pr.pb.Dir}
	if role := taskRole(t); role != nil {
		f.roleDir = role.Path
	}
	if t.File != "" {
		f.taskDir = filepath.Dir(t.File)
	} else if t.Pos.File != "" {
		f.taskDir = filepath.Dir(t.Pos.File)
	}
	return f
}
