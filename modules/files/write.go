package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// writeReq writes new content to a host file the way Ansible's
// atomic_move does: a temporary file next to the destination, validated,
// the old file backed up, its ownership and mode preserved, then renamed.
type writeReq struct {
	Path    string // destination (already resolved through symlinks)
	Content []byte
	// CopyFrom, when set, is a host path copied instead of sending Content.
	CopyFrom string
	Validate string // command with %s, or ""
	Backup   bool
	Attrs    attrs
	Cur      *fileInfo // current state of Path
	Probe    probe     // the probe that produced Cur (umask, ids)
	// MkParents creates missing parent directories (create=yes).
	MkParents bool
}

// exitMkdir is the write script's exit code when the parent directories
// cannot be created (97 is a failed validate command).
const exitMkdir = 96

// validateError is a failed validate command.
type validateError struct {
	RC             int
	Stdout, Stderr string
}

func (e *validateError) Error() string { return fmt.Sprintf("failed to validate: rc:%d", e.RC) }

// writeRes is the state after a write.
type writeRes struct {
	Backup string
	Final  *fileInfo
	Attrs  attrPlan // attribute changes made beyond the content
}

// predicted returns the fileInfo the destination has right after the
// rename, before the requested attributes are applied.
func (w *writeReq) predicted() *fileInfo {
	if w.Cur.Exists {
		return w.Cur
	}
	uid, _ := strconv.Atoi(w.Probe["uid"])
	gid, _ := strconv.Atoi(w.Probe["gid"])
	return &fileInfo{Exists: true, Raw: sIFREG, Mode: defPerm &^ w.Probe.umask(), UID: uid, GID: gid, Nlink: 1}
}

func tmpName(dest string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return path.Join(path.Dir(dest), ".swarmbook-"+hex.EncodeToString(b)+"-"+path.Base(dest))
}

// write performs w in one script (one session, about two round trips):
// the new content travels on the script's stdin into a private temporary
// file next to the destination, which is then validated, backed up,
// given the old file's owner and mode and renamed into place.
func write(ctx context.Context, t *modules.Target, w *writeReq) (writeRes, error) {
	var res writeRes
	ap, err := w.Attrs.plan(w.Probe, w.Path, w.predicted())
	if err != nil {
		return res, err
	}
	res.Attrs = ap
	tmp := tmpName(w.Path)
	qt, qd := shquote.POSIX(tmp), shquote.POSIX(w.Path)
	var b strings.Builder
	b.WriteString(prelude)
	if w.MkParents && !w.Cur.Exists {
		fmt.Fprintf(&b, "mkdir -p -- %s || exit %d\n", shquote.POSIX(path.Dir(w.Path)), exitMkdir)
	}
	cmd := transport.Command{Become: t.Become, Env: t.Env}
	if w.CopyFrom != "" {
		fmt.Fprintf(&b, "cp -- %s %s || exit 1\n", shquote.POSIX(w.CopyFrom), qt)
	} else {
		fmt.Fprintf(&b, "( umask 077 && cat > %s ) || { rm -f %s; exit 1; }\n", qt, qt)
		cmd.Stdin = bytes.NewReader(w.Content)
	}
	if w.Validate != "" {
		cmd := strings.ReplaceAll(w.Validate, "%s", qt)
		fmt.Fprintf(&b, "( %s ) >%s.out 2>%s.err; _sb_rc=$?\n", cmd, qt, qt)
		fmt.Fprintf(&b, "if [ $_sb_rc -ne 0 ]; then echo $_sb_rc; cat %s.out; cat %s.err >&2; rm -f %s %s.out %s.err; exit 97; fi\n", qt, qt, qt, qt, qt)
		fmt.Fprintf(&b, "rm -f %s.out %s.err\n", qt, qt)
	}
	if w.Backup && w.Cur.Exists {
		fmt.Fprintf(&b, "_sb_bak=%s.$$.$(date +%%Y-%%m-%%d@%%H:%%M:%%S~)\n", qd)
		fmt.Fprintf(&b, "cp -p %s \"$_sb_bak\" || { rm -f %s; exit 1; }\nprintf 'backup=%%s\\n' \"$_sb_bak\"\n", qd, qt)
	}
	if w.Cur.Exists {
		fmt.Fprintf(&b, "chown --reference=%s %s 2>/dev/null; chmod --reference=%s %s\n", qd, qt, qd, qt)
	} else {
		fmt.Fprintf(&b, "chmod %o %s\n", defPerm&^w.Probe.umask(), qt)
	}
	fmt.Fprintf(&b, "mv -f %s %s || { rm -f %s; exit 1; }\n", qt, qd, qt)
	b.WriteString(ap.Script)
	b.WriteString(stCall("final", w.Path, false))
	cmd.Script = b.String()
	r, err := t.Conn.Run(ctx, cmd)
	if err != nil {
		return res, err
	}
	if r.ExitCode == exitMkdir && w.MkParents {
		return res, fmt.Errorf("Error creating %s (%s)", path.Dir(w.Path), strings.TrimSpace(string(r.Stderr)))
	}
	if r.ExitCode == 97 && w.Validate != "" {
		// skip the prelude's umask, uid and gid lines
		out := string(r.Stdout)
		for i := 0; i < 3; i++ {
			_, out, _ = strings.Cut(out, "\n")
		}
		first, rest, _ := strings.Cut(out, "\n")
		rc, _ := strconv.Atoi(first)
		return res, &validateError{RC: rc, Stdout: rest, Stderr: string(r.Stderr)}
	}
	if r.ExitCode != 0 {
		return res, fmt.Errorf("writing %s: %s", w.Path, strings.TrimSpace(string(r.Stderr)))
	}
	p := parseProbe(r.Stdout)
	res.Backup = p["backup"]
	res.Final = p.info("final")
	return res, nil
}

// applyAttrs runs an attribute plan and returns the path's new state.
func applyAttrs(ctx context.Context, t *modules.Target, path string, ap attrPlan) (*fileInfo, error) {
	p, err := runProbe(ctx, t, "set -e\n"+ap.Script+stCall("final", path, false))
	if err != nil {
		return nil, err
	}
	return p.info("final"), nil
}
