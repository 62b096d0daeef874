package files

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/swarmbook/swarmbook/runner/pyfmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

type copyMod struct{}

func (copyMod) Spec() modules.Spec {
	return modules.Spec{
		Params: append([]modules.Param{
			{Name: "src", Kind: modules.KindPath},
			{Name: "content", Kind: modules.KindRaw, NoLog: true},
			{Name: "dest", Kind: modules.KindPath, Required: true},
			{Name: "backup", Kind: modules.KindBool, Default: false},
			{Name: "force", Kind: modules.KindBool, Default: true, Aliases: []string{"thirsty"}},
			{Name: "remote_src", Kind: modules.KindBool, Default: false},
			{Name: "validate", Kind: modules.KindStr},
			{Name: "directory_mode", Kind: modules.KindRaw},
			{Name: "follow", Kind: modules.KindBool, Default: false},
			{Name: "local_follow", Kind: modules.KindBool, Default: true},
			{Name: "checksum", Kind: modules.KindStr},
			{Name: "decrypt", Kind: modules.KindBool, Default: true},
		}, fileCommonParams()...),
		MutuallyExclusive: [][]string{{"content", "src"}},
	}
}

func sha1hex(b []byte) string { s := sha1.Sum(b); return hex.EncodeToString(s[:]) }
func md5hex(b []byte) string  { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// contentBytes converts copy's content argument as Ansible's action does:
// strings as they are, other values as JSON.
// contentBytes turns copy's content into bytes as Ansible's copy action
// does: dicts and lists as json.dumps, other values as Python's str().
func contentBytes(v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return []byte(x), nil
	case map[string]any, []any:
		return []byte(pyfmt.JSON(x, 0)), nil
	}
	return []byte(pyfmt.Str(v)), nil
}

func (copyMod) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	dest := a.Str("dest")
	src := a.Str("src")
	if a.Has("content") && a.Has("src") {
		return fail(nil, "src and content are mutually exclusive")
	}
	if !a.Has("content") && src == "" {
		return fail(nil, "src (or content) is required")
	}
	if a.Has("content") && strings.HasSuffix(dest, "/") {
		return fail(nil, "can not use content with a dir as dest")
	}
	if a.Bool("remote_src") {
		return copyRemote(ctx, t, a, src, dest)
	}
	fc := fileCopy{t: t, a: a, dest: dest}
	if a.Has("content") {
		b, err := contentBytes(a["content"])
		if err != nil {
			return fail(nil, "content: %v", err)
		}
		fc.content = b
		fc.srcName = "source"
		return fc.run(ctx)
	}
	local, err := t.Files.Find("files", src)
	if err != nil {
		return fail(nil, "Could not find or access '%s'", src)
	}
	st, err := os.Stat(local)
	if err != nil {
		return fail(nil, "Could not find or access '%s'", src)
	}
	if st.IsDir() {
		if strings.HasSuffix(src, "/") {
			local += "/"
		}
		return copyDir(ctx, t, a, local, dest)
	}
	b, err := os.ReadFile(local)
	if err != nil {
		return fail(nil, "Could not read %s: %v", src, err)
	}
	fc.content, fc.srcName, fc.localSrc, fc.localMode = b, path.Base(local), local, uint32(st.Mode().Perm())
	return fc.run(ctx)
}

// fileCopy copies one controller-side file (or content) to the host.
type fileCopy struct {
	t         *modules.Target
	a         modules.Args
	dest      string
	content   []byte
	srcName   string // basename used when dest is a directory
	localSrc  string // controller path, "" for content
	localMode uint32
	hostSrc   string // remote_src: host path to copy from
	sum, md5  string // remote_src: checksums computed on the host
}

func (c *fileCopy) attrs(cur *fileInfo) attrs {
	at := attrsFrom(c.a)
	if at.Mode == "preserve" {
		at.Mode = fmt.Sprintf("0%o", c.localMode)
	}
	return at
}

func (c *fileCopy) run(ctx context.Context) (modules.Outcome, error) {
	t, a := c.t, c.a
	dest := c.dest
	if strings.HasSuffix(dest, "/") {
		dest += c.srcName
	}
	at := c.attrs(nil)
	q := shquote.POSIX(dest)
	body := stCall("d", dest, true) + at.idCalls() +
		"if [ -d " + q + " ]; then " + strings.TrimSuffix(stCall("f", path.Join(dest, c.srcName), true), "\n") + "; fi\n" +
		"[ -d " + shquote.POSIX(path.Dir(dest)) + " ] && echo parent=1\n"
	if c.t.Diff {
		body += "if [ -f " + q + " ] && [ $(stat -L -c %s -- " + q + ") -le 104448 ]; then printf '%s\\n' '" + contentMark[1:len(contentMark)-1] + "'; cat -- " + q + "; fi\n"
	}
	res, err := run(ctx, t, prelude+body)
	if err != nil {
		return modules.Outcome{}, err
	}
	head, old, _ := bytes.Cut(res.Stdout, []byte(contentMark))
	pr := parseProbe(head)
	cur := pr.info("d")
	if cur.IsDir() {
		dest = path.Join(dest, c.srcName)
		cur = pr.info("f")
		old = nil
	}
	sum, md5sum := c.sum, c.md5
	if c.hostSrc == "" {
		sum, md5sum = sha1hex(c.content), md5hex(c.content)
	}
	srcField := c.localSrc
	if srcField == "" {
		srcField = c.hostSrc
	}
	if cur.Exists && !a.Bool("force") {
		return modules.Outcome{Fields: map[string]any{"dest": dest, "src": srcField}}, nil
	}
	if cur.IsDir() {
		return fail(map[string]any{"checksum": sum}, "Destination %s is a directory", dest)
	}
	if !cur.Exists && pr["parent"] != "1" {
		return fail(map[string]any{"checksum": sum}, "Destination directory %s does not exist", path.Dir(dest))
	}
	rcur := cur.resolved()
	if rcur.Checksum == sum {
		// same content: only the file attributes may change
		return fileAttrsOutcome(ctx, t, pr, dest, rcur, at, map[string]any{"checksum": sum, "dest": dest, "path": dest})
	}
	out := modules.Outcome{Changed: true, Fields: map[string]any{}}
	if t.Diff && c.hostSrc == "" {
		d := modules.Diff{After: string(c.content), AfterHeader: srcField}
		if cur.Exists {
			d.Before, d.BeforeHeader = string(old), dest
		}
		if bytes.IndexByte(c.content, 0) < 0 && bytes.IndexByte(old, 0) < 0 {
			out.Diffs = []modules.Diff{d}
		}
	}
	if t.Check {
		return out, nil
	}
	w := &writeReq{Path: dest, Content: c.content, CopyFrom: c.hostSrc, Validate: a.Str("validate"),
		Backup: a.Bool("backup"), Attrs: at, Cur: rcur, Probe: pr}
	if rcur.Exists && cur.IsLink() && !a.Bool("follow") {
		// Ansible replaces the link itself unless follow=yes
		w.Cur = &fileInfo{}
	}
	wr, err := write(ctx, t, w)
	var ve *validateError
	if errors.As(err, &ve) {
		f := map[string]any{"checksum": sum, "exit_status": ve.RC, "stdout": ve.Stdout, "stderr": ve.Stderr,
			"stdout_lines": lines(ve.Stdout), "stderr_lines": lines(ve.Stderr)}
		return fail(f, "failed to validate")
	}
	if err != nil {
		return modules.Outcome{}, err
	}
	f := out.Fields
	f["dest"], f["src"], f["checksum"], f["md5sum"] = dest, srcField, sum, md5sum
	if wr.Backup != "" {
		f["backup_file"] = wr.Backup
	}
	pathInfo(f, wr.Final)
	return out, nil
}

func lines(s string) []any {
	out := []any{}
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if s != "" {
			out = append(out, l)
		}
	}
	return out
}

// fileAttrsOutcome is the file module's answer for an existing file whose
// content is right: attributes are fixed if needed.
func fileAttrsOutcome(ctx context.Context, t *modules.Target, pr probe, p string, cur *fileInfo, at attrs, fields map[string]any) (modules.Outcome, error) {
	ap, err := at.plan(pr, p, cur)
	if err != nil {
		return modules.Outcome{}, err
	}
	out := modules.Outcome{Changed: ap.changed(), Fields: fields}
	final := cur
	if ap.changed() && !t.Check {
		if final, err = applyAttrs(ctx, t, p, ap); err != nil {
			return modules.Outcome{}, err
		}
	}
	if t.Diff {
		ap.Before["path"], ap.After["path"] = p, p
		out.Diffs = []modules.Diff{{Before: dictText(ap.Before), After: dictText(ap.After)}}
	}
	pathInfo(fields, final)
	if t.Check && ap.changed() {
		for k, v := range ap.After {
			if k == "mode" {
				fields[k] = v
			}
		}
	}
	return out, nil
}

// copyDir copies a controller directory tree. A src ending in "/" copies
// the directory's contents into dest, otherwise the directory itself.
func copyDir(ctx context.Context, t *modules.Target, a modules.Args, local, dest string) (modules.Outcome, error) {
	root := strings.TrimSuffix(local, "/")
	base := dest
	if !strings.HasSuffix(local, "/") {
		base = path.Join(dest, filepath.Base(root))
	}
	type entry struct {
		rel   string
		isDir bool
		mode  uint32
	}
	var ents []entry
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() || d.Type().IsRegular() {
			ents = append(ents, entry{rel: filepath.ToSlash(rel), isDir: d.IsDir(), mode: uint32(info.Mode().Perm())})
		}
		return nil
	})
	if err != nil {
		return fail(nil, "walking %s: %v", local, err)
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].rel < ents[j].rel })
	at := attrsFrom(a)
	body := stCall("base", base, false) + at.idCalls()
	for i, e := range ents {
		body += stCall(fmt.Sprintf("e%d", i), path.Join(base, e.rel), !e.isDir)
	}
	pr, err := runProbe(ctx, t, body)
	if err != nil {
		return modules.Outcome{}, err
	}
	dirMode, hasDirMode := modeArg(a["directory_mode"])
	var mk, fixes strings.Builder
	changed := false
	if !pr.info("base").Exists {
		changed = true
		fmt.Fprintf(&mk, "mkdir -p -- %s || exit 1\n", shquote.POSIX(base))
		if hasDirMode {
			fmt.Fprintf(&mk, "chmod %s %s\n", shquote.POSIX(dirMode), shquote.POSIX(base))
		}
	}
	type put struct {
		dst  string
		data []byte
		mode uint32
	}
	var puts []put
	for i, e := range ents {
		dst := path.Join(base, e.rel)
		cur := pr.info(fmt.Sprintf("e%d", i)).resolved()
		if e.isDir {
			if !cur.Exists {
				changed = true
				fmt.Fprintf(&mk, "mkdir -p -- %s || exit 1\n", shquote.POSIX(dst))
				if hasDirMode {
					fmt.Fprintf(&mk, "chmod %s %s\n", shquote.POSIX(dirMode), shquote.POSIX(dst))
				}
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(e.rel)))
		if err != nil {
			return fail(nil, "reading %s: %v", e.rel, err)
		}
		fat := at
		if fat.Mode == "preserve" {
			fat.Mode = fmt.Sprintf("0%o", e.mode)
		}
		if cur.Exists && (!a.Bool("force") || cur.Checksum == sha1hex(data)) {
			ap, err := fat.plan(pr, dst, cur)
			if err != nil {
				return modules.Outcome{}, err
			}
			if ap.changed() {
				changed = true
				fixes.WriteString(ap.Script)
			}
			continue
		}
		changed = true
		puts = append(puts, put{dst: dst, data: data})
		future := (&writeReq{Probe: pr, Cur: &fileInfo{}}).predicted()
		if ap, err := fat.plan(pr, dst, future); err == nil {
			fixes.WriteString(ap.Script)
		} else {
			return modules.Outcome{}, err
		}
	}
	out := modules.Outcome{Changed: changed, Fields: map[string]any{"dest": strings.TrimSuffix(dest, "/") + "/", "src": local}}
	if !changed || t.Check {
		return out, nil
	}
	if mk.Len() > 0 {
		if _, err := runProbe(ctx, t, mk.String()); err != nil {
			return fail(nil, "creating directories under %s: %v", base, err)
		}
	}
	for _, p := range puts {
		if err := t.Conn.Put(ctx, p.dst, bytes.NewReader(p.data), fs.FileMode(defPerm&^pr.umask()), t.Become); err != nil {
			return modules.Outcome{}, err
		}
	}
	if fixes.Len() > 0 {
		if _, err := runProbe(ctx, t, fixes.String()); err != nil {
			return fail(nil, "setting attributes under %s: %v", base, err)
		}
	}
	return out, nil
}

// copyRemote copies a file or directory that is already on the host.
func copyRemote(ctx context.Context, t *modules.Target, a modules.Args, src, dest string) (modules.Outcome, error) {
	q := shquote.POSIX(src)
	pr, err := runProbe(ctx, t, stCall("s", src, true)+"if [ -f "+q+" ]; then printf 'md5=%s\\n' \"$(md5sum < "+q+" | cut -d' ' -f1)\"; fi\n")
	if err != nil {
		return modules.Outcome{}, err
	}
	s := pr.info("s").resolved()
	if !s.Exists {
		return fail(nil, "Source %s not found", src)
	}
	if s.IsDir() {
		target := dest
		if !strings.HasSuffix(src, "/") {
			target = path.Join(dest, path.Base(src))
		}
		qs, qt := shquote.POSIX(strings.TrimSuffix(src, "/")+"/."), shquote.POSIX(target)
		script := "if [ -d " + qt + " ] && diff -rq " + shquote.POSIX(src) + " " + qt + " >/dev/null 2>&1; then echo same=1; exit 0; fi\n"
		if !t.Check {
			script += "mkdir -p -- " + qt + " && cp -R -- " + qs + " " + qt + " || exit 1\n"
		}
		r, err := runProbe(ctx, t, script)
		if err != nil {
			return modules.Outcome{}, err
		}
		_, same := r["same"]
		return modules.Outcome{Changed: !same, Fields: map[string]any{"dest": dest, "src": src}}, nil
	}
	// the content itself never crosses the wire: only its checksum matters
	fc := fileCopy{t: t, a: a, dest: dest, srcName: path.Base(src), hostSrc: src, localMode: s.Mode,
		sum: s.Checksum, md5: pr["md5"]}
	return fc.run(ctx)
}
