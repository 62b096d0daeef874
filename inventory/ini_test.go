package inventory

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// loadString writes content to a file named name in a temp dir and loads it.
func loadString(t *testing.T, name, content string) (*Inventory, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load([]string{p})
}

func mustLoad(t *testing.T, name, content string) *Inventory {
	t.Helper()
	inv, err := loadString(t, name, content)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return inv
}

func TestShlexSplit(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		err  bool
	}{
		{"a b  c", []string{"a", "b", "c"}, false},
		{`x='a b' y="c d"`, []string{"x=a b", "y=c d"}, false},
		{`x="a\"b\\c\d"`, []string{`x=a"b\c\d`}, false},
		{`x=a\ b`, []string{"x=a b"}, false},
		{"a b#c d", []string{"a", "b"}, false},
		{"a '#' b", []string{"a", "#", "b"}, false},
		{"a ''", []string{"a", ""}, false},
		{"a 'b", nil, true},
		{`a \`, nil, true},
	}
	for _, c := range cases {
		got, err := shlexSplit(c.in)
		if (err != nil) != c.err || (!c.err && !reflect.DeepEqual(got, c.want)) {
			t.Errorf("shlexSplit(%q) = %q, %v; want %q (err %v)", c.in, got, err, c.want, c.err)
		}
	}
}

func TestExpandHostPattern(t *testing.T) {
	a := newAddressPatterns()
	cases := []struct {
		in    string
		names []string
		port  int
		err   bool
	}{
		{"web1", []string{"web1"}, -1, false},
		{"web1:2222", []string{"web1"}, 2222, false},
		{"node[01:03]", []string{"node01", "node02", "node03"}, -1, false},
		{"node[1:10:4]", []string{"node1", "node5", "node9"}, -1, false},
		{"db-[a:c]", []string{"db-a", "db-b", "db-c"}, -1, false},
		{"x[1:2]-[a:b]:22", []string{"x1-a", "x1-b", "x2-a", "x2-b"}, 22, false},
		{"10.0.0.[1:3]", []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"}, -1, false},
		{"[::1]:22", []string{"::1"}, 22, false},
		{"fe80::1", []string{"fe80::1"}, -1, false},
		{"n[3:1]", nil, -1, false},
		{"n[:2]", []string{"n0", "n1", "n2"}, -1, false},
		{"n[01:3]", nil, -1, true},
		{"n[1:]", nil, -1, true},
		{"n[c:a]", nil, -1, true},
		{"n[1]", nil, -1, true},
		{"n[0:99999999]", nil, -1, true},
		{"foo_:22", []string{"foo_:22"}, -1, false},
	}
	for _, c := range cases {
		names, port, err := a.expandHostPattern(c.in)
		if (err != nil) != c.err {
			t.Errorf("%q: err %v, want err %v", c.in, err, c.err)
			continue
		}
		if !c.err && (!reflect.DeepEqual(names, c.names) || port != c.port) {
			t.Errorf("%q: got %q port %d, want %q port %d", c.in, names, port, c.names, c.port)
		}
	}
}

func TestINIStructure(t *testing.T) {
	inv := mustLoad(t, "hosts", `
ungrouped1
[swarm:children]
swarm-leader
swarm-worker
[swarm-leader]
m1 ansible_host=1.2.3.4 ansible_port=2222 x='quoted' n=5
[swarm-worker]
w[1:2]:2200
[swarm:vars]
u=vagrant
[swarm-leader:vars]
lead=yes
`)
	groups := inv.Groups()
	want := map[string][]string{
		"all":          {"ungrouped1", "m1", "w1", "w2"},
		"ungrouped":    {"ungrouped1"},
		"swarm":        {"m1", "w1", "w2"},
		"swarm-leader": {"m1"},
		"swarm-worker": {"w1", "w2"},
	}
	if !reflect.DeepEqual(groups, want) {
		t.Errorf("groups = %v, want %v", groups, want)
	}
	v := inv.Vars("m1")
	for k, w := range map[string]any{"ansible_host": "1.2.3.4", "ansible_port": 2222, "x": "quoted", "n": 5, "u": "vagrant", "lead": "yes"} {
		if !reflect.DeepEqual(v[k], w) {
			t.Errorf("m1 %s = %#v, want %#v", k, v[k], w)
		}
	}
	if got := inv.Vars("w2")["ansible_port"]; got != 2200 {
		t.Errorf("w2 ansible_port = %v", got)
	}
	if got := inv.GroupNames("m1"); !reflect.DeepEqual(got, []string{"swarm", "swarm-leader"}) {
		t.Errorf("GroupNames(m1) = %q", got)
	}
	if got := inv.GroupNames("ungrouped1"); !reflect.DeepEqual(got, []string{"ungrouped"}) {
		t.Errorf("GroupNames(ungrouped1) = %q", got)
	}
}

func TestINIErrors(t *testing.T) {
	cases := []struct {
		content string
		line    int
		msg     string
	}{
		{"[ok]\nh1\n\n[foo\n", 4, `invalid section entry: "[foo"`},
		{"[a b]\n", 1, "invalid section entry"},
		{"[g:bogus]\n", 1, "unknown type: bogus"},
		{"[g]\nh1 novalue\n", 2, "Expected key=value host variable assignment, got: novalue"},
		{"[g]\nh1 ; comment\n", 2, "Expected key=value host variable assignment, got: ;"},
		{"[g:vars]\nnoequals\n[g]\n", 2, "Expected key=value, got: noequals"},
		{"[g]\nh1 x='open\n", 2, "No closing quotation"},
		{"[p:children]\nmissing\n", 2, "Section [p:children] includes undefined group: missing"},
		{"[v:vars]\nx=1\n", 1, "Section [v:vars] not valid for undefined group: v"},
		{"[g]\nhost:\n", 2, "ending in ':' is not allowed"},
		{"[g]\n---\n", 2, "'---' is normally a sign this is a YAML file"},
		{"[g]\nn[1:]\n", 2, "host range must specify end value"},
		{"[a:children]\nb\n[b:children]\na\n", 4, "recursive dependency loop"},
	}
	for _, c := range cases {
		_, err := loadString(t, "hosts.ini", c.content)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%q: err = %v, want *ParseError", c.content, err)
			continue
		}
		if pe.Line != c.line || !strings.Contains(pe.Error(), c.msg) || !strings.Contains(pe.Error(), "hosts.ini:") {
			t.Errorf("%q: err = %q (line %d), want line %d and %q", c.content, pe.Error(), pe.Line, c.line, c.msg)
		}
		if pe.Text == "" {
			t.Errorf("%q: error has no source line", c.content)
		}
	}
}

func TestINIPendingChildrenAndVars(t *testing.T) {
	inv := mustLoad(t, "hosts.ini", `
[top:children]
mid
[mid:children]
leaf
[leaf:vars]
x=1
[leaf]
h1
`)
	if got := inv.Groups()["top"]; !reflect.DeepEqual(got, []string{"h1"}) {
		t.Errorf("top = %q", got)
	}
	if got := inv.Vars("h1")["x"]; got != 1 {
		t.Errorf("x = %v", got)
	}
}
