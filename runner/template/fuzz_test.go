package template

import (
	"context"
	"testing"
)

func FuzzRender(f *testing.F) {
	seeds := []string{
		"{{ x }}", "{{ l | map('upper') | list }}", "{% for i in l %}{{ loop.index }}{% endfor %}",
		"{% if x %}a{% elif y %}b{% else %}c{% endif %}", "{{ '%s' % x }}", "{{ d.a.b.c }}",
		"{% raw %}{{ x }}{% endraw %}", "{{ 'a\\d' | regex_replace('\\d', 'x') }}", "{#", "{{", "{%",
		"{{ x is version('1.0', '>=') }}", "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1) }}",
		"{{ [1, (2, 3), {'a': none}] }}", "{{ l[::-1] }}{{ s[1:] }}", "{% set a = 1 %}{{ a }}",
		"{{ x is not ansible.builtin.version('1', strict=true) }}", "{{ [(1 if x else 2), {'k': y if s}] }}",
		"{{ x is\nin(l) and\n(s if x else l) }}",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	e := New(Options{})
	f.Fuzz(func(t *testing.T, src string) {
		s := mapScope{"x": 1, "y": "{{ x }}", "s": "str", "l": []any{1, "a"}, "d": map[string]any{"a": nil}, "cyc": "{{ cyc }}"}
		_, _ = e.Render(context.Background(), src, s)
		_, _ = e.RenderText(context.Background(), src, s)
		_, _ = e.Truth(context.Background(), src, s)
		_ = e.Check(src)
	})
}
