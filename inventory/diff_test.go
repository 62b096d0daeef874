package inventory

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
)

// oracleDrop are the magic variables VariableManager adds that are not
// inventory variables.
var oracleDrop = []string{"ansible_config_file", "ansible_facts", "ansible_playbook_python",
	"ansible_version", "groups", "omit", "playbook_dir"}

type oracleResult struct {
	Hosts    []string                  `json:"hosts"`
	Groups   map[string][]string       `json:"groups"`
	Vars     map[string]map[string]any `json:"vars"`
	Patterns map[string]any            `json:"patterns"`
}

// runOracle asks Debian's Ansible (through its Python API, the same code
// ansible-inventory and ansible --list-hosts run) for hosts, groups,
// merged vars and pattern selections.
func runOracle(t *testing.T, req map[string]any) oracleResult {
	t.Helper()
	if _, err := os.Stat("/usr/bin/ansible-inventory"); err != nil {
		t.Skip("ansible-inventory not installed: no oracle")
	}
	req["drop"] = oracleDrop
	b, _ := json.Marshal(req)
	cmd := exec.Command("/usr/bin/python3", "testdata/oracle.py", string(b))
	cmd.Env = append(os.Environ(), "ANSIBLE_LOCALHOST_WARNING=0", "ANSIBLE_INVENTORY_UNPARSED_WARNING=0")
	cmd.Dir = t.TempDir()
	abs, _ := filepath.Abs("testdata/oracle.py")
	cmd.Args[1] = abs
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle: %v\n%s", err, out)
	}
	var res oracleResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("oracle output: %v\n%s", err, out)
	}
	return res
}

// normalize round-trips v through JSON so Go and Python values compare.
func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func names(hs []*Host) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Name
	}
	return out
}

var diffPatterns = []string{
	"all", "*", "swarm", "swarm-worker", "swarm-*", "*.lab", "web*", "~^worker0[12]", "~db",
	"swarm:web", "swarm,web", "swarm:&swarm-manager", "swarm:!swarm-worker", "!swarm-worker",
	"&swarm", "swarm-worker[0]", "swarm-worker[-1]", "swarm-worker[1:]", "swarm-worker[0:2]",
	"swarm[1:3]", "swarm-worker[0:0]", "ungrouped", "lonely", "manager1:worker01:manager1",
	"web:!10.1.1.*:&web", "nosuch", "localhost", "127.0.0.1", "10.1.1.[1:5]", "a,b", "?ulk",
	"swarm-worker:!db-[ab].lab", "worker0[1-2]", "all:!lonely", "swarm-manager:swarm-leader",
	"db", "a", "c", "d", "m*", "h[13]", "late", "extra1", "swarm-worker[9]", "~(", "~[", "", "ungr*", "al*",
	"swarm-worker[9:]", "nosuch[0]", "swarm-manager[-2]", "db-a.lab:2200", "lonely[0]", "!lonely", "swarm:&web:!nosuch",
}

func TestDifferentialAnsible(t *testing.T) {
	cases := []struct {
		name      string
		sources   []string
		basedir   string
		localhost bool
		limits    map[string][]string
	}{
		{name: "swarm.ini", sources: []string{"testdata/swarm.ini"}, localhost: true,
			limits: map[string][]string{"swarm-worker:lonely": {"all", "swarm"}, "@testdata/limit.txt": {"all", "swarm-manager"}}},
		{name: "values.ini", sources: []string{"testdata/values.ini"}},
		{name: "inv.yml", sources: []string{"testdata/inv.yml"}},
		{name: "prio.ini", sources: []string{"testdata/prio.ini"}},
		{name: "dirinv", sources: []string{"testdata/dirinv"}},
		{name: "dirinv+play", sources: []string{"testdata/dirinv"}, basedir: "testdata/playdir", localhost: true},
		{name: "multi", sources: []string{"testdata/swarm.ini", "testdata/second.yml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var abs []string
			for _, s := range tc.sources {
				a, _ := filepath.Abs(s)
				abs = append(abs, a)
			}
			req := map[string]any{"sources": abs, "patterns": diffPatterns, "localhost": tc.localhost}
			if tc.basedir != "" {
				b, _ := filepath.Abs(tc.basedir)
				req["basedir"] = b
			}
			if tc.limits != nil {
				lim := map[string][]string{}
				for k, v := range tc.limits {
					if k[0] == '@' {
						a, _ := filepath.Abs(k[1:])
						k = "@" + a
					}
					lim[k] = v
				}
				req["limits"] = lim
			}
			want := runOracle(t, req)

			inv, err := Load(abs)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if tc.basedir != "" {
				if err := inv.AddVarsDir(tc.basedir); err != nil {
					t.Fatal(err)
				}
			}
			if got := names(inv.Hosts()); !reflect.DeepEqual(got, want.Hosts) {
				t.Errorf("hosts:\n got %q\nwant %q", got, want.Hosts)
			}
			if got := inv.Groups(); !reflect.DeepEqual(normalize(t, got), normalize(t, want.Groups)) {
				t.Errorf("groups:\n got %v\nwant %v", got, want.Groups)
			}
			for host, wv := range want.Vars {
				gv := inv.Vars(host)
				g, w := normalize(t, gv).(map[string]any), normalize(t, wv).(map[string]any)
				if !reflect.DeepEqual(g, w) {
					var keys []string
					for k := range w {
						if !reflect.DeepEqual(g[k], w[k]) {
							keys = append(keys, k)
						}
					}
					for k := range g {
						if _, ok := w[k]; !ok {
							keys = append(keys, k)
						}
					}
					sort.Strings(keys)
					for _, k := range keys {
						t.Errorf("vars[%s][%s]: got %#v, want %#v", host, k, g[k], w[k])
					}
				}
			}
			var keys []string
			for _, p := range diffPatterns {
				keys = append(keys, p)
			}
			var limitKeys []string
			for p := range want.Patterns {
				if indexOf(p, " LIMIT ") >= 0 {
					limitKeys = append(limitKeys, p)
				}
			}
			sort.Strings(limitKeys)
			for _, p := range append(keys, limitKeys...) {
				w := want.Patterns[p]
				pattern, limit := p, ""
				if i := indexOf(p, " LIMIT "); i >= 0 {
					pattern, limit = p[:i], p[i+len(" LIMIT "):]
				}
				if err := inv.SetLimit(limit); err != nil {
					t.Fatalf("SetLimit(%q): %v", limit, err)
				}
				hs, err := inv.Select(pattern)
				if s, isErr := w.(string); isErr {
					if err == nil {
						t.Errorf("Select(%q): got %q, want error (%s)", p, names(hs), s)
					}
					continue
				}
				if err != nil {
					t.Errorf("Select(%q): %v", p, err)
					continue
				}
				if got := normalize(t, names(hs)); !reflect.DeepEqual(got, normalize(t, w)) {
					t.Errorf("Select(%q):\n got %q\nwant %v", p, names(hs), w)
				}
			}
			_ = inv.SetLimit("")
		})
	}
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
