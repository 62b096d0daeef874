package windows

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// posixFactPath is the POSIX setup's fact_path default; on Windows
// setup.ps1 has no default, so this value means "not given".
const posixFactPath = "/etc/ansible/facts.d"

// GatherFacts is the setup module (and gather_facts) for a host whose shell
// is PowerShell: one generated script, one round trip, one JSON answer,
// shaped into the facts ansible.windows' setup.ps1 returns (Ansible 2.14
// with ansible.windows 1.14).
//
// gather_subset follows setup.ps1, not the POSIX setup: every subset is
// gathered unless excluded with "!name" ("!all" keeps "min"), unknown names
// warn. setup.ps1 has no "filter" option (Ansible passes it through and
// the module ignores it), so filter is ignored here too, and all gathered
// facts are returned.
func GatherFacts(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	subsetArg := args.StrList("gather_subset")
	if !args.Has("gather_subset") {
		subsetArg = []string{"all"}
	}
	subs, warnings := resolveSubsets(subsetArg)
	factPath := args.Str("fact_path")
	if factPath == posixFactPath {
		factPath = ""
	}
	res, err := run(ctx, t, factsScript(subs, factPath))
	if err != nil {
		return fail("fact gathering failed: "+err.Error(), nil)
	}
	raw, err := decodeFacts(res.Stdout)
	if err != nil {
		return fail(err.Error(), nil)
	}
	facts := mapFacts(raw, subs)
	facts["gather_subset"] = anyStrings(subsetArg)
	facts["module_setup"] = true
	fields := map[string]any{"ansible_facts": facts}
	if w := append(warnings, raw.Warnings...); len(w) > 0 {
		fields["warnings"] = w
	}
	return modules.Outcome{Facts: facts, Fields: fields}, nil
}

// decodeFacts reads the JSON object on the last non-empty line of the
// script's output.
func decodeFacts(stdout []byte) (rawFacts, error) {
	out := strings.TrimSpace(string(stdout))
	if i := strings.LastIndex(out, "\n"); i >= 0 {
		out = strings.TrimSpace(out[i+1:])
	}
	var generic any
	err := json.Unmarshal([]byte(out), &generic)
	var raw rawFacts
	if err == nil {
		// Re-encoding a Go value of JSON types cannot fail.
		b, _ := json.Marshal(unwrapPSArrays(generic))
		err = json.Unmarshal(b, &raw)
	}
	if err != nil {
		short := out
		if len(short) > 200 {
			short = short[:200] + "..."
		}
		return rawFacts{}, fmt.Errorf("unexpected answer from the Windows facts script: %q", short)
	}
	return raw, nil
}

// unwrapPSArrays undoes Windows PowerShell 5.1's ConvertTo-Json rendering
// of a PSObject-wrapped array, {"value": [...], "Count": n}, back into the
// array, everywhere in v.
func unwrapPSArrays(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if list, ok := x["value"].([]any); ok && len(x) == 2 {
			if n, ok := x["Count"].(float64); ok && int(n) == len(list) {
				return unwrapPSArrays(list)
			}
		}
		for k, e := range x {
			x[k] = unwrapPSArrays(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = unwrapPSArrays(e)
		}
		return x
	}
	return v
}
