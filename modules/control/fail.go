package control

import (
	"context"

	"github.com/swarmbook/swarmbook/modules"
)

// fail fails the task with a message.
type fail struct{}

func (fail) Spec() modules.Spec {
	return modules.Spec{Action: true, Params: []modules.Param{{Name: "msg"}}}
}

func (fail) Run(_ context.Context, _ *modules.Target, a modules.Args) (modules.Outcome, error) {
	var msg any = "Failed as requested from task"
	if v, ok := a["msg"]; ok {
		msg = v
	}
	out := modules.Outcome{Failed: true, Fields: map[string]any{"msg": msg}}
	out.Msg, _ = msg.(string)
	return out, nil
}
