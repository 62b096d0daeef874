package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// results is everything one harness invocation measured.
type results struct {
	Mode     string        `json:"mode"`
	Started  time.Time     `json:"started"`
	Finished time.Time     `json:"finished"`
	Env      envInfo       `json:"env"`
	Cells    []*cellResult `json:"cells"`
	Profile  *profileInfo  `json:"profile,omitempty"`
	Complete bool          `json:"complete"` // false: cut short, later cells missing
}

// stat is a median with its range.
type stat struct{ Med, Min, Max float64 }

func (s stat) String() string {
	if s.Min == s.Max {
		return fmtNum(s.Med)
	}
	return fmt.Sprintf("%s (%s–%s)", fmtNum(s.Med), fmtNum(s.Min), fmtNum(s.Max))
}

func fmtNum(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

func summarize(vs []float64) stat {
	if len(vs) == 0 {
		return stat{}
	}
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{Med: med, Min: s[0], Max: s[len(s)-1]}
}

// group is the runs of one tool in one phase of a cell.
type group struct {
	Tool, Phase                    string
	N                              int
	Wall, CPU, Mem, RSSSum, Target stat
	Conns, Auths, Sessions         float64 // per host, median
	Turns                          float64 // delay cells: median request/response exchanges, all hosts
}

func (c *cellResult) groups() []group {
	var out []group
	for _, t := range c.Tools {
		for _, ph := range []string{"first", "second"} {
			g := group{Tool: t, Phase: ph}
			var wall, cpu, mem, rss, tgt, conns, auths, sess, turns []float64
			for _, m := range c.Runs {
				if m.Tool != t || m.Phase != ph {
					continue
				}
				g.N++
				wall = append(wall, m.WallS)
				cpu = append(cpu, m.CPUS)
				mem = append(mem, m.MemPeakMB)
				rss = append(rss, m.RSSSumMB)
				tgt = append(tgt, m.TargetCPUS)
				h := float64(c.Hosts)
				conns = append(conns, float64(m.SSHD.Connections)/h)
				auths = append(auths, float64(m.SSHD.Auths)/h)
				sess = append(sess, float64(m.SSHD.Sessions)/h)
				turns = append(turns, float64(m.Turns))
			}
			if g.N == 0 {
				continue
			}
			g.Wall, g.CPU, g.Mem, g.RSSSum, g.Target = summarize(wall), summarize(cpu), summarize(mem), summarize(rss), summarize(tgt)
			g.Conns, g.Auths, g.Sessions = summarize(conns).Med, summarize(auths).Med, summarize(sess).Med
			g.Turns = summarize(turns).Med
			out = append(out, g)
		}
	}
	return out
}

func findGroup(gs []group, tool, phase string) (group, bool) {
	for _, g := range gs {
		if g.Tool == tool && g.Phase == phase {
			return g, true
		}
	}
	return group{}, false
}

func ratio(a, b float64) string {
	if a == 0 || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1fx", a/b)
}

func (r *results) base() string {
	base := r.Started.Format("2006-01-02")
	if r.Mode != "full" {
		base += "-" + r.Mode
	}
	return base
}

func (r *results) pngName() string { return r.base() + ".png" }

// save stores the JSON, the chart and the markdown under dir.
func (r *results) save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, r.base()+".json"), js, 0o644); err != nil {
		return err
	}
	png := r.pngName()
	if err := r.chart(filepath.Join(dir, png)); err != nil {
		png = ""
	}
	return os.WriteFile(filepath.Join(dir, r.base()+".md"), []byte(r.markdown(png)), 0o644)
}

func (r *results) markdown(png string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# swarmbook vs ansible-playbook — %s (%s mode)\n\n", r.Started.Format("2006-01-02 15:04 UTC"), r.Mode)
	e := r.Env
	fmt.Fprintf(&b, "- machine: %s, %d CPUs, kernel %s, load at start %s\n", e.CPU, e.CPUs, e.Kernel, e.Load)
	fmt.Fprintf(&b, "- %s; %s; %s; %s; swarmbook %s\n", e.OpenSSH, e.Python, e.Ansible, e.Go, e.Commit)
	fmt.Fprintf(&b, "- memory: %s; CPU: cgroup user+sys of the tool's whole tree (ssh ControlPersist masters included)\n", e.MemoryMethod)
	fmt.Fprintf(&b, "- latency: %s\n", e.Latency)
	fmt.Fprintf(&b, "- targets: one sshd per address (127.x.y.z:2222), logging in as a throw-away account with /bin/sh; the tools run in their own cgroup, the sshds in another (target CPU)\n")
	if !r.Complete {
		fmt.Fprintf(&b, "- **incomplete run**: stopped after the cells below (%s)\n", r.Finished.Format("15:04 UTC"))
	}
	b.WriteString("\n")
	b.WriteString("Tools: S = swarmbook; A1 = Ansible tuned (pipelining, forks=N, ControlPersist 60s); A0 = Ansible stock (forks 5, no pipelining); S-free / A2 = the same with `strategy: free`.\n")
	b.WriteString("Controller mem = the cgroup's peak charge (memory newly charged to the tool's tree: anonymous memory, page cache and kernel memory it touched first — not file pages such as the swarmbook binary or Python's stdlib already cached by earlier runs); sum RSS = the polled sum of the tree's resident sets, which counts those file pages, and counts pages shared by Ansible's forked workers once per process. Target CPU = all sshd processes.\n")
	b.WriteString("Each cell: medians over repetitions, (min–max). `A1÷` columns are tuned Ansible's median divided by the tool's (higher is better for the tool). Conns/auths/sessions are per host, from the sshd logs.\n\n")
	if png != "" {
		fmt.Fprintf(&b, "![wall time per cell](%s)\n\n", png)
	}
	b.WriteString("| cell | run | tool | n | wall s | controller CPU s | controller mem MB | sum RSS MB | target CPU s | conns/host | auths/host | sessions/host | A1÷ wall | A1÷ CPU | A1÷ mem | parity |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range r.Cells {
		gs := c.groups()
		parity := "ok"
		if !c.ParityOK {
			parity = "FAIL"
		}
		for _, g := range gs {
			a1, ok := findGroup(gs, "A1", g.Phase)
			rw, rc, rm := "–", "–", "–"
			if ok && c.ParityOK {
				rw, rc, rm = ratio(a1.Wall.Med, g.Wall.Med), ratio(a1.CPU.Med, g.CPU.Med), ratio(a1.Mem.Med, g.Mem.Med)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %s | %s | %s | %.1f | %.1f | %.1f | %s | %s | %s | %s |\n",
				c.Name, g.Phase, g.Tool, g.N, g.Wall, g.CPU, g.Mem, fmtNum(g.RSSSum.Med), g.Target, g.Conns, g.Auths, g.Sessions, rw, rc, rm, parity)
		}
	}
	b.WriteString("\n")
	for _, c := range r.Cells {
		if !c.ParityOK {
			fmt.Fprintf(&b, "Parity problems in %s (no ratio reported):\n", c.Name)
			for _, p := range c.Problems {
				fmt.Fprintf(&b, "- %s\n", p)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString(r.roundTrips())
	b.WriteString(r.goals())
	if r.Profile != nil {
		b.WriteString(r.Profile.markdown())
	}
	return b.String()
}

// roundTrips estimates round trips from the delayed cells: (wall with
// delay − wall on loopback) / RTT, per run, and per task as the slope
// between the smallest and largest task count of the same kind.
func (r *results) roundTrips() string {
	type key struct {
		only, tool, phase string
		tasks             int
	}
	rt := map[key]float64{}
	ex := map[key]float64{}
	var rtt float64
	lo, hi := map[string]int{}, map[string]int{}
	for _, c := range r.Cells {
		if c.DelayMS == 0 || c.Hosts != 1 {
			continue
		}
		var base *cellResult
		for _, x := range r.Cells {
			if x.DelayMS == 0 && x.Hosts == 1 && x.Tasks == c.Tasks && x.Only == c.Only && !x.Facts {
				base = x
			}
		}
		rtt = 2 * float64(c.DelayMS) / 1000
		for _, g := range c.groups() {
			ex[key{c.Only, g.Tool, g.Phase, c.Tasks}] = g.Turns
		}
		if lo[c.Only] == 0 || c.Tasks < lo[c.Only] {
			lo[c.Only] = c.Tasks
		}
		if c.Tasks > hi[c.Only] {
			hi[c.Only] = c.Tasks
		}
		if base == nil {
			continue
		}
		dg, bg := c.groups(), base.groups()
		for _, g := range dg {
			if bgx, ok := findGroup(bg, g.Tool, g.Phase); ok {
				rt[key{c.Only, g.Tool, g.Phase, c.Tasks}] = (g.Wall.Med - bgx.Wall.Med) / rtt
			}
		}
	}
	if len(ex) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Round trips (1 host, RTT %.0f ms)\n\n", rtt*1000)
	b.WriteString("Two estimates. **Exchanges** (load-independent): the delay proxy counts client→server bursts that follow server data, i.e. the times the client waited for the server. **Timed**: (median wall with delay − median wall on loopback) / RTT, which CPU contention on a busy machine makes noisy. Per task = (value of the larger playbook − value of the smaller) / (task difference), which cancels connection setup. `mix` is the fixed cycle command, file, copy, template.\n\n")
	b.WriteString("| tasks | tool | run | exchanges, small | exchanges, large | **exchanges per task** | timed RT, small | timed RT, large | timed RT per task |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, only := range append([]string{""}, taskKinds...) {
		l, h := lo[only], hi[only]
		if h == l {
			continue
		}
		label := only
		if label == "" {
			label = "mix"
		}
		for _, t := range []string{"S", "A1"} {
			for _, ph := range []string{"first", "second"} {
				ea, okA := ex[key{only, t, ph, l}]
				ez, okZ := ex[key{only, t, ph, h}]
				if !okA || !okZ {
					continue
				}
				timed := "– | – | –"
				a, okA := rt[key{only, t, ph, l}]
				z, okZ := rt[key{only, t, ph, h}]
				if okA && okZ {
					timed = fmt.Sprintf("%.1f | %.1f | %.2f", a, z, (z-a)/float64(h-l))
				}
				fmt.Fprintf(&b, "| %s (%d→%d) | %s | %s | %.0f | %.0f | **%.2f** | %s |\n", label, l, h, t, ph, ea, ez, (ez-ea)/float64(h-l), timed)
			}
		}
	}
	b.WriteString("\n")
	return b.String()
}

func (r *results) cell(name string) *cellResult {
	for _, c := range r.Cells {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// goals checks the goals against this run.
func (r *results) goals() string {
	var b strings.Builder
	b.WriteString("## Goals (issue 7)\n\n| goal | floor | target | measured | verdict |\n|---|---|---|---|---|\n")
	verdict := func(v, floor, target float64, higherBetter bool) string {
		ok := func(x float64) bool {
			if higherBetter {
				return v >= x
			}
			return v <= x
		}
		switch {
		case ok(target):
			return "target met"
		case ok(floor):
			return "floor met"
		}
		return "not met"
	}
	if c := r.cell("h50t100"); c != nil && c.ParityOK {
		gs := c.groups()
		for _, ph := range []string{"first", "second"} {
			s, ok1 := findGroup(gs, "S", ph)
			a, ok2 := findGroup(gs, "A1", ph)
			if !ok1 || !ok2 {
				continue
			}
			w, cpu, mem := a.Wall.Med/s.Wall.Med, a.CPU.Med/s.CPU.Med, a.Mem.Med/s.Mem.Med
			fmt.Fprintf(&b, "| wall 50×100, %s run | 10x | 20x | %.1fx | %s |\n", ph, w, verdict(w, 10, 20, true))
			fmt.Fprintf(&b, "| controller CPU 50×100, %s run | 20x | 50x | %.1fx | %s |\n", ph, cpu, verdict(cpu, 20, 50, true))
			mv := verdict(mem, 10, 20, true)
			if mv == "target met" && s.Mem.Med > 64 {
				mv = "floor met (over 64 MB)"
			}
			fmt.Fprintf(&b, "| controller memory 50×100, %s run | 10x | 20x and ≤ 64 MB | %.1fx (%.1f MB) | %s |\n", ph, mem, s.Mem.Med, mv)
		}
	}
	if c := r.cell("h1t10"); c != nil {
		if s, ok := findGroup(c.groups(), "S", "first"); ok {
			ms := s.Wall.Med * 1000
			fmt.Fprintf(&b, "| 1 host × 10 tasks, end to end | ≤ 300 ms | ≤ 150 ms | %.0f ms | %s |\n", ms, verdict(ms, 300, 150, false))
		}
	}
	for _, c := range r.Cells {
		if strings.HasSuffix(c.Name, "-scale") {
			if s, ok := findGroup(c.groups(), "S", "first"); ok {
				v := "not met"
				switch {
				case c.ParityOK && s.Wall.Med <= 60:
					v = "target met"
				case c.ParityOK:
					v = "floor met (completes)"
				}
				fmt.Fprintf(&b, "| %d hosts × %d tasks (%d sshd) | completes | ≤ 60 s | %.1f s | %s |\n", c.Hosts, c.Tasks, c.Servers, s.Wall.Med, v)
			}
		}
	}
	b.WriteString("\nRound trips per simple task: see the round-trip table (floor ≤ 3, target ≤ 2).\n\n")
	return b.String()
}
