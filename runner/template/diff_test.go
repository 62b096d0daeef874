package template

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// diffVars are the play vars of the differential test, as YAML and as Go values.
const diffVarsYAML = `
    x: 5
    f: 1.5
    s: hello
    t: true
    n: null
    l: [1, 2, 3]
    sl: [b, a, c]
    d: {a: 1, b: two}
    nested: "{{ s }} {{ x }}"
    undefd: "{{ nope }}"
    listy: "[1, 2]"
    numstr: "42"
    users:
      - {age: 30, groups: [x, y], name: a}
      - {age: 20, groups: [z], name: b}
    result: {changed: true, failed: false, rc: 0}
    paths: [/etc/hosts, /tmp/a.tar.gz]
    multi: "a\nb"
`

func diffScope() mapScope {
	return mapScope{
		"x": 5, "f": 1.5, "s": "hello", "t": true, "n": nil,
		"l": []any{1, 2, 3}, "sl": []any{"b", "a", "c"},
		"d":      map[string]any{"a": 1, "b": "two"},
		"nested": "{{ s }} {{ x }}", "undefd": "{{ nope }}", "listy": "[1, 2]", "numstr": "42",
		"users": []any{
			map[string]any{"age": 30, "groups": []any{"x", "y"}, "name": "a"},
			map[string]any{"age": 20, "groups": []any{"z"}, "name": "b"},
		},
		"result": map[string]any{"changed": true, "failed": false, "rc": 0},
		"paths":  []any{"/etc/hosts", "/tmp/a.tar.gz"},
		"multi":  "a\nb",
	}
}

// diffTemplates are rendered by both engines (as debug msg) and compared.
var diffTemplates = []string{
	"{{ x }}", "{{ f }}", "{{ t }}", "{{ n }}", "{{ x + 1 }}", "{{ f * 2 }}", "{{ l }}", "{{ d }}",
	"{{ x > 1 }}", "{{ listy }}", "{{ numstr }}", "{{ nested }}", "[{{ x }}, 2]", "{{ l | to_json }}",
	"{{ l | string }}", "a {{ l }} b", "{{ d.b }} {{ t }} {{ n }}", "{{ none }}", "{{ 'True' }}",
	"{{ d | to_nice_json }}", "{{ users | to_yaml }}", "{{ users | to_nice_yaml }}", "{{ d | to_yaml }}",
	"{{ multi | to_yaml }}", "{{ 'yes' | to_yaml }}", "{{ s | to_yaml }}",
	"{{ nope | default('dflt') }}", "{{ '' | default('e', true) }}", "{{ n | default('z') }}",
	"{{ undefd | default('u') }}", "{{ 'yes' | bool }} {{ 'off' | bool }} {{ 1 | bool }}",
	"{{ '42' | int + 1 }}", "{{ 'x' | int }}", "{{ '3.5' | float }}", "{{ l | join(',') }}",
	"{{ 'a b  c' | split }}", "{{ 'a,b' | split(',') }}", "{{ l | first }} {{ l | last }} {{ l | length }}",
	"{{ users | map(attribute='name') | list }}", "{{ sl | map('upper') | list }}",
	"{{ l | select('odd') | list }}", "{{ l | reject('odd') | list }}",
	"{{ users | selectattr('age', 'gt', 25) | map(attribute='name') | list }}",
	"{{ users | rejectattr('name', 'equalto', 'a') | list }}",
	"{{ 'hello world' | regex_replace('o', '0') }}", "{{ 'abc123' | regex_replace('([a-z]+)(\\d+)', '\\2-\\1') }}",
	"{{ 'abc123' | regex_search('\\d+') }}", "{{ 'k=v' | regex_search('(\\w)=(\\w)', '\\1', '\\2') }}",
	"{{ 'a1b2' | regex_findall('\\d') }}", "{{ 'a.b*c' | regex_escape }}", "{{ '{\"a\": [1, 2.5, null]}' | from_json }}",
	"{{ 'a: 1' | from_yaml }}", "{{ '  x  ' | trim }}", "{{ s | upper }} {{ 'ABC' | lower }} {{ s | capitalize }}",
	"{{ 'hello big-world' | title }}", "{{ s | replace('l', 'L') }}", "{{ [1, 2, 2, 3, 1] | unique }}",
	"{{ [1, 2] | union([2, 3]) }}", "{{ [1, 2] | intersect([2, 3]) }}", "{{ [1, 2] | difference([2, 3]) }}",
	"{{ [1, 2] | symmetric_difference([2, 3]) }}", "{{ d | dict2items }}",
	"{{ [{'key': 'a', 'value': 1}] | items2dict }}", "{{ d | combine({'c': 3}) }}",
	"{{ {'a': {'x': 1}} | combine({'a': {'y': 2}}, recursive=true) }}",
	"{{ {'a': [1]} | combine({'a': [2]}, list_merge='append') }}", "{{ [1, [2, [3, None]]] | flatten }}",
	"{{ [1, [2, [3]]] | flatten(levels=1) }}", "{{ l | zip(sl) | list }}", "{{ [1, 2] | zip_longest([3], fillvalue=0) | list }}",
	"{{ \"it's a b\" | quote }}", "{{ s | hash('md5') }}", "{{ s | checksum }}", "{{ s | b64encode }}",
	"{{ 'aGVsbG8=' | b64decode }}", "{{ paths | map('basename') | list }}", "{{ paths | map('dirname') | list }}",
	"{{ paths[1] | splitext }}", "{{ t | ternary('y', 'n') }}", "{{ 'lit' | type_debug }} {{ l | type_debug }} {{ x | type_debug }} {{ d | type_debug }}",
	"{{ l | min }} {{ l | max }} {{ l | sum }}", "{{ sl | sort }}", "{{ users | sort(attribute='age') | map(attribute='name') | list }}",
	"{{ l | reverse | list }}", "{{ d | dictsort }}", "{{ [1, 2] | product(['a']) | list }}",
	"{{ users | subelements('groups') | map('last') | list }}", "{{ s | to_uuid }}", "{{ -3 | abs }}",
	"{{ 2.5 | round }} {{ 3.14159 | round(2) }} {{ 2.1 | round(0, 'ceil') }}", "{{ s | comment }}",
	"{{ multi | indent(2) }}", "{{ 'a b c' | wordcount }}", "{{ s | center(11) }}",
	"{{ 'hello world foo bar' | truncate(9) }}|{{ 'hello world foo bar' | truncate(9, True) }}|{{ 'hello world foo bar' | truncate(9, end='!') }}",
	"{{ 'hello world foo bar' | truncate(14, leeway=0) }}|{{ 'short' | truncate(3) }}|{{ 'abcdefghijkl' | truncate(5, killwords=true, leeway=0) }}|{{ 'äöü äöü äöü' | truncate(6, leeway=0) }}|{{ [1, 2, 3] | truncate(3) }}", "{{ '%s=%d' | format('a', 3) }}",
	"{{ l | batch(2) | list }}", "{{ l | slice(2) | list }}", "{{ users | groupby('age') }}",
	"{{ [0, 1] | map('extract', sl) | list }}", "{{ x is number }} {{ s is string }} {{ d is mapping }} {{ l is sequence }}",
	"{{ s is match('he') }} {{ s is search('ll') }} {{ s is regex('^h.*o$') }}",
	"{{ '1.10' is version('1.9', '>') }} {{ '1.2.3' is version('1.2.3', 'eq', true) }} {{ '1.0a1' is version('1.0', '<', true) }} {{ '2.0.0-rc.1' is version('2.0.0', 'lt', none, 'semver') }}",
	"{{ result is changed }} {{ result is failed }} {{ result is succeeded }}",
	"{{ 2 is in l }} {{ l is contains 2 }} {{ [1] is subset(l) }} {{ l is superset([1]) }}",
	"{{ 'a' is truthy }} {{ '' is falsy }} {{ x is eq 5 }} {{ x is ne 5 }} {{ x is lt 9 }}",
	"{{ 4 is even }} {{ 4 is odd }} {{ 9 is divisibleby 3 }} {{ 'abc' is lower }} {{ 'ABC' is upper }}",
	"{{ '/etc' is abs }} {{ '/etc' is directory }} {{ '/etc/hostname' is file }} {{ '/nonexistent' is exists }}",
	"{{ n is none }} {{ t is boolean }} {{ x is integer }} {{ f is float }} {{ t is sameas true }}",
	"{{ lookup('env', 'HOME') }}", "{{ query('items', [1, 2], 3) }}", "{{ lookup('items', [1, 2], 3) }}",
	"{{ lookup('items', [1], wantlist=true) }}", "{{ lookup('sequence', 'start=1 end=3') }}",
	"{{ query('sequence', '2-10/4:n%02d') }}", "{{ query('dict', d) }}", "{{ query('indexed_items', ['a', 'b']) }}",
	"{{ query('together', [1, 2], ['a']) }}", "{{ query('nested', [1, 2], ['a', 'b']) }}",
	"{{ lookup('pipe', 'echo hi') }}", "{{ lookup('vars', 's') }}", "{{ lookup('list', [1, 2]) }}",
	"{% for u in users %}{{ u.name }}{{ loop.index }}{% if not loop.last %},{% endif %}{% endfor %}",
	"{% set ns = namespace(c=0) %}{% for i in l %}{% set ns.c = ns.c + i %}{% endfor %}{{ ns.c }}",
	"{% macro m(a, b='B') %}{{ a }}-{{ b }}{% endmacro %}{{ m('A') }} {{ m(1, b=2) }}",
	"{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }} {{ 1e3 }} {{ 0.1 + 0.2 }}",
	"{{ s[1:3] }} {{ l[-1] }} {{ l[::-1] }} {{ '%s-%03d' % (s, x) }}", "{{ d.keys() | list }} {{ d.items() | list }}",
	"{{ 'a\\\\b' }}", "x\\y {{ 'a\\\\tb' }}", "{{ s ~ x ~ n }}", "{{ [s, x, n, t, f] }}", "{{ {'k': n} }}",
	"{{ nope }}", "{{ d.zzz }}", "{{ undefd }}", "{{ l[9] }}", "{{ 'a' + 1 }}", "{{ x | mandatory }}",
	"{{ nope | mandatory }}", "{{ range(3) | list }}", "{{ dict(a=1) }}", "{{ 'a' if t else 'b' }}",
	"{{ users[0]['groups'] | join(' ') }}", "{{ 'x' * 3 }}", "{{ [1, 2] + [3] }}", "{{ 'Hello %s' % s }}",
	// Test calls with keyword arguments (rewrite.go), alone, negated, in
	// select/reject and in if statements.
	"{{ '1.0a1' is version('1.0', '<', strict=true) }} {{ '2.1' is version('2.0', operator='ge') }} {{ '2.1' is version(version='2.0', operator='lt') }} {{ '1.2.3' is version('1.2.4', 'lt', strict=true) }}",
	"{{ '2.0.0-rc.1' is version('2.0.0', 'lt', version_type='semver') }} {{ '1.10' is version('1.9', '>', version_type='loose') }} {{ '1.0' is ansible.builtin.version('1.0', 'eq') }}",
	"{{ '2.1' is not version('2.0', 'ge', strict=true) }} {{ not '2.1' is version('2.0', operator='ge') }} {{ '1' is not ansible.builtin.version('2', '<') }}",
	"{{ ['0.9', '1.1', '2.0'] | select('version', '1.0', '>') | list }} {{ ['0.9', '1.1', '2.0'] | select('version', '1.0', '>', strict=true) | list }} {{ ['0.9', '1.1', '2.0'] | reject('version', '1.0', operator='gt') | list }}",
	"{{ users | selectattr('name', 'match', 'A', ignorecase=true) | map(attribute='age') | list }} {{ sl | reject('search', 'B', ignorecase=true) | list }}",
	"{% if '1.2' is version('1', '>=', strict=true) %}yes{% else %}no{% endif %}",
	"{% if '1.2' is version('1.0', '>=', strict=true) %}yes{% else %}no{% endif %} {% if '1.2' is not version('1.0', operator='<', version_type='strict') %}A{% endif %}",
	"{% if (x is divisibleby(num=5) and s is search('L', ignorecase=true)) %}both{% endif %}",
	"{{ '1.0' is version('1.0', '<', strict=true, version_type='loose') }}", "{{ '1.0' is version('1.0', bogus=1) }}",
	"{{ s is match(pattern='H', ignorecase=true) }} {{ 'a' is in(seq='abc') }} {{ l is contains(value=2) }} {{ [1] is subset(b=l) }} {{ l is superset(b=[3]) }}",
	"{{ 'no' is truthy(convert_bool=true) }} {{ 'yes' is falsy(convert_bool=true) }} {{ x is sameas(other=5) }} {{ 'ab' is regex('B$', ignorecase=true, match_type='search') }}",
	"{{ x in (1, 2, 5) }} {{ 3 is in([3]) }} {{ 9 is divisibleby 3 }} {{ x is defined and t }}",
	// Keywords and tokens after a line break (gonja's lexer, repaired in rewrite.go).
	"{{ 'a' is in('abc') }} {{ 'a' is not in('abc') }} {{ x +\n1 }} {{ [1,\n'a'] }} {{ x is\ndefined and\nt }}", "{{ d.in is defined }}",
	// Conditional expressions inside brackets (rewrite.go).
	"{{ (1 if t else 2) }}", "{{ [1 if n else 2, 3] }} {{ dict(a='y' if t else 'n') }} {{ {'k': s if t else x} }}",
	"{{ (1 if not t else 2 if t else 3) }} {{ 'v' ~ ('1' if t else '2') }} {{ l | map('string') | join('-' if t else '+') }}",
	"{{ (1 if false) }}", "{{ 1 if false }}", "x{{ 'a' if n }}y", "{{ (1 if false) + 1 }}", "{{ (1 if false) is defined }} {{ (nope if false else 'b') }} {{ ('a' if t) | upper }}",
}

// diffConditions are evaluated as `when:` by both engines.
var diffConditions = []string{
	"t", "x == 5", "x > 10", "s", "n", "l", "nope is defined", "nope is not defined", "undefd is defined",
	"result is changed", "'hello' in s", "numstr | int > 40", "'false'", "False", "d.a == 1 and not t",
	"nope == 1", "x is defined and nope is defined", "listy", "{{ t }}",
	"'1.2.3' is version('1.2', operator='gt', strict=true)", "s is not search('L', ignorecase=false)",
	"(x if t else 0) > 3", "s is ansible.builtin.match('h') and x is not version('6', '>=')",
}

type ansibleOutcome struct {
	Msg     any  `json:"msg"`
	Failed  bool `json:"failed"`
	Skipped bool `json:"skipped"`
}

func TestDifferentialAgainstAnsible(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test is slow")
	}
	if _, err := os.Stat("/usr/bin/ansible-playbook"); err != nil {
		t.Skip("/usr/bin/ansible-playbook not installed: differential test skipped")
	}
	dir := t.TempDir()
	var pb strings.Builder
	pb.WriteString("- hosts: localhost\n  gather_facts: false\n  vars:" + diffVarsYAML + "  tasks:\n")
	quote := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	for _, src := range diffTemplates {
		pb.WriteString("    - debug:\n        msg: " + quote(src) + "\n      ignore_errors: true\n")
	}
	for _, c := range diffConditions {
		pb.WriteString("    - debug:\n        msg: ok\n      ignore_errors: true\n      when: " + quote(c) + "\n")
	}
	path := filepath.Join(dir, "pb.yml")
	if err := os.WriteFile(path, []byte(pb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/python3", "/usr/bin/ansible-playbook", "-i", "localhost,", "-c", "local", path)
	cmd.Env = append(os.Environ(), "ANSIBLE_STDOUT_CALLBACK=json", "ANSIBLE_NOCOLOR=1",
		"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3", "ANSIBLE_LOCALHOST_WARNING=false", "ANSIBLE_RETRY_FILES_ENABLED=false")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil && len(out) == 0 {
		t.Fatalf("ansible-playbook: %v", err)
	}
	var doc struct {
		Plays []struct {
			Tasks []struct {
				Hosts map[string]ansibleOutcome `json:"hosts"`
			} `json:"tasks"`
		} `json:"plays"`
	}
	if i := strings.IndexByte(string(out), '{'); i > 0 {
		out = out[i:]
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("decoding ansible output: %v\n%s", err, out)
	}
	tasks := doc.Plays[0].Tasks
	if len(tasks) != len(diffTemplates)+len(diffConditions) {
		t.Fatalf("got %d task results, want %d", len(tasks), len(diffTemplates)+len(diffConditions))
	}
	e := New(Options{})
	ctx := context.Background()
	for i, src := range diffTemplates {
		want := tasks[i].Hosts["localhost"]
		got, err := e.Render(ctx, src, diffScope())
		if want.Failed {
			if err == nil {
				t.Errorf("%q: ansible failed (%v), we returned %#v", src, want.Msg, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: ansible gave %#v, we failed: %v", src, want.Msg, err)
			continue
		}
		if !jsonEqual(got, want.Msg) {
			t.Errorf("%q:\n ansible %#v\n     ours %#v", src, want.Msg, got)
		}
	}
	for i, c := range diffConditions {
		want := tasks[len(diffTemplates)+i].Hosts["localhost"]
		got, err := e.Truth(ctx, c, diffScope())
		switch {
		case want.Failed:
			if err == nil {
				t.Errorf("when %q: ansible failed (%v), we returned %v", c, want.Msg, got)
			}
		case err != nil:
			t.Errorf("when %q: ansible skipped=%v, we failed: %v", c, want.Skipped, err)
		case got == want.Skipped:
			t.Errorf("when %q: ansible skipped=%v, we said %v", c, want.Skipped, got)
		}
	}
}

// jsonEqual compares values after a JSON round trip (Ansible's output is JSON).
func jsonEqual(ours, theirs any) bool {
	b, err := json.Marshal(ours)
	if err != nil {
		return false
	}
	var o any
	if json.Unmarshal(b, &o) != nil {
		return false
	}
	return reflect.DeepEqual(o, theirs)
}
