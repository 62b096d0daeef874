package inventory

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// ansibleCLI runs one of Debian's Ansible commands with its Python.
func ansibleCLI(t *testing.T, tool string, args ...string) []byte {
	t.Helper()
	if _, err := os.Stat(tool); err != nil {
		t.Skipf("%s not installed: no oracle", tool)
	}
	cmd := exec.Command("/usr/bin/python3", append([]string{tool}, args...)...)
	cmd.Env = append(os.Environ(), "ANSIBLE_LOCALHOST_WARNING=0", "ANSIBLE_NOCOLOR=1")
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", tool, args, err, out)
	}
	return out
}

// internalVars are the variables ansible-inventory --list leaves out.
var internalVars = []string{"inventory_dir", "inventory_file", "inventory_hostname",
	"inventory_hostname_short", "group_names"}

// TestAnsibleInventoryList compares merged host vars with
// `ansible-inventory --list`.
func TestAnsibleInventoryList(t *testing.T) {
	for _, src := range []string{"testdata/swarm.ini", "testdata/inv.yml", "testdata/dirinv"} {
		t.Run(src, func(t *testing.T) {
			abs, _ := filepath.Abs(src)
			out := ansibleCLI(t, "/usr/bin/ansible-inventory", "-i", abs, "--list")
			var want struct {
				Meta struct {
					Hostvars map[string]map[string]any `json:"hostvars"`
				} `json:"_meta"`
			}
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatal(err)
			}
			inv, err := Load([]string{abs})
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Meta.Hostvars) != len(inv.Hosts()) {
				t.Errorf("%d hosts, ansible-inventory has %d", len(inv.Hosts()), len(want.Meta.Hostvars))
			}
			for host, wv := range want.Meta.Hostvars {
				got := inv.Vars(host)
				for _, k := range internalVars {
					delete(got, k)
				}
				if g, w := normalize(t, got), normalize(t, wv); !reflect.DeepEqual(g, w) {
					t.Errorf("%s:\n got %v\nwant %v", host, g, w)
				}
			}
		})
	}
}

// TestAnsibleListHosts compares selections and their order with
// `ansible PATTERN --list-hosts` (and --limit).
func TestAnsibleListHosts(t *testing.T) {
	abs, _ := filepath.Abs("testdata/swarm.ini")
	inv, err := Load([]string{abs})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ pattern, limit string }{
		{"swarm:!db*", ""}, {"swarm-manager:web[0]:&swarm", ""}, {"all", "swarm-worker[1:2]:lonely"},
	} {
		args := []string{c.pattern, "-i", abs, "--list-hosts"}
		if c.limit != "" {
			args = append(args, "--limit", c.limit)
		}
		var want []string
		for _, l := range strings.Split(string(ansibleCLI(t, "/usr/bin/ansible", args...)), "\n")[1:] {
			if l = strings.TrimSpace(l); l != "" {
				want = append(want, l)
			}
		}
		if err := inv.SetLimit(c.limit); err != nil {
			t.Fatal(err)
		}
		hs, err := inv.Select(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(hs); !reflect.DeepEqual(got, want) {
			t.Errorf("%q limit %q:\n got %q\nwant %q", c.pattern, c.limit, got, want)
		}
	}
}
