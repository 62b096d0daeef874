package control

import (
	"context"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// groupBy puts the host into a group named by key (spaces become dashes),
// under the given parent groups (default all).
type groupBy struct{}

func (groupBy) Spec() modules.Spec {
	return modules.Spec{Action: true, Params: []modules.Param{{Name: "key"}, {Name: "parents"}}}
}

func (groupBy) Run(_ context.Context, _ *modules.Target, a modules.Args) (modules.Outcome, error) {
	key, ok := a["key"]
	if !ok {
		return failed("the 'key' param is required when using group_by"), nil
	}
	group := strings.ReplaceAll(modules.PyStr(key), " ", "-")
	var parents []any
	switch p := a["parents"].(type) {
	case nil:
		parents = []any{"all"}
	case string:
		parents = []any{p}
	case []any:
		parents = p
	default:
		parents = []any{modules.PyStr(p)}
	}
	out := make([]any, len(parents))
	for i, p := range parents {
		out[i] = strings.ReplaceAll(modules.PyStr(p), " ", "-")
	}
	// Changed as for a new membership; the engine may turn it off. The
	// parents are in Fields["parent_groups"].
	return modules.Outcome{
		Changed:   true,
		AddGroups: []string{group},
		Fields:    map[string]any{"add_group": group, "parent_groups": out},
	}, nil
}
