// Command profile runs playbooks with swarmbook's engine, wired as the CLI
// wires it (inventory, playbook loader, builtin modules, SSH dialer,
// runner, text report), and writes pprof CPU and heap profiles. The CLI
// has no profiling flag; the benchmark harness runs this instead.
//
//	profile -i inv.ini -f 50 -cpuprofile cpu.pprof -memprofile heap.pprof play.yml
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/swarmbook/swarmbook/inventory"
	"github.com/swarmbook/swarmbook/modules/builtin"
	"github.com/swarmbook/swarmbook/runner"
	"github.com/swarmbook/swarmbook/runner/config"
	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/report"
	"github.com/swarmbook/swarmbook/runner/transport"
	"github.com/swarmbook/swarmbook/runner/transport/ssh"
)

func main() {
	inv := flag.String("i", "", "inventory file")
	forks := flag.Int("f", 5, "forks")
	cpu := flag.String("cpuprofile", "", "write a CPU profile here")
	mem := flag.String("memprofile", "", "write a heap profile (allocations since start) here")
	quiet := flag.Bool("q", false, "discard the text report except the recap")
	flag.Parse()
	if err := run(context.Background(), *inv, *forks, *cpu, *mem, *quiet, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, invPath string, forks int, cpuPath, memPath string, quiet bool, plays []string) error {
	if cpuPath != "" {
		f, err := os.Create(cpuPath)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	inv, err := inventory.Load([]string{invPath})
	if err != nil {
		return err
	}
	reg := builtin.Registry()
	var out io.Writer = os.Stdout
	if quiet {
		out = io.Discard
	}
	text := &report.Text{Out: out, Err: os.Stderr}
	loader := &playbook.Loader{Modules: reg, RolesPath: cfg.RolesPath, Warn: func(m string) { text.Warning(m) }}
	var pbs []*playbook.Playbook
	for _, p := range plays {
		pb, err := loader.LoadPlaybook(p)
		if err != nil {
			return err
		}
		pbs = append(pbs, pb)
	}
	hkc := cfg.HostKeyChecking
	dialer := ssh.NewDialer(ssh.Options{HostKeyChecking: &hkc, Timeout: cfg.Timeout, RemoteUser: cfg.RemoteUser})
	defer dialer.Close()
	sum, err := runner.New(runner.Options{
		Inventory: inv, Loader: loader, Modules: reg, Reporter: text, Secrets: &report.Secrets{},
		Dialers: map[string]transport.Dialer{"ssh": dialer}, Forks: forks, ExtraVars: map[string]any{},
	}).Run(ctx, pbs)
	if err != nil {
		return err
	}
	if quiet {
		fmt.Println("PLAY RECAP")
		for h, c := range sum.Counts {
			fmt.Printf("%s : ok=%d changed=%d unreachable=%d failed=%d\n", h, c.OK, c.Changed, c.Unreachable, c.Failed)
		}
	}
	if memPath != "" {
		runtime.GC()
		f, err := os.Create(memPath)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	st := dialer.Stats()
	fmt.Fprintf(os.Stderr, "ssh: %d dials, %d sessions\n", st.Dials, st.Sessions)
	return nil
}
