package files

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

type fetchMod struct{}

func (fetchMod) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "src", Kind: modules.KindStr, Required: true},
		{Name: "dest", Kind: modules.KindStr, Required: true},
		{Name: "flat", Kind: modules.KindBool, Default: false},
		{Name: "fail_on_missing", Kind: modules.KindBool, Default: true},
		{Name: "validate_checksum", Kind: modules.KindBool, Default: true},
	}}
}

// fetchDest is where Ansible's fetch stores src from host on the controller.
func fetchDest(dest, src, host string, flat bool) string {
	if flat {
		if strings.HasSuffix(dest, "/") {
			return filepath.Join(dest, path.Base(src))
		}
		return dest
	}
	return filepath.Join(dest, host, filepath.FromSlash(path.Clean("/"+src)))
}

func fileSHA1(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return sha1hex(b)
}

func (fetchMod) Run(ctx context.Context, t *modules.Target, a modules.Args) (modules.Outcome, error) {
	src := a.Str("src")
	pr, err := runProbe(ctx, t, stCall("s", src, true)+"[ -r "+shellq(src)+" ] && echo readable=1\n")
	if err != nil {
		return modules.Outcome{}, err
	}
	s := pr.info("s").resolved()
	dest := fetchDest(a.Str("dest"), src, t.Host, a.Bool("flat"))
	if abs, err := filepath.Abs(dest); err == nil {
		dest = abs
	}
	missing := ""
	switch {
	case !s.Exists:
		missing = "the remote file does not exist, not transferring, ignored"
	case s.IsDir():
		missing = "remote file is a directory, fetch cannot work on directories"
	case pr["readable"] != "1":
		missing = "file is not readable, not transferring, ignored"
	}
	if missing != "" {
		fields := map[string]any{"file": src}
		if a.Bool("fail_on_missing") {
			return fail(fields, "%s", missing)
		}
		return modules.Outcome{Msg: missing, Fields: fields}, nil
	}
	local := fileSHA1(dest)
	if local == s.Checksum {
		b, _ := os.ReadFile(dest)
		return modules.Outcome{Fields: map[string]any{"changed": false, "md5sum": md5hex(b), "file": src, "dest": dest, "checksum": local}}, nil
	}
	if t.Check {
		return modules.Outcome{Changed: true, Fields: map[string]any{"file": src, "dest": dest}}, nil
	}
	var buf bytes.Buffer
	if err := t.Conn.Get(ctx, src, &buf, t.Become); err != nil {
		return modules.Outcome{}, err
	}
	sum := sha1.Sum(buf.Bytes())
	got := hex.EncodeToString(sum[:])
	if a.Bool("validate_checksum") && got != s.Checksum {
		return fail(map[string]any{"file": src, "dest": dest, "checksum": got, "remote_checksum": s.Checksum}, "checksum mismatch")
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return fail(nil, "Failed to create local directory %s: %v", filepath.Dir(dest), err)
	}
	if err := os.WriteFile(dest, buf.Bytes(), 0o644); err != nil {
		return fail(nil, "Failed to write %s: %v", dest, err)
	}
	return modules.Outcome{Changed: true, Fields: map[string]any{
		"md5sum": md5hex(buf.Bytes()), "dest": dest, "remote_md5sum": nil, "checksum": got,
		"remote_checksum": s.Checksum,
	}}, nil
}
