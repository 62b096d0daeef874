package runner

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/swarmbook/swarmbook/inventory"
	"github.com/swarmbook/swarmbook/modules/builtin"
	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/report"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// instantConn answers every command at once with exit 0: the benchmark
// measures the controller, not the command.
type instantConn struct{}

func (instantConn) Run(context.Context, transport.Command) (transport.Result, error) {
	return transport.Result{}, nil
}
func (instantConn) Put(_ context.Context, _ string, src io.Reader, _ os.FileMode, _ transport.Become) error {
	_, err := io.Copy(io.Discard, src)
	return err
}
func (instantConn) Get(context.Context, string, io.Writer, transport.Become) error { return nil }
func (instantConn) Platform() transport.Platform {
	return transport.Platform{Shell: transport.ShellPOSIX, OSFamily: "linux"}
}
func (instantConn) Close() error { return nil }

type instantDialer struct{}

func (instantDialer) Dial(context.Context, transport.Endpoint) (transport.Conn, error) {
	return instantConn{}, nil
}

// benchSetup writes an inventory of n hosts and a play of tasks copies of
// task, and loads both.
func benchSetup(b *testing.B, hosts, tasks int, task string) (*inventory.Inventory, *playbook.Playbook, *playbook.Loader) {
	b.Helper()
	dir := b.TempDir()
	var inv strings.Builder
	inv.WriteString("[web]\n")
	for i := 0; i < hosts; i++ {
		fmt.Fprintf(&inv, "host%04d ansible_host=10.0.%d.%d\n", i, i/250, i%250)
	}
	var pb strings.Builder
	pb.WriteString("- hosts: web\n  gather_facts: false\n  tasks:\n")
	for i := 0; i < tasks; i++ {
		fmt.Fprintf(&pb, "    - name: task %d\n      %s\n", i, task)
	}
	writeFiles(b, dir, map[string]string{"hosts.ini": inv.String(), "site.yml": pb.String()})
	in, err := inventory.Load([]string{filepath.Join(dir, "hosts.ini")})
	if err != nil {
		b.Fatal(err)
	}
	loader := &playbook.Loader{Modules: builtin.Registry()}
	p, err := loader.LoadPlaybook(filepath.Join(dir, "site.yml"))
	if err != nil {
		b.Fatal(err)
	}
	return in, p, loader
}

func benchRun(b *testing.B, in *inventory.Inventory, pb *playbook.Playbook, loader *playbook.Loader, forks int) Summary {
	b.Helper()
	reg := builtin.Registry()
	r := New(Options{
		Inventory: in, Loader: loader, Modules: reg, Forks: forks,
		Dialers:  map[string]transport.Dialer{"ssh": instantDialer{}},
		Reporter: &report.Text{Out: io.Discard, Err: io.Discard},
	})
	sum, err := r.Run(context.Background(), []*playbook.Playbook{pb})
	if err != nil {
		b.Fatal(err)
	}
	return sum
}

// BenchmarkHostTask measures controller time per host-task: 100 hosts x 50
// trivial tasks on a transport that answers at once (goal: < 50µs).
func BenchmarkHostTask(b *testing.B) {
	const hosts, tasks = 100, 50
	for _, c := range []struct{ name, task string }{
		{"debug", "debug: msg=x"},
		{"command", "command: \"true\""},
		{"debug_templated", "debug: msg=\"{{ inventory_hostname }} {{ ansible_host }}\""},
	} {
		b.Run(c.name, func(b *testing.B) {
			in, pb, loader := benchSetup(b, hosts, tasks, c.task)
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime()
			for i := 0; i < b.N; i++ {
				sum := benchRun(b, in, pb, loader, 5)
				if c := sum.Counts["host0000"]; c == nil || c.OK != tasks {
					b.Fatalf("host0000 counts %+v, want ok=%d", c, tasks)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N*hosts*tasks), "cpu-ns/host-task")
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*hosts*tasks), "ns/host-task")
		})
	}
}

// cpuTime is the process's user+system CPU time; the benchmarks report it
// beside wall time because the machine is shared.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkMemoryPerHost measures the live heap per host for 1,000 hosts:
// after loading the inventory, and after one play of 5 tasks.
func BenchmarkMemoryPerHost(b *testing.B) {
	const hosts, tasks = 1000, 5
	var invBytes, playBytes float64
	for i := 0; i < b.N; i++ {
		before := heapAlloc()
		in, pb, loader := benchSetup(b, hosts, tasks, "command: \"true\"")
		afterLoad := heapAlloc()
		reg := builtin.Registry()
		r := New(Options{
			Inventory: in, Loader: loader, Modules: reg,
			Dialers:  map[string]transport.Dialer{"ssh": instantDialer{}},
			Reporter: &report.Text{Out: io.Discard, Err: io.Discard},
		})
		if _, err := r.Run(context.Background(), []*playbook.Playbook{pb}); err != nil {
			b.Fatal(err)
		}
		afterPlay := heapAlloc()
		invBytes += float64(int64(afterLoad) - int64(before))
		playBytes += float64(int64(afterPlay) - int64(before))
		runtime.KeepAlive(r)
		runtime.KeepAlive(in)
	}
	b.ReportMetric(invBytes/float64(b.N*hosts), "inventory-bytes/host")
	b.ReportMetric(playBytes/float64(b.N*hosts), "after-play-bytes/host")
}

// BenchmarkHostTaskScaling shows how the per-host-task cost grows with the
// number of hosts in the play (5 trivial command tasks).
func BenchmarkHostTaskScaling(b *testing.B) {
	const tasks = 5
	for _, hosts := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("hosts=%d", hosts), func(b *testing.B) {
			in, pb, loader := benchSetup(b, hosts, tasks, "command: \"true\"")
			b.ResetTimer()
			start, cpu := time.Now(), cpuTime()
			for i := 0; i < b.N; i++ {
				benchRun(b, in, pb, loader, 5)
			}
			b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N*hosts*tasks), "cpu-ns/host-task")
			b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(b.N*hosts*tasks), "ns/host-task")
		})
	}
}
