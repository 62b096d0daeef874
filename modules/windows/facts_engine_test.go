package windows_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/swarmbook/swarmbook/inventory"
	"github.com/swarmbook/swarmbook/modules/builtin"
	"github.com/swarmbook/swarmbook/runner"
	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/report"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/local"
)

// psDialer hands out psConns: PowerShell hosts answering the facts script
// with the constructed Windows Server 2022 sample and win_ping with pong.
type psDialer struct {
	facts   []byte
	mu      sync.Mutex
	scripts []string
}

func (d *psDialer) Dial(context.Context, transport.Endpoint) (transport.Conn, error) {
	return &psConn{d: d}, nil
}

type psConn struct{ d *psDialer }

func (c *psConn) Run(_ context.Context, cmd transport.Command) (transport.Result, error) {
	c.d.mu.Lock()
	c.d.scripts = append(c.d.scripts, cmd.Script)
	c.d.mu.Unlock()
	switch {
	case strings.Contains(cmd.Script, "Invoke-FactSection"):
		return transport.Result{Stdout: append(append([]byte{}, c.d.facts...), '\r', '\n')}, nil
	case strings.Contains(cmd.Script, "ping ="):
		return transport.Result{Stdout: []byte("{\"ping\":\"pong\"}\r\n")}, nil
	}
	return transport.Result{ExitCode: 1, Stderr: []byte("unexpected script")}, nil
}
func (c *psConn) Put(context.Context, string, io.Reader, fs.FileMode, transport.Become) error {
	return nil
}
func (c *psConn) Get(context.Context, string, io.Writer, transport.Become) error { return nil }
func (c *psConn) Platform() transport.Platform {
	return transport.Platform{Shell: transport.ShellPowerShell, OSFamily: "windows"}
}
func (c *psConn) Close() error { return nil }

// TestWhenOSFamilyWindows runs a real play through the engine: gather_facts
// on a PowerShell host yields ansible_os_family == 'Windows', so `when`
// selects it, while the local (Linux) host takes the other branch.
func TestWhenOSFamilyWindows(t *testing.T) {
	facts, err := os.ReadFile(filepath.Join("testdata", "facts_server2022_constructed.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"hosts.ini": "[swarm]\nwin1 ansible_connection=winrm\nctl ansible_connection=local\n",
		"site.yml": `- hosts: swarm
  gather_facts: true
  tasks:
    - name: windows only
      win_ping:
      when: ansible_os_family == 'Windows'
    - name: not windows
      ping:
      when: ansible_os_family != 'Windows'
    - name: facts namespace
      debug:
        msg: "{{ ansible_facts.distribution }}|{{ ansible_facts['windows_domain'] }}|{{ ansible_processor_vcpus }}|{{ hostvars['win1'].ansible_hostname }}"
      when: ansible_facts.os_family == 'Windows' and ansible_distribution_major_version | int >= 10
- hosts: win1
  gather_facts: true
  gather_subset: ['!all']
  tasks:
    - name: min facts only
      assert:
        that:
          - ansible_os_family == 'Windows'
          - ansible_system == 'Win32NT'
`,
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inv, err := inventory.Load([]string{filepath.Join(dir, "hosts.ini")})
	if err != nil {
		t.Fatal(err)
	}
	reg := builtin.Registry()
	loader := &playbook.Loader{Modules: reg}
	pb, err := loader.LoadPlaybook(filepath.Join(dir, "site.yml"))
	if err != nil {
		t.Fatal(err)
	}
	d := &psDialer{facts: facts}
	var out bytes.Buffer
	sum, err := runner.New(runner.Options{
		Inventory: inv, Loader: loader, Modules: reg,
		Dialers:  map[string]transport.Dialer{"winrm": d, "local": local.Dialer{}},
		Reporter: &report.Text{Out: &out, Err: &out},
	}).Run(context.Background(), []*playbook.Playbook{pb})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	text := out.String()
	want := map[string]string{"win1": "ok=5 changed=0 skipped=1", "ctl": "ok=2 changed=0 skipped=2"}
	for h, w := range want {
		c := sum.Counts[h]
		if c == nil {
			t.Fatalf("no recap for %s:\n%s", h, text)
		}
		got := strings.Join([]string{"ok=" + strconv.Itoa(c.OK), "changed=" + strconv.Itoa(c.Changed), "skipped=" + strconv.Itoa(c.Skipped)}, " ")
		if got != w || c.Failed != 0 {
			t.Errorf("%s: %s failed=%d, want %s\n%s", h, got, c.Failed, w, text)
		}
	}
	if !strings.Contains(text, "Microsoft Windows Server 2022 Datacenter|WORKGROUP|2|mgr1") {
		t.Errorf("facts not visible to templates:\n%s", text)
	}
	// Two gatherings, one script each; the second narrowed by gather_subset.
	var factScripts []string
	for _, s := range d.scripts {
		if strings.Contains(s, "Invoke-FactSection") {
			factScripts = append(factScripts, s)
		}
	}
	if len(factScripts) != 2 || !strings.Contains(factScripts[0], "Win32_Processor") || strings.Contains(factScripts[1], "Win32_Processor") {
		t.Errorf("fact scripts: %d, subset not applied", len(factScripts))
	}
}
