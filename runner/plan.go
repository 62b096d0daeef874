package runner

import (
	"fmt"
	"strings"

	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/template"
)

// CheckTemplates checks the template syntax of every templated string in
// the playbooks (task arguments, names, conditionals, loops) so that a
// syntax error is reported with file:line before any host is contacted.
func CheckTemplates(pbs []*playbook.Playbook) error {
	eng := template.New(template.Options{})
	var errs []string
	checkStr := func(pos playbook.Pos, s string) {
		if !template.IsTemplate(s) {
			return
		}
		if err := eng.Check(s); err != nil {
			errs = append(errs, fmt.Sprintf("ERROR! template error while templating string: %v\nThe error appears to be in '%s': line %d, column %d", err, pos.File, pos.Line, pos.Col))
		}
	}
	checkExpr := func(c playbook.Cond) {
		if c.Expr == "" || c.Expr == "true" || c.Expr == "false" {
			return
		}
		if err := eng.Check("{{ " + c.Expr + " }}"); err != nil && !template.IsTemplate(c.Expr) {
			errs = append(errs, fmt.Sprintf("ERROR! template error in conditional %q: %v\nThe error appears to be in '%s': line %d, column %d", c.Expr, err, c.Pos.File, c.Pos.Line, c.Pos.Col))
		}
	}
	var walkValue func(pos playbook.Pos, v any)
	walkValue = func(pos playbook.Pos, v any) {
		switch x := v.(type) {
		case string:
			checkStr(pos, x)
		case []any:
			for _, e := range x {
				walkValue(pos, e)
			}
		case map[string]any:
			for _, e := range x {
				walkValue(pos, e)
			}
		}
	}
	var walk func(ts []*playbook.Task)
	walk = func(ts []*playbook.Task) {
		for _, t := range ts {
			checkStr(t.Pos, t.Name)
			walkValue(t.Pos, t.Args)
			for _, c := range t.When {
				checkExpr(c)
			}
			for _, c := range t.ChangedWhen {
				checkExpr(c)
			}
			for _, c := range t.FailedWhen {
				checkExpr(c)
			}
			for _, c := range t.Until {
				checkExpr(c)
			}
			if t.Loop != nil {
				walkValue(t.Loop.Pos, t.Loop.Value)
			}
			walk(t.Block)
			walk(t.Rescue)
			walk(t.Always)
		}
	}
	for _, pb := range pbs {
		for _, p := range pb.Plays {
			checkStr(p.Pos, p.Hosts)
			walk(p.PreTasks)
			walk(p.Tasks)
			walk(p.PostTasks)
			walk(p.Handlers)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n\n"))
	}
	return nil
}
