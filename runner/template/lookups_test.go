package template

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLookups(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "files"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "templates"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "files", "a.txt"), []byte("  content\n\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "files", "b.conf"), []byte("b"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "templates", "t.j2"), []byte("x={{ x }} y={{ y | default('-') }}\n"), 0o644))
	find := func(subdir, name string) (string, error) {
		if filepath.IsAbs(name) {
			return name, nil
		}
		p := filepath.Join(dir, subdir, name)
		if _, err := os.Stat(p); err != nil {
			return "", err
		}
		return p, nil
	}
	e := New(Options{Find: find})
	ctx := context.Background()
	t.Setenv("SWARMBOOK_TEST_ENV", "envval")
	cases := []struct {
		src  string
		want any
	}{
		{"{{ lookup('file', 'a.txt') }}", "  content"},
		{"{{ lookup('file', 'a.txt', rstrip=false, lstrip=true) }}", "content\n\n"},
		{"{{ lookup('env', 'SWARMBOOK_TEST_ENV') }}", "envval"},
		{"{{ lookup('env', 'SWARMBOOK_NOPE', default='d') }}", "d"},
		{"{{ lookup('template', 't.j2') }}", "x=5 y=-\n"},
		{"{{ lookup('template', 't.j2', template_vars={'y': 2}) }}", "x=5 y=2\n"},
		{"{{ lookup('first_found', ['nope.txt', 'b.conf']) | basename }}", "b.conf"},
		{"{{ lookup('first_found', {'files': ['nope', 'a.txt']}) | basename }}", "a.txt"},
		{"{{ query('first_found', ['nope'], skip=true) }}", []any{}},
		{"{{ query('fileglob', '*.conf') | map('basename') | list }}", []any{"b.conf"}},
		{"{{ lookup('pipe', 'printf \"a b\\n\"') }}", "a b"},
		{"{{ lookup('vars', 'nope', default='dv') }}", "dv"},
		{"{{ query('sequence', 'start=0 end=10 stride=5 format=x%02d') }}", []any{"x00", "x05", "x10"}},
		{"{{ query('sequence', 'count=3') }}", []any{"1", "2", "3"}},
		{"{{ query('sequence', '4') }}", []any{"1", "2", "3", "4"}},
		{"{{ lookup('file', 'missing', errors='ignore') }}", ""},
	}
	for _, c := range cases {
		got, err := e.Render(ctx, c.src, mapScope{"x": 5})
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.src, got, c.want)
		}
	}
	for _, bad := range []string{"{{ lookup('file', 'missing') }}", "{{ lookup('nosuch') }}", "{{ lookup('vars', 'nope') }}", "{{ query('first_found', ['nope']) }}"} {
		if _, err := e.Render(ctx, bad, mapScope{}); err == nil {
			t.Errorf("%s: want error", bad)
		}
	}

	users := []any{
		map[string]any{"name": "a", "keys": []any{"k1", "k2"}},
		map[string]any{"name": "b", "keys": []any{"k3"}},
	}
	loops := []struct {
		name  string
		terms []any
		want  []any
	}{
		{"items", []any{[]any{1, 2}, 3}, []any{1, 2, 3}},
		{"list", []any{[]any{1}, 2}, []any{[]any{1}, 2}},
		{"dict", []any{map[string]any{"a": 1}}, []any{map[string]any{"key": "a", "value": 1}}},
		{"indexed_items", []any{"a", "b"}, []any{tuple{0, "a"}, tuple{1, "b"}}},
		{"together", []any{[]any{1, 2}, []any{"a"}}, []any{[]any{1, "a"}, []any{2, nil}}},
		{"nested", []any{[]any{1, 2}, []any{"a"}}, []any{[]any{1, "a"}, []any{2, "a"}}},
		{"subelements", []any{users, "keys"}, []any{[]any{users[0], "k1"}, []any{users[0], "k2"}, []any{users[1], "k3"}}},
		{"sequence", []any{"2-6/2:n%d"}, []any{"n2", "n4", "n6"}},
	}
	for _, l := range loops {
		got, err := e.Lookup(ctx, l.name, l.terms, nil, mapScope{})
		if err != nil {
			t.Errorf("Lookup(%s): %v", l.name, err)
			continue
		}
		if !reflect.DeepEqual(got, l.want) {
			t.Errorf("Lookup(%s) = %#v, want %#v", l.name, got, l.want)
		}
	}
	if _, err := e.Lookup(ctx, "dict", []any{"x"}, nil, mapScope{}); err == nil || !strings.Contains(err.Error(), "with_dict expects a dict") {
		t.Errorf("dict lookup error = %v", err)
	}
}

func TestRepr(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{[]any{"it's", `a"b`, "x\ny", 1.0, 1e16, 1e-5, 0.1, nil}, `["it's", 'a"b', 'x\ny', 1.0, 1e+16, 1e-05, 0.1, None]`},
		{tuple{1}, "(1,)"},
		{map[string]any{"b": true, "a": []any{}}, "{'a': [], 'b': True}"},
	}
	for _, c := range cases {
		if got := pyRepr(c.v); got != c.want {
			t.Errorf("pyRepr(%#v) = %s, want %s", c.v, got, c.want)
		}
	}
}
