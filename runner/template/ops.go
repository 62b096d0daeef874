package template

import (
	"fmt"
	"math"
	"strings"

	"github.com/nikolalohinski/gonja/v2/nodes"
)

func isComparison(op string) bool {
	switch op {
	case "==", "!=", "<", ">", "<=", ">=":
		return true
	}
	return false
}

func (r *run) binary(x *nodes.BinaryExpression) (any, error) {
	op := x.Operator.Token.Val
	left, err := r.eval(x.Left)
	if err != nil {
		return nil, err
	}
	switch op {
	case "and":
		t, err := truth(left)
		if err != nil || !t {
			return left, err
		}
		return r.eval(x.Right)
	case "or":
		t, err := truth(left)
		if err != nil || t {
			return left, err
		}
		return r.eval(x.Right)
	}
	// Python chains comparisons: a < b < c is a < b and b < c.
	if lb, ok := x.Left.(*nodes.BinaryExpression); ok && isComparison(op) && isComparison(lb.Operator.Token.Val) {
		if t, err := truth(left); err != nil || !t {
			return left, err
		}
		mid, err := r.eval(lb.Right)
		if err != nil {
			return nil, err
		}
		right, err := r.eval(x.Right)
		if err != nil {
			return nil, err
		}
		return binaryOp(op, mid, right)
	}
	right, err := r.eval(x.Right)
	if err != nil {
		return nil, err
	}
	return binaryOp(op, left, right)
}

func binaryOp(op string, a, b any) (any, error) {
	a, b = normalize(a), normalize(b)
	if u, ok := a.(*Undefined); ok {
		return nil, u.err()
	}
	if u, ok := b.(*Undefined); ok {
		return nil, u.err()
	}
	switch op {
	case "==":
		return pyEqual(a, b), nil
	case "!=":
		return !pyEqual(a, b), nil
	case "in":
		return contains(b, a)
	case "~":
		sa, err := toText(a)
		if err != nil {
			return nil, err
		}
		sb, err := toText(b)
		if err != nil {
			return nil, err
		}
		return sa + sb, nil
	case "<", ">", "<=", ">=":
		c, err := pyCompare(a, b)
		if err != nil {
			return nil, fmt.Errorf("'%s' not supported between instances of '%s' and '%s'", op, pyTypeName(a), pyTypeName(b))
		}
		switch op {
		case "<":
			return c < 0, nil
		case ">":
			return c > 0, nil
		case "<=":
			return c <= 0, nil
		}
		return c >= 0, nil
	}
	return arith(op, a, b)
}

func arith(op string, a, b any) (any, error) {
	unsupported := fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, pyTypeName(a), pyTypeName(b))
	switch op {
	case "+":
		switch x := a.(type) {
		case string:
			if y, ok := b.(string); ok {
				return x + y, nil
			}
			return nil, fmt.Errorf("can only concatenate str (not \"%s\") to str", pyTypeName(b))
		case []any:
			if y, ok := b.([]any); ok {
				out := make([]any, 0, len(x)+len(y))
				return append(append(out, x...), y...), nil
			}
			return nil, fmt.Errorf("can only concatenate list (not \"%s\") to list", pyTypeName(b))
		}
	case "*":
		if n, ok := intOnly(b); ok {
			switch x := a.(type) {
			case string:
				return strings.Repeat(x, max(n, 0)), nil
			case []any:
				out := []any{}
				for i := 0; i < n; i++ {
					out = append(out, x...)
				}
				return out, nil
			}
		}
		if n, ok := intOnly(a); ok {
			switch b.(type) {
			case string, []any:
				return arith(op, b, n)
			}
		}
	case "%":
		if s, ok := a.(string); ok {
			return pyPercent(s, b)
		}
	}
	ia, aInt := intOnly(a)
	ib, bInt := intOnly(b)
	fa, aNum := numberOf(a)
	fb, bNum := numberOf(b)
	if !aNum || !bNum {
		return nil, unsupported
	}
	if aInt && bInt {
		switch op {
		case "+":
			return ia + ib, nil
		case "-":
			return ia - ib, nil
		case "*":
			return ia * ib, nil
		case "/":
			if ib == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			return float64(ia) / float64(ib), nil
		case "//":
			if ib == 0 {
				return nil, fmt.Errorf("integer division or modulo by zero")
			}
			q := ia / ib
			if (ia%ib != 0) && ((ia < 0) != (ib < 0)) {
				q--
			}
			return q, nil
		case "%":
			if ib == 0 {
				return nil, fmt.Errorf("integer division or modulo by zero")
			}
			m := ia % ib
			if m != 0 && ((m < 0) != (ib < 0)) {
				m += ib
			}
			return m, nil
		case "**":
			if ib >= 0 {
				res := 1
				for i := 0; i < ib; i++ {
					res *= ia
				}
				return res, nil
			}
			return math.Pow(fa, fb), nil
		}
	}
	switch op {
	case "+":
		return fa + fb, nil
	case "-":
		return fa - fb, nil
	case "*":
		return fa * fb, nil
	case "/":
		if fb == 0 {
			return nil, fmt.Errorf("float division by zero")
		}
		return fa / fb, nil
	case "//":
		if fb == 0 {
			return nil, fmt.Errorf("float floor division by zero")
		}
		return math.Floor(fa / fb), nil
	case "%":
		if fb == 0 {
			return nil, fmt.Errorf("float modulo")
		}
		m := math.Mod(fa, fb)
		if m != 0 && ((m < 0) != (fb < 0)) {
			m += fb
		}
		return m, nil
	case "**":
		return math.Pow(fa, fb), nil
	}
	return nil, unsupported
}

// intOnly returns v as int when it is a Python int (bool included).
func intOnly(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// contains is Python's "needle in hay".
func contains(hay, needle any) (bool, error) {
	switch h := normalize(hay).(type) {
	case string:
		n, ok := needle.(string)
		if !ok {
			if u, isU := needle.(*Undefined); isU {
				return false, u.err()
			}
			return false, fmt.Errorf("'in <string>' requires string as left operand, not %s", pyTypeName(needle))
		}
		return strings.Contains(h, n), nil
	case []any:
		for _, e := range h {
			if pyEqual(e, needle) {
				return true, nil
			}
		}
		return false, nil
	case map[string]any:
		k, ok := needle.(string)
		if !ok {
			return false, nil
		}
		_, found := h[k]
		return found, nil
	case Mapping:
		k, ok := needle.(string)
		if !ok {
			return false, nil
		}
		_, found := h.Get(k)
		return found, nil
	case *Undefined:
		return false, h.err()
	}
	return false, fmt.Errorf("argument of type '%s' is not iterable", pyTypeName(hay))
}

// pyPercent is Python's printf-style "fmt % args".
func pyPercent(format string, arg any) (string, error) {
	args, isTuple := arg.([]any)
	if !isTuple {
		args = []any{arg}
	}
	var b strings.Builder
	ai := 0
	next := func() (any, error) {
		if ai >= len(args) {
			return nil, fmt.Errorf("not enough arguments for format string")
		}
		ai++
		return args[ai-1], nil
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0123456789.", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			return "", fmt.Errorf("incomplete format")
		}
		spec, verb := format[i+1:j], format[j]
		i = j
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		v, err := next()
		if err != nil {
			return "", err
		}
		switch verb {
		case 's':
			s, err := toText(v)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "%"+spec+"s", s)
		case 'r':
			fmt.Fprintf(&b, "%"+spec+"s", pyRepr(v))
		case 'd', 'i':
			f, ok := numberOf(v)
			if !ok {
				return "", fmt.Errorf("%%%c format: a number is required, not %s", verb, pyTypeName(v))
			}
			fmt.Fprintf(&b, "%"+spec+"d", int(f))
		case 'f', 'F', 'e', 'E', 'g', 'G':
			f, ok := numberOf(v)
			if !ok {
				return "", fmt.Errorf("must be real number, not %s", pyTypeName(v))
			}
			if !strings.Contains(spec, ".") && verb != 'g' && verb != 'G' {
				spec += ".6"
			}
			fmt.Fprintf(&b, "%"+spec+string(verb), f)
		case 'x', 'X', 'o':
			n, ok := intOnly(v)
			if !ok {
				return "", fmt.Errorf("%%%c format: an integer is required, not %s", verb, pyTypeName(v))
			}
			fmt.Fprintf(&b, "%"+spec+string(verb), n)
		default:
			return "", fmt.Errorf("unsupported format character '%c'", verb)
		}
	}
	if isTuple && ai < len(args) {
		return "", fmt.Errorf("not all arguments converted during string formatting")
	}
	if !isTuple && ai == 0 {
		if _, isMap := arg.(map[string]any); !isMap {
			return "", fmt.Errorf("not all arguments converted during string formatting")
		}
	}
	return b.String(), nil
}
