package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// envInfo records what the numbers were measured on.
type envInfo struct {
	CPU          string `json:"cpu"`
	CPUs         int    `json:"cpus"`
	Kernel       string `json:"kernel"`
	Load         string `json:"loadavg_at_start"`
	OpenSSH      string `json:"openssh"`
	Python       string `json:"python"`
	Ansible      string `json:"ansible"`
	Go           string `json:"go"`
	Commit       string `json:"swarmbook_commit"`
	Cgroup       string `json:"cgroup"`
	Latency      string `json:"latency_method"`
	MemoryMethod string `json:"memory_method"`
}

func describeEnv(ctx context.Context, e *env) envInfo {
	first := func(name string, args ...string) string {
		b, _ := exec.CommandContext(ctx, name, args...).CombinedOutput()
		s := strings.TrimSpace(string(b))
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[:i]
		}
		return s
	}
	info := envInfo{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				info.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	info.Kernel = first("uname", "-r")
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		info.Load = strings.TrimSpace(string(b))
	}
	info.OpenSSH = first("ssh", "-V")
	info.Python = first("/usr/bin/python3", "--version")
	info.Ansible = first("/usr/bin/ansible-playbook", "--version")
	info.Commit = first("git", "describe", "--always", "--dirty")
	info.Cgroup = cgroupKind()
	info.MemoryMethod = "cgroup peak (v1 memory.max_usage_in_bytes / v2 memory.peak) of the tool's whole process tree; rss_sum: polled sum of RSS"
	if info.Cgroup == "" {
		info.MemoryMethod = "polled sum of RSS of the process tree"
	}
	info.Latency = "userspace TCP proxy adding a fixed one-way delay per direction (sch_netem is not available in this kernel: `tc qdisc add ... netem` fails with 'Specified qdisc kind is unknown')"
	if netemAvailable(ctx) {
		info.Latency = "userspace TCP proxy adding a fixed one-way delay per direction (netem is available but the proxy keeps runs comparable)"
	}
	return info
}

// netemAvailable tries to add a netem qdisc to a throw-away dummy device.
func netemAvailable(ctx context.Context) bool {
	dev := "swbnetem0"
	if exec.CommandContext(ctx, "ip", "link", "add", dev, "type", "dummy").Run() != nil {
		return false
	}
	defer exec.CommandContext(ctx, "ip", "link", "del", dev).Run()
	return exec.CommandContext(ctx, "tc", "qdisc", "add", "dev", dev, "root", "netem", "delay", "1ms").Run() == nil
}
