package swarm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

func managerLab(t *testing.T) *fakeLab {
	l := newLab(t)
	l.hosts["swarm-manager-01"].on("docker info", fixture(t, "info_manager1.json"), 0)
	l.hosts["swarm-worker-01"].on("docker info", fixture(t, "info_worker1.json"), 0)
	l.peers.down["swarm-manager-02"], l.peers.down["swarm-manager-03"] = true, true
	return l
}

func TestDockerSecret(t *testing.T) {
	const pw = "s3cr3t-admin-Pwd!"
	sum := sha256.Sum256([]byte(pw))
	hash := hex.EncodeToString(sum[:])
	inspect := `{"ID":"k7vbn2o1l4u3yqz1t3e0mxl5c","Version":{"Index":88},"CreatedAt":"2024-05-02T09:30:00.1Z","UpdatedAt":"2024-05-02T09:30:00.1Z","Spec":{"Name":"adminPwd","Labels":{"` + hashLabel + `":"HASH"}}}`
	ls := `{"CreatedAt":"2 minutes ago","Driver":"","ID":"k7vbn2o1l4u3yqz1t3e0mxl5c","Labels":"","Name":"adminPwd","UpdatedAt":"2 minutes ago"}`
	cases := []struct {
		name    string
		ls      string
		hash    string
		changed bool
		create  bool
	}{
		{"missing: created", "", "", true, true},
		{"same data: ok", ls, hash, false, false},
		{"other data: replaced", ls, "0000", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := managerLab(t)
			m1 := l.hosts["swarm-manager-01"]
			m1.on("docker secret ls", c.ls, 0)
			m1.on("docker secret inspect adminPwd", strings.Replace(inspect, "HASH", c.hash, 1), 0)
			m1.on("docker secret rm adminPwd", "adminPwd", 0)
			m1.on("docker secret create", "k7vbn2o1l4u3yqz1t3e0mxl5d", 0)
			m := objectModule{kind: "secret"}
			out, err := m.Run(context.Background(), l.target("swarm-worker-01", false), args(t, m, map[string]any{"name": "adminPwd", "data": pw}))
			if err != nil || out.Failed || out.Changed != c.changed {
				t.Fatalf("%v %+v", err, out)
			}
			noSecret(t, out, pw)
			for _, cmd := range m1.ran {
				if strings.Contains(cmd, pw) {
					t.Fatalf("secret on a command line: %s", cmd)
				}
			}
			if m1.ranAny("docker secret create --label "+hashLabel+"="+hash+" adminPwd -") != c.create {
				t.Fatalf("create: %q", m1.ran)
			}
			if c.create && (len(m1.stdin) != 1 || m1.stdin[0] != pw) {
				t.Fatalf("data not on stdin: %q", m1.stdin)
			}
			if len(out.Secrets) == 0 || out.Secrets[0] != pw {
				t.Fatalf("data not registered as secret")
			}
		})
	}
}

func TestDockerNetwork(t *testing.T) {
	ls := `{"CreatedAt":"2024-05-02 09:31:00.1 +0000 UTC","Driver":"overlay","ID":"r5b9yq8p3m2n","IPv6":"false","Internal":"false","Labels":"","Name":"traefik-public","Scope":"swarm"}`
	inspect := `{"Name":"traefik-public","Id":"r5b9yq8p3m2nq1w2e3r4t5y6u","Created":"2024-05-02T09:31:00.1Z","Scope":"swarm","Driver":"overlay","EnableIPv6":false,"IPAM":{"Driver":"default","Options":null,"Config":[{"Subnet":"10.10.1.0/24","Gateway":"10.10.1.1"}]},"Internal":false,"Attachable":true,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":null,"Options":{"com.docker.network.driver.overlay.vxlanid_list":"4097"},"Labels":{}}`
	cases := []struct {
		name    string
		ls      string
		args    map[string]any
		changed bool
		cmds    []string
	}{
		{"missing: created", "", map[string]any{"name": "traefik-public", "attachable": true, "subnet": "10.10.1.0/24"}, true,
			[]string{"docker network create --driver overlay --attachable --subnet 10.10.1.0/24 traefik-public"}},
		{"same: ok", ls, map[string]any{"name": "traefik-public", "attachable": true, "subnet": "10.10.1.0/24"}, false, nil},
		{"encrypted wanted: recreated", ls, map[string]any{"name": "traefik-public", "attachable": true, "encrypted": true}, true,
			[]string{"docker network rm traefik-public", "docker network create --driver overlay --attachable --opt encrypted traefik-public"}},
		{"absent", ls, map[string]any{"name": "traefik-public", "state": "absent"}, true, []string{"docker network rm traefik-public"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := managerLab(t)
			m1 := l.hosts["swarm-manager-01"]
			m1.on("docker network ls", c.ls, 0)
			m1.on("docker network inspect traefik-public", inspect, 0)
			m1.on("docker network rm", "traefik-public", 0)
			m1.on("docker network create", "r5b9yq8p3m2nq1w2e3r4t5y6u", 0)
			m := networkModule{}
			out, err := m.Run(context.Background(), l.target("swarm-manager-01", false), args(t, m, c.args))
			if err != nil || out.Failed || out.Changed != c.changed {
				t.Fatalf("%v %+v", err, out)
			}
			for _, cmd := range c.cmds {
				if !m1.ranAny(cmd) {
					t.Errorf("%q did not run: %q", cmd, m1.ran)
				}
			}
			if c.cmds == nil && (m1.ranAny("network create") || m1.ranAny("network rm")) {
				t.Errorf("unexpected change: %q", m1.ran)
			}
		})
	}
}

func TestDockerDaemon(t *testing.T) {
	cur := `{
  "data-root": "/var/lib/docker",
  "labels": ["zone=a"]
}`
	cases := []struct {
		name    string
		file    string
		rc      int
		config  map[string]any
		changed bool
	}{
		{"missing file: written", "", 3, map[string]any{"labels": []any{"zone=a"}}, true},
		{"same keys: ok", cur, 0, map[string]any{"labels": []any{"zone=a"}}, false},
		{"merged: data-root kept, labels changed", cur, 0, map[string]any{"labels": []any{"zone=b"}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newFake(t, "n")
			h.on("cat /etc/docker/daemon.json", c.file, c.rc)
			h.on("mkdir -p /etc/docker", "", 0)
			m := daemonModule{}
			out, err := m.Run(context.Background(), &modules.Target{Host: "n", Conn: h, Diff: true}, args(t, m, map[string]any{"config": c.config}))
			if err != nil || out.Failed || out.Changed != c.changed {
				t.Fatalf("%v %+v", err, out)
			}
			written, ok := h.puts["/etc/docker/daemon.json"]
			if ok != c.changed {
				t.Fatalf("written=%v", ok)
			}
			if c.name == "merged: data-root kept, labels changed" && (!strings.Contains(written, `"data-root": "/var/lib/docker"`) || !strings.Contains(written, `"zone=b"`)) {
				t.Fatalf("merge: %s", written)
			}
		})
	}
}

func TestDockerImageLoadIdempotentByID(t *testing.T) {
	h := newFake(t, "w")
	h.on("docker image ls", "", 0)
	h.on("docker load --quiet --input", "Loaded image: sbsleep:1", 0).then = func() {
		h.on("docker image ls", `{"Containers":"N/A","CreatedAt":"2024-05-02 09:40:00 +0000 UTC","CreatedSince":"1 minute ago","Digest":"\u003cnone\u003e","ID":"sha256:5d0da3dc976460b72c77d94c8a1ad043720b0416bfc16c52c45d4847e53fadb6","Repository":"sbsleep","SharedSize":"N/A","Size":"2.1MB","Tag":"1","UniqueSize":"N/A","VirtualSize":"2.1MB"}`, 0)
	}
	h.on("rm -f", "", 0)
	dir := t.TempDir()
	tar := dir + "/img.tar"
	if err := writeFile(tar, "tar bytes"); err != nil {
		t.Fatal(err)
	}
	m := imageModule{}
	out, err := m.Run(context.Background(), &modules.Target{Host: "w", Conn: h}, args(t, m, map[string]any{"name": "sbsleep:1", "source": "load", "load_path": tar}))
	if err != nil || out.Failed || !out.Changed || out.Fields["image_id"] == "" {
		t.Fatalf("%v %+v", err, out)
	}
	if len(h.puts) != 1 {
		t.Fatalf("tar not uploaded: %v", h.puts)
	}
	// Second run: the image is there: nothing uploaded, not changed.
	h.puts = map[string]string{}
	out, err = m.Run(context.Background(), &modules.Target{Host: "w", Conn: h}, args(t, m, map[string]any{"name": "sbsleep:1", "source": "load", "load_path": tar}))
	if err != nil || out.Failed || out.Changed || len(h.puts) != 0 {
		t.Fatalf("rerun: %v %+v %v", err, out, h.puts)
	}
}

// Every module's steps render for PowerShell too: docker.exe, quoted
// arguments, the same markers, and secrets read from stdin.
func TestPowerShellRendering(t *testing.T) {
	s := newScript(psDialect{}).docker("info", "info", "--format", "{{json .Swarm}}").must().
		dockerSecretArg("join", 3, "swarm", "join", "--token", "TOKEN", "198.18.0.11:2377")
	got := s.String()
	for _, want := range []string{
		"& 'docker.exe' 'info' '--format' '{{json .Swarm}}'",
		"Write-Output '@@swarmbook:info'",
		"if ($rc -ne 0) { exit 0 }",
		"$sbSecret = [Console]::In.ReadLine(); & 'docker.exe' 'swarm' 'join' '--token' $sbSecret '198.18.0.11:2377'",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("PowerShell script lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "TOKEN") {
		t.Error("placeholder left in the script")
	}
	// A PowerShell answer (CRLF) parses like a sh one.
	o := parseOutput("@@swarmbook:info\r\n{\"LocalNodeState\":\"inactive\"}\r\n\r\n@@swarmbook:info:rc=0\r\n")
	st, err := parseSwarmState(o["info"])
	if err != nil || st.LocalNodeState != "inactive" {
		t.Fatalf("%v %+v", err, st)
	}
	if (&fakeConn{shell: transport.ShellPowerShell}).Platform().Shell != transport.ShellPowerShell || dialectFor(&fakeConn{shell: transport.ShellPowerShell}).docker() != "docker.exe" {
		t.Fatal("dialect not chosen from the platform")
	}
}

func TestParseOutputSkipsUnrunSteps(t *testing.T) {
	o := parseOutput("noise\n@@swarmbook:a\nline1\nline2\n\n@@swarmbook:a:rc=1\n")
	if o["a"].Text != "line1\nline2" || o["a"].RC != 1 || o["a"].OK() {
		t.Fatalf("%+v", o["a"])
	}
	if _, ok := o["b"]; ok {
		t.Fatal("unrun step present")
	}
}
