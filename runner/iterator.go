package runner

import "github.com/swarmbook/swarmbook/runner/playbook"

// cursor walks one host through a list of tasks with blocks, rescue and
// always sections, as Ansible's PlayIterator does for one host. Positions
// are paths (ints compared lexicographically) so that the linear strategy
// can run hosts in lockstep: the host whose next task has the smallest path
// goes first, together with every host at the same task.
type cursor struct {
	stack []*frame
	// failed: a failure propagated out of every block.
	failed bool
	// roles that already ran for this host (a role runs once per play
	// unless it allows duplicates).
	roles map[*playbook.Role]bool
}

type frame struct {
	block   *playbook.Task // nil for the root list or an include
	tasks   []*playbook.Task
	section int // 0 block, 1 rescue, 2 always
	idx     int
	path    []int
	// failing: the host failed inside this block and no rescue caught it;
	// the failure continues outwards once the always section is done.
	failing bool
	// rescuing: the rescue section is running for a caught failure.
	rescuing bool
	include  bool // a frame pushed by a dynamic include
}

func newCursor(tasks []*playbook.Task) *cursor {
	return &cursor{stack: []*frame{{tasks: tasks}}}
}

// step is the next task for a host and where it is.
type step struct {
	task *playbook.Task
	path []int
}

func childPath(p []int, elems ...int) []int {
	out := make([]int, 0, len(p)+len(elems))
	return append(append(out, p...), elems...)
}

// next returns the next leaf task, entering blocks as needed; ok is false
// when the host is done. failed reports that a failure propagated out of
// every block (the host has failed).
func (c *cursor) next() (s step, ok bool, failed bool) {
	for len(c.stack) > 0 {
		f := c.stack[len(c.stack)-1]
		if f.idx < len(f.tasks) {
			t := f.tasks[f.idx]
			p := childPath(f.path, f.idx)
			f.idx++
			if t.IsBlock() {
				if c.skipRole(t) {
					continue
				}
				nf := &frame{block: t, tasks: t.Block, path: p}
				if len(t.Block) == 0 {
					nf.section = 2
					nf.tasks = t.Always
					nf.path = childPath(p, 2)
				} else {
					nf.path = childPath(p, 0)
				}
				c.stack = append(c.stack, nf)
				continue
			}
			return step{t, p}, true, false
		}
		// End of the current list.
		c.stack = c.stack[:len(c.stack)-1]
		if f.block == nil {
			continue
		}
		if f.section < 2 && len(f.block.Always) > 0 {
			f.section, f.idx, f.tasks = 2, 0, f.block.Always
			f.path = childPath(f.path[:len(f.path)-1], 2)
			c.stack = append(c.stack, f)
			continue
		}
		if f.failing {
			c.fail()
		}
	}
	return step{}, false, c.failed
}

// fail records that the last task returned by next failed for this host.
// It returns rescued=true when a rescue section will now run, and
// hostFailed=true when no block catches the failure (always sections may
// still run; next reports the final failure).
func (c *cursor) fail() (rescued bool, hostFailed bool) {
	for i := len(c.stack) - 1; i >= 0; i-- {
		f := c.stack[i]
		if f.block == nil {
			if f.include {
				continue
			}
			break
		}
		c.stack = c.stack[:i+1]
		switch f.section {
		case 0:
			if len(f.block.Rescue) > 0 {
				f.section, f.idx, f.tasks, f.rescuing = 1, 0, f.block.Rescue, true
				f.path = childPath(f.path[:len(f.path)-1], 1)
				return true, false
			}
			if len(f.block.Always) > 0 {
				f.section, f.idx, f.tasks, f.failing = 2, 0, f.block.Always, true
				f.path = childPath(f.path[:len(f.path)-1], 2)
				return false, true
			}
		case 1:
			if len(f.block.Always) > 0 {
				f.section, f.idx, f.tasks, f.failing = 2, 0, f.block.Always, true
				f.path = childPath(f.path[:len(f.path)-1], 2)
				return false, true
			}
		}
		// section 2 or nothing to run: keep unwinding.
	}
	c.stack = nil
	c.failed = true
	return false, true
}

// inRescue reports whether the host is running a rescue section.
func (c *cursor) inRescue() bool {
	for _, f := range c.stack {
		if f.rescuing && f.section == 1 {
			return true
		}
	}
	return false
}

// push inserts dynamically included tasks right after the include task at
// path p.
func (c *cursor) push(tasks []*playbook.Task, p []int) {
	c.stack = append(c.stack, &frame{tasks: tasks, path: childPath(p, 0), include: true})
}

// stop ends the host's iteration (meta: end_host, end_play, failure).
func (c *cursor) stop() { c.stack = nil }

func comparePath(a, b []int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// skipRole reports whether block t is a role instance that already ran.
func (c *cursor) skipRole(t *playbook.Task) bool {
	r := t.Role
	if r == nil || !t.Import || (t.Parent != nil && t.Parent.Role == r) {
		return false
	}
	if c.roles == nil {
		c.roles = map[*playbook.Role]bool{}
	}
	if c.roles[r] && !r.AllowDuplicates {
		return true
	}
	c.roles[r] = true
	return false
}
