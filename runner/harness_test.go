package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/swarmbook/swarmbook/inventory"
	"github.com/swarmbook/swarmbook/modules/builtin"
	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/report"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/local"
)

// fakeDialer hands out fakeConns and records every command per host.
type fakeDialer struct {
	mu sync.Mutex
	// dialErr makes Dial fail for these hosts (unreachable).
	dialErr map[string]error
	// runErr makes Run fail (transport error) for these hosts.
	runErr map[string]error
	// answer, if set, answers a command; nil: exec-line based default.
	answer func(host string, cmd transport.Command) (transport.Result, error)
	cmds   []hostCmd // in call order
	dials  map[string]int
}

type hostCmd struct {
	host string
	cmd  string // the exec'd command words (unquoted) or the script
}

func (d *fakeDialer) Dial(_ context.Context, ep transport.Endpoint) (transport.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dials == nil {
		d.dials = map[string]int{}
	}
	d.dials[ep.Name]++
	if err := d.dialErr[ep.Name]; err != nil {
		return nil, &transport.Unreachable{Host: ep.Name, Err: err}
	}
	return &fakeConn{d: d, host: ep.Name}, nil
}

// commands lists the recorded commands as "host: cmd".
func (d *fakeDialer) commands() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, c := range d.cmds {
		out = append(out, c.host+": "+c.cmd)
	}
	return out
}

type fakeConn struct {
	d    *fakeDialer
	host string
}

var execLine = regexp.MustCompile(`(?m)^exec (.*)$`)

// execWords extracts the command of a command-module script, unquoted.
func execWords(script string) string {
	m := execLine.FindStringSubmatch(script)
	if m == nil {
		return script
	}
	return strings.ReplaceAll(m[1], "'", "")
}

// defaultAnswer runs a tiny command language: "true", "false",
// "echo X" (stdout X), "exit N".
func defaultAnswer(cmd string) transport.Result {
	w := strings.Fields(cmd)
	if len(w) == 0 {
		return transport.Result{}
	}
	switch w[0] {
	case "false":
		return transport.Result{ExitCode: 1}
	case "echo":
		return transport.Result{Stdout: []byte(strings.Join(w[1:], " ") + "\n")}
	case "exit":
		n := 0
		fmt.Sscan(w[1], &n)
		return transport.Result{ExitCode: n}
	}
	return transport.Result{}
}

func (c *fakeConn) Run(_ context.Context, cmd transport.Command) (transport.Result, error) {
	words := execWords(cmd.Script)
	c.d.mu.Lock()
	c.d.cmds = append(c.d.cmds, hostCmd{c.host, words})
	err := c.d.runErr[c.host]
	answer := c.d.answer
	c.d.mu.Unlock()
	if err != nil {
		return transport.Result{}, &transport.Unreachable{Host: c.host, Err: err}
	}
	if answer != nil {
		return answer(c.host, cmd)
	}
	return defaultAnswer(words), nil
}

func (c *fakeConn) Put(_ context.Context, dst string, src io.Reader, _ fs.FileMode, _ transport.Become) error {
	_, err := io.Copy(io.Discard, src)
	return err
}

func (c *fakeConn) Get(context.Context, string, io.Writer, transport.Become) error {
	return errors.New("fake: get not supported")
}

func (c *fakeConn) Platform() transport.Platform {
	return transport.Platform{Shell: transport.ShellPOSIX, OSFamily: "linux"}
}

func (c *fakeConn) Close() error { return nil }

// event is one recorded reporter event, flattened for comparisons.
type event struct {
	kind   string // play, task, result, retry, include, warning, nohosts, noremaining, recap
	name   string // play/task name, include file
	host   string
	status report.Status
	label  string
	res    report.Result
}

// recorder is a Reporter keeping every event.
type recorder struct {
	events []event
	recap  report.Recap
}

func (r *recorder) PlaybookStart(string) {}
func (r *recorder) PlayStart(p report.Play) {
	r.events = append(r.events, event{kind: "play", name: p.Name})
}
func (r *recorder) TaskStart(t *report.Task) {
	r.events = append(r.events, event{kind: "task", name: t.Prefix + " " + t.Name})
}
func (r *recorder) HostResult(res report.Result) {
	name := ""
	if res.Task != nil {
		name = res.Task.Name
	}
	r.events = append(r.events, event{kind: "result", name: name, host: res.Host, status: res.Status, label: res.Label, res: res})
}
func (r *recorder) Retry(t *report.Task, host string, left int) {
	r.events = append(r.events, event{kind: "retry", name: t.Name, host: host, label: fmt.Sprint(left)})
}
func (r *recorder) Include(file string, hosts []string, label string) {
	r.events = append(r.events, event{kind: "include", name: filepath.Base(file), host: strings.Join(hosts, ","), label: label})
}
func (r *recorder) Warning(msg string) {
	r.events = append(r.events, event{kind: "warning", name: msg})
}
func (r *recorder) Deprecation(msg string) {
	r.events = append(r.events, event{kind: "deprecation", name: msg})
}
func (r *recorder) NoHostsMatched()   { r.events = append(r.events, event{kind: "nohosts"}) }
func (r *recorder) NoHostsRemaining() { r.events = append(r.events, event{kind: "noremaining"}) }
func (r *recorder) Recap(rc report.Recap) {
	r.recap = rc
	r.events = append(r.events, event{kind: "recap"})
}

// results lists "host task status[ label]" for every host result.
func (r *recorder) results() []string {
	var out []string
	for _, e := range r.events {
		if e.kind != "result" {
			continue
		}
		s := e.host + " " + e.name + " " + string(e.status)
		if e.label != "" {
			s += " (" + e.label + ")"
		}
		out = append(out, s)
	}
	return out
}

// tasks lists the task banners in order.
func (r *recorder) tasks() []string {
	var out []string
	for _, e := range r.events {
		if e.kind == "task" {
			out = append(out, strings.TrimSpace(e.name))
		}
	}
	return out
}

// fixture is one run: files, inventory and options.
type fixture struct {
	playbook  string            // site.yml contents
	files     map[string]string // other files relative to the playbook dir
	inventory string            // INI; default "[web]\nh1\nh2\n"
	opts      func(*Options)
	dialer    *fakeDialer
}

type outcome struct {
	sum  Summary
	err  error
	text string
	rec  *recorder
	d    *fakeDialer
	dir  string
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// run loads and runs a fixture with the real loader, inventory and modules.
func run(t testing.TB, f fixture) outcome {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"site.yml": f.playbook}
	for k, v := range f.files {
		files[k] = v
	}
	inv := f.inventory
	if inv == "" {
		inv = "[web]\nh1\nh2\n"
	}
	files["hosts.ini"] = inv
	writeFiles(t, dir, files)
	in, err := inventory.Load([]string{filepath.Join(dir, "hosts.ini")})
	if err != nil {
		t.Fatalf("inventory: %v", err)
	}
	reg := builtin.Registry()
	loader := &playbook.Loader{Modules: reg}
	pb, err := loader.LoadPlaybook(filepath.Join(dir, "site.yml"))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	d := f.dialer
	if d == nil {
		d = &fakeDialer{}
	}
	var out bytes.Buffer
	rec := &recorder{}
	opts := Options{
		Inventory: in, Loader: loader, Modules: reg,
		Dialers:  map[string]transport.Dialer{"ssh": d, "local": local.Dialer{}},
		Reporter: report.Multi{&report.Text{Out: &out, Err: &out}, rec},
	}
	if f.opts != nil {
		f.opts(&opts)
	}
	sum, err := New(opts).Run(context.Background(), []*playbook.Playbook{pb})
	return outcome{sum: sum, err: err, text: out.String(), rec: rec, d: d, dir: dir}
}

// recapLine renders one host's counts compactly: "ok=1 changed=0 ...".
func recapLine(c *report.Counts) string {
	if c == nil {
		return "<none>"
	}
	return fmt.Sprintf("ok=%d changed=%d unreachable=%d failed=%d skipped=%d rescued=%d ignored=%d",
		c.OK, c.Changed, c.Unreachable, c.Failed, c.Skipped, c.Rescued, c.Ignored)
}

// checkRecap compares the recap counts per host.
func checkRecap(t *testing.T, o outcome, want map[string]string) {
	t.Helper()
	for h, w := range want {
		if got := recapLine(o.sum.Counts[h]); got != w {
			t.Errorf("recap %s:\n got %s\nwant %s\noutput:\n%s", h, got, w, o.text)
		}
	}
	if len(o.sum.Counts) != len(want) {
		t.Errorf("recap hosts: got %d (%v), want %d", len(o.sum.Counts), keysOf(o.sum.Counts), len(want))
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

func eqLines(t *testing.T, what string, got, want []string, extra string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got:\n  %s\nwant:\n  %s\n%s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "), extra)
	}
}
