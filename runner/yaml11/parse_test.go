package yaml11

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestUnmarshal(t *testing.T) {
	cases := []struct {
		name, src string
		want      any
	}{
		{"empty", "", nil},
		{"comment only", "# nothing\n", nil},
		{"scalars", "a: yes\nb: '0644'\nc: 0644\nd: ~\ne:\n", map[string]any{"a": true, "b": "0644", "c": 420, "d": nil, "e": nil}},
		{"list", "- 1\n- x\n- [a, 2]\n", []any{1, "x", []any{"a", 2}}},
		{"non-string keys", "5: a\ntrue: b\n~: c\n2.5: d\n1: e\n", map[string]any{"5": "a", "True": "e", "None": "c", "2.5": "d"}},
		{"alias", "a: &x [1, 2]\nb: *x\n", map[string]any{"a": []any{1, 2}, "b": []any{1, 2}}},
		{"merge", "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n", map[string]any{"base": map[string]any{"x": 1, "y": 2}, "m": map[string]any{"x": 1, "y": 3}}},
		{"merge list precedence", "m:\n  <<: [{a: 1}, {a: 2, b: 2}]\n", map[string]any{"m": map[string]any{"a": 1, "b": 2}}},
		{"literal", "s: |\n  a\n  b\n", map[string]any{"s": "a\nb\n"}},
		{"unsafe", "s: !unsafe '{{ x }}'\n", map[string]any{"s": "{{ x }}"}},
		{"str tag", "s: !!str 0644\n", map[string]any{"s": "0644"}},
		{"duplicate last wins", "a: 1\na: 2\n", map[string]any{"a": 2}},
		{"templated value", "cmd: echo {{ x }}\n", map[string]any{"cmd": "echo {{ x }}"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Unmarshal([]byte(c.src), "f.yml")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestPositionsAndOrder(t *testing.T) {
	src := "- name: x\n  debug:\n    msg: hi\n  when: yes\n"
	docs, err := Parse([]byte(src), "p.yml")
	if err != nil {
		t.Fatal(err)
	}
	task := docs[0].Items[0]
	if task.Pos != (Pos{"p.yml", 1, 3}) {
		t.Errorf("task pos %v", task.Pos)
	}
	var keys []string
	for _, k := range task.Keys {
		keys = append(keys, KeyString(k))
	}
	if strings.Join(keys, ",") != "name,debug,when" {
		t.Errorf("keys %v", keys)
	}
	if p := task.Get("debug").Get("msg").Pos; p != (Pos{"p.yml", 3, 10}) {
		t.Errorf("msg pos %v", p)
	}
	if w := task.Get("when"); w.Scalar != true || w.Pos.Line != 4 || w.Pos.Col != 9 {
		t.Errorf("when %+v", w)
	}
}

func TestDuplicateWarning(t *testing.T) {
	var warns []string
	docs, err := ParseWarn([]byte("x: 0\nm:\n  a: 1\n  b: 2\n  a: 3\n"), "/p/v.yml", func(m string) { warns = append(warns, m) })
	if err != nil {
		t.Fatal(err)
	}
	want := "While constructing a mapping from /p/v.yml, line 3, column 3, found a duplicate dict key (a). Using last defined value only."
	if len(warns) != 1 || warns[0] != want {
		t.Errorf("warnings %q", warns)
	}
	m := docs[0].Get("m")
	if len(m.Keys) != 2 || KeyString(m.Keys[0]) != "a" || m.Values[0].Scalar != 3 {
		t.Errorf("duplicate resolution: %#v", m.Value())
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"bad indentation", "a: 1\nb: 2\n- c\n", 3, "Syntax Error while loading YAML."},
		{"undefined alias", "a: *nope\n", 1, "undefined alias"},
		{"vault", "a: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n", 1, "vault"},
		{"bad merge", "a:\n  <<: 3\n", 2, "expected a mapping or list of mappings for merging"},
		{"two docs", "a: 1\n---\nb: 2\n", 3, "expected a single document"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Unmarshal([]byte(c.src), "/x/f.yml")
			var ye *Error
			if !errors.As(err, &ye) {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if ye.Line != c.line || !strings.Contains(ye.Msg, c.msg) {
				t.Errorf("got line %d msg %q; want line %d containing %q", ye.Line, ye.Msg, c.line, c.msg)
			}
			if !strings.HasPrefix(err.Error(), "ERROR! ") || !strings.Contains(err.Error(), "^ here") {
				t.Errorf("rendering:\n%s", err)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	src := []byte("- hosts: all\n  tasks:\n  - name: x\n    bogus: 1\n")
	e := NewError(src, Pos{"/path/play.yml", 4, 5}, "'bogus' is not a valid attribute for a Task")
	want := "ERROR! 'bogus' is not a valid attribute for a Task\n" +
		"The error appears to be in '/path/play.yml': line 4, column 5\n" +
		"   3 |   - name: x\n" +
		"   4 |     bogus: 1\n" +
		"     |     ^ here"
	if e.Error() != want {
		t.Errorf("got\n%s\nwant\n%s", e.Error(), want)
	}
}
