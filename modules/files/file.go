package files

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

type fileMod struct{}

func (fileMod) Spec() modules.Spec {
	return modules.Spec{
		Params: append([]modules.Param{
			{Name: "path", Kind: modules.KindPath, Required: true, Aliases: []string{"dest", "name"}},
			{Name: "state", Kind: modules.KindStr, Choices: []string{"absent", "directory", "file", "hard", "link", "touch"}},
			{Name: "src", Kind: modules.KindPath},
			{Name: "recurse", Kind: modules.KindBool, Default: false},
			{Name: "force", Kind: modules.KindBool, Default: false},
			{Name: "follow", Kind: modules.KindBool, Default: true},
			{Name: "modification_time", Kind: modules.KindStr},
			{Name: "modification_time_format", Kind: modules.KindStr, Default: "%Y%m%d%H%M.%S"},
			{Name: "access_time", Kind: modules.KindStr},
			{Name: "access_time_format", Kind: modules.KindStr, Default: "%Y%m%d%H%M.%S"},
		}, fileCommonParams()...),
	}
}

// stateDiff is Ansible's initial_diff for the file module.
func stateDiff(p, state, prev string) (map[string]any, map[string]any) {
	b, a := map[string]any{"path": p}, map[string]any{"path": p}
	if prev != state {
		b["state"], a["state"] = prev, state
	}
	return b, a
}

func (fileMod) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	p := a.Str("path")
	src := a.Str("src")
	at := attrsFrom(a)
	q := shquote.POSIX(p)
	// real (where a link leads) is read only for links and nonempty only
	// for state=link, the one place each is used: every command
	// substitution forks and execs on the host.
	body := stCall("p", p, false) + at.idCalls() + "[ -L " + q + " ] && printf 'real=%s\\n' \"$(readlink -f -- " + q + ")\"\n"
	absSrc := src
	if src != "" && !path.IsAbs(src) {
		// a relative link target is resolved from the link's directory
		absSrc = path.Join(path.Dir(p), src)
		body += "if [ -d " + q + " ] && [ ! -L " + q + " ]; then " + strings.TrimSuffix(stCall("s", path.Join(p, src), false), "\n") + "; else " + stCall("s", absSrc, false) + "fi\n"
	} else if src != "" {
		body += stCall("s", src, false)
	}
	if a.Str("state") == "link" {
		body += "[ -d " + q + " ] && [ -n \"$(ls -A -- " + q + " 2>/dev/null)\" ] && echo nonempty=1\n"
	}
	var pr probe
	if ahead := createDirAhead(t, a, p, at); ahead != "" {
		res, err := run(ctx, t, prelude+body+ahead+"\nexit 0\n")
		if err != nil {
			return modules.Outcome{}, err
		}
		if res.ExitCode != 0 {
			// only the creation can fail: as directory()'s apply would
			return fail(map[string]any{"path": p}, "%s", strings.TrimSpace(string(res.Stderr)))
		}
		pr = parseProbe(res.Stdout)
	} else {
		var err error
		if pr, err = runProbe(ctx, t, body); err != nil {
			return modules.Outcome{}, err
		}
	}
	cur := pr.info("p")
	prev := cur.state()
	state := a.Str("state")
	if state == "" {
		switch {
		case prev != "absent":
			state = prev
		case a.Bool("recurse"):
			state = "directory"
		default:
			state = "file"
		}
	}
	if a.Bool("recurse") && state != "directory" {
		return fail(map[string]any{"path": p}, "recurse option requires state to be 'directory'")
	}
	if src != "" && state != "link" && state != "hard" {
		return fail(map[string]any{"path": p}, "src option requires state to be 'link' or 'hard'")
	}
	f := fileRun{t: t, a: a, p: p, pr: pr, cur: cur, prev: prev, at: at, src: src, srcInfo: pr.info("s"), ahead: pr["ahead"] == "1"}
	switch state {
	case "absent":
		return f.absent(ctx)
	case "file":
		return f.file(ctx)
	case "directory":
		return f.directory(ctx)
	case "touch":
		return f.touch(ctx)
	case "link":
		return f.link(ctx)
	default:
		return f.hard(ctx)
	}
}

type fileRun struct {
	t       *modules.Target
	a       modules.Args
	p       string
	pr      probe
	cur     *fileInfo
	prev    string
	at      attrs
	src     string
	srcInfo *fileInfo
	ahead   bool // the probe script already created the directory (createDirAhead)
}

// createDirAhead is the probe's tail that creates a missing directory in
// the same session, for the common "state: directory" task outside check
// and diff mode with at most an octal mode: one session instead of a probe
// and then a change. It runs only when the path is absent, which is the
// one case in which directory() plans exactly this (mkdir of each missing
// component with the mode) from the probe; it then reports ahead=1 and the
// final stat, and Run computes the same result as if it had applied the
// plan itself. chmod runs on every created component even where the mode
// the umask gives already matches (the same end state; Ansible also
// compares with the real stat after mkdir).
func createDirAhead(t *modules.Target, a modules.Args, p string, at attrs) string {
	if t.Check || t.Diff || a.Str("state") != "directory" || a.Bool("recurse") || a.Str("src") != "" ||
		at.Owner != "" || at.Group != "" || (at.Mode != "" && !octalRE.MatchString(at.Mode)) {
		return ""
	}
	chmod := ""
	if at.Mode != "" {
		m, err := targetMode(at.Mode, 0, true, 0)
		if err != nil {
			return ""
		}
		chmod = fmt.Sprintf("chmod %o ", m)
	}
	q := shquote.POSIX(p)
	var sb strings.Builder
	sb.WriteString("if [ ! -e " + q + " ] && [ ! -L " + q + " ]; then\necho ahead=1\n")
	for _, c := range dirChain(p) {
		qc := shquote.POSIX(c)
		fmt.Fprintf(&sb, "if [ ! -d %s ]; then mkdir -- %s || exit 1\n", qc, qc)
		if chmod != "" {
			sb.WriteString(chmod + qc + " || exit 1\n")
		}
		sb.WriteString("fi\n")
	}
	sb.WriteString(stCall("final", p, false) + "fi\n")
	return sb.String()
}

// dirChain lists p and its ancestors, outermost first ("/" excluded).
func dirChain(p string) []string {
	var out []string
	cur := ""
	if path.IsAbs(p) {
		cur = "/"
	}
	for _, c := range strings.Split(strings.Trim(p, "/"), "/") {
		if c == "" {
			continue
		}
		cur = path.Join(cur, c)
		out = append(out, cur)
	}
	return out
}

// outcome assembles the result: diff, the apply script (unless check
// mode) and the path information of the final state.
func (f *fileRun) outcome(ctx context.Context, changed bool, script string, before, after map[string]any, key string, extra map[string]any) (modules.Outcome, error) {
	fields := map[string]any{key: f.p}
	for k, v := range extra {
		fields[k] = v
	}
	out := modules.Outcome{Changed: changed, Fields: fields}
	if f.t.Diff {
		out.Diffs = []modules.Diff{{Before: dictText(before), After: dictText(after)}}
	}
	final := f.cur
	if f.ahead {
		final = f.pr.info("final")
	} else if !f.t.Check && script != "" {
		pr, err := runProbe(ctx, f.t, script+stCall("final", f.p, false))
		if err != nil {
			return fail(map[string]any{"path": f.p}, "%v", err)
		}
		final = pr.info("final")
	}
	pathInfo(fields, final)
	return out, nil
}

// attrsOn plans attrs for target (the path or what it resolves to) and
// merges the changes into the diff.
func (f *fileRun) attrsOn(target string, info *fileInfo, before, after map[string]any) (string, error) {
	ap, err := f.at.plan(f.pr, target, info)
	if err != nil {
		return "", err
	}
	for k, v := range ap.Before {
		before[k] = v
	}
	for k, v := range ap.After {
		after[k] = v
	}
	return ap.Script, nil
}

func (f *fileRun) absent(ctx context.Context) (modules.Outcome, error) {
	if f.prev == "absent" {
		return modules.Outcome{Fields: map[string]any{"path": f.p, "state": "absent"}}, nil
	}
	b, a := stateDiff(f.p, "absent", f.prev)
	out := modules.Outcome{Changed: true, Fields: map[string]any{"path": f.p, "state": "absent"}}
	if f.t.Diff {
		out.Diffs = []modules.Diff{{Before: dictText(b), After: dictText(a)}}
	}
	if !f.t.Check {
		if _, err := runProbe(ctx, f.t, "rm -rf -- "+shquote.POSIX(f.p)+" || exit 1\n"); err != nil {
			return fail(map[string]any{"path": f.p}, "rmtree failed: %v", err)
		}
	}
	return out, nil
}

// followed returns the path and state attributes apply to under follow.
func (f *fileRun) followed() (string, *fileInfo) {
	if f.a.Bool("follow") && f.cur.IsLink() && f.cur.Followed != nil {
		return f.pr["real"], f.cur.Followed
	}
	return f.p, f.cur
}

func (f *fileRun) file(ctx context.Context) (modules.Outcome, error) {
	target, info := f.followed()
	prev := info.state()
	if prev != "file" && prev != "hard" {
		return fail(map[string]any{"path": target, "state": prev}, "file (%s) is %s, cannot continue", target, prev)
	}
	b, a := stateDiff(target, "file", prev)
	script, err := f.attrsOn(target, info, b, a)
	if err != nil {
		return modules.Outcome{}, err
	}
	f.p = target
	return f.outcome(ctx, script != "", script, b, a, "path", nil)
}

func (f *fileRun) directory(ctx context.Context) (modules.Outcome, error) {
	target, info := f.followed()
	prev := info.state()
	b, a := stateDiff(target, "directory", prev)
	f.p = target
	if prev == "absent" {
		if f.t.Check {
			out := modules.Outcome{Changed: true, Fields: map[string]any{"path": target}}
			if f.t.Diff {
				out.Diffs = []modules.Diff{{Before: dictText(b), After: dictText(a)}}
			}
			return out, nil
		}
		uidGid := (&writeReq{Probe: f.pr, Cur: &fileInfo{}}).predicted()
		newDir := &fileInfo{Exists: true, Raw: sIFDIR, Mode: defDirPer &^ f.pr.umask(), UID: uidGid.UID, GID: uidGid.GID}
		var sb strings.Builder
		for _, cur := range dirChain(target) {
			ap, err := f.at.plan(f.pr, cur, newDir)
			if err != nil {
				return modules.Outcome{}, err
			}
			fmt.Fprintf(&sb, "if [ ! -d %s ]; then mkdir -- %s || exit 1\n%sfi\n", shquote.POSIX(cur), shquote.POSIX(cur), ap.Script)
			for k, v := range ap.Before {
				b[k] = v
			}
			for k, v := range ap.After {
				a[k] = v
			}
		}
		return f.outcome(ctx, true, sb.String(), b, a, "path", nil)
	}
	if prev != "directory" {
		return fail(map[string]any{"path": target}, "%s already exists as a %s", target, prev)
	}
	script, err := f.attrsOn(target, info, b, a)
	if err != nil {
		return modules.Outcome{}, err
	}
	changed := script != ""
	if f.a.Bool("recurse") && !f.at.empty() {
		rc, err := f.recurse(ctx, target)
		if err != nil {
			return modules.Outcome{}, err
		}
		changed = changed || rc
	}
	return f.outcome(ctx, changed, script, b, a, "path", nil)
}

// recurse applies the attributes below dir; GNU chmod/chown -c report what
// they changed. In check mode find(1) predicts it for octal modes and ids.
func (f *fileRun) recurse(ctx context.Context, dir string) (bool, error) {
	q := shquote.POSIX(dir)
	var sb strings.Builder
	if f.t.Check {
		var conds []string
		if f.at.Owner != "" {
			conds = append(conds, "! -uid "+f.pr["owner.id"])
		}
		if f.at.Group != "" {
			conds = append(conds, "! -gid "+f.pr["group.id"])
		}
		if f.at.Mode != "" && octalRE.MatchString(f.at.Mode) {
			conds = append(conds, "! -perm "+shquote.POSIX(f.at.Mode))
		}
		if len(conds) == 0 {
			return false, nil
		}
		fmt.Fprintf(&sb, "find %s -mindepth 1 ! -type l \\( %s \\) -print | head -n 1\n", q, strings.Join(conds, " -o "))
	} else {
		if f.at.Owner != "" {
			fmt.Fprintf(&sb, "chown -R -h -c %s %s || exit 1\n", f.pr["owner.id"], q)
		}
		if f.at.Group != "" {
			fmt.Fprintf(&sb, "chgrp -R -h -c %s %s || exit 1\n", f.pr["group.id"], q)
		}
		if f.at.Mode != "" {
			fmt.Fprintf(&sb, "chmod -R -c %s %s || exit 1\n", shquote.POSIX(strings.TrimPrefix(f.at.Mode, "0")), q)
		}
	}
	res, err := run(ctx, f.t, sb.String())
	if err != nil {
		return false, err
	}
	if res.ExitCode != 0 {
		return false, fmt.Errorf("recursive attributes on %s: %s", dir, strings.TrimSpace(string(res.Stderr)))
	}
	return len(strings.TrimSpace(string(res.Stdout))) > 0, nil
}

func (f *fileRun) touch(ctx context.Context) (modules.Outcome, error) {
	if f.prev == "absent" && f.t.Check {
		return modules.Outcome{Changed: true, Fields: map[string]any{"dest": f.p}}, nil
	}
	b, a := stateDiff(f.p, "touch", f.prev)
	info := f.cur
	if f.prev == "absent" {
		info = (&writeReq{Probe: f.pr, Cur: &fileInfo{}}).predicted()
	}
	target := f.p
	if f.cur.IsLink() && f.cur.Followed != nil {
		target, info = f.pr["real"], f.cur.Followed
	}
	script, err := f.attrsOn(target, info, b, a)
	if err != nil {
		return modules.Outcome{}, err
	}
	touch := "touch -- " + shquote.POSIX(f.p) + " || exit 1\n"
	if mt := f.a.Str("modification_time"); mt != "" && mt != "now" && mt != "preserve" {
		touch = "touch -m -d " + shquote.POSIX(mt) + " -- " + shquote.POSIX(f.p) + " || exit 1\n"
	}
	return f.outcome(ctx, true, touch+script, b, a, "dest", nil)
}

func (f *fileRun) link(ctx context.Context) (modules.Outcome, error) {
	force := f.a.Bool("force")
	src := f.src
	if src == "" && f.cur.IsLink() {
		src = f.cur.LinkTarget
	}
	absSrc := src
	if !path.IsAbs(src) {
		absSrc = path.Join(path.Dir(f.p), src)
		if f.cur.IsDir() {
			absSrc = path.Join(f.p, src)
		}
	}
	if !force && f.src != "" && !f.srcInfo.Exists {
		return fail(map[string]any{"path": f.p, "src": src}, "src file does not exist, use \"force=yes\" if you really want to create the link: %s", absSrc)
	}
	switch f.prev {
	case "directory":
		if !force {
			return fail(map[string]any{"path": f.p}, "refusing to convert from %s to symlink for %s", f.prev, f.p)
		}
		if f.pr["nonempty"] == "1" {
			return fail(map[string]any{"path": f.p}, "the directory %s is not empty, refusing to convert it", f.p)
		}
	case "file", "hard":
		if !force {
			return fail(map[string]any{"path": f.p}, "refusing to convert from %s to symlink for %s", f.prev, f.p)
		}
	}
	b, a := stateDiff(f.p, "link", f.prev)
	changed := false
	if f.prev != "link" {
		if src == "" {
			return fail(nil, "src is required for creating new symlinks")
		}
		changed = true
	} else if f.src != "" && f.cur.LinkTarget != f.src {
		b["src"], a["src"] = f.cur.LinkTarget, f.src
		changed = true
	}
	qp := shquote.POSIX(f.p)
	script := ""
	if changed {
		tmp := shquote.POSIX(path.Join(path.Dir(f.p), fmt.Sprintf(".swarmbook-%s.tmp", path.Base(f.p))))
		if f.prev == "directory" {
			script += "rmdir -- " + qp + " || exit 1\n"
		}
		script += "ln -s -- " + shquote.POSIX(src) + " " + tmp + " && mv -f -T -- " + tmp + " " + qp + " || { rm -f " + tmp + "; exit 1; }\n"
	}
	extra := map[string]any{"src": src}
	if changed && f.t.Check && f.prev == "absent" {
		out := modules.Outcome{Changed: true, Fields: map[string]any{"dest": f.p, "src": src}}
		if f.t.Diff {
			out.Diffs = []modules.Diff{{Before: dictText(b), After: dictText(a)}}
		}
		return out, nil
	}
	// attributes apply to what the link points at (follow=yes)
	if f.a.Bool("follow") && f.srcInfo.Exists {
		as, err := f.attrsOn(absSrc, f.srcInfo.resolved(), b, a)
		if err != nil {
			return modules.Outcome{}, err
		}
		script += as
		changed = changed || as != ""
	}
	return f.outcome(ctx, changed, script, b, a, "dest", extra)
}

func (f *fileRun) hard(ctx context.Context) (modules.Outcome, error) {
	force := f.a.Bool("force")
	if f.prev != "hard" && f.src == "" {
		return fail(nil, "src is required for creating new hardlinks")
	}
	if f.src != "" && !f.srcInfo.Exists {
		return fail(map[string]any{"dest": f.p, "src": f.src}, "src does not exist")
	}
	b, a := stateDiff(f.p, "hard", f.prev)
	changed := false
	same := f.src == "" || (f.cur.Exists && f.cur.Inode == f.srcInfo.Inode && f.cur.Dev == f.srcInfo.Dev)
	switch f.prev {
	case "absent":
		changed = true
	case "link":
		if f.cur.LinkTarget != f.src {
			b["src"], a["src"] = f.cur.LinkTarget, f.src
			changed = true
		}
	case "hard":
		if !same {
			if !force {
				return fail(map[string]any{"dest": f.p, "src": f.src}, "Cannot link, different hard link exists at destination")
			}
			changed = true
		}
	case "file":
		if !force {
			return fail(map[string]any{"dest": f.p, "src": f.src}, "Cannot link, file exists at destination")
		}
		changed = true
	case "directory":
		if same {
			return modules.Outcome{Fields: map[string]any{"path": f.p}}, nil
		}
		if !force {
			return fail(map[string]any{"dest": f.p, "src": f.src}, "Cannot link: different hard link exists at destination")
		}
		changed = true
	}
	script := ""
	if changed {
		tmp := shquote.POSIX(path.Join(path.Dir(f.p), fmt.Sprintf(".swarmbook-%s.tmp", path.Base(f.p))))
		script = "ln -f -- " + shquote.POSIX(f.src) + " " + tmp + " && mv -f -T -- " + tmp + " " + shquote.POSIX(f.p) + " || { rm -f " + tmp + "; exit 1; }\n"
	}
	if changed && f.t.Check && f.prev == "absent" {
		return modules.Outcome{Changed: true, Fields: map[string]any{"dest": f.p, "src": f.src}}, nil
	}
	info := f.cur
	if f.prev == "absent" || changed {
		info = f.srcInfo
	}
	as, err := f.attrsOn(f.p, info, b, a)
	if err != nil {
		return modules.Outcome{}, err
	}
	return f.outcome(ctx, changed || as != "", script+as, b, a, "dest", map[string]any{"src": f.src})
}
