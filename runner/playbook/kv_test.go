package playbook

import (
	"encoding/json"
	"os/exec"
	"reflect"
	"testing"
)

var kvCases = []struct {
	in       string
	checkRaw bool
	want     map[string]any
}{
	{"a=b c=d", false, map[string]any{"a": "b", "c": "d"}},
	{`a="foo bar" b='x y'`, false, map[string]any{"a": "foo bar", "b": "x y"}},
	{"echo hi creates=/tmp/x", true, map[string]any{"_raw_params": "echo hi", "creates": "/tmp/x"}},
	{"chdir=/srv ls -l", true, map[string]any{"_raw_params": "ls -l", "chdir": "/srv"}},
	{"echo a=b", true, map[string]any{"_raw_params": "echo a=b"}},
	{"msg={{ a }}=b", false, map[string]any{"msg": "{{ a }}=b"}},
	{"{{ a }}=b", false, map[string]any{"{{ a }}": "b"}},
	{`msg="hello {{ name | default('x y') }}"`, false, map[string]any{"msg": "hello {{ name | default('x y') }}"}},
	{`a=b\=c`, false, map[string]any{"a": `b\=c`}},
	{`a\=b`, false, map[string]any{"_raw_params": `a=b`}},
	{`=a`, false, map[string]any{"_raw_params": `=a`}},
	{`msg='it''s'`, false, map[string]any{"msg": `it''s`}},
	{`msg="a\nb"`, false, map[string]any{"msg": "a\nb"}},
	{"echo one\necho two", true, map[string]any{"_raw_params": "echo one\necho two"}},
	{"a=1  b=2", false, map[string]any{"a": "1", "b": "2"}},
	{"echo  two  spaces", true, map[string]any{"_raw_params": "echo  two  spaces"}},
	{"flush_handlers", false, map[string]any{"_raw_params": "flush_handlers"}},
	{`cmd="x" \` + "\n" + `y=1`, false, map[string]any{"cmd": "x", "y": "1"}},
	{"{% if x %}a{% endif %} b=c", true, map[string]any{"_raw_params": "{% if x %}a{% endif %} b=c"}},
	{"", false, map[string]any{}},
}

func TestParseKV(t *testing.T) {
	for _, c := range kvCases {
		got, err := ParseKV(c.in, c.checkRaw)
		if err != nil {
			t.Errorf("ParseKV(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseKV(%q, %v) = %#v, want %#v", c.in, c.checkRaw, got, c.want)
		}
	}
	for _, bad := range []string{`a="unterminated`, "{{ x", "  a"} {
		if _, err := ParseKV(bad, false); err == nil {
			t.Errorf("ParseKV(%q): no error", bad)
		}
	}
}

// TestParseKVAgainstAnsible runs the same inputs through Ansible's own
// parse_kv and compares.
func TestParseKVAgainstAnsible(t *testing.T) {
	if exec.Command("/usr/bin/python3", "-c", "import ansible.parsing.splitter").Run() != nil {
		t.Skip("ansible not importable")
	}
	for _, c := range append(kvCases, kvCases[0]) {
		script := `import sys, json
from ansible.parsing.splitter import parse_kv
try:
    print(json.dumps(parse_kv(sys.argv[1], check_raw=sys.argv[2] == "1")))
except Exception as e:
    print(json.dumps({"__error__": str(e)}))`
		raw := "0"
		if c.checkRaw {
			raw = "1"
		}
		out, err := exec.Command("/usr/bin/python3", "-c", script, c.in, raw).Output()
		if err != nil {
			t.Fatal(err)
		}
		var want map[string]any
		if err := json.Unmarshal(out, &want); err != nil {
			t.Fatal(err)
		}
		got, err := ParseKV(c.in, c.checkRaw)
		if _, pyErr := want["__error__"]; pyErr {
			if err == nil {
				t.Errorf("%q: ansible fails, we parse %#v", c.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v (%v), ansible %#v", c.in, got, err, want)
		}
	}
}

func FuzzKV(f *testing.F) {
	for _, c := range kvCases {
		f.Add(c.in, c.checkRaw)
	}
	f.Fuzz(func(t *testing.T, s string, raw bool) {
		a, errA := ParseKV(s, raw)
		b, errB := ParseKV(s, raw)
		if (errA == nil) != (errB == nil) || !reflect.DeepEqual(a, b) {
			t.Fatalf("not deterministic on %q", s)
		}
		if errA != nil {
			return
		}
		for k := range a {
			if k != "_raw_params" && k != "" && (k[0] == ' ' || k[len(k)-1] == ' ') {
				t.Fatalf("key %q not trimmed", k)
			}
		}
	})
}
