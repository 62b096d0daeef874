package system

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/windows"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// setupModule gathers facts (ansible.builtin.setup).
type setupModule struct{}

func (setupModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "gather_subset", Kind: modules.KindList, Elements: modules.KindStr, Default: []any{"all"}},
		{Name: "gather_timeout", Kind: modules.KindInt, Default: 10},
		{Name: "filter", Kind: modules.KindList, Elements: modules.KindStr, Default: []any{}},
		{Name: "fact_path", Kind: modules.KindPath, Default: "/etc/ansible/facts.d"},
	}}
}

// isMinSubset reports whether name is a collector of Ansible's "min"
// subset; those are always gathered.
func isMinSubset(name string) bool {
	switch name {
	case "apparmor", "caps", "cmdline", "date_time", "distribution", "dns", "env", "fips", "local",
		"lsb", "pkg_mgr", "platform", "python", "selinux", "service_mgr", "ssh_pub_keys", "user":
		return true
	}
	return false
}

// subsetsFor resolves gather_subset as Ansible does: "all" by default,
// "!x" excludes, "min" is always included.
func subsetsFor(list []string) (factSubsets, error) {
	groups := map[string]bool{}
	excl := map[string]bool{}
	explicitAll := false
	for _, s := range list {
		s = strings.TrimSpace(s)
		neg := strings.HasPrefix(s, "!")
		name := strings.TrimPrefix(s, "!")
		switch name {
		case "all", "min", "hardware", "network", "virtual", "ohai", "facter":
		default:
			if !isMinSubset(name) && !strings.HasPrefix(name, "devices") && name != "interfaces" &&
				name != "mounts" && name != "default_ipv4" && name != "all_ipv4_addresses" {
				return factSubsets{}, fmt.Errorf("Bad subset '%s' given to Ansible. gather_subset options allowed: all, %s", name,
					"all_ipv4_addresses, all_ipv6_addresses, apparmor, caps, cmdline, date_time, default_ipv4, default_ipv6, devices, distribution, dns, env, facter, fips, hardware, interfaces, local, lsb, mounts, network, ohai, os_family, pkg_mgr, platform, python, selinux, service_mgr, ssh_pub_keys, user, virtual")
			}
		}
		if neg {
			excl[name] = true
			continue
		}
		if name == "all" {
			explicitAll = true
		}
		groups[name] = true
	}
	all := explicitAll || (len(groups) == 0 && !excl["all"])
	pick := func(g string) bool {
		if excl[g] {
			return false
		}
		return all || groups[g]
	}
	s := factSubsets{hardware: pick("hardware"), network: pick("network"), virtual: pick("virtual")}
	if !excl["hardware"] && (groups["mounts"] || groups["devices"]) {
		s.hardware = true
	}
	if !excl["network"] && (groups["interfaces"] || groups["default_ipv4"] || groups["all_ipv4_addresses"]) {
		s.network = true
	}
	return s, nil
}

func (setupModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	if t.Conn.Platform().Shell == transport.ShellPowerShell {
		return windows.GatherFacts(ctx, t, args)
	}
	subsetArg := args.StrList("gather_subset")
	if !args.Has("gather_subset") {
		subsetArg = []string{"all"}
	}
	subs, err := subsetsFor(subsetArg)
	if err != nil {
		return modules.Outcome{Failed: true, Msg: err.Error()}, nil
	}
	marker, err := newMarker()
	if err != nil {
		return modules.Outcome{}, err
	}
	res, err := run(ctx, t, factScript(marker, subs), nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	secs := parseSections(res.Stdout, marker)
	if _, ok := secs["end"]; !ok {
		return modules.Outcome{Failed: true, Msg: "fact gathering script did not complete: " + trimOut(res.Stderr)}, nil
	}
	facts := buildFacts(secs, subs)
	out := map[string]any{}
	filters := args.StrList("filter")
	for k, v := range facts {
		key := "ansible_" + k
		if !matchFilter(filters, key) {
			continue
		}
		out[key] = v
	}
	out["gather_subset"] = anyStrings(subsetArg)
	out["module_setup"] = true
	return modules.Outcome{Facts: out, Fields: map[string]any{"ansible_facts": out}}, nil
}

// matchFilter reports whether a fact name matches one of the shell-style
// patterns (no patterns: everything matches), as Ansible's filter does.
func matchFilter(patterns []string, key string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if p == "" || p == "*" {
			return true
		}
		if ok, _ := path.Match(p, key); ok {
			return true
		}
		// Ansible also matches the pattern without the ansible_ prefix.
		if ok, _ := path.Match("ansible_"+p, key); ok {
			return true
		}
	}
	return false
}

func newMarker() (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("fact marker: %w", err)
	}
	return "@@SB" + hex.EncodeToString(b), nil
}
