package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestYAMLInventory(t *testing.T) {
	inv, err := Load([]string{"testdata/inv.yml"})
	if err != nil {
		t.Fatal(err)
	}
	v := inv.Vars("worker2")
	for k, w := range map[string]any{"enabled": true, "disabled": false, "mode": 420, "on_flag": true,
		"ratio": 1.5, "nothing": nil, "ansible_user": "vagrant", "level": "worker"} {
		if !reflect.DeepEqual(v[k], w) {
			t.Errorf("worker2 %s = %#v, want %#v", k, v[k], w)
		}
	}
	// manager1 is in swarm (depth 1, priority 1, level=swarm), web (depth
	// 1, priority 10, level=web) and swarm-leader (depth 2, no level):
	// the higher priority wins among equal depths.
	if got := inv.Vars("manager1")["level"]; got != "web" {
		t.Errorf("manager1 level = %v", got)
	}
	if got := inv.Vars("node-a.lab")["ansible_port"]; got != 2201 {
		t.Errorf("node-a.lab port = %v", got)
	}
	if got := inv.Groups()["other"]; !reflect.DeepEqual(got, []string{"solo"}) {
		t.Errorf("other = %q", got)
	}
	if _, ok := inv.Groups()["empty"]; !ok {
		t.Error("group empty missing")
	}
}

func TestYAMLErrors(t *testing.T) {
	cases := []struct{ name, content, msg string }{
		{"bad.yml", "all:\n  hosts:\n    - a\n", "requires a dictionary"},
		{"bad.yml", "all:\n  hosts:\n    123:\n", "must be a string"},
		{"bad.yml", "all:\n  hosts: [a\n", "bad.yml': line 2"},
		{"bad.yml", "plugin: aws_ec2\n", "not supported"},
		{"bad.yml", "- a\n- b\n", "should be a dictionary"},
		{"bad.yml", "all:\n  hosts:\n    h1: [1]\n", "expected dictionary"},
	}
	for _, c := range cases {
		_, err := loadString(t, c.name, c.content)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: err = %v, want %q", c.content, err, c.msg)
		}
	}
}

func TestFormatDetection(t *testing.T) {
	// No extension: YAML first, then INI.
	inv := mustLoad(t, "hosts", "[web]\nw1\n")
	if got := inv.Groups()["web"]; !reflect.DeepEqual(got, []string{"w1"}) {
		t.Errorf("INI without extension: web = %q", got)
	}
	inv = mustLoad(t, "hosts", "web:\n  hosts:\n    w1:\n")
	if got := inv.Groups()["web"]; !reflect.DeepEqual(got, []string{"w1"}) {
		t.Errorf("YAML without extension: web = %q", got)
	}
	inv = mustLoad(t, "hosts.json", `{"web": {"hosts": {"w1": {"a": 1}}}}`)
	if got := inv.Vars("w1")["a"]; got != 1 {
		t.Errorf("JSON: a = %v", got)
	}
	inv, err := Load([]string{"h1,h2:2222, h3"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(inv.Hosts()); !reflect.DeepEqual(got, []string{"h1", "h2", "h3"}) {
		t.Errorf("host list = %q", got)
	}
	if got := inv.Vars("h2")["ansible_port"]; got != 2222 {
		t.Errorf("host list port = %v", got)
	}
	if _, err := Load([]string{"testdata/does-not-exist"}); err == nil {
		t.Error("missing source: no error")
	}
}

func TestDirectoryInventory(t *testing.T) {
	inv, err := Load([]string{"testdata/dirinv"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(inv.Hosts()); !reflect.DeepEqual(got, []string{"m1", "m2", "d1", "d2"}) {
		t.Errorf("hosts = %q (ignored files must not be parsed)", got)
	}
	abs, _ := filepath.Abs("testdata/dirinv")
	cases := []struct {
		host, key string
		want      any
	}{
		{"m1", "level", "hv-m1"},                 // host_vars beats everything
		{"m1", "own", "host_vars"},               // host_vars beats inventory host vars
		{"m2", "level", "gv-swarm"},              // group_vars/<g> beats group_vars/all and inventory file
		{"m2", "swarm_a", 2},                     // group_vars/swarm/ files merged in sorted order
		{"m2", "swarm_b", 420},                   // YAML 1.1 octal
		{"m2", "from_all", true},                 // yes
		{"d1", "level", "gv-db"},                 // group_vars/db (no extension) wins over db.yml
		{"d2", "level", "hv-d2"},                 // host_vars/d2.json
		{"d2", "json_var", []any{1, 2}},          //
		{"m2", "inventory_dir", abs},             //
		{"m2", "inventory_file", abs + "/hosts"}, //
		{"d2", "inventory_file", abs + "/sub/more.yml"},
	}
	for _, c := range cases {
		if got := inv.Vars(c.host)[c.key]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s = %#v, want %#v", c.host, c.key, got, c.want)
		}
	}
	if _, ok := inv.Vars("m2")["ignored"]; ok {
		t.Error("group_vars/swarm/notes.txt was loaded")
	}
	if inv.Dir() != abs {
		t.Errorf("Dir() = %q, want %q", inv.Dir(), abs)
	}
}

func TestPrecedenceWithPlaybookVars(t *testing.T) {
	inv, err := Load([]string{"testdata/dirinv"})
	if err != nil {
		t.Fatal(err)
	}
	before := inv.Vars("m2")["level"]
	if err := inv.AddVarsDir("testdata/playdir"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		host, key string
		want      any
	}{
		{"m2", "level", "play-m2"}, // playbook host_vars on top
		{"m1", "level", "hv-m1"},   // inventory host_vars beats playbook group_vars
		{"d1", "level", "gv-db"},   // inventory group_vars/db beats playbook group_vars/all
		{"d1", "play_all", true},   //
		{"m1", "swarm_a", 2},       //
		{"m2", "from_all", true},   //
		{"m1", "own", "host_vars"}, //
		{"m1", "inventory_hostname", "m1"},
	}
	for _, c := range cases {
		if got := inv.Vars(c.host)[c.key]; !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s = %#v, want %#v (before AddVarsDir: %v)", c.host, c.key, got, c.want, before)
		}
	}
}

func TestGroupOrderPrecedence(t *testing.T) {
	inv, err := Load([]string{"testdata/prio.ini"})
	if err != nil {
		t.Fatal(err)
	}
	// h1 is in a (depth 3, priority 20) and b (depth 1); c is a's parent
	// (depth 2), d is c's parent (depth 1).
	v := inv.Vars("h1")
	for k, w := range map[string]any{"v": "a", "x": "c", "y": "d", "z": "all"} {
		if v[k] != w {
			t.Errorf("h1 %s = %v, want %v", k, v[k], w)
		}
	}
	if got := inv.Vars("h3")["v"]; got != "b" {
		t.Errorf("h3 v = %v", got)
	}
}

func TestVarsIsACopy(t *testing.T) {
	inv := mustLoad(t, "hosts", "[g]\nh1 a=1\n")
	v := inv.Vars("h1")
	v["a"] = 99
	if got := inv.Vars("h1")["a"]; got != 1 {
		t.Errorf("Vars result shared with the cache: a = %v", got)
	}
}

func TestSelect(t *testing.T) {
	inv, err := Load([]string{"testdata/swarm.ini"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		pattern string
		want    string
		err     bool
	}{
		{"all", "lonely web1.example.com web2.example.com 10.1.1.1 10.1.1.5 10.1.1.9 manager1 manager2 manager3 worker01 worker02 worker03 db-a.lab db-b.lab db-c.lab", false},
		{"swarm-manager", "manager2 manager3 manager1", false},
		{"swarm-manager:swarm-leader", "manager2 manager3 manager1", false},
		{"swarm-leader,swarm-manager", "manager1 manager2 manager3", false},
		{"swarm:&swarm-manager", "manager1 manager2 manager3", false},
		{"swarm:!swarm-worker", "manager1 manager2 manager3", false},
		{"!swarm-worker:swarm-leader", "manager1", false},
		{"&swarm-leader", "manager1", false},
		{"*.lab", "db-a.lab db-b.lab db-c.lab", false},
		{"worker0?", "worker01 worker02 worker03", false},
		{"worker0[!2]", "worker01 worker03", false},
		{"~^db-[ab]", "db-a.lab db-b.lab", false},
		{"~web", "web1.example.com web2.example.com 10.1.1.1 10.1.1.5 10.1.1.9", false},
		{"swarm-worker[0]", "worker01", false},
		{"swarm-worker[-1]", "db-c.lab", false},
		{"swarm-worker[4:]", "db-b.lab db-c.lab", false},
		{"swarm-worker[1:2]", "worker02 worker03", false},
		{"swarm-worker[9]", "", true},
		{"swarm-worker[9:]", "", false},
		{"nosuch", "", false},
		{"nosuch[0]", "", false},
		{"~(", "", true},
		{"~[", "lonely web1.example.com web2.example.com 10.1.1.1 10.1.1.5 10.1.1.9 manager1 manager2 manager3 worker01 worker02 worker03 db-a.lab db-b.lab db-c.lab", false}, // split to "~"
		{"lonely:lonely", "lonely", false},
		{"10.1.1.[1:5]", "", false},
		{"", "lonely web1.example.com web2.example.com 10.1.1.1 10.1.1.5 10.1.1.9 manager1 manager2 manager3 worker01 worker02 worker03 db-a.lab db-b.lab db-c.lab", false},
	}
	for _, c := range cases {
		hs, err := inv.Select(c.pattern)
		if (err != nil) != c.err {
			t.Errorf("Select(%q): err = %v, want err %v", c.pattern, err, c.err)
			continue
		}
		if got := strings.Join(names(hs), " "); !c.err && got != c.want {
			t.Errorf("Select(%q) = %q, want %q", c.pattern, got, c.want)
		}
	}
}

func TestLimit(t *testing.T) {
	inv, err := Load([]string{"testdata/swarm.ini"})
	if err != nil {
		t.Fatal(err)
	}
	if err := inv.SetLimit("swarm-worker:!db*"); err != nil {
		t.Fatal(err)
	}
	hs, _ := inv.Select("swarm")
	if got := strings.Join(names(hs), " "); got != "worker01 worker02 worker03" {
		t.Errorf("limited swarm = %q", got)
	}
	if err := inv.SetLimit("@testdata/limit.txt"); err != nil {
		t.Fatal(err)
	}
	hs, _ = inv.Select("all")
	if got := strings.Join(names(hs), " "); got != "manager2 worker01" {
		t.Errorf("limit file: all = %q", got)
	}
	if err := inv.SetLimit("@testdata/nope.txt"); err == nil {
		t.Error("missing limit file: no error")
	}
	if err := inv.SetLimit(""); err != nil {
		t.Fatal(err)
	}
	if hs, _ := inv.Select("all"); len(hs) != 15 {
		t.Errorf("after clearing the limit: %d hosts", len(hs))
	}
}

func TestImplicitLocalhost(t *testing.T) {
	inv := mustLoad(t, "hosts", "[all:vars]\nx=1\n[g]\nh1\n")
	hs, err := inv.Select("localhost")
	if err != nil || len(hs) != 1 || hs[0].Name != "localhost" || !hs[0].Implicit {
		t.Fatalf("Select(localhost) = %v, %v", hs, err)
	}
	v := inv.Vars("localhost")
	if v["ansible_connection"] != "local" || v["ansible_python_interpreter"] == nil || v["x"] != 1 {
		t.Errorf("implicit localhost vars = %v", v)
	}
	if got := names(inv.Hosts()); !reflect.DeepEqual(got, []string{"h1"}) {
		t.Errorf("implicit localhost is in all: %q", got)
	}
	if hs, _ := inv.Select("all:localhost"); len(hs) != 2 {
		t.Errorf("all:localhost = %v", names(hs))
	}
	// An inventory localhost is used as is, also for 127.0.0.1.
	inv = mustLoad(t, "hosts", "localhost ansible_connection=ssh\n")
	hs, _ = inv.Select("127.0.0.1")
	if len(hs) != 1 || hs[0].Name != "localhost" || hs[0].Implicit {
		t.Errorf("Select(127.0.0.1) = %v", names(hs))
	}
	if v := inv.Vars("localhost"); v["ansible_connection"] != "ssh" {
		t.Errorf("explicit localhost vars = %v", v)
	}
}

func TestAddHostAndGroup(t *testing.T) {
	inv := mustLoad(t, "hosts", "[g]\nh1\n[g:vars]\nx=1\n")
	_ = inv.Vars("h1") // fill the cache
	inv.AddHost("new1", []string{"dyn", "g"}, map[string]any{"ansible_host": "10.0.0.5"})
	if got := inv.Groups()["dyn"]; !reflect.DeepEqual(got, []string{"new1"}) {
		t.Errorf("dyn = %q", got)
	}
	if got := inv.Groups()["g"]; !reflect.DeepEqual(got, []string{"h1", "new1"}) {
		t.Errorf("g = %q", got)
	}
	if v := inv.Vars("new1"); v["x"] != 1 || v["ansible_host"] != "10.0.0.5" {
		t.Errorf("new1 vars = %v", v)
	}
	inv.AddHost("lone", nil, nil)
	if got := inv.Groups()["ungrouped"]; !reflect.DeepEqual(got, []string{"lone"}) {
		t.Errorf("ungrouped = %q", got)
	}
	inv.AddToGroup("lone", "os_Debian")
	if got := inv.GroupNames("lone"); !reflect.DeepEqual(got, []string{"os_Debian"}) {
		t.Errorf("GroupNames(lone) = %q", got)
	}
	if got := inv.Groups()["ungrouped"]; len(got) != 0 {
		t.Errorf("ungrouped after group_by = %q", got)
	}
	if hs, _ := inv.Select("os_*"); len(hs) != 1 {
		t.Errorf("os_* = %q", names(hs))
	}
	if got := inv.Vars("lone")["group_names"]; !reflect.DeepEqual(got, []any{"os_Debian"}) {
		t.Errorf("cached group_names not refreshed: %v", got)
	}
}

func TestNewInventory(t *testing.T) {
	inv := New()
	if got := inv.Groups(); !reflect.DeepEqual(got, map[string][]string{"all": {}, "ungrouped": {}}) {
		t.Errorf("New().Groups() = %v", got)
	}
	if hs, err := inv.Select("all"); err != nil || len(hs) != 0 {
		t.Errorf("Select(all) = %v, %v", hs, err)
	}
}

// TestLargeInventoryIsFast loads 1,000 hosts and computes their vars.
func TestLargeInventoryIsFast(t *testing.T) {
	var b strings.Builder
	for g := 0; g < 10; g++ {
		fmt.Fprintf(&b, "[g%d]\n", g)
		for h := 0; h < 100; h++ {
			fmt.Fprintf(&b, "host%d-%d ansible_host=10.0.%d.%d idx=%d\n", g, h, g, h, h)
		}
		fmt.Fprintf(&b, "[g%d:vars]\nv%d=x\n[parent:children]\ng%d\n", g, g, g)
	}
	p := filepath.Join(t.TempDir(), "big.ini")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	inv, err := Load([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	load := time.Since(start)
	start = time.Now()
	for _, h := range inv.Hosts() {
		_ = inv.Vars(h.Name)
	}
	if hs, _ := inv.Select("g1:&parent:!host1-5*"); len(hs) != 89 {
		t.Errorf("selection = %d hosts", len(hs))
	}
	vars := time.Since(start)
	t.Logf("load %v, vars+select %v", load, vars)
	if load > 500*time.Millisecond || vars > 500*time.Millisecond {
		t.Errorf("too slow: load %v, vars %v", load, vars)
	}
}

func BenchmarkVars(b *testing.B) {
	inv, err := Load([]string{"testdata/swarm.ini"})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = inv.Vars("manager1")
	}
}

// TestDynamicOrderMatchesAnsible replays add_host and group_by calls whose
// resulting groups were recorded from Ansible 2.14's InventoryManager
// (add_dynamic_host / add_dynamic_group) on testdata/prio.ini.
func TestDynamicOrderMatchesAnsible(t *testing.T) {
	inv, err := Load([]string{"testdata/prio.ini"})
	if err != nil {
		t.Fatal(err)
	}
	inv.AddHost("new1", []string{"dyn", "a"}, map[string]any{"q": 1})
	inv.AddHost("h3", []string{"dyn"}, nil)
	inv.AddToGroup("h1", "os_x")
	want := map[string][]string{
		"all": {"new1", "h1", "h3", "h2"}, "ungrouped": {}, "a": {"h1", "h2", "new1"},
		"b": {"h1", "h3"}, "c": {"h1", "h2", "new1"}, "d": {"h1", "h2", "new1"},
		"dyn": {"new1", "h3"}, "os_x": {"h1"},
	}
	if got := inv.Groups(); !reflect.DeepEqual(got, want) {
		t.Errorf("groups:\n got %v\nwant %v", got, want)
	}
}
