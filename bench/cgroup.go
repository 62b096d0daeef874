package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cgroup is one control group holding a process tree, in cgroup v2 (one
// directory) or v1 (a memory and a cpuacct directory). Processes forked by
// a member stay members, including daemonised ones such as OpenSSH
// ControlPersist masters, so CPU and memory cover the whole tree.
type cgroup struct {
	v2     string // v2 directory, or ""
	memory string // v1 memory directory, or ""
	cpu    string // v1 cpuacct directory, or ""
}

// cgroupKind says which hierarchy newCgroup uses: "v2", "v1" or "" (none).
func cgroupKind() string {
	if b, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers"); err == nil && strings.Contains(string(b), "memory") {
		if writable("/sys/fs/cgroup") {
			return "v2"
		}
	}
	if writable("/sys/fs/cgroup/memory") && writable("/sys/fs/cgroup/cpuacct") {
		return "v1"
	}
	return ""
}

func writable(dir string) bool {
	p := filepath.Join(dir, fmt.Sprintf("swarmbench-probe-%d", os.Getpid()))
	if err := os.Mkdir(p, 0o755); err != nil {
		return false
	}
	os.Remove(p)
	return true
}

// newCgroup creates a group named name, or returns nil when cgroups are
// not writable here.
func newCgroup(name string) (*cgroup, error) {
	switch cgroupKind() {
	case "v2":
		d := filepath.Join("/sys/fs/cgroup", name)
		os.WriteFile("/sys/fs/cgroup/cgroup.subtree_control", []byte("+memory +cpu"), 0o644)
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, err
		}
		return &cgroup{v2: d}, nil
	case "v1":
		m := filepath.Join("/sys/fs/cgroup/memory", name)
		c := filepath.Join("/sys/fs/cgroup/cpuacct", name)
		if err := os.Mkdir(m, 0o755); err != nil {
			return nil, err
		}
		if err := os.Mkdir(c, 0o755); err != nil {
			os.Remove(m)
			return nil, err
		}
		return &cgroup{memory: m, cpu: c}, nil
	}
	return nil, nil
}

// procFiles are the cgroup.procs files a process must be written to.
func (g *cgroup) procFiles() []string {
	if g == nil {
		return nil
	}
	if g.v2 != "" {
		return []string{filepath.Join(g.v2, "cgroup.procs")}
	}
	return []string{filepath.Join(g.memory, "cgroup.procs"), filepath.Join(g.cpu, "cgroup.procs")}
}

// add moves pid into the group.
func (g *cgroup) add(pid int) error {
	for _, f := range g.procFiles() {
		if err := os.WriteFile(f, []byte(strconv.Itoa(pid)), 0o644); err != nil {
			return fmt.Errorf("cgroup: %w", err)
		}
	}
	return nil
}

// pids lists the group's processes.
func (g *cgroup) pids() []int {
	fs := g.procFiles()
	if len(fs) == 0 {
		return nil
	}
	b, _ := os.ReadFile(fs[0])
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if p, err := strconv.Atoi(f); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// cpuSeconds is user and system CPU of every process that ever ran in the
// group.
func (g *cgroup) cpuSeconds() (user, sys float64) {
	if g == nil {
		return 0, 0
	}
	if g.v2 != "" {
		b, _ := os.ReadFile(filepath.Join(g.v2, "cpu.stat"))
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) != 2 {
				continue
			}
			v, _ := strconv.ParseFloat(f[1], 64)
			switch f[0] {
			case "user_usec":
				user = v / 1e6
			case "system_usec":
				sys = v / 1e6
			}
		}
		return user, sys
	}
	return readFloat(filepath.Join(g.cpu, "cpuacct.usage_user")) / 1e9, readFloat(filepath.Join(g.cpu, "cpuacct.usage_sys")) / 1e9
}

// peakBytes is the group's peak memory: memory.peak (v2) or
// memory.max_usage_in_bytes (v1). Both count anonymous memory, page cache
// first touched by the group and kernel memory.
func (g *cgroup) peakBytes() int64 {
	if g == nil {
		return 0
	}
	if g.v2 != "" {
		return int64(readFloat(filepath.Join(g.v2, "memory.peak")))
	}
	return int64(readFloat(filepath.Join(g.memory, "memory.max_usage_in_bytes")))
}

// kill ends the processes still in the group (ControlPersist masters) and
// removes the group.
func (g *cgroup) destroy() {
	if g == nil {
		return
	}
	for i := 0; i < 50; i++ {
		ps := g.pids()
		if len(ps) == 0 {
			break
		}
		for _, p := range ps {
			syscall.Kill(p, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, d := range []string{g.v2, g.memory, g.cpu} {
		if d != "" {
			for i := 0; i < 50 && os.Remove(d) != nil; i++ {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
}

func readFloat(path string) float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	v, _ := strconv.ParseFloat(strings.TrimSpace(string(b)), 64)
	return v
}

// treeRSS sums the resident set of pids (bytes). Shared pages of forked
// processes are counted once per process, so this over-counts Ansible.
func treeRSS(pids []int) int64 {
	var sum int64
	page := int64(os.Getpagesize())
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", p))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) > 1 {
			v, _ := strconv.ParseInt(f[1], 10, 64)
			sum += v * page
		}
	}
	return sum
}

// descendants lists pid and every process below it, from /proc.
func descendants(pid int) []int {
	kids := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		id, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 {
			pp, _ := strconv.Atoi(f[1])
			kids[pp] = append(kids[pp], id)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, kids[out[i]]...)
	}
	return out
}
