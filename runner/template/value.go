package template

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/runner/pyfmt"
)

// Undefined is the value of a name or attribute that does not exist. Like
// Ansible's AnsibleUndefined it propagates through attribute and item access
// and fails with an *UndefinedError as soon as it is used.
type Undefined struct {
	// plain marks Jinja's lenient Undefined, the value of an if-expression
	// without else whose condition is false: it is false and renders as "".
	plain  bool
	hint   string
	obj    any
	hasObj bool
	name   any
}

// UndefinedError reports the use of an undefined variable or attribute,
// worded as Ansible words it: "'foo' is undefined" or
// "'dict object' has no attribute 'bar'".
type UndefinedError struct {
	// Name is the missing variable, attribute or key.
	Name string
	msg  string
}

func (e *UndefinedError) Error() string { return e.msg }

func (u *Undefined) err() *UndefinedError {
	name := fmt.Sprint(u.name)
	if u.hint != "" {
		return &UndefinedError{Name: name, msg: u.hint}
	}
	if !u.hasObj {
		return &UndefinedError{Name: name, msg: fmt.Sprintf("'%s' is undefined", name)}
	}
	if s, ok := u.name.(string); ok {
		return &UndefinedError{Name: name, msg: fmt.Sprintf("'%s' has no attribute %s", typeRepr(u.obj), pyRepr(s))}
	}
	return &UndefinedError{Name: name, msg: fmt.Sprintf("'%s' has no element %s", typeRepr(u.obj), pyRepr(u.name))}
}

func undefinedName(name string) *Undefined { return &Undefined{name: name} }

func undefinedAttr(obj any, name any) *Undefined {
	if u, ok := obj.(*Undefined); ok {
		return u
	}
	return &Undefined{obj: obj, hasObj: true, name: name}
}

// typeRepr is Jinja's object_type_repr.
func typeRepr(v any) string {
	if v == nil {
		return "None"
	}
	return pyTypeName(v) + " object"
}

// pyTypeName names v's type as Python would.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, int64, int32:
		return "int"
	case float64, float32:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case tuple:
		return "tuple"
	case map[string]any, Mapping:
		return "dict"
	case *Undefined:
		return "AnsibleUndefined"
	case *macro, builtinFunc:
		return "function"
	case *loopInfo:
		return "LoopContext"
	}
	return fmt.Sprintf("%T", v)
}

// tuple is a Python tuple: it behaves as a list but reads as (a, b).
type tuple []any

// normalize converts Go values given by callers to the engine's value set:
// nil, bool, int, float64, string, []any, map[string]any, Mapping.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, bool, int, float64, string, []any, map[string]any:
		return v
	case tuple:
		return []any(x)
	case int64:
		return int(x)
	case int32:
		return int(x)
	case int8:
		return int(x)
	case int16:
		return int(x)
	case uint:
		return int(x)
	case uint8:
		return int(x)
	case uint16:
		return int(x)
	case uint32:
		return int(x)
	case uint64:
		return int(x)
	case float32:
		return float64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[fmt.Sprint(k)] = s
		}
		return out
	}
	return v
}

// sortedKeys returns a map's keys in a deterministic (sorted) order; Go maps
// do not keep YAML's insertion order.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mappingKeys(v any) ([]string, bool) {
	switch m := v.(type) {
	case map[string]any:
		return sortedKeys(m), true
	case Mapping:
		return m.Keys(), true
	}
	return nil, false
}

// truth is Python's bool(); Undefined fails.
func truth(v any) (bool, error) {
	switch x := normalize(v).(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case int:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case string:
		return x != "", nil
	case []any:
		return len(x) > 0, nil
	case map[string]any:
		return len(x) > 0, nil
	case Mapping:
		return len(x.Keys()) > 0, nil
	case *Undefined:
		if x.plain {
			return false, nil
		}
		return false, x.err()
	}
	return true, nil
}

// toText is Python's str() as used by Jinja's output and the ~ operator.
func toText(v any) (string, error) {
	switch x := normalize(v).(type) {
	case string:
		return x, nil
	case *Undefined:
		if x.plain {
			return "", nil
		}
		return "", x.err()
	}
	if err := checkDefined(v); err != nil {
		return "", err
	}
	return pyStr(v), nil
}

// checkDefined fails on the first Undefined inside v (Ansible's _fail_on_undefined).
func checkDefined(v any) error {
	switch x := normalize(v).(type) {
	case *Undefined:
		return x.err()
	case []any:
		for _, e := range x {
			if err := checkDefined(e); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, e := range x {
			if err := checkDefined(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// pyStr is Python's str(v).
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyRepr(v)
}

// pyRepr is Python's repr(v).
func pyRepr(v any) string {
	var b strings.Builder
	writeRepr(&b, v)
	return b.String()
}

func writeRepr(b *strings.Builder, v any) {
	if t, ok := v.(tuple); ok {
		b.WriteByte('(')
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e)
		}
		if len(t) == 1 {
			b.WriteByte(',')
		}
		b.WriteByte(')')
		return
	}
	switch x := normalize(v).(type) {
	case nil:
		b.WriteString("None")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(pyFloat(x))
	case string:
		writeStrRepr(b, x)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				b.WriteString(", ")
			}
			writeStrRepr(b, k)
			b.WriteString(": ")
			writeRepr(b, x[k])
		}
		b.WriteByte('}')
	case Mapping:
		b.WriteByte('{')
		for i, k := range x.Keys() {
			if i > 0 {
				b.WriteString(", ")
			}
			writeStrRepr(b, k)
			b.WriteString(": ")
			val, _ := x.Get(k)
			writeRepr(b, val)
		}
		b.WriteByte('}')
	case *Undefined:
		b.WriteString("AnsibleUndefined")
	case *macro:
		fmt.Fprintf(b, "<Macro '%s'>", x.def.Name)
	default:
		fmt.Fprintf(b, "%v", x)
	}
}

func writeStrRepr(b *strings.Builder, s string) { b.WriteString(pyfmt.QuoteString(s)) }

// pyFloat formats f as Python's repr(float).
func pyFloat(f float64) string { return pyfmt.Float(f) }

// pyEqual is Python's ==.
func pyEqual(a, b any) bool {
	a, b = normalize(a), normalize(b)
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool, int, float64:
		if fa, ok := numberOf(a); ok {
			if fb, ok := numberOf(b); ok {
				return fa == fb
			}
		}
		return false
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !pyEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any, Mapping:
		ka, _ := mappingKeys(a)
		kb, ok := mappingKeys(b)
		if !ok || len(ka) != len(kb) {
			return false
		}
		for _, k := range ka {
			va, _ := getKey(a, k)
			vb, ok := getKey(b, k)
			if !ok || !pyEqual(va, vb) {
				return false
			}
		}
		return true
	case *Undefined:
		_, ok := b.(*Undefined)
		return ok
	}
	return a == b
}

func getKey(m any, k string) (any, bool) {
	switch x := m.(type) {
	case map[string]any:
		v, ok := x[k]
		return v, ok
	case Mapping:
		return x.Get(k)
	}
	return nil, false
}

// numberOf returns v as float64 when v is a Python number (bool included).
func numberOf(v any) (float64, bool) {
	switch x := normalize(v).(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// pyCompare orders a and b as Python's < does; ok is false for unorderable types.
func pyCompare(a, b any) (int, error) {
	a, b = normalize(a), normalize(b)
	if u, ok := a.(*Undefined); ok {
		return 0, u.err()
	}
	if u, ok := b.(*Undefined); ok {
		return 0, u.err()
	}
	if ia, ok := a.(int); ok {
		if ib, ok := b.(int); ok {
			return cmpInt(ia, ib), nil
		}
	}
	if fa, ok := numberOf(a); ok {
		if fb, ok := numberOf(b); ok {
			switch {
			case fa < fb:
				return -1, nil
			case fa > fb:
				return 1, nil
			}
			return 0, nil
		}
	}
	if sa, ok := a.(string); ok {
		if sb, ok := b.(string); ok {
			return strings.Compare(sa, sb), nil
		}
	}
	if la, ok := a.([]any); ok {
		if lb, ok := b.([]any); ok {
			for i := 0; i < len(la) && i < len(lb); i++ {
				if pyEqual(la[i], lb[i]) {
					continue
				}
				return pyCompare(la[i], lb[i])
			}
			return cmpInt(len(la), len(lb)), nil
		}
	}
	return 0, fmt.Errorf("'<' not supported between instances of '%s' and '%s'", pyTypeName(a), pyTypeName(b))
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// toList iterates v as Python's list(v) would: lists as-is, dicts by key,
// strings by character.
func toList(v any) ([]any, error) {
	switch x := normalize(v).(type) {
	case []any:
		return x, nil
	case map[string]any, Mapping:
		keys, _ := mappingKeys(x)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	case string:
		out := make([]any, 0, len(x))
		for _, r := range x {
			out = append(out, string(r))
		}
		return out, nil
	case *Undefined:
		return nil, x.err()
	}
	return nil, fmt.Errorf("'%s' object is not iterable", pyTypeName(v))
}

// toMap returns a dict value as map[string]any (materialising a Mapping).
func toMap(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case Mapping:
		out := map[string]any{}
		for _, k := range x.Keys() {
			out[k], _ = x.Get(k)
		}
		return out, true
	}
	return nil, false
}

func isMapping(v any) bool {
	switch v.(type) {
	case map[string]any, Mapping:
		return true
	}
	return false
}

func toInt(v any) (int, bool) {
	switch x := normalize(v).(type) {
	case int:
		return x, true
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case float64:
		return int(x), true
	}
	return 0, false
}
