package sshtest

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/inventory"
	"github.com/swarmbook/swarmbook/modules/builtin"
	"github.com/swarmbook/swarmbook/runner"
	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/report"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/ssh"
	"github.com/swarmbook/swarmbook/runner/transport/sshdtest"
)

// benchTasks is the number of identical tasks in each benchmark playbook.
const benchTasks = 50

// engineRun runs playbook path on the inventory in-process (as the CLI
// does) with a fresh ssh Dialer, and returns the dialer's counters.
func engineRun(b *testing.B, invPath, pbPath string) ssh.Stats {
	b.Helper()
	inv, err := inventory.Load([]string{invPath})
	if err != nil {
		b.Fatal(err)
	}
	reg := builtin.Registry()
	loader := &playbook.Loader{Modules: reg}
	pb, err := loader.LoadPlaybook(pbPath)
	if err != nil {
		b.Fatal(err)
	}
	d := ssh.NewDialer(ssh.Options{})
	defer d.Close()
	r := runner.New(runner.Options{
		Inventory: inv, Loader: loader, Modules: reg,
		Dialers:  map[string]transport.Dialer{"ssh": d},
		Reporter: &report.Text{Out: io.Discard, Err: io.Discard},
		Secrets:  &report.Secrets{}, Forks: 5,
	})
	sum, err := r.Run(context.Background(), []*playbook.Playbook{pb})
	if err != nil {
		b.Fatal(err)
	}
	if sum.Failed || sum.Unreachable {
		b.Fatalf("run failed: %+v", sum.Counts["h0"])
	}
	return d.Stats()
}

// benchPlaybook writes a playbook of n copies of task on hosts: all.
func benchPlaybook(b *testing.B, task string, n int) string {
	b.Helper()
	var s strings.Builder
	s.WriteString("- hosts: all\n  gather_facts: false\n  tasks:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&s, "    - name: t%d\n      %s\n", i, task)
	}
	p := filepath.Join(b.TempDir(), "bench.yml")
	if err := os.WriteFile(p, []byte(s.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkEngineTasks runs playbooks of 50 trivial tasks on one real sshd
// host through the engine. Per run it reports ms/task, allocs/task, TCP
// connections (sshd's "Connection from" lines, must be 1) and SSH sessions
// per task (the Dialer's Stats; command must be 1, an unchanged copy <= 2).
//
//	go test ./sshtest -run '^$' -bench EngineTasks -benchtime 3x
func BenchmarkEngineTasks(b *testing.B) {
	set := sshdtest.Start(b, 1, sshdtest.Options{})
	srv := set.Servers[0]
	// A throw-away account with /bin/sh: root's shell start-up files
	// (pyenv in ~/.bashrc) would be measured with every session. The copy
	// writes into the account's home, removed with the account.
	login := sshdtest.AddUser(b, sshdtest.UserOptions{})
	u, err := user.Lookup(login)
	if err != nil {
		b.Fatal(err)
	}
	dest := filepath.Join(u.HomeDir, "copied.txt")
	inv := filepath.Join(b.TempDir(), "inventory.ini")
	if err := os.WriteFile(inv, []byte(fmt.Sprintf("h0 ansible_host=%s ansible_port=%d ansible_user=%s "+
		"ansible_ssh_private_key_file=%s ansible_ssh_common_args='-o UserKnownHostsFile=%s'\n",
		srv.IP, srv.Port, login, set.ClientKeyFile, set.KnownHostsFile)), 0o644); err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name        string
		task        string
		maxSessions float64 // per task
	}{
		{"command", "command: 'true'", 1},
		{"copy_unchanged", fmt.Sprintf("copy: content='same\\n' dest=%s mode=0644", dest), 2},
	}
	for _, c := range cases {
		pb := benchPlaybook(b, c.task, benchTasks)
		one := benchPlaybook(b, c.task, 1)
		b.Run(c.name, func(b *testing.B) {
			engineRun(b, inv, one) // warm up; creates the copy's file
			// One task alone: the fixed cost (dial, auth, play) to subtract.
			t0 := time.Now()
			engineRun(b, inv, one)
			fixed := time.Since(t0)

			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			mallocs := ms.Mallocs
			conns := srv.CountLog("Connection from")
			var sessions int64
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				sessions += engineRun(b, inv, pb).Sessions
			}
			elapsed := time.Since(start)
			b.StopTimer()
			runtime.ReadMemStats(&ms)
			runs := float64(b.N)
			perRun := float64(elapsed) / runs
			b.ReportMetric(perRun/benchTasks/1e6, "ms/task")
			b.ReportMetric((perRun-float64(fixed))/(benchTasks-1)/1e6, "ms/task-marginal")
			b.ReportMetric(float64(ms.Mallocs-mallocs)/runs/benchTasks, "allocs/task")
			connsPerRun := float64(srv.CountLog("Connection from")-conns) / runs
			b.ReportMetric(connsPerRun, "conns/run")
			perTask := float64(sessions) / runs / benchTasks
			b.ReportMetric(perTask, "sessions/task")
			if connsPerRun != 1 {
				b.Errorf("%.2f TCP connections per run, want 1", connsPerRun)
			}
			if perTask > c.maxSessions {
				b.Errorf("%.2f sessions per %s task, want <= %.0f", perTask, c.name, c.maxSessions)
			}
		})
	}
}
