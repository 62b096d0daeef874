package control

import (
	"context"

	"github.com/swarmbook/swarmbook/modules"
)

// debug prints a message or a variable's value.
type debug struct{}

func (debug) Spec() modules.Spec {
	return modules.Spec{Action: true, Params: []modules.Param{
		{Name: "msg"}, {Name: "var"}, {Name: "verbosity"},
	}}
}

func (debug) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	_, hasMsg := a["msg"]
	_, hasVar := a["var"]
	if hasMsg && hasVar {
		return failed("'msg' and 'var' are incompatible options"), nil
	}
	verbosity, err := toInt("verbosity", a["verbosity"])
	if err != nil {
		return failed(err.Error()), nil
	}
	if verbosity > t.Verbosity {
		return modules.Outcome{Skipped: true, Fields: map[string]any{"skipped_reason": "Verbosity threshold not met."}}, nil
	}
	f := map[string]any{}
	switch {
	case hasMsg:
		f["msg"] = a["msg"]
	case hasVar:
		name, ok := a["var"].(string)
		if !ok {
			// A list or dict given as var is shown under its Python type.
			f[pyClass(a["var"])] = a["var"]
			break
		}
		v, err := t.Tmpl.Eval(ctx, name)
		if err != nil {
			if !isUndefined(err) {
				return modules.Outcome{}, err
			}
			s := "VARIABLE IS NOT DEFINED!"
			if t.Verbosity > 0 {
				s += ": " + err.Error()
			}
			v = s
		}
		f[name] = v
	default:
		f["msg"] = "Hello world!"
	}
	out := modules.Outcome{Fields: f}
	if m, ok := f["msg"].(string); ok {
		out.Msg = m
	}
	return out, nil
}

func pyClass(v any) string {
	switch v.(type) {
	case []any:
		return "<class 'list'>"
	case map[string]any:
		return "<class 'dict'>"
	case int:
		return "<class 'int'>"
	case float64:
		return "<class 'float'>"
	case bool:
		return "<class 'bool'>"
	}
	return "<class 'NoneType'>"
}
