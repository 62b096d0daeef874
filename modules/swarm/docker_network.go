package swarm

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// networkModule is docker_network for swarm (overlay) networks, idempotent
// by comparing `docker network inspect` with the wanted settings; a network
// that differs is removed and created again.
type networkModule struct{}

func (networkModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "name", Kind: modules.KindStr, Required: true, Aliases: []string{"network_name"}},
		{Name: "driver", Kind: modules.KindStr, Default: "overlay"},
		{Name: "attachable", Kind: modules.KindBool, Default: false},
		{Name: "internal", Kind: modules.KindBool, Default: false},
		{Name: "encrypted", Kind: modules.KindBool, Default: false},
		{Name: "subnet", Kind: modules.KindStr},
		{Name: "gateway", Kind: modules.KindStr},
		{Name: "labels", Kind: modules.KindDict},
		{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"present", "absent"}},
		{Name: "managers_group", Kind: modules.KindStr, Default: "swarm-manager"},
	}}
}

// NetworkDetail is `docker network inspect NAME --format '{{json .}}'`.
type NetworkDetail struct {
	Name       string
	ID         string `json:"Id"`
	Driver     string
	Scope      string
	Attachable bool
	Internal   bool
	IPAM       struct {
		Config []struct{ Subnet, Gateway string }
	}
	Options map[string]string
	Labels  map[string]string
}

func (networkModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	out := modules.Outcome{Fields: map[string]any{}}
	mgr, _, err := managerFor(ctx, t, args.Str("managers_group"))
	if err != nil {
		return failNode(out, err)
	}
	name := args.Str("name")
	cur, exists, err := inspectNetwork(ctx, mgr, name)
	if err != nil {
		return failNode(out, err)
	}
	if args.Str("state") == "absent" {
		if !exists {
			return out, nil
		}
		out.Changed = true
		if !t.Check {
			if _, err := mgr.exec(ctx, "docker network rm", nil, "network", "rm", name); err != nil {
				return failNode(out, err)
			}
		}
		return out, nil
	}
	if exists {
		diffs := networkDiffs(cur, args)
		if len(diffs) == 0 {
			out.Fields["network"] = cur
			return out, nil
		}
		out.Fields["differences"] = diffs
		out.Changed = true
		if t.Diff {
			out.Diffs = append(out.Diffs, modules.Diff{BeforeHeader: "network " + name, AfterHeader: "network " + name,
				Before: strings.Join(diffs, "\n") + "\n", After: "recreated\n"})
		}
		if t.Check {
			return out, nil
		}
		if _, err := mgr.exec(ctx, "docker network rm", nil, "network", "rm", name); err != nil {
			return failNode(out, fmt.Errorf("network %s differs (%s) and cannot be recreated: %w", name, strings.Join(diffs, "; "), err))
		}
	}
	out.Changed = true
	if t.Check {
		return out, nil
	}
	a := []string{"network", "create", "--driver", args.Str("driver")}
	if args.Bool("attachable") {
		a = append(a, "--attachable")
	}
	if args.Bool("internal") {
		a = append(a, "--internal")
	}
	if args.Bool("encrypted") {
		a = append(a, "--opt", "encrypted")
	}
	a = appendOpt(a, "--subnet", args.Str("subnet"))
	a = appendOpt(a, "--gateway", args.Str("gateway"))
	for _, k := range sortedKeys(args.Dict("labels")) {
		a = append(a, "--label", k+"="+modules.PyStr(args.Dict("labels")[k]))
	}
	if _, err := mgr.exec(ctx, "docker network create", nil, append(a, name)...); err != nil {
		return failNode(out, err)
	}
	if cur, _, err := inspectNetwork(ctx, mgr, name); err == nil {
		out.Fields["network"] = cur
	}
	return out, nil
}

// inspectNetwork finds a network by exact name.
func inspectNetwork(ctx context.Context, h *host, name string) (NetworkDetail, bool, error) {
	var n NetworkDetail
	s := h.script().docker("ls", "network", "ls", "--filter", "name="+name, "--format", "{{json .}}").
		docker("inspect", "network", "inspect", name, "--format", "{{json .}}")
	o, err := h.run(ctx, s, nil)
	if err != nil {
		return n, false, err
	}
	if !o["ls"].OK() {
		return n, false, dockerError("docker network ls", o["ls"])
	}
	rows, err := decodeJSONLines[struct{ Name string }](o["ls"])
	if err != nil {
		return n, false, err
	}
	found := false
	for _, r := range rows {
		found = found || r.Name == name
	}
	if !found {
		return n, false, nil
	}
	if !o["inspect"].OK() {
		return n, false, dockerError("docker network inspect", o["inspect"])
	}
	return n, true, decodeJSON(o["inspect"], &n)
}

// networkDiffs lists how the network differs from the arguments.
func networkDiffs(n NetworkDetail, args modules.Args) []string {
	var d []string
	add := func(what string, cur, want any) {
		if fmt.Sprint(cur) != fmt.Sprint(want) {
			d = append(d, fmt.Sprintf("%s: %v -> %v", what, cur, want))
		}
	}
	add("driver", n.Driver, args.Str("driver"))
	add("attachable", n.Attachable, args.Bool("attachable"))
	add("internal", n.Internal, args.Bool("internal"))
	_, enc := n.Options["encrypted"]
	add("encrypted", enc, args.Bool("encrypted"))
	var subnets, gws []string
	for _, c := range n.IPAM.Config {
		subnets = append(subnets, c.Subnet)
		gws = append(gws, c.Gateway)
	}
	if s := args.Str("subnet"); s != "" {
		add("subnet", strings.Join(subnets, ","), s)
	}
	if g := args.Str("gateway"); g != "" {
		add("gateway", strings.Join(gws, ","), g)
	}
	for _, k := range sortedKeys(args.Dict("labels")) {
		add("label "+k, n.Labels[k], modules.PyStr(args.Dict("labels")[k]))
	}
	sort.Strings(d)
	return d
}
