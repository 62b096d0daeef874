package swarm

import (
	"context"
	"strings"
	"testing"
)

func nodeLab(t *testing.T) *fakeLab {
	l := newLab(t)
	for i, h := range []string{"swarm-manager-01", "swarm-manager-02", "swarm-manager-03"} {
		l.hosts[h].on("docker info", fixture(t, "info_manager"+string(rune('1'+i))+".json"), 0)
		l.hosts[h].on("docker node ls", fixture(t, "node_ls.json"), 0)
		l.hosts[h].on("docker node inspect 9bq0n2kc5i7wvm3x4y8z1a2b3", fixture(t, "node_inspect_worker1.json"), 0)
		l.hosts[h].on("docker node inspect ty1m4a9f5hkcd8n5y0o0nvb2s", fixture(t, "node_inspect_manager3.json"), 0)
	}
	l.hosts["swarm-worker-01"].on("docker info", fixture(t, "info_worker1.json"), 0)
	return l
}

func TestDockerNode(t *testing.T) {
	cases := []struct {
		name    string
		host    string
		args    map[string]any
		check   bool
		changed bool
		failed  string
		update  string // the docker node update/promote/demote expected on manager-01
	}{
		{name: "demote breaking odd count refused", host: "swarm-manager-01",
			args: map[string]any{"hostname": "swarm-manager-03", "role": "worker"}, failed: "would leave an even number of managers (2)"},
		{name: "demote forced", host: "swarm-manager-01",
			args: map[string]any{"hostname": "swarm-manager-03", "role": "worker", "force": true}, changed: true, update: "docker node demote ty1m4a9f5hkcd8n5y0o0nvb2s"},
		{name: "worker target runs on a live manager: labels merged", host: "swarm-worker-01",
			args: map[string]any{"labels": map[string]any{"zone": "a", "disk": "ssd"}}, changed: true,
			update: "docker node update --label-add disk=ssd 9bq0n2kc5i7wvm3x4y8z1a2b3"},
		{name: "labels already there: ok", host: "swarm-worker-01", args: map[string]any{"labels": map[string]any{"zone": "a"}}},
		{name: "labels replaced", host: "swarm-worker-01",
			args: map[string]any{"labels": map[string]any{"disk": "ssd"}, "labels_state": "replace"}, changed: true,
			update: "docker node update --label-add disk=ssd --label-rm zone 9bq0n2kc5i7wvm3x4y8z1a2b3"},
		{name: "labels removed", host: "swarm-worker-01",
			args: map[string]any{"labels_to_remove": []any{"zone"}}, changed: true, update: "--label-rm zone"},
		{name: "check mode changes nothing", host: "swarm-worker-01", check: true,
			args: map[string]any{"availability": "pause"}, changed: true},
		{name: "promote to an even number refused", host: "swarm-manager-01",
			args: map[string]any{"hostname": "swarm-worker-01", "role": "manager"}, failed: "even number of managers (4)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := nodeLab(t)
			l.hosts["swarm-manager-01"].on("docker node update", "ok", 0)
			l.hosts["swarm-manager-01"].on("docker node demote", "Manager ty1m4a9f5hkcd8n5y0o0nvb2s demoted in the swarm.", 0)
			m := nodeModule{}
			out, err := m.Run(context.Background(), l.target(c.host, c.check), args(t, m, c.args))
			if err != nil {
				t.Fatal(err)
			}
			if c.failed != "" {
				if !out.Failed || !strings.Contains(out.Msg, c.failed) {
					t.Fatalf("want failure %q, got %v %q", c.failed, out.Failed, out.Msg)
				}
				if l.hosts["swarm-manager-01"].ranAny("docker node demote") || l.hosts["swarm-manager-01"].ranAny("docker node promote") {
					t.Fatal("refused change ran")
				}
				return
			}
			if out.Failed || out.Changed != c.changed {
				t.Fatalf("got failed=%v changed=%v msg=%q", out.Failed, out.Changed, out.Msg)
			}
			m1 := l.hosts["swarm-manager-01"]
			if c.update != "" && !m1.ranAny(c.update) {
				t.Fatalf("%q did not run: %q", c.update, m1.ran)
			}
			if (c.update == "" || c.check) && (m1.ranAny("docker node update") || m1.ranAny("docker node demote")) {
				t.Fatalf("unexpected change: %q", m1.ran)
			}
			if c.changed && len(out.Diffs) != 1 {
				t.Fatalf("no diff: %+v", out.Diffs)
			}
		})
	}
}

// Drain returns only after the node's tasks run elsewhere.
func TestDockerNodeDrainWaits(t *testing.T) {
	l := nodeLab(t)
	m1 := l.hosts["swarm-manager-01"]
	m1.on("docker node ps 9bq0n2kc5i7wvm3x4y8z1a2b3", fixture(t, "node_ps_worker1.json"), 0)
	moving := m1.on("docker service ps web", fixture(t, "service_ps_web_moving.json"), 0)
	moving.uses = 2
	drained := false
	m1.on("docker node update --availability drain 9bq0n2kc5i7wvm3x4y8z1a2b3", "9bq0n2kc5i7wvm3x4y8z1a2b3", 0).then = func() {
		drained = true
		// After the update the node keeps its tasks one more poll, then they shut down.
		r := m1.on("docker node ps 9bq0n2kc5i7wvm3x4y8z1a2b3", "", 0)
		m1.on("docker node ps 9bq0n2kc5i7wvm3x4y8z1a2b3", fixture(t, "node_ps_worker1.json"), 0).uses = 1
		_ = r
		m1.on("docker service ps web", fixture(t, "service_ps_web_moved.json"), 0)
		m1.rules = append(m1.rules[:0:0], m1.rules...)
		for i, r := range m1.rules { // the "moving" answers go first, twice
			if r == moving {
				m1.rules = append([]*rule{moving}, append(m1.rules[:i:i], m1.rules[i+1:]...)...)
				break
			}
		}
		// First poll after the update: the orchestrator has not created the replacements yet
		// (seen on the lab): only the replica that never moved is listed, and it runs.
		first := m1.on("docker service ps web", strings.SplitN(fixture(t, "service_ps_web_moved.json"), "\n", 2)[0], 0)
		first.uses = 1
		m1.on("docker node ps 9bq0n2kc5i7wvm3x4y8z1a2b3", "", 0).uses = 1
	}
	m := nodeModule{}
	out, err := m.Run(context.Background(), l.target("swarm-worker-01", false), args(t, m, map[string]any{"availability": "drain", "timeout": 30}))
	if err != nil || out.Failed || !out.Changed || !drained {
		t.Fatalf("%v %+v", err, out)
	}
	polls := 0
	for _, c := range m1.ran {
		if strings.Contains(c, "docker service ps web") {
			polls++
		}
	}
	if polls < 4 {
		t.Fatalf("drain returned before the tasks moved: %d polls of the service: %q", polls, m1.ran)
	}
	if out.Fields["tasks_moved"] != 2 {
		t.Fatalf("tasks_moved: %v", out.Fields["tasks_moved"])
	}
}

func TestDockerNodeDrainTimeout(t *testing.T) {
	l := nodeLab(t)
	m1 := l.hosts["swarm-manager-01"]
	m1.on("docker node ps 9bq0n2kc5i7wvm3x4y8z1a2b3", fixture(t, "node_ps_worker1.json"), 0)
	m1.on("docker service ps web", fixture(t, "service_ps_web_moving.json"), 0)
	m1.on("docker node update", "ok", 0)
	m := nodeModule{}
	out, err := m.Run(context.Background(), l.target("swarm-worker-01", false), args(t, m, map[string]any{"availability": "drain", "timeout": 1}))
	if err != nil || !out.Failed || !strings.Contains(out.Msg, "drain of 9bq0n2kc5i7wvm3x4y8z1a2b3 timed out") || !strings.Contains(out.Msg, "not yet moved: web 1/3 running") {
		t.Fatalf("%v %+v", err, out)
	}
}

func TestQuorum(t *testing.T) {
	rows := []NodeRow{
		{ID: "a", Hostname: "a", ManagerStatus: "Leader", Status: "Ready"},
		{ID: "b", Hostname: "b", ManagerStatus: "Reachable", Status: "Ready"},
		{ID: "c", Hostname: "c", ManagerStatus: "Unreachable", Status: "Down"},
		{ID: "d", Hostname: "d", Status: "Ready"},
	}
	if err := checkRoleChange(rows, rows[1], false, true); err == nil || !strings.Contains(err.Error(), "would break quorum: 2 of 3 managers reachable now, 1 of 2 after") {
		t.Fatalf("demote with one manager down: %v", err)
	}
	if err := checkRoleChange(rows, rows[2], false, false); err == nil || !strings.Contains(err.Error(), "even") {
		t.Fatalf("demote the down manager unforced: %v", err)
	}
	if err := checkRoleChange(rows, rows[2], false, true); err != nil {
		t.Fatalf("demote the down manager forced: %v", err)
	}
	if err := checkRoleChange(rows, rows[3], true, true); err != nil {
		t.Fatalf("promote a ready worker to 4 forced: %v", err)
	}
}

func TestDockerSwarmInfo(t *testing.T) {
	l := nodeLab(t)
	m1 := l.hosts["swarm-manager-01"]
	m1.on("docker swarm join-token -q worker", testToken+"\n", 0)
	m1.on("docker swarm join-token -q manager", testToken+"M\n", 0)
	m := swarmInfoModule{}
	out, err := m.Run(context.Background(), l.target("swarm-worker-01", false), args(t, m, map[string]any{"join_tokens": true}))
	if err != nil || out.Failed || out.Changed {
		t.Fatalf("%v %+v", err, out)
	}
	if out.Fields["cluster_id"] != "w1e4wa4ep2d2n3a2b1ce5y6vt" || out.Fields["leader"] != "swarm-manager-01" || out.Fields["role"] != "worker" || out.Fields["quorum"] != true {
		t.Fatalf("fields: %v", out.Fields)
	}
	if got := out.Fields["reachable_managers"].([]string); len(got) != 3 {
		t.Fatalf("reachable: %v", got)
	}
	if len(out.Secrets) != 2 || out.Secrets[0] != testToken {
		t.Fatalf("tokens not registered as secrets: %d", len(out.Secrets))
	}
}
