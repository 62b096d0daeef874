package template

import (
	"reflect"
	"testing"
)

// TestLiteralEval checks the template caller's use of pyliteral (whose own
// tests cover the parsing): JSON names are read, non-literals are errors.
func TestLiteralEval(t *testing.T) {
	cases := []struct {
		in   string
		want any
		ok   bool
	}{
		{"[1, true, null, None]", []any{1, true, nil, nil}, true},
		{"{'a': false}", map[string]any{"a": false}, true},
		{"[foo]", nil, false}, {"[1, 2", nil, false},
	}
	for _, c := range cases {
		got, err := literalEval(c.in)
		if (err == nil) != c.ok || c.ok && !reflect.DeepEqual(got, c.want) {
			t.Errorf("literalEval(%q) = %#v, %v; want %#v (ok %v)", c.in, got, err, c.want, c.ok)
		}
	}
}
