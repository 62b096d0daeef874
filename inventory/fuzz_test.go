package inventory

import (
	"testing"
)

// FuzzParseINI feeds arbitrary bytes to the INI parser (and Python literal
// evaluation, shlex and host ranges through it): it must never panic, and
// a successful parse must leave a consistent inventory.
func FuzzParseINI(f *testing.F) {
	for _, s := range []string{
		"[g]\nh1 a=1 b='x y' c=[1,2]\n[g:vars]\nv={'a': (1, 2)}\n",
		"[p:children]\nc\n[c]\nn[01:10:3] x=\"a\\\"b\"\n",
		"h[a:c]:22 # c\n; c\n[g:vars]\nx = 0x1F # y\n",
		"[a:children]\nb\n[b:children]\na\n",
		"h1 x=b'\\xff' y=u'\\u00e9' z=-(1)\n[foo\n",
		"[::1]:22\nfe80::[1:3]\n10.0.0.[1:3]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv := New()
		if err := inv.parseINI("fuzz.ini", data, inv.addressPatterns()); err != nil {
			return
		}
		inv.reconcile()
		all := inv.Groups()["all"]
		for _, h := range inv.Hosts() {
			_ = inv.Vars(h.Name)
			_ = inv.GroupNames(h.Name)
		}
		if len(all) != len(inv.Hosts()) {
			t.Fatalf("groups[all] has %d hosts, Hosts() %d", len(all), len(inv.Hosts()))
		}
	})
}

// FuzzPattern evaluates arbitrary host patterns and limits: no panics,
// and results are always inventory hosts without duplicates.
func FuzzPattern(f *testing.F) {
	for _, s := range []string{
		"all", "*", "web*:&db:!x", "~^w[0-9]+", "g[0]", "g[-1]", "g[1:]", "g[0:2]", "a,b,c",
		"[::1]", "h[1:3]", "!&", "~(", "g[1-2]", "localhost", "::1", "&", "!", ":", ",", "[", "]",
	} {
		f.Add(s, "")
		f.Add("all", s)
	}
	base, err := Load([]string{"testdata/swarm.ini"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, pattern, limit string) {
		inv := base
		if limit != "" && limit[0] == '@' {
			return // no file reads
		}
		if err := inv.SetLimit(limit); err != nil {
			return
		}
		defer inv.SetLimit("")
		hs, err := inv.Select(pattern)
		if err != nil {
			return
		}
		seen := map[*Host]bool{}
		for _, h := range hs {
			if seen[h] {
				t.Fatalf("Select(%q) returned %s twice", pattern, h.Name)
			}
			seen[h] = true
			if got, ok := inv.Host(h.Name); !ok || got != h {
				t.Fatalf("Select(%q) returned unknown host %s", pattern, h.Name)
			}
		}
	})
}

// FuzzParseYAML feeds arbitrary YAML to the YAML inventory plugin.
func FuzzParseYAML(f *testing.F) {
	f.Add([]byte("all:\n  hosts:\n    a[1:3]:\n      x: yes\n  children:\n    g:\n      hosts: b\n      vars: {p: 0644}\n"))
	f.Add([]byte("g:\n  children:\n    g:\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		inv := New()
		doc, err := parseYAMLDoc(data, "fuzz.yml")
		if err != nil {
			return
		}
		if err := inv.parseYAMLInventory("fuzz.yml", data, doc, inv.addressPatterns()); err != nil {
			return
		}
		inv.reconcile()
		for _, h := range inv.Hosts() {
			_ = inv.Vars(h.Name)
		}
	})
}
