package command

import (
	"context"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// rawModule is Ansible's raw: the free-form string runs as it is in the
// host's shell, without any module machinery. It does not support check mode.
type rawModule struct{}

func (rawModule) Spec() modules.Spec {
	return modules.Spec{
		FreeForm:    true,
		NoCheckMode: true,
		Params:      []modules.Param{{Name: "executable", Kind: modules.KindStr}},
	}
}

func (rawModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	if t.Check {
		// Ansible's raw action: skipped, with no message.
		return modules.Outcome{Skipped: true, Fields: map[string]any{}}, nil
	}
	script := a.Str("_raw_params")
	if exe := a.Str("executable"); exe != "" && t.Conn.Platform().Shell == transport.ShellPOSIX {
		script = exe + " -c " + shquote.POSIX(script)
	}
	res, err := t.Conn.Run(ctx, transport.Command{Script: script, Become: t.Become})
	if err != nil {
		return modules.Outcome{}, err
	}
	return lowLevel(res), nil
}

// lowLevel is the result of Ansible's _low_level_execute_command as raw and
// script register it: output not stripped, changed, failed on rc != 0.
func lowLevel(res transport.Result) modules.Outcome {
	r := map[string]any{"rc": res.ExitCode, "stdout": text(res.Stdout), "stderr": text(res.Stderr)}
	addLines(r)
	r["changed"] = true
	out := modules.Outcome{Changed: true, Fields: r}
	if res.ExitCode != 0 {
		out.Failed = true
		out.Msg = "non-zero return code"
		r["msg"] = out.Msg
	}
	return out
}
