package control

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// setFact sets host variables (set_fact precedence).
type setFact struct{}

func (setFact) Spec() modules.Spec {
	return modules.Spec{AnyParams: true, Params: []modules.Param{{Name: "cacheable", Kind: modules.KindBool, Default: false}}}
}

// identifier reports whether k is a valid Python identifier (ASCII subset).
func identifier(k string) bool {
	if k == "" || k == "True" || k == "False" || k == "None" {
		return false
	}
	for i, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func (setFact) Run(_ context.Context, _ *modules.Target, a modules.Args) (modules.Outcome, error) {
	keys := make([]string, 0, len(a))
	for k := range a {
		if k != "cacheable" && k != "_raw_params" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return failed("No key/value pairs provided, at least one is required for this action to succeed"), nil
	}
	sort.Strings(keys)
	facts := map[string]any{}
	for _, k := range keys {
		if !identifier(k) {
			return failed(fmt.Sprintf("The variable name '%s' is not valid. Variables must start with a letter or underscore character, and contain only letters, numbers and underscores.", k)), nil
		}
		v := a[k]
		if s, ok := v.(string); ok {
			switch strings.ToLower(s) {
			case "true", "yes":
				v = true
			case "false", "no":
				v = false
			}
		}
		facts[k] = v
	}
	return modules.Outcome{SetVars: facts, Fields: map[string]any{"ansible_facts": facts}}, nil
}
