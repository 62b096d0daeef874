package system

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// getURLModule is ansible.builtin.get_url; the transfer runs on the host
// with curl or wget, or on the controller (then Put) when neither exists.
type getURLModule struct{}

func (getURLModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "url", Kind: modules.KindStr, Required: true},
		{Name: "dest", Kind: modules.KindPath, Required: true},
		{Name: "checksum", Kind: modules.KindStr, Default: ""},
		{Name: "force", Kind: modules.KindBool, Default: false, Aliases: []string{"thirsty"}},
		{Name: "headers", Kind: modules.KindDict},
		{Name: "timeout", Kind: modules.KindInt, Default: 10},
		{Name: "validate_certs", Kind: modules.KindBool, Default: true},
		{Name: "url_username", Kind: modules.KindStr, Aliases: []string{"username"}},
		{Name: "url_password", Kind: modules.KindStr, Aliases: []string{"password"}, NoLog: true},
		{Name: "force_basic_auth", Kind: modules.KindBool, Default: false},
		{Name: "use_proxy", Kind: modules.KindBool, Default: true},
		{Name: "mode", Kind: modules.KindRaw},
		{Name: "owner", Kind: modules.KindStr},
		{Name: "group", Kind: modules.KindStr},
		{Name: "backup", Kind: modules.KindBool, Default: false},
		{Name: "tmp_dest", Kind: modules.KindPath},
	}}
}

// modeString renders a mode argument: YAML ints are the numeric mode.
func modeString(v any) string {
	switch m := v.(type) {
	case nil:
		return ""
	case int:
		return fmt.Sprintf("%04o", m)
	case float64:
		return fmt.Sprintf("%04o", int(m))
	case string:
		return m
	}
	return fmt.Sprint(v)
}

// attrScript applies mode/owner/group to "$d" and prints attr_changed=1
// when anything changed.
func attrScript(mode, owner, group string) string {
	if mode == "" && owner == "" && group == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("a0=$(stat -c '%a %U %G' \"$d\")\n")
	if owner != "" || group != "" {
		og := owner
		if group != "" {
			og += ":" + group
		}
		fmt.Fprintf(&b, "chown %s \"$d\" || echo attr_failed=1\n", shquote.POSIX(og))
	}
	if mode != "" {
		fmt.Fprintf(&b, "chmod %s \"$d\" || echo attr_failed=1\n", shquote.POSIX(mode))
	}
	b.WriteString("[ \"$(stat -c '%a %U %G' \"$d\")\" != \"$a0\" ] && echo attr_changed=1\n")
	return b.String()
}

// sumCommand maps an Ansible checksum algorithm to a host tool.
func sumCommand(algo string) (string, bool) {
	switch algo {
	case "md5", "sha1", "sha224", "sha256", "sha384", "sha512":
		return algo + "sum", true
	}
	return "", false
}

// urlFilename is the last path element of a URL (Ansible's url_filename).
func urlFilename(u string) string {
	p, err := url.Parse(u)
	name := ""
	if err == nil {
		name = path.Base(p.Path)
	}
	if name == "" || name == "/" || name == "." {
		return "index.html"
	}
	return name
}

// pickChecksum finds the checksum of filename in a checksum file.
func pickChecksum(content, filename string) string {
	ls := strings.Split(strings.TrimRight(content, "\n"), "\n")
	if len(ls) == 1 && len(strings.Fields(ls[0])) == 1 {
		return strings.TrimSpace(ls[0])
	}
	for _, l := range ls {
		sum, name, ok := strings.Cut(l, " ")
		if !ok {
			continue
		}
		if strings.HasPrefix(name, " ") || strings.HasPrefix(name, "*") {
			name = name[1:]
		}
		if strings.TrimLeft(name, "./") == filename {
			return sum
		}
	}
	return ""
}

func (m getURLModule) request(args modules.Args, u string) httpReq {
	h := map[string]string{}
	for k, v := range args.Dict("headers") {
		h[k] = fmt.Sprint(v)
	}
	return httpReq{
		URL: u, Headers: h, User: args.Str("url_username"), Pass: args.Str("url_password"),
		ForceBasic: args.Bool("force_basic_auth"), Timeout: args.Int("timeout"),
		ValidateCerts: args.Bool("validate_certs"), Follow: true,
	}
}

func (m getURLModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	args = withDefaults(args, m.Spec())
	u, dest := args.Str("url"), args.Str("dest")
	var secrets []string
	if p := args.Str("url_password"); p != "" {
		secrets = append(secrets, p)
	}
	fields := map[string]any{"changed": false, "checksum_dest": nil, "checksum_src": nil, "dest": dest, "elapsed": 0, "url": u}
	fail := func(msg string) (modules.Outcome, error) {
		return modules.Outcome{Failed: true, Msg: msg, Fields: fields, Secrets: secrets}, nil
	}
	algo, sum := "", ""
	if c := args.Str("checksum"); c != "" {
		var ok bool
		if algo, sum, ok = strings.Cut(c, ":"); !ok {
			return fail("The checksum parameter has to be in format <algorithm>:<checksum>")
		}
		if _, ok := sumCommand(algo); !ok {
			return fail("Unsupported hash algorithm: " + algo)
		}
		if strings.Contains(sum, "://") {
			body, err := m.fetchSmall(ctx, t, args, sum)
			if err != nil {
				return modules.Outcome{}, err
			}
			if sum = pickChecksum(body, urlFilename(u)); sum == "" {
				return fail(fmt.Sprintf("Unable to find a checksum for file '%s' in '%s'", urlFilename(u), args.Str("checksum")[len(algo)+1:]))
			}
		}
		sum = strings.ToLower(regexp.MustCompile(`\W+`).ReplaceAllString(sum, ""))
		if _, err := strconv.ParseUint(sum[:min(len(sum), 8)], 16, 64); err != nil || sum == "" {
			return fail("The checksum format is invalid")
		}
	}
	_, out, err := m.transfer(ctx, t, args, algo, sum, "")
	if err != nil {
		return modules.Outcome{}, err
	}
	st := kv([]byte(out))
	if st["http_rc"] == "127" && st["http_err"] == "notool" {
		staged, perr := m.controllerFetch(ctx, t, args, st["dest"])
		if perr != nil {
			return fail("Request failed: " + redact(perr.Error(), secrets))
		}
		_, out, err = m.transfer(ctx, t, args, algo, sum, staged)
		if err != nil {
			return modules.Outcome{}, err
		}
		st = kv([]byte(out))
	}
	fields["dest"] = st["dest"]
	if st["result"] == "exists" {
		fields["checksum_dest"] = nil
		msg := "file already exists"
		changed := st["attr_changed"] == "1"
		if changed {
			msg = "file already exists but file attributes changed"
		}
		addStat(fields, st)
		fields["msg"] = msg
		return modules.Outcome{Changed: changed, Msg: msg, Fields: fields, Secrets: secrets}, nil
	}
	status := atoiOr(st["http_status"], -1)
	reason, hdr := httpHeaders(strings.ReplaceAll(st["hdr"], "\x01", "\n"))
	msg := httpMsg(status, reason, hdr, st["http_err"])
	fields["elapsed"] = atoiOr(st["elapsed"], 0)
	if status == 304 {
		return modules.Outcome{Msg: msg, Fields: map[string]any{"url": u, "dest": st["dest"], "changed": false,
			"msg": msg, "status_code": 304, "elapsed": fields["elapsed"]}, Secrets: secrets}, nil
	}
	if status < 200 || status >= 300 || st["http_rc"] != "0" {
		fields["status_code"] = status
		fields["response"] = msg
		return fail("Request failed")
	}
	if st["dest_missing"] == "1" {
		return fail(fmt.Sprintf("Destination %s does not exist", path.Dir(st["dest"])))
	}
	if st["move_failed"] == "1" {
		return fail(fmt.Sprintf("failed to copy to %s: %s", st["dest"], st["move_err"]))
	}
	if st["checksum_src"] != "" {
		fields["checksum_src"] = st["checksum_src"]
	}
	if st["checksum_dest"] != "" {
		fields["checksum_dest"] = st["checksum_dest"]
	}
	fields["msg"] = msg
	fields["status_code"] = status
	if t.Check {
		return modules.Outcome{Changed: true, Msg: msg, Fields: fields, Secrets: secrets}, nil
	}
	if bad := st["cksum_bad"]; bad != "" {
		return fail(fmt.Sprintf("The checksum for %s did not match %s; it was %s.", st["dest"], sum, bad))
	}
	changed := st["moved"] == "1" || st["attr_changed"] == "1"
	fields["changed"] = changed
	fields["md5sum"] = st["md5"]
	addStat(fields, st)
	return modules.Outcome{Changed: changed, Msg: msg, Fields: fields, Secrets: secrets}, nil
}

// addStat adds Ansible's path info (owner, mode, size...) of dest.
func addStat(fields map[string]any, st map[string]string) {
	p := strings.Split(st["st"], "|")
	if len(p) != 6 {
		return
	}
	fields["uid"] = atoiOr(p[0], -1)
	fields["gid"] = atoiOr(p[1], -1)
	fields["owner"] = p[2]
	fields["group"] = p[3]
	mode := p[4]
	for len(mode) < 4 {
		mode = "0" + mode
	}
	fields["mode"] = mode
	fields["size"] = atoiOr(p[5], 0)
	fields["state"] = "file"
}

// transfer runs the whole check-download-compare-move script on the host.
// staged names a file already uploaded by the controller ("" to download
// on the host).
func (m getURLModule) transfer(ctx context.Context, t *modules.Target, args modules.Args, algo, sum, staged string) (string, string, error) {
	req := m.request(args, args.Str("url"))
	req.Out = `"$out"`
	req.IfModified = true
	if t.Check {
		req.Method = "HEAD"
		req.Out = "/dev/null"
	}
	in, lens := req.stdin()
	sumCmd, _ := sumCommand(algo)
	var b strings.Builder
	fmt.Fprintf(&b, "dest=%s; sum=%s; force=%t; fname=%s; staged=%s\n", shquote.POSIX(args.Str("dest")), shquote.POSIX(sum),
		args.Bool("force"), shquote.POSIX(urlFilename(args.Str("url"))), shquote.POSIX(staged))
	b.WriteString(`tmp=$(mktemp -d 2>/dev/null) || { tmp=/tmp/.sb-get_url.$$; mkdir -m 700 "$tmp"; }
out=
trap 'rm -rf "$tmp"; [ -n "$out" ] && rm -f "$out"' EXIT
d=$dest; [ -d "$dest" ] && d="${dest%/}/$fname"
echo "dest=$d"
if [ ! -d "$(dirname "$d")" ]; then echo dest_missing=1; exit 0; fi
stline() { stat -c 'st=%u|%g|%U|%G|%a|%s' "$d"; }
ims=; mismatch=
`)
	if sumCmd != "" {
		fmt.Fprintf(&b, "if [ -f \"$d\" ] && [ \"$force\" = false ]; then cs=$(%s <\"$d\" | cut -d' ' -f1)\n", sumCmd)
		b.WriteString(" if [ \"$cs\" = \"$sum\" ]; then echo result=exists\n")
		if !t.Check {
			b.WriteString(attrScript(modeString(args["mode"]), args.Str("owner"), args.Str("group")))
		}
		b.WriteString(" stline; exit 0; fi; mismatch=1; fi\n")
	}
	b.WriteString(`[ -f "$d" ] && [ "$force" = false ] && [ -z "$mismatch" ] && ims=$d
out="$(dirname "$d")/.sb-get_url.$$"
start=$(date +%s)
if [ -n "$staged" ]; then mv -f "$staged" "$out"; http_status=200; http_rc=0; http_url=; http_err=; : >"$tmp/hdr"
else
`)
	b.WriteString(req.fetchScript(lens, true))
	b.WriteString("fi\n")
	b.WriteString(`echo "elapsed=$(( $(date +%s) - start ))"
echo "http_status=$http_status"; echo "http_rc=$http_rc"
printf 'http_err=%s\n' "$(printf '%s' "$http_err" | tr '\n' ' ')"
printf 'hdr=%s\n' "$(tr '\n' '\001' <"$tmp/hdr")"
case "$http_status" in 2??) ;; *) exit 0;; esac
[ "$http_rc" = 0 ] || exit 0
`)
	if t.Check {
		b.WriteString("exit 0\n")
	} else {
		b.WriteString(`src=$(sha1sum <"$out" | cut -d' ' -f1); echo "checksum_src=$src"
dst=; [ -f "$d" ] && dst=$(sha1sum <"$d" | cut -d' ' -f1) && echo "checksum_dest=$dst"
if [ "$src" != "$dst" ]; then
 [ -f "$d" ] && chmod --reference="$d" "$out" 2>/dev/null && chown --reference="$d" "$out" 2>/dev/null
 [ -f "$d" ] || chmod 0644 "$out"
 if e=$(mv -f "$out" "$d" 2>&1); then echo moved=1; out=; else echo move_failed=1; printf 'move_err=%s\n' "$e"; exit 0; fi
fi
`)
		if sumCmd != "" {
			fmt.Fprintf(&b, "cs=$(%s <\"$d\" | cut -d' ' -f1); [ \"$cs\" = \"$sum\" ] || { rm -f \"$d\"; echo \"cksum_bad=$cs\"; exit 0; }\n", sumCmd)
		}
		b.WriteString(attrScript(modeString(args["mode"]), args.Str("owner"), args.Str("group")))
		b.WriteString("echo \"md5=$(md5sum <\"$d\" | cut -d' ' -f1)\"; stline\n")
	}
	timeout := time.Duration(args.Int("timeout")+60) * time.Second
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r, err := run(cctx, t, b.String(), strings.NewReader(in))
	if err != nil {
		return "", "", err
	}
	return string(r.Stderr), string(r.Stdout), nil
}

// fetchSmall downloads a small text (a checksum file) on the host.
func (m getURLModule) fetchSmall(ctx context.Context, t *modules.Target, args modules.Args, u string) (string, error) {
	req := m.request(args, u)
	req.Out = `"$tmp/out"`
	in, lens := req.stdin()
	script := "tmp=$(mktemp -d) || exit 1\ntrap 'rm -rf \"$tmp\"' EXIT\n" + req.fetchScript(lens, true) + "[ -f \"$tmp/out\" ] && cat \"$tmp/out\"\n"
	r, err := run(ctx, t, script, strings.NewReader(in))
	if err != nil {
		return "", err
	}
	return string(r.Stdout), nil
}

// controllerFetch downloads on the controller and stages the file next to
// dest on the host; it returns the staged path.
func (m getURLModule) controllerFetch(ctx context.Context, t *modules.Target, args modules.Args, dest string) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, time.Duration(args.Int("timeout"))*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, args.Str("url"), nil)
	if err != nil {
		return "", err
	}
	for k, v := range args.Dict("headers") {
		req.Header.Set(k, fmt.Sprint(v))
	}
	if args.Has("url_username") {
		req.SetBasicAuth(args.Str("url_username"), args.Str("url_password"))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return "", fmt.Errorf("HTTP Error %d: %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	marker, err := newMarker()
	if err != nil {
		return "", err
	}
	staged := path.Join(path.Dir(dest), ".sb-stage-"+marker[4:])
	if err := t.Conn.Put(ctx, staged, io.Reader(resp.Body), 0o600, t.Become); err != nil {
		return "", err
	}
	return staged, nil
}
