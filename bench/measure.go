package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// tool is one contender: swarmbook or ansible-playbook with a setting.
type tool struct {
	Name    string // S, S-free, A1, A0, A2
	Label   string
	Ansible bool
	Tuned   bool // Ansible: pipelining, forks = N
	Free    bool // strategy: free
}

var allTools = []tool{
	{Name: "S", Label: "swarmbook"},
	{Name: "A1", Label: "Ansible tuned (pipelining, forks=N, ControlPersist)", Ansible: true, Tuned: true},
	{Name: "A0", Label: "Ansible stock (forks 5, no pipelining)", Ansible: true},
	{Name: "S-free", Label: "swarmbook, strategy free", Free: true},
	{Name: "A2", Label: "Ansible tuned, strategy free", Ansible: true, Tuned: true, Free: true},
}

// measurement is one run of one tool.
type measurement struct {
	Tool       string    `json:"tool"`
	Phase      string    `json:"phase"` // first, second
	Rep        int       `json:"rep"`
	Facts      bool      `json:"facts,omitempty"`
	DelayMS    int       `json:"delay_ms,omitempty"`
	WallS      float64   `json:"wall_s"`
	CPUS       float64   `json:"cpu_s"`        // cgroup user+sys, whole tree incl. daemonised ssh masters
	CPUUserS   float64   `json:"cpu_user_s"`   //
	CPUSysS    float64   `json:"cpu_sys_s"`    //
	RusageCPUS float64   `json:"rusage_cpu_s"` // wait4 rusage of the child and its reaped descendants
	MemPeakMB  float64   `json:"mem_peak_mb"`  // cgroup peak (whole tree)
	RSSSumMB   float64   `json:"rss_sum_mb"`   // peak of summed RSS of the tree, polled every 50 ms
	MaxRSSMB   float64   `json:"max_rss_mb"`   // largest single process (rusage)
	TargetCPUS float64   `json:"target_cpu_s"` // all sshd processes
	SSHD       logCounts `json:"sshd"`         // whole run, all hosts
	Recap      recap     `json:"recap"`        //
	TreeHash   string    `json:"tree_hash"`    //
	ExitCode   int       `json:"exit_code"`    //
	Problem    string    `json:"problem,omitempty"`
	Dir        string    `json:"-"`                 // the run's scratch directory
	Load1      float64   `json:"loadavg1_at_start"` // other work on the shared machine
	Turns      int64     `json:"turns,omitempty"`   // delay cells: client→server bursts after server data, all hosts
}

// recap sums the PLAY RECAP over hosts.
type recap struct {
	Hosts       int `json:"hosts"`
	OK          int `json:"ok"`
	Changed     int `json:"changed"`
	Unreachable int `json:"unreachable"`
	Failed      int `json:"failed"`
}

var recapLine = regexp.MustCompile(`^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)`)

func parseRecap(out string) recap {
	var r recap
	i := strings.LastIndex(out, "PLAY RECAP")
	if i < 0 {
		return r
	}
	for _, l := range strings.Split(out[i:], "\n") {
		m := recapLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		n := func(s string) int { v, _ := strconv.Atoi(s); return v }
		r.Hosts++
		r.OK += n(m[2])
		r.Changed += n(m[3])
		r.Unreachable += n(m[4])
		r.Failed += n(m[5])
	}
	return r
}

// env is what every run needs.
type env struct {
	swarmbook string // built binary
	profiler  string // bench/profile, built on demand
	work      string // scratch directory
	fleet     *fleet
	seq       atomic.Int64
	useCgroup bool
	user      *benchUser
	proxies   []*delayProxy // the current cell's delay proxies, if any
}

// runOnce runs t against w once and measures it. argv is built from t;
// ControlPaths live in a fresh directory, removed afterwards with every
// master process still alive (they are in the run's cgroup).
func (e *env) runOnce(ctx context.Context, t tool, w *workload, facts bool, phase string) (measurement, error) {
	m := measurement{Tool: t.Name, Phase: phase, Facts: facts}
	n := e.seq.Add(1)
	rdir := filepath.Join(e.work, "runs", fmt.Sprintf("%05d-%s-%s", n, t.Name, phase))
	m.Dir = rdir
	cpDir := filepath.Join(rdir, "cp")
	if err := os.MkdirAll(cpDir, 0o700); err != nil {
		return m, err
	}
	cfg := filepath.Join(rdir, "ansible.cfg")
	if err := ansibleCfg(cfg, cpDir, t.Tuned || !t.Ansible, w.hosts); err != nil {
		return m, err
	}
	play := w.play(t.Free, facts)
	var argv []string
	switch {
	case t.Name == "S-prof":
		argv = []string{e.profiler, "-q", "-i", w.inv, "-f", strconv.Itoa(w.hosts),
			"-cpuprofile", filepath.Join(rdir, "cpu.pprof"), "-memprofile", filepath.Join(rdir, "heap.pprof"), play}
	case t.Ansible:
		argv = []string{"/usr/bin/python3", "/usr/bin/ansible-playbook", play, "-i", w.inv}
		if t.Tuned {
			argv = append(argv, "-f", strconv.Itoa(w.hosts))
		}
	default:
		argv = []string{e.swarmbook, "run", play, "-i", w.inv, "-f", strconv.Itoa(w.hosts)}
	}
	var g *cgroup
	if e.useCgroup {
		var err error
		if g, err = newCgroup(fmt.Sprintf("swarmbench-%d-%d", os.Getpid(), n)); err != nil {
			return m, err
		}
		defer g.destroy()
	}
	// The shell joins the cgroup, then execs the tool: every process of
	// the tool starts inside it.
	script := `for f in ` + strings.Join(quoteAll(g.procFiles()), " ") + `; do echo $$ > "$f" || exit 97; done; exec "$@"`
	if g == nil {
		script = `exec "$@"`
	}
	out, err := os.Create(filepath.Join(rdir, "stdout.txt"))
	if err != nil {
		return m, err
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", script, "sh"}, argv...)...)
	cmd.Dir = w.dir
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.Env = append(os.Environ(), "ANSIBLE_CONFIG="+cfg, "ANSIBLE_NOCOLOR=1", "NO_COLOR=1",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(rdir, "tmp"), "ANSIBLE_FORCE_COLOR=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}

	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.Load1, _ = strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	}
	var turns0 int64
	for _, p := range e.proxies {
		turns0 += p.turns.Load()
	}
	before := e.fleet.counts()
	tu0, ts0 := e.fleet.cpuGroup.cpuSeconds()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return m, err
	}
	var peakRSS atomic.Int64
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			var ps []int
			if g != nil {
				ps = g.pids()
			} else {
				ps = descendants(cmd.Process.Pid)
			}
			if r := treeRSS(ps); r > peakRSS.Load() {
				peakRSS.Store(r)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	werr := cmd.Wait()
	m.WallS = time.Since(start).Seconds()
	close(stop)
	<-polled
	if werr != nil {
		if ee, ok := werr.(*exec.ExitError); ok {
			m.ExitCode = ee.ExitCode()
		} else {
			return m, werr
		}
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.RusageCPUS = tv(ru.Utime) + tv(ru.Stime)
		m.MaxRSSMB = float64(ru.Maxrss) / 1024
	}
	if g != nil {
		// Masters (ControlPersist) are still in the group: their CPU so far
		// counts, their lifetime after the run does not.
		m.CPUUserS, m.CPUSysS = g.cpuSeconds()
		m.CPUS = m.CPUUserS + m.CPUSysS
		m.MemPeakMB = float64(g.peakBytes()) / (1 << 20)
	} else {
		m.CPUS = m.RusageCPUS
		m.MemPeakMB = float64(peakRSS.Load()) / (1 << 20)
	}
	m.RSSSumMB = float64(peakRSS.Load()) / (1 << 20)
	tu1, ts1 := e.fleet.cpuGroup.cpuSeconds()
	m.TargetCPUS = (tu1 - tu0) + (ts1 - ts0)
	m.SSHD = e.fleet.counts().minus(before)
	for _, p := range e.proxies {
		m.Turns += p.turns.Load()
	}
	m.Turns -= turns0
	b, _ := os.ReadFile(out.Name())
	m.Recap = parseRecap(string(b))
	return m, nil
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return out
}
