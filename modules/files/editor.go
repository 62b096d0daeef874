package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

const contentMark = "\n--swarmbook-content--\n"

// editor is the read-modify-write cycle shared by lineinfile, blockinfile
// and replace: one round trip reads state and content, the edit happens on
// the controller, and at most one Put plus one script write it back.
type editor struct {
	t           *modules.Target
	path        string
	attrs       attrs
	backup      bool
	validate    string
	validateMsg func(*validateError) (string, map[string]any)
	// noAttrDiff: replace reports no "(file attributes)" diff and uses the
	// bare path as its content diff header.
	noAttrDiff bool

	probe  probe
	cur    *fileInfo // the path (resolved through symlinks)
	real   string
	before []byte
}

func (e *editor) read(ctx context.Context) error {
	q := shquote.POSIX(e.path)
	script := stCall("cur", e.path, false) + e.attrs.idCalls() +
		"printf 'real=%s\\n' \"$(readlink -f -- " + q + ")\"\n" +
		"if [ -f " + q + " ]; then printf '%s\\n' '" + contentMark[1:len(contentMark)-1] + "'; cat -- " + q + " || exit 1; fi\n"
	res, err := run(ctx, e.t, prelude+script)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("Unable to read the contents of %s: %s", e.path, bytes.TrimSpace(res.Stderr))
	}
	head, body, _ := bytes.Cut(res.Stdout, []byte(contentMark))
	e.probe = parseProbe(head)
	e.cur = e.probe.info("cur").resolved()
	e.real = e.probe["real"]
	if e.real == "" {
		e.real = e.path
	}
	e.before = body
	if e.cur.IsDir() {
		return &failure{msg: fmt.Sprintf("Path %s is a directory !", e.path), fields: map[string]any{"rc": 256}}
	}
	return nil
}

// failure is a module failure with extra result keys.
type failure struct {
	msg    string
	fields map[string]any
}

func (f *failure) Error() string { return f.msg }

// fail returns a module failure with extra result keys.
func fail(fields map[string]any, format string, args ...any) (modules.Outcome, error) {
	return modules.Outcome{}, &failure{msg: fmt.Sprintf(format, args...), fields: fields}
}

// finish writes after (when changed), applies the file attributes and
// builds the outcome. backupKey names the result key of the backup path
// ("backup" for lineinfile, which always reports it; "backup_file" for the
// others, only when one was made).
func (e *editor) finish(ctx context.Context, after []byte, changed bool, msg string, fields map[string]any, backupKey string, alwaysBackupKey bool) (modules.Outcome, error) {
	out := modules.Outcome{Fields: fields}
	if alwaysBackupKey {
		fields[backupKey] = ""
	}
	header := e.path + " (content)"
	if e.noAttrDiff {
		header = e.path
	}
	if e.t.Diff && (!e.noAttrDiff || changed) {
		out.Diffs = append(out.Diffs, modules.Diff{BeforeHeader: header, AfterHeader: header, Before: string(e.before), After: string(after)})
	}
	t := e.t
	if changed && !t.Check {
		w := &writeReq{Path: e.real, Content: after, Validate: e.validate, Backup: e.backup, Attrs: e.attrs, Cur: e.cur, Probe: e.probe, MkParents: true}
		res, err := write(ctx, t, w)
		var ve *validateError
		if errors.As(err, &ve) {
			m, f := e.validateMsg(ve)
			return modules.Outcome{Fields: f}, &failure{msg: m, fields: f}
		}
		if err != nil {
			return modules.Outcome{}, err
		}
		if res.Backup != "" {
			fields[backupKey] = res.Backup
		}
		if res.Attrs.changed() {
			msg += " and ownership, perms or SE linux context changed"
		}
		out.Changed, out.Msg = true, msg
		if !e.noAttrDiff && t.Diff {
			out.Diffs = append(out.Diffs, attrsDiff(e.path, res.Attrs))
		}
		return out, nil
	}
	out.Changed, out.Msg = changed, msg
	if t.Check && !e.cur.Exists {
		return out, nil
	}
	cur := e.cur
	if changed && !cur.Exists {
		cur = (&writeReq{Probe: e.probe, Cur: cur}).predicted()
	}
	ap, err := e.attrs.plan(e.probe, e.real, cur)
	if err != nil {
		return modules.Outcome{}, err
	}
	if ap.changed() {
		if changed {
			msg += " and "
		}
		msg += "ownership, perms or SE linux context changed"
		out.Changed, out.Msg = true, msg
		if !t.Check {
			if _, err := applyAttrs(ctx, t, e.real, ap); err != nil {
				return modules.Outcome{}, err
			}
		}
	}
	if !e.noAttrDiff && t.Diff {
		out.Diffs = append(out.Diffs, attrsDiff(e.path, ap))
	}
	return out, nil
}

// fileCommonParams are Ansible's add_file_common_args parameters.
func fileCommonParams() []modules.Param {
	return []modules.Param{
		{Name: "mode", Kind: modules.KindRaw},
		{Name: "owner", Kind: modules.KindStr},
		{Name: "group", Kind: modules.KindStr},
		{Name: "seuser", Kind: modules.KindStr},
		{Name: "serole", Kind: modules.KindStr},
		{Name: "selevel", Kind: modules.KindStr},
		{Name: "setype", Kind: modules.KindStr},
		{Name: "attributes", Kind: modules.KindStr, Aliases: []string{"attr"}},
		{Name: "unsafe_writes", Kind: modules.KindBool, Default: false},
	}
}
