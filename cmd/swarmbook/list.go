package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/inventory"
	"github.com/swarmbook/swarmbook/runner"
	"github.com/swarmbook/swarmbook/runner/playbook"
	"github.com/swarmbook/swarmbook/runner/pyfmt"
)

// listPlaybooks prints --list-hosts, --list-tasks and --list-tags in
// ansible-playbook's layout.
func listPlaybooks(w io.Writer, inv *inventory.Inventory, pbs []*playbook.Playbook, paths []string, f *runFlags, warn func(string)) error {
	for i, pb := range pbs {
		for _, play := range pb.Plays {
			if sel, err := inv.Select(play.Hosts); err == nil && len(sel) == 0 {
				warn("Could not match supplied host pattern, ignoring: " + play.Hosts)
			}
		}
		fmt.Fprintf(w, "\nplaybook: %s\n", paths[i])
		for i, play := range pb.Plays {
			hosts := splitPattern(play.Hosts)
			name := play.Name
			if name == "" {
				name = strings.Join(hosts, ",")
			}
			playTags := uniqueSorted(play.Tags)
			msg := fmt.Sprintf("\n  play #%d (%s): %s\tTAGS: [%s]", i+1, strings.Join(hosts, ","), name, strings.Join(playTags, ","))
			if f.listHosts {
				sel, err := inv.Select(play.Hosts)
				if err != nil {
					return usageError(fmt.Errorf("ERROR! %s: %w", play.Pos, err))
				}
				l := make([]any, len(hosts))
				for i, h := range hosts {
					l[i] = h
				}
				msg += fmt.Sprintf("\n    pattern: %s\n    hosts (%d):", pyfmt.Repr(l), len(sel))
				for _, h := range sel {
					msg += "\n      " + h.Name
				}
			}
			fmt.Fprintln(w, msg)
			if !f.listTasks && !f.listTags {
				continue
			}
			var b strings.Builder
			if f.listTasks {
				b.WriteString("    tasks:\n")
			}
			allTags := map[string]bool{}
			var walk func(ts []*playbook.Task)
			walk = func(ts []*playbook.Task) {
				for _, t := range ts {
					if t.IsBlock() {
						walk(t.Block)
						walk(t.Rescue)
						walk(t.Always)
						continue
					}
					tags := t.EffectiveTags()
					set := map[string]bool{}
					for _, tg := range tags {
						set[tg] = true
					}
					for _, tg := range play.Tags {
						set[tg] = true
					}
					if !runner.TagsSelected(set, f.tags, f.skipTags) {
						continue
					}
					for _, tg := range tags {
						allTags[tg] = true
					}
					if f.listTasks {
						cur := make([]string, 0, len(set))
						for tg := range set {
							cur = append(cur, tg)
						}
						sort.Strings(cur)
						name := t.ActionAs
						if t.Name != "" {
							name = runner.DisplayName(t)
						}
						fmt.Fprintf(&b, "      %s\tTAGS: [%s]\n", name, strings.Join(cur, ", "))
					}
				}
			}
			walk(play.PreTasks)
			walk(play.Tasks)
			walk(play.PostTasks)
			if f.listTags {
				for _, tg := range play.Tags {
					allTags[tg] = true
				}
				cur := make([]string, 0, len(allTags))
				for tg := range allTags {
					cur = append(cur, tg)
				}
				sort.Strings(cur)
				fmt.Fprintf(&b, "      TASK TAGS: [%s]\n", strings.Join(cur, ", "))
			}
			out := b.String()
			if !strings.HasSuffix(out, "\n") {
				out += "\n"
			}
			fmt.Fprint(w, out)
		}
	}
	return nil
}

func splitPattern(p string) []string {
	var out []string
	for _, s := range strings.Split(p, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func uniqueSorted(l []string) []string {
	set := map[string]bool{}
	for _, s := range l {
		set[s] = true
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
