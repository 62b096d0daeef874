package pyliteral

import (
	"math"
	"strconv"

	"github.com/swarmbook/swarmbook/runner/pyfmt"
)

// dict builds a map[string]any as Python builds the dict: equal keys (by
// Python's ==, so True, 1 and 1.0 are one key) keep the first key's name
// and the last value.
type dict struct {
	m     map[string]any
	names map[string]string // hash key -> name of the first equal key
}

func newDict() *dict { return &dict{m: map[string]any{}} }

func (d *dict) set(k, v any) error {
	if s, ok := k.(string); ok && d.names == nil {
		d.m[s] = v // only string keys so far: the name is the key
		return nil
	}
	h, err := hashKey(k)
	if err != nil {
		return err
	}
	if d.names == nil { // first non-string key: index the string keys read so far
		d.names = make(map[string]string, len(d.m)+1)
		for s := range d.m {
			d.names["s"+s] = s
		}
	}
	name, seen := d.names[h]
	if !seen {
		name = keyName(k)
		d.names[h] = name
	}
	d.m[name] = v
	return nil
}

// uniq drops the elements of a set equal to an earlier one.
func uniq(elems []any) ([]any, error) {
	seen := make(map[string]bool, len(elems))
	out := elems[:0]
	for _, e := range elems {
		h, err := hashKey(e)
		if err != nil {
			return nil, err
		}
		if !seen[h] {
			seen[h] = true
			out = append(out, e)
		}
	}
	return out, nil
}

// hashKey is a string equal for values Python's == finds equal; lists and
// dicts are unhashable.
func hashKey(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return "s" + x, nil
	case nil:
		return "z", nil
	case bool:
		if x {
			return "n1", nil
		}
		return "n0", nil
	case int:
		return "n" + strconv.Itoa(x), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return "n" + strconv.FormatInt(int64(x), 10), nil
		}
		return "f" + strconv.FormatFloat(x, 'g', -1, 64), nil
	}
	return "", ErrUnhashable
}

// keyName names a non-string dict key as json.dumps does.
func keyName(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case float64:
		return floatRepr(x)
	}
	return ""
}

// floatRepr is Python's repr of a float, with json.dumps's names for the
// infinities and NaN.
func floatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	return pyfmt.Float(f)
}
