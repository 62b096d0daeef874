package template

import (
	"fmt"
	"strconv"

	"github.com/nikolalohinski/gonja/v2/nodes"
)

// builtinFunc is a callable value: a global function, a bound method, loop.cycle.
type builtinFunc func(r *run, args []any, kw map[string]any) (any, error)

func (r *run) eval(n nodes.Expression) (any, error) {
	switch x := n.(type) {
	case *nodes.None:
		return nil, nil
	case *nodes.Bool:
		return x.Val, nil
	case *nodes.Integer:
		return x.Val, nil
	case *nodes.Float:
		return x.Val, nil
	case *nodes.String:
		return r.stringLiteral(x), nil
	case *nodes.List:
		return r.evalList(x.Val)
	case *nodes.Tuple:
		return r.evalList(x.Val)
	case *nodes.Dict:
		out := make(map[string]any, len(x.Pairs))
		for _, p := range x.Pairs {
			k, err := r.eval(p.Key)
			if err != nil {
				return nil, err
			}
			if u, ok := k.(*Undefined); ok {
				return nil, u.err()
			}
			v, err := r.eval(p.Value)
			if err != nil {
				return nil, err
			}
			out[pyStr(k)] = v
		}
		return out, nil
	case *nodes.Name:
		return r.name(x.Name.Val)
	case *nodes.GetAttribute:
		obj, err := r.eval(x.Node)
		if err != nil {
			return nil, err
		}
		if x.Attribute == "" {
			return r.getitem(obj, x.Index)
		}
		return r.getattr(obj, x.Attribute)
	case *nodes.GetItem:
		obj, err := r.eval(x.Node)
		if err != nil {
			return nil, err
		}
		arg, ok := x.Arg.(nodes.Expression)
		if !ok {
			return nil, fmt.Errorf("invalid subscript")
		}
		key, err := r.eval(arg)
		if err != nil {
			return nil, err
		}
		if u, ok := key.(*Undefined); ok {
			return nil, u.err()
		}
		return r.getitem(obj, key)
	case *nodes.GetSlice:
		return r.slice(x)
	case *nodes.Call:
		return r.call(x)
	case *nodes.Negation:
		v, err := r.eval(x.Term)
		if err != nil {
			return nil, err
		}
		t, err := truth(v)
		return !t, err
	case *nodes.UnaryExpression:
		v, err := r.eval(x.Term)
		if err != nil {
			return nil, err
		}
		if !x.Negative {
			if _, ok := numberOf(v); !ok {
				return nil, fmt.Errorf("bad operand type for unary +: '%s'", pyTypeName(v))
			}
			return v, nil
		}
		switch n := normalize(v).(type) {
		case int:
			return -n, nil
		case float64:
			return -n, nil
		case bool:
			if n {
				return -1, nil
			}
			return 0, nil
		case *Undefined:
			return nil, n.err()
		}
		return nil, fmt.Errorf("bad operand type for unary -: '%s'", pyTypeName(v))
	case *nodes.BinaryExpression:
		return r.binary(x)
	case *nodes.FilteredExpression:
		v, err := r.eval(x.Expression)
		if err != nil {
			return nil, err
		}
		for _, f := range x.Filters {
			if v, err = r.applyFilter(f, v); err != nil {
				return nil, err
			}
		}
		return v, nil
	case *nodes.TestExpression:
		return r.applyTest(x)
	case *nodes.Error:
		return nil, x.Error
	}
	return nil, fmt.Errorf("unsupported expression %T", n)
}

func (r *run) evalList(ns []nodes.Expression) ([]any, error) {
	out := make([]any, 0, len(ns))
	for _, n := range ns {
		v, err := r.eval(n)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// stringLiteral reads a string literal from the template source. Inside
// {{ }} of playbook strings backslashes are literal (escape_backslashes);
// elsewhere Python escapes apply.
func (r *run) stringLiteral(s *nodes.String) string {
	tok := s.Location
	src := r.tpl.src
	if tok == nil || tok.Pos < 0 || tok.Pos >= len(src) || (src[tok.Pos] != '\'' && src[tok.Pos] != '"') {
		return s.Val
	}
	q := src[tok.Pos]
	i := tok.Pos + 1
	for i < len(src) && src[i] != q {
		if src[i] == '\\' {
			i++
		}
		i++
	}
	if i > len(src) {
		return s.Val
	}
	raw := src[tok.Pos+1 : min(i, len(src))]
	if r.inOutput && r.tpl.escape {
		return raw
	}
	return pyUnescape(raw)
}

func (r *run) name(n string) (any, error) {
	switch n {
	case "none", "None":
		return nil, nil
	case "true", "True":
		return true, nil
	case "false", "False":
		return false, nil
	}
	if v, ok := r.vars.lookup(n); ok {
		return v, nil
	}
	v, ok, err := r.st.variable(n)
	if err != nil {
		return nil, err
	}
	if ok {
		return v, nil
	}
	if g, ok := r.st.e.globals[n]; ok {
		return g, nil
	}
	return undefinedName(n), nil
}

// getattr is Jinja's environment.getattr: Python attribute first, then item.
func (r *run) getattr(obj any, name string) (any, error) {
	obj = normalize(obj)
	switch o := obj.(type) {
	case *Undefined:
		return o, nil
	case *loopInfo:
		if v, ok := o.attr(name); ok {
			return v, nil
		}
	case *namespace:
		if v, ok := o.vals[name]; ok {
			return v, nil
		}
	}
	if m := method(obj, name); m != nil {
		return m, nil
	}
	v, ok, err := r.item(obj, name)
	if err != nil || ok {
		return v, err
	}
	return undefinedAttr(obj, name), nil
}

// getitem is Jinja's environment.getitem: item first, then attribute.
func (r *run) getitem(obj any, key any) (any, error) {
	obj = normalize(obj)
	if u, ok := obj.(*Undefined); ok {
		return u, nil
	}
	v, ok, err := r.item(obj, key)
	if err != nil || ok {
		return v, err
	}
	if s, isStr := key.(string); isStr {
		if m := method(obj, s); m != nil {
			return m, nil
		}
		if l, isLoop := obj.(*loopInfo); isLoop {
			if v, ok := l.attr(s); ok {
				return v, nil
			}
		}
	}
	return undefinedAttr(obj, key), nil
}

func (r *run) item(obj any, key any) (any, bool, error) {
	key = normalize(key)
	switch o := obj.(type) {
	case map[string]any:
		k, ok := mapKey(key)
		if !ok {
			return nil, false, nil
		}
		v, found := o[k]
		return v, found, nil
	case Mapping:
		k, ok := mapKey(key)
		if !ok {
			return nil, false, nil
		}
		return r.st.mappingGet(o, k)
	case []any:
		i, ok := key.(int)
		if !ok {
			if b, isBool := key.(bool); isBool {
				i, ok = toInt(b)
			}
		}
		if !ok {
			return nil, false, nil
		}
		if i < 0 {
			i += len(o)
		}
		if i < 0 || i >= len(o) {
			return nil, false, nil
		}
		return o[i], true, nil
	case string:
		i, ok := key.(int)
		if !ok {
			return nil, false, nil
		}
		rs := []rune(o)
		if i < 0 {
			i += len(rs)
		}
		if i < 0 || i >= len(rs) {
			return nil, false, nil
		}
		return string(rs[i]), true, nil
	}
	return nil, false, nil
}

func mapKey(key any) (string, bool) {
	switch k := key.(type) {
	case string:
		return k, true
	case int:
		return strconv.Itoa(k), true
	case bool, float64, nil:
		return pyStr(k), true
	}
	return "", false
}

func (r *run) slice(x *nodes.GetSlice) (any, error) {
	obj, err := r.eval(x.Node)
	if err != nil {
		return nil, err
	}
	bound := func(n nodes.Node) (int, bool, error) {
		if n == nil {
			return 0, false, nil
		}
		e, ok := n.(nodes.Expression)
		if !ok {
			return 0, false, fmt.Errorf("invalid slice")
		}
		v, err := r.eval(e)
		if err != nil {
			return 0, false, err
		}
		if v == nil {
			return 0, false, nil
		}
		i, ok := v.(int)
		if !ok {
			return 0, false, fmt.Errorf("slice indices must be integers or None")
		}
		return i, true, nil
	}
	start, hasStart, err := bound(x.Start)
	if err != nil {
		return nil, err
	}
	end, hasEnd, err := bound(x.End)
	if err != nil {
		return nil, err
	}
	step, hasStep, err := bound(x.Step)
	if err != nil {
		return nil, err
	}
	if !hasStep {
		step = 1
	}
	if step == 0 {
		return nil, fmt.Errorf("slice step cannot be zero")
	}
	switch o := normalize(obj).(type) {
	case *Undefined:
		return nil, o.err()
	case string:
		rs := []rune(o)
		idx := sliceIndices(len(rs), start, end, step, hasStart, hasEnd)
		out := make([]rune, 0, len(idx))
		for _, i := range idx {
			out = append(out, rs[i])
		}
		return string(out), nil
	case []any:
		idx := sliceIndices(len(o), start, end, step, hasStart, hasEnd)
		out := make([]any, 0, len(idx))
		for _, i := range idx {
			out = append(out, o[i])
		}
		return out, nil
	}
	return nil, fmt.Errorf("'%s' object is not subscriptable", pyTypeName(obj))
}

// sliceIndices implements Python's slice.indices.
func sliceIndices(n, start, stop, step int, hasStart, hasStop bool) []int {
	clamp := func(v, lo, hi int) int { return max(lo, min(v, hi)) }
	if step > 0 {
		if !hasStart {
			start = 0
		} else if start < 0 {
			start = clamp(start+n, 0, n)
		} else {
			start = clamp(start, 0, n)
		}
		if !hasStop {
			stop = n
		} else if stop < 0 {
			stop = clamp(stop+n, 0, n)
		} else {
			stop = clamp(stop, 0, n)
		}
	} else {
		if !hasStart {
			start = n - 1
		} else if start < 0 {
			start = clamp(start+n, -1, n-1)
		} else {
			start = clamp(start, -1, n-1)
		}
		if !hasStop {
			stop = -1
		} else if stop < 0 {
			stop = clamp(stop+n, -1, n-1)
		} else {
			stop = clamp(stop, -1, n-1)
		}
	}
	var out []int
	for i := start; (step > 0 && i < stop) || (step < 0 && i > stop); i += step {
		out = append(out, i)
	}
	return out
}

func (r *run) call(c *nodes.Call) (any, error) {
	if isSentinelCall(c, condFunc) {
		return r.conditional(c)
	}
	fnNode, ok := c.Func.(nodes.Expression)
	if !ok {
		return nil, fmt.Errorf("invalid call")
	}
	fn, err := r.eval(fnNode)
	if err != nil {
		return nil, err
	}
	args, err := r.evalList(c.Args)
	if err != nil {
		return nil, err
	}
	kw := make(map[string]any, len(c.Kwargs))
	for k, e := range c.Kwargs {
		v, err := r.eval(e)
		if err != nil {
			return nil, err
		}
		kw[k] = v
	}
	switch f := fn.(type) {
	case builtinFunc:
		return f(r, args, kw)
	case *macro:
		return f.call(r, args, kw)
	case *Undefined:
		return nil, f.err()
	}
	return nil, fmt.Errorf("'%s' object is not callable", pyTypeName(fn))
}

func (r *run) applyFilter(fc *nodes.FilterCall, v any) (any, error) {
	f, ok := r.st.e.filters[fc.Name]
	if !ok {
		return nil, fmt.Errorf("template error while templating string: Could not load \"%s\": '%s'. String: %s", fc.Name, fc.Name, r.tpl.src)
	}
	args, err := r.evalList(fc.Args)
	if err != nil {
		return nil, err
	}
	kw := make(map[string]any, len(fc.Kwargs))
	for k, e := range fc.Kwargs {
		x, err := r.eval(e)
		if err != nil {
			return nil, err
		}
		kw[k] = x
	}
	if !f.undefinedOK {
		if err := firstUndefined(v, args, kw); err != nil {
			return nil, err
		}
	}
	out, err := f.fn(r, normalize(v), args, kw)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return out, nil
}

func firstUndefined(v any, args []any, kw map[string]any) error {
	if u, ok := v.(*Undefined); ok {
		return u.err()
	}
	for _, a := range args {
		if u, ok := a.(*Undefined); ok {
			return u.err()
		}
	}
	for _, a := range kw {
		if u, ok := a.(*Undefined); ok {
			return u.err()
		}
	}
	return nil
}

func (r *run) applyTest(x *nodes.TestExpression) (any, error) {
	t, ok := r.st.e.tests[x.Test.Name]
	if !ok {
		return nil, fmt.Errorf("template error while templating string: Could not load \"%s\": '%s'. String: %s", x.Test.Name, x.Test.Name, r.tpl.src)
	}
	v, err := r.eval(x.Expression)
	if err != nil {
		return nil, err
	}
	argNodes, kwNodes := x.Test.Args, x.Test.Kwargs
	if len(argNodes) == 1 {
		// "is name(...)" arrives as a call of testArgsFunc (rewrite.go).
		if c, ok := argNodes[0].(*nodes.Call); ok && isSentinelCall(c, testArgsFunc) {
			argNodes, kwNodes = c.Args, c.Kwargs
		}
	}
	args, err := r.evalList(argNodes)
	if err != nil {
		return nil, err
	}
	kw := map[string]any{}
	for k, e := range kwNodes {
		a, err := r.eval(e)
		if err != nil {
			return nil, err
		}
		kw[k] = a
	}
	if err := t.checkKwargs(x.Test.Name, kw); err != nil {
		return nil, err
	}
	if !t.undefinedOK {
		if err := firstUndefined(v, args, kw); err != nil {
			return nil, err
		}
	}
	return t.fn(r, normalize(v), args, kw)
}

// conditional evaluates "A if B else C" as rewritten to condFunc(B, A[, C])
// (rewrite.go), like a top-level if-expression: only the chosen branch is
// evaluated, and without else a false condition gives a plain Undefined.
func (r *run) conditional(c *nodes.Call) (any, error) {
	if len(c.Args) < 2 || len(c.Args) > 3 || len(c.Kwargs) > 0 {
		return nil, fmt.Errorf("invalid conditional expression")
	}
	var alt nodes.Expression
	if len(c.Args) == 3 {
		alt = c.Args[2]
	}
	return r.condExpr(c.Args[1], c.Args[0], alt)
}
