//go:build lab

package moleculetest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// labContainer is the docker name of a lab machine (Vagrantfile: swarmbook-lab-<name>).
func labContainer(name string) string { return "swarmbook-lab-" + name }

// inNode runs a command inside a lab machine through the host dockerd (not through the playbook tools,
// so the checks do not depend on what they test).
func inNode(t *testing.T, node string, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", append([]string{"exec", labContainer(node)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v: %v\n%s", node, args, err, out)
	}
	return strings.TrimSpace(string(out))
}

var (
	labManagers = []string{"swarm-manager-01", "swarm-manager-02", "swarm-manager-03"}
	labWorkers  = []string{"swarm-worker-01", "swarm-worker-02", "swarm-worker-03"}
)

// swarmNode is the part of `docker node inspect` the checks read.
type swarmNode struct {
	Description struct{ Hostname string }
	Spec        struct {
		Role, Availability string
		Labels             map[string]string
	}
	Status        struct{ State string }
	ManagerStatus *struct {
		Leader       bool
		Reachability string
	}
}

// checkSwarm checks the converged reference swarm from the nodes themselves: one leader, two reachable
// managers, managers drained, three active workers with labels, firewall rules, the overlay network.
func checkSwarm(t *testing.T, labels map[string]string) {
	t.Helper()
	ids := strings.Fields(inNode(t, labManagers[0], "docker", "node", "ls", "-q"))
	var nodes []swarmNode
	if err := json.Unmarshal([]byte(inNode(t, labManagers[0], append([]string{"docker", "node", "inspect"}, ids...)...)), &nodes); err != nil {
		t.Fatalf("docker node inspect: %v", err)
	}
	var leaders, reachable, drainedManagers, activeWorkers int
	for _, n := range nodes {
		if n.Status.State != "ready" {
			t.Errorf("%s is %s, not ready", n.Description.Hostname, n.Status.State)
		}
		switch n.Spec.Role {
		case "manager":
			if n.ManagerStatus != nil && n.ManagerStatus.Leader {
				leaders++
			} else if n.ManagerStatus != nil && n.ManagerStatus.Reachability == "reachable" {
				reachable++
			}
			if n.Spec.Availability == "drain" {
				drainedManagers++
			}
		case "worker":
			if n.Spec.Availability == "active" {
				activeWorkers++
			}
			for k, v := range labels {
				if n.Spec.Labels[k] != v {
					t.Errorf("worker %s: label %s=%q, want %q (labels %v)", n.Description.Hostname, k, n.Spec.Labels[k], v, n.Spec.Labels)
				}
			}
		}
	}
	if len(nodes) != 6 || leaders != 1 || reachable != 2 || drainedManagers != 3 || activeWorkers != 3 {
		t.Errorf("swarm: %d nodes, %d leader, %d reachable, %d managers drained, %d active workers; want 6, 1, 2, 3, 3",
			len(nodes), leaders, reachable, drainedManagers, activeWorkers)
	}
	for _, n := range append(append([]string{}, labManagers...), labWorkers...) {
		rules := inNode(t, n, "nft", "list", "table", "inet", "swarmbook")
		want := []string{"tcp dport 7946", "udp dport 7946", "udp dport 4789"}
		if strings.HasPrefix(n, "swarm-manager") {
			want = append(want, "tcp dport 2377")
		}
		for _, w := range want {
			if !strings.Contains(rules, w+" accept") {
				t.Errorf("%s: firewall has no %q rule:\n%s", n, w, rules)
			}
		}
	}
	var net struct {
		Driver, Scope string
		Attachable    bool
		IPAM          struct{ Config []struct{ Subnet string } }
	}
	if err := json.Unmarshal([]byte(inNode(t, labManagers[0], "docker", "network", "inspect", "swarm-net", "--format", "{{json .}}")), &net); err != nil {
		t.Fatalf("docker network inspect swarm-net: %v", err)
	}
	if net.Driver != "overlay" || net.Scope != "swarm" || !net.Attachable || len(net.IPAM.Config) == 0 ||
		!strings.HasPrefix(net.IPAM.Config[0].Subnet, "198.19.") {
		t.Errorf("overlay network swarm-net: %+v; want an attachable swarm overlay in 198.19.0.0/16", net)
	}
}

// leaveSwarm takes every lab machine out of its swarm: a fresh start for the next tool without the
// minute a lab down + up costs (the seed roles only look at swarm mode).
func leaveSwarm(t *testing.T) {
	t.Helper()
	for _, n := range append(append([]string{}, labWorkers...), labManagers...) {
		exec.Command("docker", "exec", labContainer(n), "docker", "swarm", "leave", "--force").Run()
	}
	for _, n := range labManagers {
		if st := inNode(t, n, "docker", "info", "--format", "{{.Swarm.LocalNodeState}}"); st != "inactive" {
			t.Fatalf("%s is still %s after docker swarm leave", n, st)
		}
	}
}

// joinTokens reads the current join tokens (to grep the output for them).
func joinTokens(t *testing.T) []string {
	var toks []string
	for _, role := range []string{"worker", "manager"} {
		toks = append(toks, inNode(t, labManagers[0], "docker", "swarm", "join-token", "-q", role))
	}
	return toks
}

func noTokens(t *testing.T, what, out string, toks []string) {
	t.Helper()
	for _, tok := range toks {
		if tok != "" && strings.Contains(out, tok) {
			t.Errorf("a join token appears in the output of %s", what)
		}
	}
}

// recapLines is the PLAY RECAP with whitespace normalised.
func recapLines(out string) string {
	var lines []string
	for _, l := range strings.Split(recapText(out), "\n") {
		if f := strings.Fields(l); len(f) > 0 && !strings.HasPrefix(l, "PLAY RECAP") {
			lines = append(lines, strings.Join(f, " "))
		}
	}
	return strings.Join(lines, "\n")
}

func TestLabSwarm(t *testing.T) {
	root, bin := startLab(t)

	t.Run("swarm scenario", func(t *testing.T) {
		r := sb(t, bin, root, "test", "swarm", "--destroy=never")
		data, _ := os.ReadFile(filepath.Join(root, "molecule-test", "swarm", ".results", "summary.json"))
		if r.code != 0 {
			t.Fatalf("swarmbook test swarm: exit %d\n%s\n%s", r.code, r.out, data)
		}
		var sum struct {
			Steps []struct {
				Step, Status string
				DurationNS   int64 `json:"duration_ns"`
			}
		}
		if err := json.Unmarshal(data, &sum); err != nil {
			t.Fatalf("summary.json: %v", err)
		}
		got := map[string]string{}
		var times []string
		for _, s := range sum.Steps {
			got[s.Step] = s.Status
			times = append(times, fmt.Sprintf("%s %s", s.Step, time.Duration(s.DurationNS).Round(time.Millisecond)))
		}
		for _, step := range []string{"create", "converge", "idempotence", "verify"} {
			if got[step] != "passed" {
				t.Errorf("step %s: %q, want passed", step, got[step])
			}
		}
		if got["destroy"] == "passed" {
			t.Error("--destroy=never destroyed the lab")
		}
		t.Logf("swarmbook test swarm: %s (%s)", r.dur.Round(time.Millisecond), strings.Join(times, ", "))
		checkSwarm(t, map[string]string{"tier": "app"})
		check := sb(t, bin, root, "run", "playbooks/swarm.yml", "-i", "molecule-test/swarm/.results/hosts.ini",
			"-e", `{"swarm_labels": {"tier": "app"}}`, "--check")
		for h, c := range recap(check.out) {
			if c[1] != "0" || c[3] != "0" {
				t.Errorf("--check on the converged swarm: %s changed=%s failed=%s", h, c[1], c[3])
			}
		}
		if check.code != 0 || len(recap(check.out)) != 6 {
			t.Errorf("--check: exit %d\n%s", check.code, recapText(check.out))
		}
		t.Logf("swarm --check on the converged cluster: %s", check.dur.Round(time.Millisecond))
		toks := joinTokens(t)
		noTokens(t, "swarmbook test swarm", r.out+check.out, toks)
		for _, f := range []string{"converge.log", "idempotence.log", "verify.log"} {
			if b, err := os.ReadFile(filepath.Join(root, "molecule-test", "swarm", ".results", f)); err == nil {
				noTokens(t, f, string(b), toks)
			}
		}
	})
	if t.Failed() {
		return
	}

	t.Run("a worker that left by hand is rejoined", func(t *testing.T) {
		if out, err := exec.Command("docker", "exec", "swarmbook-lab-swarm-worker-02", "docker", "swarm", "leave", "--force").CombinedOutput(); err != nil {
			t.Fatalf("swarm leave: %v\n%s", err, out)
		}
		// Wait until the managers see the old entry Down.
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			out, _ := exec.Command("docker", "exec", "swarmbook-lab-swarm-manager-01", "docker", "node", "ls", "--format", "{{.Hostname}} {{.Status}}").Output()
			if strings.Contains(string(out), "swarm-worker-02 Down") {
				break
			}
			time.Sleep(2 * time.Second)
		}
		r := sb(t, bin, root, "run", "playbooks/swarm.yml", "-i", "molecule-test/swarm/.results/hosts.ini",
			"-e", `{"swarm_labels": {"tier": "app"}}`)
		if r.code != 0 {
			t.Fatalf("rerun after the worker left: exit %d\n%s", r.code, r.out)
		}
		if c := recap(r.out)["swarm-worker-02"]; c == nil || c[1] == "0" {
			t.Errorf("the rerun did not rejoin swarm-worker-02: %v\n%s", c, recapText(r.out))
		}
		state, _ := exec.Command("docker", "exec", "swarmbook-lab-swarm-worker-02", "docker", "info", "--format", "{{.Swarm.LocalNodeState}}").Output()
		if strings.TrimSpace(string(state)) != "active" {
			t.Errorf("swarm-worker-02 is %q after the rerun", strings.TrimSpace(string(state)))
		}
		nodes, _ := exec.Command("docker", "exec", "swarmbook-lab-swarm-manager-01", "docker", "node", "ls", "--format", "{{.Hostname}} {{.Status}}").Output()
		if n := strings.Count(string(nodes), "swarm-worker-02"); n != 1 {
			t.Errorf("swarm-worker-02 appears %d times in docker node ls:\n%s", n, nodes)
		}
		noTokens(t, "the rejoin run", r.out, joinTokens(t))
		t.Logf("rejoin rerun: %s", r.dur.Round(time.Millisecond))
	})

	// Seed 002's roles, from scratch, with swarmbook and with ansible-playbook: the same recaps.
	inv := "molecule-test/hosts.ini"
	seed := "molecule-test/seed/seed.yml"
	steps := []struct {
		name string
		args []string
	}{
		{"converge", nil},
		{"rerun", nil},
		{"smoketests", []string{"--tags", "test"}},
	}
	recaps := map[string][]string{}
	for _, tool := range []string{"swarmbook", "ansible-playbook"} {
		if tool == "ansible-playbook" {
			if _, err := os.Stat("/usr/bin/ansible-playbook"); err != nil {
				t.Log("ansible-playbook is not installed: seed run by swarmbook only")
				break
			}
		}
		t.Run("seed 002 with "+tool, func(t *testing.T) {
			leaveSwarm(t)
			for _, st := range steps {
				// The seed's leader smoketest wants an Active leader (see molecule-test/seed/scenario.yml).
				args := append([]string{seed, "-i", inv, "-e", `{"disable_leader_scheduling": false}`}, st.args...)
				var r run
				if tool == "swarmbook" {
					r = sb(t, bin, root, append([]string{"run"}, args...)...)
				} else {
					r = sb(t, "/usr/bin/python3", root, append([]string{"/usr/bin/ansible-playbook"}, args...)...)
				}
				rc := recap(r.out)
				if r.code != 0 || len(rc) != 3 {
					t.Fatalf("%s %s: exit %d\n%s", tool, st.name, r.code, r.out)
				}
				for h, c := range rc {
					if st.name != "converge" && c[1] != "0" {
						t.Errorf("%s %s: %s changed=%s", tool, st.name, h, c[1])
					}
				}
				recaps[st.name] = append(recaps[st.name], recapLines(r.out))
				t.Logf("seed %s with %s: %s", st.name, tool, r.dur.Round(time.Millisecond))
				if tool == "swarmbook" {
					noTokens(t, "the seed run", r.out, joinTokens(t))
				}
			}
			out := inNode(t, labManagers[0], "docker", "node", "ls", "--format", "{{.Hostname}} {{.ManagerStatus}} {{.Availability}}")
			if !regexp.MustCompile(`(?m)^swarm-manager-01 Leader Active$`).MatchString(out) ||
				len(regexp.MustCompile(`(?m) Reachable Drain$`).FindAllString(out, -1)) != 2 {
				t.Errorf("seed swarm with %s:\n%s", tool, out)
			}
		})
	}
	for _, st := range steps {
		if rs := recaps[st.name]; len(rs) == 2 && rs[0] != rs[1] {
			t.Errorf("seed %s: PLAY RECAP differs\nswarmbook:\n%s\nansible-playbook:\n%s", st.name, rs[0], rs[1])
		}
	}
}
