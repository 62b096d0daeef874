package files

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
	"github.com/swarmbook/swarmbook/runner/transport"
)

// prelude defines the shell functions every probe script uses. _sb_st
// prints "label=<lstat fields>" (or "label=-" when the path is absent), and
// for symlinks the link target and the followed stat; with a third argument
// it adds the sha1 of a readable regular file. The umask, uid and gid
// lines come from shell builtins and /proc (no fork per probe on Linux).
const prelude = `_sb_fmt='%f %a %u %g %s %h %.9Y %.9X %.9Z %i %d %U %G'
_sb_st() {
  if [ -L "$2" ] || [ -e "$2" ]; then
    printf '%s=' "$1"; stat -c "$_sb_fmt" -- "$2" 2>/dev/null || echo '?'
    if [ -L "$2" ]; then
      printf '%s.lnk=%s\n' "$1" "$(readlink -- "$2")"
      if [ -e "$2" ]; then printf '%s.L=' "$1"; stat -L -c "$_sb_fmt" -- "$2"; fi
    fi
    if [ -n "$3" ] && [ -f "$2" ] && [ -r "$2" ]; then
      _sb_h=$(sha1sum < "$2") && printf '%s.sum=%s\n' "$1" "${_sb_h%% *}"
    fi
  else
    printf '%s=-\n' "$1"
  fi
}
_sb_id() {
  case "$2" in ''|*[!0-9]*) printf '%s=%s\n' "$1" "$(id -u -- "$2" 2>/dev/null)";; *) printf '%s=%s\n' "$1" "$2";; esac
}
_sb_gid() {
  case "$2" in ''|*[!0-9]*) printf '%s=%s\n' "$1" "$(getent group "$2" 2>/dev/null | cut -d: -f3)";; *) printf '%s=%s\n' "$1" "$2";; esac
}
printf 'umask='; umask
if [ -r /proc/self/status ]; then
  while read -r _sb_k _sb_r _sb_e _sb_rest; do
    case "$_sb_k" in Uid:) printf 'uid=%s\n' "$_sb_e";; Gid:) printf 'gid=%s\n' "$_sb_e";; esac
  done < /proc/self/status
else
  printf 'uid=%s\ngid=%s\n' "$(id -u)" "$(id -g)"
fi
`

// fileInfo is what _sb_st reports about one path.
type fileInfo struct {
	Exists       bool
	Raw          uint32 // st_mode
	Mode         uint32 // permission bits
	UID, GID     int
	Owner, Group string
	Size         int64
	Nlink        int
	Mtime, Atime float64
	Ctime        float64
	Inode, Dev   uint64
	LinkTarget   string    // readlink, for symlinks
	Followed     *fileInfo // stat through the symlink, nil if dangling
	Checksum     string    // sha1 of a regular file, when asked
}

const (
	sIFMT  = 0o170000
	sIFDIR = 0o040000
	sIFREG = 0o100000
	sIFLNK = 0o120000
)

func (f *fileInfo) IsDir() bool  { return f.Exists && f.Raw&sIFMT == sIFDIR }
func (f *fileInfo) IsReg() bool  { return f.Exists && f.Raw&sIFMT == sIFREG }
func (f *fileInfo) IsLink() bool { return f.Exists && f.Raw&sIFMT == sIFLNK }

// resolved is the stat through a symlink (itself when not a link).
func (f *fileInfo) resolved() *fileInfo {
	if f.IsLink() {
		if f.Followed == nil {
			return &fileInfo{}
		}
		return f.Followed
	}
	return f
}

// state names the path's kind as Ansible's file module does.
func (f *fileInfo) state() string {
	switch {
	case !f.Exists:
		return "absent"
	case f.IsLink():
		return "link"
	case f.IsDir():
		return "directory"
	case f.Nlink > 1:
		return "hard"
	}
	return "file"
}

// probe is a parsed probe answer: key=value lines.
type probe map[string]string

func parseProbe(out []byte) probe {
	p := probe{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20) // grows on demand: a fresh 1 MiB buffer per probe dominated the controller's CPU and memory
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok {
			p[k] = v
		}
	}
	return p
}

func (p probe) umask() uint32 {
	v, err := strconv.ParseUint(p["umask"], 8, 32)
	if err != nil {
		return 0o022
	}
	return uint32(v)
}

// info returns the fileInfo reported under label.
func (p probe) info(label string) *fileInfo {
	f := parseStatLine(p[label])
	if f.IsLink() {
		f.LinkTarget = p[label+".lnk"]
		if l, ok := p[label+".L"]; ok {
			f.Followed = parseStatLine(l)
			f.Followed.Checksum = p[label+".sum"]
		}
	} else {
		f.Checksum = p[label+".sum"]
	}
	return f
}

func parseStatLine(s string) *fileInfo {
	fs := strings.Fields(s)
	if len(fs) < 13 {
		return &fileInfo{}
	}
	f := &fileInfo{Exists: true}
	raw, _ := strconv.ParseUint(fs[0], 16, 32)
	f.Raw = uint32(raw)
	m, _ := strconv.ParseUint(fs[1], 8, 32)
	f.Mode = uint32(m)
	f.UID, _ = strconv.Atoi(fs[2])
	f.GID, _ = strconv.Atoi(fs[3])
	f.Size, _ = strconv.ParseInt(fs[4], 10, 64)
	f.Nlink, _ = strconv.Atoi(fs[5])
	f.Mtime, _ = strconv.ParseFloat(fs[6], 64)
	f.Atime, _ = strconv.ParseFloat(fs[7], 64)
	f.Ctime, _ = strconv.ParseFloat(fs[8], 64)
	f.Inode, _ = strconv.ParseUint(fs[9], 10, 64)
	f.Dev, _ = strconv.ParseUint(fs[10], 10, 64)
	f.Owner, f.Group = fs[11], fs[12]
	if f.Owner == "UNKNOWN" {
		f.Owner = strconv.Itoa(f.UID)
	}
	if f.Group == "UNKNOWN" {
		f.Group = strconv.Itoa(f.GID)
	}
	return f
}

// stCall is the shell call reporting path under label.
func stCall(label, path string, sum bool) string {
	s := "_sb_st " + label + " " + shquote.POSIX(path)
	if sum {
		s += " 1"
	}
	return s + "\n"
}

// run runs script on the host with the task's become and environment. A
// transport failure is returned as is (the host is unreachable).
func run(ctx context.Context, t *modules.Target, script string) (transport.Result, error) {
	return t.Conn.Run(ctx, transport.Command{Script: script, Become: t.Become, Env: t.Env})
}

// runProbe runs prelude+body and parses its key=value answer; a non-zero
// exit is a module failure carrying stderr.
func runProbe(ctx context.Context, t *modules.Target, body string) (probe, error) {
	res, err := run(ctx, t, prelude+body+"\nexit 0\n")
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, fmt.Errorf("%s", strings.TrimSpace(string(res.Stderr)))
	}
	return parseProbe(res.Stdout), nil
}

// pathInfo adds the keys Ansible's add_path_info puts in results about a
// path (uid, gid, owner, group, mode, state, size) when it exists.
func pathInfo(fields map[string]any, f *fileInfo) {
	if !f.Exists || (f.IsLink() && f.Followed == nil) {
		return
	}
	r := f.resolved()
	fields["uid"] = f.UID
	fields["gid"] = f.GID
	fields["owner"] = f.Owner
	fields["group"] = f.Group
	fields["mode"] = fmtMode(f.Mode)
	switch {
	case f.IsLink():
		fields["state"] = "link"
	case f.IsDir():
		fields["state"] = "directory"
	case r.Nlink > 1:
		fields["state"] = "hard"
	default:
		fields["state"] = "file"
	}
	fields["size"] = f.Size
}
