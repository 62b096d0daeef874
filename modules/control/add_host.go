package control

import (
	"context"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// addHost adds a host (and its groups and variables) to the in-memory
// inventory. Every argument but name/hostname/groupname/groups becomes a host
// variable, as in Ansible (so host= and group= do too).
type addHost struct{}

func (addHost) Spec() modules.Spec { return modules.Spec{AnyParams: true, FreeForm: true} }

func (addHost) Run(_ context.Context, _ *modules.Target, a modules.Args) (modules.Outcome, error) {
	args := map[string]any{}
	if raw, ok := a["_raw_params"]; ok {
		m, isMap := raw.(map[string]any)
		if !isMap {
			return failed("Invalid raw parameters passed, requires a dictonary/mapping got a  " + pyClassOf(raw)), nil
		}
		for k, v := range m {
			args[k] = v
		}
	}
	for k, v := range a {
		if k != "_raw_params" {
			args[k] = v
		}
	}
	var nameV any
	for _, k := range []string{"name", "hostname", "host"} {
		if v, ok := args[k]; ok {
			nameV = v
			break
		}
	}
	if nameV == nil {
		return failed("name, host or hostname needs to be provided"), nil
	}
	name, port := splitHostPort(modules.PyStr(nameV))
	if port > 0 {
		args["ansible_ssh_port"] = port
	}
	var groupsV any = ""
	for _, k := range []string{"groupname", "groups", "group"} {
		if v, ok := args[k]; ok {
			groupsV = v
			break
		}
	}
	groups := []string{}
	var list []string
	switch g := groupsV.(type) {
	case []any:
		for _, e := range g {
			list = append(list, modules.PyStr(e))
		}
	case string:
		if g != "" {
			list = strings.Split(g, ",")
		}
	case nil:
	default:
		return failed("Groups must be specified as a list."), nil
	}
	for _, g := range list {
		g = strings.TrimSpace(g)
		if !contains(groups, g) {
			groups = append(groups, g)
		}
	}
	vars := map[string]any{}
	for k, v := range args {
		switch k {
		case "name", "hostname", "groupname", "groups":
		default:
			vars[k] = v
		}
	}
	groupsAny := make([]any, len(groups))
	for i, g := range groups {
		groupsAny[i] = g
	}
	// Changed is true as for a new host; the engine knows whether the
	// inventory really changed and may turn it off.
	return modules.Outcome{
		Changed: true,
		AddHost: &modules.AddHost{Name: name, Groups: groups, Vars: vars},
		Fields: map[string]any{"add_host": map[string]any{
			"host_name": name, "groups": groupsAny, "host_vars": vars,
		}},
	}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// splitHostPort parses "host:port" and "[v6]:port" as Ansible's
// parse_address does; a bare IPv6 address has no port.
func splitHostPort(s string) (string, int) {
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]"); i > 0 {
			host := s[1:i]
			if p, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], ":")); err == nil && strings.HasPrefix(s[i+1:], ":") {
				return host, p
			}
			return host, 0
		}
	}
	if strings.Count(s, ":") == 1 {
		h, p, _ := strings.Cut(s, ":")
		if n, err := strconv.Atoi(p); err == nil {
			return h, n
		}
	}
	return s, 0
}
