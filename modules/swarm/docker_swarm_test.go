package swarm

import (
	"context"
	"strings"
	"testing"
)

const testToken = "SWMTKN-1-3pu6hszjas19xyp7ghgosyx9k8atbfcr8p2is99znpy26u2lkl-1awxwuwd3z9j1z3puu7rcgdbx"

func TestDockerSwarm(t *testing.T) {
	type setup func(t *testing.T, l *fakeLab)
	inactive := func(hosts ...string) setup {
		return func(t *testing.T, l *fakeLab) {
			for _, h := range hosts {
				l.hosts[h].on("docker info", fixture(t, "info_inactive.json"), 0)
			}
		}
	}
	managers := func(t *testing.T, l *fakeLab) {
		for i, h := range []string{"swarm-manager-01", "swarm-manager-02", "swarm-manager-03"} {
			l.hosts[h].on("docker info", fixture(t, "info_manager"+string(rune('1'+i))+".json"), 0)
			l.hosts[h].on("docker node ls", fixture(t, "node_ls.json"), 0)
			l.hosts[h].on("docker node inspect 9bq0n2kc5i7wvm3x4y8z1a2b3", fixture(t, "node_inspect_worker1.json"), 0)
			l.hosts[h].on("docker swarm join-token -q worker", testToken+"\n", 0)
			l.hosts[h].on("docker swarm join-token -q manager", testToken+"\n", 0)
		}
	}
	cases := []struct {
		name    string
		host    string
		setup   []setup
		args    map[string]any
		check   bool
		changed bool
		failed  string   // substring of the failure message
		ran     []string // commands that must have run on the target
		notRan  []string // commands that must not have run on any host
	}{
		{
			name: "not in swarm: first manager initialises",
			host: "swarm-manager-01",
			setup: []setup{inactive("swarm-manager-01", "swarm-manager-02", "swarm-manager-03"), func(t *testing.T, l *fakeLab) {
				h := l.hosts["swarm-manager-01"]
				h.on("docker swarm init", "Swarm initialized: current node (p3ho8ah3rkrnwa0dkqiwvlqml) is now a manager.", 0).then = func() {
					h.on("docker info", fixture(t, "info_manager1.json"), 0)
					h.on("docker node ls", fixture(t, "node_ls.json"), 0)
				}
			}},
			args:    map[string]any{"advertise_addr": "198.18.0.11", "default_addr_pool": []any{"10.10.0.0/16"}, "subnet_size": 24},
			changed: true,
			ran:     []string{"docker swarm init --advertise-addr 198.18.0.11 --default-addr-pool 10.10.0.0/16 --default-addr-pool-mask-length 24"},
		},
		{
			name:    "check mode: would initialise, runs nothing",
			host:    "swarm-manager-01",
			setup:   []setup{inactive("swarm-manager-01", "swarm-manager-02", "swarm-manager-03")},
			check:   true,
			changed: true,
			notRan:  []string{"swarm init"},
		},
		{
			name:   "already in the right swarm: ok",
			host:   "swarm-manager-02",
			setup:  []setup{managers},
			args:   map[string]any{"advertise_addr": "198.18.0.12"},
			notRan: []string{"swarm init", "swarm join", "node update", "node promote"},
		},
		{
			name: "leader just stopped: waits for the election instead of calling it another swarm",
			host: "swarm-manager-02",
			setup: []setup{managers, func(t *testing.T, l *fakeLab) {
				l.peers.down["swarm-manager-01"] = true
				electing := strings.Replace(fixture(t, "info_manager2.json"), `"ID":"w1e4wa4ep2d2n3a2b1ce5y6vt"`, `"ID":""`, 1)
				l.hosts["swarm-manager-02"].on("docker info", electing, 0).uses = 2
				l.hosts["swarm-manager-03"].on("docker info", strings.Replace(fixture(t, "info_manager3.json"), `"ID":"w1e4wa4ep2d2n3a2b1ce5y6vt"`, `"ID":""`, 1), 0).uses = 1
			}},
			notRan: []string{"swarm init", "swarm join", "swarm leave"},
		},
		{
			name: "manager of another swarm: refused, both IDs named",
			host: "swarm-manager-03",
			setup: []setup{managers, func(t *testing.T, l *fakeLab) {
				l.hosts["swarm-manager-03"].on("docker info", fixture(t, "info_manager_other.json"), 0)
			}},
			failed: "node zz9k1m2n3b4v5c6x7l8k9j0h1 is a manager of swarm o7s2n1q9d3x4m5b6v7c8z9a0k, but the managers of group swarm-manager are in swarm w1e4wa4ep2d2n3a2b1ce5y6vt",
			notRan: []string{"swarm leave", "swarm join"},
		},
		{
			name: "worker of another swarm: refused",
			host: "swarm-worker-01",
			setup: []setup{managers, func(t *testing.T, l *fakeLab) {
				l.hosts["swarm-worker-01"].on("docker info", fixture(t, "info_worker_stray.json"), 0)
			}},
			args:   map[string]any{"state": "join", "role": "worker"},
			failed: "node 3kd8s7a6f5g4h3j2k1l0q9w8e is a worker of another swarm (managers 198.18.0.99:2377), not of swarm w1e4wa4ep2d2n3a2b1ce5y6vt",
			notRan: []string{"swarm leave", "swarm join"},
		},
		{
			name: "worker of another swarm with force_rejoin: leaves and joins",
			host: "swarm-worker-01",
			setup: []setup{managers, func(t *testing.T, l *fakeLab) {
				h := l.hosts["swarm-worker-01"]
				h.on("docker info", fixture(t, "info_worker_stray.json"), 0)
				h.on("docker swarm leave --force", "Node left the swarm.", 0).then = func() {
					h.on("docker info", fixture(t, "info_inactive.json"), 0)
				}
				h.on("docker swarm join", "This node joined a swarm as a worker.", 0).then = func() {
					h.on("docker info", fixture(t, "info_worker1.json"), 0)
				}
			}},
			args:    map[string]any{"state": "join", "role": "worker", "force_rejoin": true},
			changed: true,
			ran:     []string{"docker swarm leave --force", `docker swarm join --token "$sb_secret" 198.18.0.11:2377`},
		},
		{
			name: "worker wanted as manager: wrong role reported",
			host: "swarm-worker-01",
			setup: []setup{managers, func(t *testing.T, l *fakeLab) {
				l.hosts["swarm-worker-01"].on("docker info", fixture(t, "info_worker1.json"), 0)
			}},
			args:   map[string]any{"state": "join", "role": "manager"},
			failed: "node 9bq0n2kc5i7wvm3x4y8z1a2b3 is a worker of swarm w1e4wa4ep2d2n3a2b1ce5y6vt, but role manager is wanted",
		},
		{
			name: "pending node detected",
			host: "swarm-worker-02",
			setup: []setup{managers, func(t *testing.T, l *fakeLab) {
				l.hosts["swarm-worker-02"].on("docker info", fixture(t, "info_pending.json"), 0)
			}},
			args:   map[string]any{"state": "join"},
			failed: "node is half-joined: LocalNodeState=pending (rpc error: code = DeadlineExceeded",
			notRan: []string{"swarm leave", "swarm join"},
		},
		{
			name: "leader down: the fresh manager joins the live one, no new swarm",
			host: "swarm-manager-03",
			setup: []setup{managers, func(t *testing.T, l *fakeLab) {
				l.peers.down["swarm-manager-01"] = true
				h := l.hosts["swarm-manager-03"]
				h.on("docker info", fixture(t, "info_inactive.json"), 0)
				h.on("docker swarm join", "This node joined a swarm as a manager.", 0).then = func() {
					h.on("docker info", fixture(t, "info_manager3.json"), 0)
				}
			}},
			changed: true,
			ran:     []string{`docker swarm join --token "$sb_secret" 198.18.0.12:2377`},
			notRan:  []string{"swarm init"},
		},
		{
			name: "first manager fresh, another unreachable: refuses to initialise",
			host: "swarm-manager-01",
			setup: []setup{inactive("swarm-manager-01", "swarm-manager-03"), func(t *testing.T, l *fakeLab) {
				l.peers.down["swarm-manager-02"] = true
			}},
			failed: "refusing to initialise a swarm: swarm-manager-02 of group swarm-manager cannot be reached",
			notRan: []string{"swarm init"},
		},
		{
			name: "join with no manager at all reachable",
			host: "swarm-worker-01",
			setup: []setup{inactive("swarm-worker-01"), func(t *testing.T, l *fakeLab) {
				l.peers.down["swarm-manager-01"], l.peers.down["swarm-manager-02"], l.peers.down["swarm-manager-03"] = true, true, true
			}},
			args:   map[string]any{"state": "join"},
			failed: "no live manager in group swarm-manager to join",
		},
		{
			name:  "advertise address drift is reported",
			host:  "swarm-manager-02",
			setup: []setup{managers},
			args:  map[string]any{"advertise_addr": "198.18.0.99"},
		},
		{
			name: "availability converged through a manager",
			host: "swarm-worker-01",
			setup: []setup{managers, func(t *testing.T, l *fakeLab) {
				l.hosts["swarm-worker-01"].on("docker info", fixture(t, "info_worker1.json"), 0)
				l.hosts["swarm-manager-01"].on("docker node update --availability pause", "9bq0n2kc5i7wvm3x4y8z1a2b3", 0)
			}},
			args:    map[string]any{"state": "join", "availability": "pause"},
			changed: true,
		},
		{
			name:   "absent on a manager without force refused",
			host:   "swarm-manager-02",
			setup:  []setup{managers},
			args:   map[string]any{"state": "absent"},
			failed: "set force: true to demote it and leave",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLab(t)
			for _, s := range c.setup {
				s(t, l)
			}
			m := swarmModule{}
			out, err := m.Run(context.Background(), l.target(c.host, c.check), args(t, m, c.args))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			noSecret(t, out, testToken)
			if c.failed != "" {
				if !out.Failed || !strings.Contains(out.Msg, c.failed) {
					t.Fatalf("want failure %q, got failed=%v msg=%q", c.failed, out.Failed, out.Msg)
				}
			} else if out.Failed {
				t.Fatalf("failed: %s", out.Msg)
			}
			if out.Changed != c.changed {
				t.Fatalf("changed=%v, want %v (%v)", out.Changed, c.changed, out.Fields["actions"])
			}
			for _, r := range c.ran {
				if !l.hosts[c.host].ranAny(r) {
					t.Errorf("%q did not run; ran: %q", r, l.hosts[c.host].ran)
				}
			}
			for _, r := range c.notRan {
				for n, h := range l.hosts {
					if h.ranAny(r) {
						t.Errorf("%q ran on %s", r, n)
					}
				}
			}
			if strings.Contains(c.name, "drift") {
				if out.Fields["advertise_addr_drift"] == nil || !strings.Contains(strings.Join(out.Fields["warnings"].([]string), " "), "node advertises 198.18.0.12, advertise_addr is 198.18.0.99") {
					t.Errorf("no drift warning: %v", out.Fields)
				}
			}
		})
	}
}

// The join token travels on stdin only: not in the script, not in the outcome,
// but registered as a secret for the reporter.
func TestDockerSwarmTokenRedaction(t *testing.T) {
	l := newLab(t)
	for i, h := range []string{"swarm-manager-01", "swarm-manager-02", "swarm-manager-03"} {
		l.hosts[h].on("docker info", fixture(t, "info_manager"+string(rune('1'+i))+".json"), 0)
		l.hosts[h].on("docker swarm join-token -q worker", testToken+"\n", 0)
	}
	w := l.hosts["swarm-worker-02"]
	w.on("docker info", fixture(t, "info_inactive.json"), 0)
	w.on("docker swarm join", "This node joined a swarm as a worker.", 0).then = func() {
		w.on("docker info", fixture(t, "info_worker1.json"), 0)
	}
	// The worker left by hand before: its old entry is Down and is removed
	// after the rejoin.
	m1 := l.hosts["swarm-manager-01"]
	m1.on("docker node ls", `{"ID":"9bq0n2kc5i7wvm3x4y8z1a2b3","Hostname":"swarm-worker-02","Status":"Ready","Availability":"Active","ManagerStatus":""}
{"ID":"oldentry0000000000000000","Hostname":"swarm-worker-02","Status":"Down","Availability":"Active","ManagerStatus":""}
{"ID":"m1","Hostname":"swarm-manager-01","Status":"Ready","Availability":"Drain","ManagerStatus":"Leader"}
`, 0)
	m1.on("docker node rm", "oldentry0000000000000000\n", 0)
	m := swarmModule{}
	out, err := m.Run(context.Background(), l.target("swarm-worker-02", false), args(t, m, map[string]any{"state": "join", "availability": "active"}))
	if err != nil || out.Failed || !out.Changed {
		t.Fatalf("%v %+v", err, out)
	}
	removed := false
	for _, c := range m1.ran {
		if strings.Contains(c, "node rm") && strings.Contains(c, "oldentry0000000000000000") && !strings.Contains(c, "9bq0n2kc5i7wvm3x4y8z1a2b3") {
			removed = true
		}
	}
	if !removed {
		t.Fatalf("the stale Down entry was not removed: %q", m1.ran)
	}
	noSecret(t, out, testToken)
	if len(out.Secrets) != 1 || out.Secrets[0] != testToken {
		t.Fatalf("token not registered as a secret: %q", out.Secrets)
	}
	for _, c := range w.ran {
		if strings.Contains(c, testToken) {
			t.Fatalf("token on a command line: %s", c)
		}
	}
	if len(w.stdin) != 1 || strings.TrimSpace(w.stdin[0]) != testToken {
		t.Fatalf("token not passed on stdin: %q", w.stdin)
	}
	f := out.Fields["swarm_facts"].(map[string]any)
	if f["Role"] != "worker" || f["JoinedVia"] != "swarm-manager-01" || f["ClusterID"] != "w1e4wa4ep2d2n3a2b1ce5y6vt" || f["NodeID"] != "9bq0n2kc5i7wvm3x4y8z1a2b3" {
		t.Fatalf("facts: %v", f)
	}
	if !w.ranAny("--availability active 198.18.0.11:2377") {
		t.Fatalf("join without availability: %q", w.ran)
	}
}
