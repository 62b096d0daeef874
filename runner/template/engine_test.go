package template

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// mapScope is a Scope over a plain map.
type mapScope map[string]any

func (m mapScope) Lookup(name string) (any, bool) { v, ok := m[name]; return v, ok }

func testVars() mapScope {
	return mapScope{
		"x":       5,
		"f":       1.5,
		"s":       "hello",
		"name":    "world",
		"t":       true,
		"n":       nil,
		"l":       []any{1, 2, 3},
		"sl":      []any{"b", "a", "c"},
		"d":       map[string]any{"a": 1, "b": "two"},
		"nested":  "{{ s }} {{ name }}",
		"deep":    "{{ nested }}!",
		"undefd":  "{{ nope }}",
		"loop1":   "{{ loop2 }}",
		"loop2":   "{{ loop1 }}",
		"listy":   "[1, 2]",
		"numstr":  "42",
		"users":   []any{map[string]any{"name": "a", "age": 30, "groups": []any{"x", "y"}}, map[string]any{"name": "b", "age": 20, "groups": []any{"z"}}},
		"omit":    "__omit_place_holder__",
		"tmplist": []any{"{{ x }}", "{{ s }}"},
		"result":  map[string]any{"changed": true, "failed": false, "rc": 0},
	}
}

func TestRenderTyping(t *testing.T) {
	e := New(Options{})
	cases := []struct {
		src  string
		want any
	}{
		{"plain", "plain"},
		{"{{ x }}", 5},
		{"{{ f }}", 1.5},
		{"{{ t }}", true},
		{"{{ n }}", nil},
		{"{{ x + 1 }}", "6"},
		{"{{ f * 2 }}", "3.0"},
		{"{{ s }}", "hello"},
		{"{{ l }}", []any{1, 2, 3}},
		{"{{ d }}", map[string]any{"a": 1, "b": "two"}},
		{"{{ x > 1 }}", true},
		{"{{ 'True' }}", true},
		{"{{ listy }}", []any{1, 2}},
		{"{{ numstr }}", "42"},
		{"{{ n.foo | default('z') }}", "z"},
		{"{{ none }}", ""},
		{"[{{ x }}, 2]", []any{5, 2}},
		{"{{ l | to_json }}", "[1, 2, 3]"},
		{"{{ l | string }}", "[1, 2, 3]"},
		{"a {{ l }} b", "a [1, 2, 3] b"},
		{"{{ d.b }} {{ t }} {{ n }}", "two True "},
		{"{{ nested }}", "hello world"},
		{"{{ deep }}", "hello world!"},
		{"{{ tmplist }}", []any{5, "hello"}},
		{"line\n", "line\n"},
		{"{{ s }}\n\n", "hello\n\n"},
		{"{{ [1, 'a', None, True, {'k': 1.0}] | string }}", "[1, 'a', None, True, {'k': 1.0}]"},
		{`{{ "it's" }}`, "it's"},
		{"{{ ['it\\'s'] | string }}", `["it\\'s"]`},
		{"{% if x > 3 %}big{% else %}small{% endif %}", "big"},
		{"{% for i in l %}{{ loop.index }}:{{ i }}{% if not loop.last %},{% endif %}{% endfor %}", "1:1,2:2,3:3"},
		{"{% set y = x * 2 %}{{ y }}", "10"},
		{"{% raw %}{{ x }}{% endraw %}", "{{ x }}"},
		{"a{# comment #}b", "ab"},
		{"{% macro m(a, b='B') %}{{ a }}-{{ b }}{% endmacro %}{{ m('A') }}", "A-B"},
		{"{{ 'yes' if t else 'no' }}", "yes"},
		{"{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }}", "3 -4 1 2 1024 3.5"},
		{"{{ 1 < x < 10 }}", true},
		{"{{ 'a' ~ x ~ n }}", "a5None"},
		{"{{ s[1:3] }} {{ l[-1] }} {{ l[::-1] }}", "el 3 [3, 2, 1]"},
		{"{{ '%s-%03d' % (s, x) }}", "hello-005"},
		{"{{ d.keys() | list }}", []any{"a", "b"}},
		{"{{ s.upper() }} {{ 'a,b'.split(',') }}", "HELLO ['a', 'b']"},
		{"{{ x is defined }} {{ nope is defined }} {{ undefd is defined }} {{ nope is undefined }}", "True False False True"},
		{"{{ 'x' in 'xyz' }} {{ 2 in l }} {{ 'a' in d }} {{ 9 not in l }}", "True True True True"},
		{"{%- if t -%}\n  yes\n{%- endif -%}\n", "yes\n"},
		{"{% if t %}\nyes\n{% endif %}\n", "yes\n"},
		{"{{ 'a\\nb' }}", `a\nb`},
		{"{{ 1e3 }}", "1000.0"},
		{"{{ (1, 2) }}", []any{1, 2}},
		{"{{ {'b': 1, 'a': [True]} }}", map[string]any{"a": []any{true}, "b": 1}},
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

func TestRenderErrors(t *testing.T) {
	e := New(Options{})
	cases := []struct{ src, want string }{
		{"{{ nope }}", "'nope' is undefined"},
		{"{{ d.zzz }}", "'dict object' has no attribute 'zzz'"},
		{"{{ d['zzz'] }}", "'dict object' has no attribute 'zzz'"},
		{"{{ l[7] }}", "'list object' has no element 7"},
		{"{{ nope.a.b }}", "'nope' is undefined"},
		{"{{ undefd }}", "{{ nope }}: 'nope' is undefined"},
		{"{{ loop1 }}", "recursive loop detected in template string: loop1"},
		{"{{ x | nosuchfilter }}", `Could not load "nosuchfilter"`},
		{"{{ x is nosuchtest }}", `Could not load "nosuchtest"`},
		{"{{ x ", "template error while templating string"},
		{"{% if x %}", "template error while templating string"},
		{"{% include 'foo' %}", "template error while templating string"},
		{"{{ 'a' + 1 }}", "can only concatenate str"},
		{"{{ 1 / 0 }}", "division by zero"},
		{"{{ ('a' if false) + 1 }}", "no else section"},
	}
	for _, c := range cases {
		_, err := e.Render(context.Background(), c.src, testVars())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Render(%q) error = %v, want containing %q", c.src, err, c.want)
		}
	}
	if _, err := e.Render(context.Background(), "{{ nope }}", testVars()); err != nil {
		ue := asUndefined(err)
		if ue == nil || ue.Name != "nope" {
			t.Errorf("want *UndefinedError naming nope, got %#v", err)
		}
	}
}

func TestTruth(t *testing.T) {
	var warned []string
	e := New(Options{Warn: func(m string) { warned = append(warned, m) }})
	cases := []struct {
		expr string
		want bool
	}{
		{"t", true},
		{"x == 5", true},
		{"x > 10", false},
		{"s", true},
		{"n", false},
		{"l", true},
		{"nope is defined", false},
		{"nope is not defined", true},
		{"nope is undefined", true},
		{"not nope is defined", true},
		{"undefd is defined", false},
		{"x is defined and nope is defined", false},
		{"result is changed", true},
		{"result is failed", false},
		{"result is succeeded", true},
		{"'hello' in s", true},
		{"{{ t }}", true},
		{"{{ x > 100 }}", false},
		{"d.a == 1", true},
		{"numstr | int > 40", true},
		{"'false'", true},
		{"False", false},
	}
	for _, c := range cases {
		got, err := e.Truth(context.Background(), c.expr, testVars())
		if err != nil {
			t.Errorf("Truth(%q): %v", c.expr, err)
			continue
		}
		if got != c.want {
			t.Errorf("Truth(%q) = %v, want %v", c.expr, got, c.want)
		}
	}
	if len(warned) != 2 {
		t.Errorf("want 2 warnings for {{ }} conditionals, got %v", warned)
	}
	if _, err := e.Truth(context.Background(), "nope == 1", testVars()); err == nil || !strings.Contains(err.Error(), "error while evaluating conditional (nope == 1): 'nope' is undefined") {
		t.Errorf("Truth on undefined: %v", err)
	}
}

func TestEvalCheckRenderText(t *testing.T) {
	e := New(Options{})
	ctx := context.Background()
	v, err := e.Eval(ctx, "x + 1", testVars())
	if err != nil || v != 6 {
		t.Errorf("Eval = %#v, %v", v, err)
	}
	if v, err := e.Eval(ctx, "'a' if x > 9 else 'b'", testVars()); err != nil || v != "b" {
		t.Errorf("Eval conditional = %#v, %v", v, err)
	}
	if _, err := e.Eval(ctx, "nope", testVars()); err == nil {
		t.Errorf("Eval of undefined name should fail")
	}
	if err := e.Check("{{ x | default(1) }}"); err != nil {
		t.Errorf("Check: %v", err)
	}
	err = e.Check("hello {{ x + }}")
	var se *SyntaxError
	if err == nil || !strings.Contains(err.Error(), "String: hello {{ x + }}") {
		t.Errorf("Check syntax error = %v", err)
	} else if !asSyntax(err, &se) {
		t.Errorf("want *SyntaxError, got %T", err)
	}
	out, err := e.RenderText(ctx, "a={{ x }}\n{% for i in l %}\n- {{ i }}\n{% endfor %}\n{{ 'a\\tb' }}\n", testVars())
	if err != nil || out != "a=5\n- 1\n- 2\n- 3\na\tb\n" {
		t.Errorf("RenderText = %q, %v", out, err)
	}
	s, err := e.RenderString(ctx, "{{ l }}", testVars())
	if err != nil || s != "[1, 2, 3]" {
		t.Errorf("RenderString = %q, %v", s, err)
	}
	rv, err := e.RenderValue(ctx, map[string]any{"a": "{{ x }}", "b": []any{"{{ s }}", 1}}, testVars())
	want := map[string]any{"a": 5, "b": []any{"hello", 1}}
	if err != nil || !reflect.DeepEqual(rv, want) {
		t.Errorf("RenderValue = %#v, %v", rv, err)
	}
	if !IsTemplate("a {# b") || IsTemplate("a { b } %}") {
		t.Errorf("IsTemplate")
	}
}

func asSyntax(err error, se **SyntaxError) bool {
	s, ok := err.(*SyntaxError)
	*se = s
	return ok
}

// lazyMap is a Mapping that counts reads.
type lazyMap struct {
	data  map[string]any
	reads int
}

func (m *lazyMap) Get(k string) (any, bool) { m.reads++; v, ok := m.data[k]; return v, ok }
func (m *lazyMap) Keys() []string           { return sortedKeys(m.data) }

func TestMappingIsLazy(t *testing.T) {
	e := New(Options{})
	hv := &lazyMap{data: map[string]any{
		"h1": &lazyMap{data: map[string]any{"ip": "10.0.0.{{ x }}", "bad": "{{ nope }}"}},
		"h2": map[string]any{"ip": "b"},
	}}
	s := mapScope{"hostvars": hv, "x": 7}
	got, err := e.Render(context.Background(), "{{ hostvars['h1'].ip }} {{ hostvars.h1.bad }}", s)
	if err != nil || got != "10.0.0.7 {{ nope }}" {
		t.Errorf("got %#v, %v", got, err)
	}
	if hv.reads != 2 {
		t.Errorf("hostvars read %d times, want 2", hv.reads)
	}
	got, err = e.Render(context.Background(), "{{ hostvars | length }} {{ 'h2' in hostvars }}", s)
	if err != nil || got != "2 True" {
		t.Errorf("got %#v, %v", got, err)
	}
}
