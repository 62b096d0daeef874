// Package files holds the file modules: copy, template, file, lineinfile,
// blockinfile, replace, stat, fetch and slurp. Each drives the host with
// POSIX sh and coreutils only: one probe script reads the state, the change
// is computed on the controller, and at most one more round trip (plus a
// Put for new content) applies it.
package files

import (
	"context"
	"errors"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// Modules returns the file modules by name.
func Modules() map[string]modules.Module {
	return map[string]modules.Module{
		"copy":        guard{copyMod{}},
		"template":    guard{templateMod{}},
		"file":        guard{fileMod{}},
		"lineinfile":  guard{lineinfile{}},
		"blockinfile": guard{blockinfile{}},
		"replace":     guard{replace{}},
		"stat":        guard{statMod{}},
		"fetch":       guard{fetchMod{}},
		"slurp":       guard{slurpMod{}},
	}
}

// guard turns failures carrying result keys into failed Outcomes.
type guard struct{ m modules.Module }

func (g guard) Spec() modules.Spec { return g.m.Spec() }

func (g guard) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	out, err := g.m.Run(ctx, t, a)
	var f *failure
	if errors.As(err, &f) {
		fields := map[string]any{}
		for k, v := range f.fields {
			fields[k] = v
		}
		return modules.Outcome{Failed: true, Msg: f.msg, Fields: fields}, nil
	}
	return out, err
}

func shellq(s string) string { return shquote.POSIX(s) }
