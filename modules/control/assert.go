package control

import (
	"context"
	"errors"

	"github.com/swarmbook/swarmbook/modules"
)

// assertModule evaluates conditionals and fails on the first false one.
type assertModule struct{}

func (assertModule) Spec() modules.Spec {
	return modules.Spec{Action: true, Params: []modules.Param{
		{Name: "that"}, {Name: "fail_msg"}, {Name: "msg"}, {Name: "success_msg"}, {Name: "quiet"},
	}}
}

// message checks a fail_msg/success_msg value: a string or a list of strings.
func message(v any, def, what string) (any, error) {
	switch t := v.(type) {
	case nil:
		return def, nil
	case string:
		return t, nil
	case []any:
		for _, e := range t {
			if _, ok := e.(string); !ok {
				return nil, errors.New("Type of one of the elements in " + what + " list is not string type")
			}
		}
		return t, nil
	}
	return nil, errors.New("Incorrect type for " + what + ", expected a string or list and got " + pyClass(v))
}

func (assertModule) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	that, ok := a["that"]
	if !ok || that == nil {
		return failed(`conditional required in "that" string`), nil
	}
	fm := a["fail_msg"]
	if fm == nil {
		fm = a["msg"]
	}
	failMsg, err := message(fm, "Assertion failed", "fail_msg or msg")
	if err != nil {
		return failed(err.Error()), nil
	}
	successMsg, err := message(a["success_msg"], "All assertions passed", "success_msg")
	if err != nil {
		return failed(err.Error()), nil
	}
	thats, isList := that.([]any)
	if !isList {
		thats = []any{that}
	}
	for _, c := range thats {
		expr, isStr := c.(string)
		if !isStr {
			expr = modules.PyStr(c)
		}
		ok, err := t.Tmpl.Truth(ctx, expr)
		if err != nil {
			return modules.Outcome{}, err
		}
		if !ok {
			out := modules.Outcome{Failed: true, Fields: map[string]any{
				"evaluated_to": false, "assertion": c, "msg": failMsg,
			}}
			out.Msg, _ = failMsg.(string)
			return out, nil
		}
	}
	out := modules.Outcome{Fields: map[string]any{"msg": successMsg}}
	out.Msg, _ = successMsg.(string)
	return out, nil
}
