package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// profileInfo is where the profiles of swarmbook's engine went and their
// top entries.
type profileInfo struct {
	Cell  string            `json:"cell"`
	Files map[string]string `json:"files"`
	Top   map[string]string `json:"top"`
	Runs  []measurement     `json:"runs"`
}

// profile builds bench/profile and runs it on the largest loopback cell
// of the mode (first and second run), keeping CPU and heap profiles in out.
// With selected (the cells -only picked), the largest of those, scale
// cells included.
func (e *env) profile(ctx context.Context, out, mode string, picked []cellSpec, selected bool) (*profileInfo, error) {
	cells, _, _ := plan(mode)
	if selected {
		cells = picked
	}
	var c cellSpec
	for _, x := range cells {
		if x.DelayMS == 0 && !x.Facts && (selected || !strings.HasSuffix(x.Name, "-scale")) && x.Hosts*x.Tasks > c.Hosts*c.Tasks {
			c = x
		}
	}
	if c.Hosts == 0 {
		return nil, fmt.Errorf("no loopback cell to profile")
	}
	bin := filepath.Join(e.work, "profile")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./bench/profile")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building bench/profile: %v: %s", err, b)
	}
	e.profiler = bin
	addrs, cleanup, err := e.addresses(ctx, c)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	root := filepath.Join(e.work, "tree")
	w, err := writeWorkload(filepath.Join(e.work, "cells", c.Name+"-prof"), root, c.Hosts, c.Tasks, addrs, e.fleet.keyFile, e.user.Name, "")
	if err != nil {
		return nil, err
	}
	if err := resetTree(root, c.Hosts, e.user.UID, e.user.GID); err != nil {
		return nil, err
	}
	info := &profileInfo{Cell: c.Name, Files: map[string]string{}, Top: map[string]string{}}
	base := time.Now().UTC().Format("2006-01-02")
	if mode != "full" {
		base += "-" + mode
	}
	for _, phase := range []string{"first", "second"} {
		m, err := e.runOnce(ctx, tool{Name: "S-prof"}, w, false, phase)
		if err != nil {
			return nil, err
		}
		info.Runs = append(info.Runs, m)
		for _, kind := range []string{"cpu", "heap"} {
			dst := filepath.Join(out, fmt.Sprintf("%s-%s-%s-%s.pprof", base, c.Name, phase, kind))
			b, err := os.ReadFile(filepath.Join(m.Dir, kind+".pprof"))
			if err != nil {
				return nil, err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(dst, b, 0o644); err != nil {
				return nil, err
			}
			info.Files[phase+"-"+kind] = dst
			args := []string{"tool", "pprof", "-top", "-nodecount=25"}
			if kind == "heap" {
				args = append(args, "-sample_index=alloc_space")
			}
			top, _ := exec.CommandContext(ctx, "go", append(args, bin, dst)...).CombinedOutput()
			info.Top[phase+"-"+kind] = string(top)
		}
	}
	return info, nil
}

func (p *profileInfo) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Profiles of swarmbook's engine (%s, bench/profile)\n\n", p.Cell)
	for _, m := range p.Runs {
		fmt.Fprintf(&b, "- %s run: wall %.2f s, CPU %.2f s, mem %.1f MB, changed %d\n", m.Phase, m.WallS, m.CPUS, m.MemPeakMB, m.Recap.Changed)
	}
	for _, k := range []string{"first-cpu", "first-heap", "second-cpu"} {
		if t, ok := p.Top[k]; ok {
			fmt.Fprintf(&b, "\n### %s (`%s`)\n\n```\n%s```\n", k, filepath.Base(p.Files[k]), t)
		}
	}
	return b.String()
}
