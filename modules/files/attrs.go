package files

import (
	"fmt"
	"strconv"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// attrs are Ansible's file common arguments swarmbook supports.
type attrs struct {
	Mode         string // octal or symbolic; "" leaves the mode alone
	Owner, Group string
}

func attrsFrom(a modules.Args) attrs {
	m, _ := modeArg(a["mode"])
	return attrs{Mode: m, Owner: a.Str("owner"), Group: a.Str("group")}
}

func (a attrs) empty() bool { return a.Mode == "" && a.Owner == "" && a.Group == "" }

// idCalls are probe lines resolving owner and group names to ids.
func (a attrs) idCalls() string {
	s := ""
	if a.Owner != "" {
		s += "_sb_id owner.id " + shquote.POSIX(a.Owner) + "\n"
	}
	if a.Group != "" {
		s += "_sb_gid group.id " + shquote.POSIX(a.Group) + "\n"
	}
	return s
}

// attrPlan is what applying attrs to one existing path needs.
type attrPlan struct {
	Script        string // shell commands, "" when nothing changes
	Before, After map[string]any
}

func (p attrPlan) changed() bool { return p.Script != "" }

// plan compares f (the existing path) with a and returns the commands that
// make them agree. A path about to be created is passed as the fileInfo it
// will have (mode from umask, current user).
func (a attrs) plan(pr probe, path string, f *fileInfo) (attrPlan, error) {
	pl := attrPlan{Before: map[string]any{}, After: map[string]any{}}
	q := shquote.POSIX(path)
	if a.Owner != "" {
		uid, err := strconv.Atoi(pr["owner.id"])
		if err != nil {
			return pl, fmt.Errorf("chown failed: failed to look up user %s", a.Owner)
		}
		if uid != f.UID {
			pl.Before["owner"], pl.After["owner"] = f.UID, uid
			pl.Script += fmt.Sprintf("chown %d %s || exit 1\n", uid, q)
		}
	}
	if a.Group != "" {
		gid, err := strconv.Atoi(pr["group.id"])
		if err != nil {
			return pl, fmt.Errorf("chgrp failed: failed to look up group %s", a.Group)
		}
		if gid != f.GID {
			pl.Before["group"], pl.After["group"] = f.GID, gid
			pl.Script += fmt.Sprintf("chgrp %d %s || exit 1\n", gid, q)
		}
	}
	if a.Mode != "" {
		m, err := targetMode(a.Mode, f.Mode, f.IsDir(), pr.umask())
		if err != nil {
			return pl, fmt.Errorf("mode must be in octal or symbolic form: %w", err)
		}
		if m != f.Mode {
			pl.Before["mode"], pl.After["mode"] = fmtMode(f.Mode), fmtMode(m)
			pl.Script += fmt.Sprintf("chmod %o %s || exit 1\n", m, q)
		}
	}
	return pl, nil
}

// attrsDiff is the "(file attributes)" diff lineinfile and friends report.
func attrsDiff(path string, pl attrPlan) modules.Diff {
	return modules.Diff{
		BeforeHeader: path + " (file attributes)",
		AfterHeader:  path + " (file attributes)",
		Before:       dictText(pl.Before),
		After:        dictText(pl.After),
	}
}
