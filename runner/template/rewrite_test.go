package template

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestRewrittenExpressions(t *testing.T) {
	e := New(Options{})
	cases := []struct {
		src  string
		want any
	}{
		// Test calls with keyword arguments and dotted names.
		{"{{ '1.0a1' is version('1.0', '<', strict=true) }}", true},
		{"{{ '2.1' is version('2.0', operator='ge') }}", true},
		{"{{ '2.1' is version(version='2.2', operator='ge') }}", false},
		{"{{ '2.1' is not version('2.0', 'ge', strict=true) }}", false},
		{"{{ '2.1' is ansible.builtin.version('2.0', 'gt') }}", true},
		{"{{ '2.1' is not ansible.builtin.version('2.0', 'gt') }}", false},
		{"{{ 'Hello' is match('h', ignorecase=true) }}", true},
		{"{{ 10 is divisibleby(num=5) }} {{ 'a' is in(seq='abc') }} {{ [1] is subset(b=[1, 2]) }}", "True True True"},
		{"{{ ['0.9', '1.1'] | select('version', '1.0', operator='gt') | list }}", []any{"1.1"}},
		{"{{ ['0.9', '1.1'] | reject('version', '1.0', '>', strict=true) | list }}", []any{"0.9"}},
		{"{% if '1.2' is version('1.0', '>=', strict=true) %}yes{% endif %}", "yes"},
		{"{% for v in ['1.0', '2.0'] if v is version('1.5', operator='>') %}{{ v }}{% endfor %}", "2.0"},
		// Forms that parsed before stay as they were.
		{"{{ 9 is divisibleby 3 }}", true},
		{"{{ x is defined and t }}", true},
		{"{{ x in (1, 2, 5) }}", true},
		{"{{ x is sameas(5) }}", true},
		// Keywords followed by a newline or a bracket.
		{"{{ x is\ndefined and\nt }}", true},
		{"{{ 'a' in('abc') }}", true},
		{"{{ 'a' is not in('abc') }}", false},
		{"{{ x +\n1 }} {{ [1,\n'a'] }}", "6 [1, 'a']"},
		{"{{ d.in is defined }}", false},
		// Conditional expressions inside brackets.
		{"{{ (1 if t else 2) + 1 }}", "2"},
		{"{{ [1 if n else 2, 3] }}", []any{2, 3}},
		{"{{ dict(a='y' if t else 'n') }}", map[string]any{"a": "y"}},
		{"{{ {'k': 'v' if t else 'w'} }}", map[string]any{"k": "v"}},
		{"{{ (1 if not t else 2 if t else 3) + 0 }}", "2"},
		{"{{ l | join('-' if t else '+') }}", "1-2-3"},
		{"{{ l[0 if t else 1] }}", "1"},
		{"{{ (nope if false else 'b') }}", "b"},
		{"{{ (1 if false) is defined }}", false},
		{"{{ (1 if false) }}", ""},
		{"{{ ((1, 2) if t else (3,)) | list }}", []any{1, 2}},
	}
	for _, c := range cases {
		got, err := e.Render(context.Background(), c.src, testVars())
		if err != nil {
			t.Errorf("Render(%q): %v", c.src, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Render(%q) = %#v, want %#v", c.src, got, c.want)
		}
	}
}

func TestRewrittenExpressionErrors(t *testing.T) {
	e := New(Options{})
	cases := []struct {
		src       string
		want      string
		line, col int // of a *SyntaxError; 0 when the error is not one
	}{
		{"{{ x is version('1', strict=) }}", "expected", 1, 29},
		{"{{ x is\n version('1',\n  k=) }}", "expected", 3, 5},
		{"{{ x is ansible.builtin. }}", "expected", 1, 24},
		{"{{ (x if t else) }}", "Unbalanced parenthesis", 1, 4},
		{"{{ (x if) }}", "Unbalanced parenthesis", 1, 4},
		{"{{ '1' is version('1', bogus=1) }}", "version() got an unexpected keyword argument 'bogus'", 0, 0},
		{"{{ 4 is even(n=1) }}", "even() got an unexpected keyword argument 'n'", 0, 0},
		{"{{ 4 is divisibleby(2, num=2) }}", "multiple values for argument 'num'", 0, 0},
		{"{{ l | select('odd', x=1) | list }}", "odd() got an unexpected keyword argument 'x'", 0, 0},
		{"{{ '1' is version('1', '<', strict=true, version_type='loose') }}", "Cannot specify both", 0, 0},
		{"{{ ('a' if false) + 1 }}", "no else section", 0, 0},
	}
	for _, c := range cases {
		_, err := e.Render(context.Background(), c.src, testVars())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Render(%q) error = %v, want containing %q", c.src, err, c.want)
			continue
		}
		var se *SyntaxError
		if c.line == 0 {
			if errors.As(err, &se) {
				t.Errorf("Render(%q): syntax error %v, want an evaluation error", c.src, err)
			}
			continue
		}
		if !errors.As(err, &se) || se.Line != c.line || se.Col != c.col {
			t.Errorf("Render(%q) error = %#v, want a syntax error at line %d column %d", c.src, err, c.line, c.col)
		}
	}
}
