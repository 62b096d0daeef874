package swarm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// rule answers the docker commands containing match (all of its words, in
// order of appearance) with out and rc. uses > 0 limits how often it applies;
// then runs after it applied (to change the fake host's state).
type rule struct {
	match string
	out   string
	rc    int
	uses  int
	then  func()
}

// fakeConn is one fake host: it parses the framed steps of a sh script,
// answers each from its rules and records what ran.
type fakeConn struct {
	t     *testing.T
	name  string
	shell transport.Shell
	mu    sync.Mutex
	rules []*rule
	ran   []string // commands, in order
	stdin []string
	puts  map[string]string
}

func newFake(t *testing.T, name string) *fakeConn {
	return &fakeConn{t: t, name: name, shell: transport.ShellPOSIX, puts: map[string]string{}}
}

// on adds a rule in front of the existing ones (later rules win).
func (f *fakeConn) on(match, out string, rc int) *rule {
	r := &rule{match: match, out: out, rc: rc}
	f.mu.Lock()
	f.rules = append([]*rule{r}, f.rules...)
	f.mu.Unlock()
	return r
}

func fixture(t *testing.T, name string) string {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (f *fakeConn) answer(cmd string) (string, int) {
	var then func()
	defer func() {
		if then != nil {
			then()
		}
	}()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ran = append(f.ran, cmd)
	for _, r := range f.rules {
		if r.uses < 0 || !matches(cmd, r.match) {
			continue
		}
		if r.uses > 0 {
			r.uses--
			if r.uses == 0 {
				r.uses = -1
			}
		}
		then = r.then
		return r.out, r.rc
	}
	f.t.Errorf("%s: no rule for command: %s", f.name, cmd)
	return "unexpected", 99
}

func matches(cmd, match string) bool {
	var toks []string
	for _, w := range strings.Fields(cmd) {
		toks = append(toks, strings.TrimRight(strings.Trim(w, "'"), ";"))
	}
	i := 0
	for _, w := range strings.Fields(match) {
		for i < len(toks) && toks[i] != w {
			i++
		}
		if i == len(toks) {
			return false
		}
		i++
	}
	return true
}

func (f *fakeConn) Run(ctx context.Context, cmd transport.Command) (transport.Result, error) {
	if cmd.Stdin != nil {
		b, _ := io.ReadAll(cmd.Stdin)
		f.mu.Lock()
		f.stdin = append(f.stdin, string(b))
		f.mu.Unlock()
	}
	var out strings.Builder
	lines := strings.Split(cmd.Script, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "printf '%s\\n' ") || !strings.Contains(l, marker) {
			continue
		}
		key := strings.Trim(strings.TrimPrefix(l, "printf '%s\\n' "), "'")
		key = strings.TrimPrefix(key, marker)
		i++
		c := strings.TrimSuffix(lines[i], " 2>&1")
		text, rc := f.answer(c)
		fmt.Fprintf(&out, "%s%s\n%s\n%s%s:rc=%d\n", marker, key, text, marker, key, rc)
		if i+3 < len(lines) && strings.Contains(lines[i+3], "|| exit 0") && rc != 0 {
			break
		}
	}
	return transport.Result{Stdout: []byte(out.String())}, nil
}

func (f *fakeConn) Put(_ context.Context, dst string, src io.Reader, _ fs.FileMode, _ transport.Become) error {
	b, _ := io.ReadAll(src)
	f.mu.Lock()
	f.puts[dst] = string(b)
	f.mu.Unlock()
	return nil
}
func (f *fakeConn) Get(context.Context, string, io.Writer, transport.Become) error { return nil }
func (f *fakeConn) Platform() transport.Platform {
	return transport.Platform{Shell: f.shell, OSFamily: "linux"}
}
func (f *fakeConn) Close() error { return nil }

// ranAny reports whether a command containing match ran.
func (f *fakeConn) ranAny(match string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.ran {
		if matches(c, match) {
			return true
		}
	}
	return false
}

// fakePeers is the run's other hosts.
type fakePeers struct {
	conns  map[string]*fakeConn
	down   map[string]bool
	groups map[string][]string
}

func (p *fakePeers) Conn(_ context.Context, host string) (transport.Conn, error) {
	if p.down[host] {
		return nil, &transport.Unreachable{Host: host, Err: errors.New("ssh: connect to host " + host + " port 22: No route to host")}
	}
	c, ok := p.conns[host]
	if !ok {
		return nil, fmt.Errorf("no such host %s", host)
	}
	return c, nil
}
func (p *fakePeers) Group(name string) []string { return p.groups[name] }
func (p *fakePeers) Vars(string) map[string]any { return nil }

// fakeLab is a fake 3-manager, 2-worker inventory.
type fakeLab struct {
	hosts map[string]*fakeConn
	peers *fakePeers
}

func newLab(t *testing.T) *fakeLab {
	l := &fakeLab{hosts: map[string]*fakeConn{}}
	names := []string{"swarm-manager-01", "swarm-manager-02", "swarm-manager-03", "swarm-worker-01", "swarm-worker-02"}
	for _, n := range names {
		l.hosts[n] = newFake(t, n)
	}
	l.peers = &fakePeers{conns: l.hosts, down: map[string]bool{}, groups: map[string][]string{
		"swarm-manager": names[:3],
		"swarm-worker":  names[3:],
	}}
	return l
}

func (l *fakeLab) target(host string, check bool) *modules.Target {
	return &modules.Target{Host: host, Conn: l.hosts[host], Check: check, Peers: l.peers, Diff: true}
}

// args validates raw arguments against spec, filling defaults.
func args(t *testing.T, m modules.Module, raw map[string]any) modules.Args {
	t.Helper()
	a, err := modules.Validate(m.Spec(), raw, false)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// noSecret fails when any secret appears in the outcome's visible parts.
func noSecret(t *testing.T, out modules.Outcome, secret string) {
	t.Helper()
	visible := fmt.Sprintf("%s %v %v", out.Msg, out.Fields, out.Diffs)
	if strings.Contains(visible, secret) {
		t.Fatalf("secret %q visible in outcome: %s", secret, visible)
	}
}

func writeFile(p, s string) error { return os.WriteFile(p, []byte(s), 0o644) }
