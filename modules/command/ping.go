package command

import (
	"context"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// pingModule is Ansible's ping: it proves that a command can run on the host
// and returns ping: <data> ("pong"); data=crash makes it fail.
type pingModule struct{}

func (pingModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{{Name: "data", Kind: modules.KindStr, Default: "pong"}}}
}

func (pingModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	res, err := t.Conn.Run(ctx, transport.Command{Script: "exit 0", Become: t.Become})
	if err != nil {
		return modules.Outcome{}, err
	}
	if res.ExitCode != 0 {
		return moduleFailure(text(res.Stdout), text(res.Stderr), res.ExitCode), nil
	}
	if a.Str("data") == "crash" {
		return moduleFailure("", "Exception: boom\n", 1), nil
	}
	return modules.Outcome{Fields: map[string]any{"ping": a.Str("data")}}, nil
}

// moduleFailure is Ansible's result for a module that crashed.
func moduleFailure(stdout, stderr string, rc int) modules.Outcome {
	msg := "MODULE FAILURE\nSee stdout/stderr for the exact error"
	return modules.Outcome{Failed: true, Msg: msg, Fields: map[string]any{
		"msg": msg, "module_stdout": stdout, "module_stderr": stderr, "rc": rc,
	}}
}
