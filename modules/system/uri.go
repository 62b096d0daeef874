package system

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// uriModule is ansible.builtin.uri; the request runs on the host with curl.
type uriModule struct{}

func (uriModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "url", Kind: modules.KindStr, Required: true},
		{Name: "method", Kind: modules.KindStr, Default: "GET"},
		{Name: "body", Kind: modules.KindRaw},
		{Name: "body_format", Kind: modules.KindStr, Default: "raw", Choices: []string{"form-urlencoded", "json", "raw", "form-multipart"}},
		{Name: "headers", Kind: modules.KindDict, Default: map[string]any{}},
		{Name: "status_code", Kind: modules.KindList, Elements: modules.KindInt, Default: []any{200}},
		{Name: "return_content", Kind: modules.KindBool, Default: false},
		{Name: "dest", Kind: modules.KindPath},
		{Name: "timeout", Kind: modules.KindInt, Default: 30},
		{Name: "validate_certs", Kind: modules.KindBool, Default: true},
		{Name: "url_username", Kind: modules.KindStr, Aliases: []string{"user"}},
		{Name: "url_password", Kind: modules.KindStr, Aliases: []string{"password"}, NoLog: true},
		{Name: "force_basic_auth", Kind: modules.KindBool, Default: false},
		{Name: "follow_redirects", Kind: modules.KindStr, Default: "safe", Choices: []string{"all", "no", "none", "safe", "urllib2", "yes"}},
		{Name: "creates", Kind: modules.KindPath},
		{Name: "removes", Kind: modules.KindPath},
		{Name: "use_proxy", Kind: modules.KindBool, Default: true},
		{Name: "mode", Kind: modules.KindRaw},
		{Name: "owner", Kind: modules.KindStr},
		{Name: "group", Kind: modules.KindStr},
	}, NoCheckMode: true}
}

// uriBody encodes the body argument as body_format asks and returns the
// implied Content-Type ("" for raw).
func uriBody(body any, format string) ([]byte, string, error) {
	if body == nil {
		return nil, "", nil
	}
	switch format {
	case "json":
		if s, ok := body.(string); ok {
			return []byte(s), "application/json", nil
		}
		b, err := json.Marshal(body)
		if err != nil {
			return nil, "", err
		}
		return b, "application/json", nil
	case "form-urlencoded":
		if s, ok := body.(string); ok {
			return []byte(s), "application/x-www-form-urlencoded", nil
		}
		var parts []string
		add := func(k string, v any) {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(fmt.Sprint(v)))
		}
		switch m := body.(type) {
		case map[string]any:
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				add(k, m[k])
			}
		case []any:
			for _, it := range m {
				p, ok := it.([]any)
				if !ok || len(p) != 2 {
					return nil, "", fmt.Errorf("failed to parse body as form_urlencoded: expected pairs")
				}
				add(fmt.Sprint(p[0]), p[1])
			}
		default:
			return nil, "", fmt.Errorf("failed to parse body as form_urlencoded: unsupported type")
		}
		return []byte(strings.Join(parts, "&")), "application/x-www-form-urlencoded", nil
	case "form-multipart":
		return nil, "", fmt.Errorf("failed to parse body as form-multipart: not supported by swarmbook")
	}
	switch b := body.(type) {
	case string:
		return []byte(b), "", nil
	default:
		j, err := json.Marshal(b)
		return j, "", err
	}
}

// pyIntList formats ints as Python prints a list.
func pyIntList(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

var methodRe = regexp.MustCompile(`^[A-Z]+$`)

func (m uriModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	args = withDefaults(args, m.Spec())
	u, method := args.Str("url"), strings.ToUpper(args.Str("method"))
	var secrets []string
	if p := args.Str("url_password"); p != "" {
		secrets = append(secrets, p)
	}
	if !methodRe.MatchString(method) {
		return modules.Outcome{Failed: true, Msg: "Parameter 'method' needs to be a single word in uppercase, like GET or POST."}, nil
	}
	var codes []int
	for _, c := range args.List("status_code") {
		n, err := strconv.Atoi(strings.TrimSpace(fmt.Sprint(c)))
		if err != nil {
			return modules.Outcome{Failed: true, Msg: fmt.Sprintf("status_code: %v is not an integer", c)}, nil
		}
		codes = append(codes, n)
	}
	body, ctype, err := uriBody(args["body"], args.Str("body_format"))
	if err != nil {
		return modules.Outcome{Failed: true, Msg: err.Error(), Fields: map[string]any{"elapsed": 0}}, nil
	}
	headers := map[string]string{}
	hasCT := false
	for k, v := range args.Dict("headers") {
		headers[k] = fmt.Sprint(v)
		hasCT = hasCT || strings.EqualFold(k, "content-type")
	}
	if ctype != "" && !hasCT {
		headers["Content-Type"] = ctype
	}
	follow := false
	switch args.Str("follow_redirects") {
	case "all", "yes":
		follow = true
	case "safe", "urllib2":
		follow = method == "GET" || method == "HEAD"
	}
	req := httpReq{URL: u, Method: method, Headers: headers, Body: body, User: args.Str("url_username"),
		Pass: args.Str("url_password"), ForceBasic: args.Bool("force_basic_auth"), Timeout: args.Int("timeout"),
		ValidateCerts: args.Bool("validate_certs"), Follow: follow, Out: `"$tmp/out"`}
	in, lens := req.stdin()
	marker, err := newMarker()
	if err != nil {
		return modules.Outcome{}, err
	}
	var s strings.Builder
	if c := args.Str("creates"); c != "" {
		fmt.Fprintf(&s, "[ -e %s ] && { echo skip=creates; exit 0; }\n", shquote.POSIX(c))
	}
	if r := args.Str("removes"); r != "" {
		fmt.Fprintf(&s, "[ -e %s ] || { echo skip=removes; exit 0; }\n", shquote.POSIX(r))
	}
	s.WriteString("tmp=$(mktemp -d) || exit 1\ntrap 'rm -rf \"$tmp\"' EXIT\nstart=$(date +%s)\n")
	s.WriteString(req.fetchScript(lens, false))
	s.WriteString(`echo "elapsed=$(( $(date +%s) - start ))"
echo "http_status=$http_status"; echo "http_rc=$http_rc"; printf 'http_url=%s\n' "$http_url"
printf 'http_err=%s\n' "$(printf '%s' "$http_err" | tr '\n' ' ')"
printf 'hdr=%s\n' "$(tr '\n' '\001' <"$tmp/hdr")"
`)
	if dest := args.Str("dest"); dest != "" {
		okCodes := make([]string, 0, len(codes))
		for _, c := range codes {
			if c != 304 {
				okCodes = append(okCodes, strconv.Itoa(c))
			}
		}
		fmt.Fprintf(&s, "d=%s; [ -d \"$d\" ] && d=\"${d%%/}/index.html\"; printf 'path=%%s\\n' \"$d\"\n", shquote.POSIX(dest))
		fmt.Fprintf(&s, "case \" %s \" in *\" $http_status \"*) if [ -f \"$tmp/out\" ]; then cp \"$tmp/out\" \"$d\" && echo written=1; fi;; esac\n", strings.Join(okCodes, " "))
		s.WriteString("if [ -f \"$d\" ]; then\n" + attrScript(modeString(args["mode"]), args.Str("owner"), args.Str("group")) + ":\nfi\n")
	}
	fmt.Fprintf(&s, "printf '%%s\\n' %s; [ -f \"$tmp/out\" ] && cat \"$tmp/out\"\n", marker)
	cctx, cancel := context.WithTimeout(ctx, time.Duration(args.Int("timeout")+30)*time.Second)
	defer cancel()
	res, err := run(cctx, t, s.String(), strings.NewReader(in))
	if err != nil {
		return modules.Outcome{}, err
	}
	head, content, _ := strings.Cut(string(res.Stdout), marker+"\n")
	st := kv([]byte(head))
	switch st["skip"] {
	case "creates":
		return modules.Outcome{Fields: map[string]any{"stdout": fmt.Sprintf("skipped, since '%s' exists", args.Str("creates"))}}, nil
	case "removes":
		return modules.Outcome{Fields: map[string]any{"stdout": fmt.Sprintf("skipped, since '%s' does not exist", args.Str("removes"))}}, nil
	}
	if st["http_rc"] == "127" {
		return modules.Outcome{Failed: true, Msg: "uri needs curl on the host: curl was not found"}, nil
	}
	return uriResult(u, codes, args.Bool("return_content"), st, content, secrets), nil
}

// uriResult assembles the registered result from the host's answer.
func uriResult(u string, codes []int, returnContent bool, st map[string]string, content string, secrets []string) modules.Outcome {
	status := atoiOr(st["http_status"], -1)
	reason, headers := httpHeaders(strings.ReplaceAll(st["hdr"], "\x01", "\n"))
	fields := map[string]any{}
	for k, v := range headers {
		fields[k] = v
	}
	final := st["http_url"]
	if final == "" {
		final = u
	}
	fields["url"] = final
	fields["redirected"] = final != u
	fields["status"] = status
	fields["elapsed"] = atoiOr(st["elapsed"], 0)
	fields["cookies"] = map[string]any{}
	fields["cookies_string"] = ""
	msg := httpMsg(status, reason, headers, st["http_err"])
	fields["msg"] = msg
	changed := st["written"] == "1" || st["attr_changed"] == "1"
	fields["changed"] = changed
	if p := st["path"]; p != "" {
		fields["path"] = p
	}
	ok := false
	for _, c := range codes {
		ok = ok || c == status
	}
	maybeJSON := false
	if ct, _ := headers["content_type"].(string); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			_, sub, _ := strings.Cut(mt, "/")
			if _, suffix, has := strings.Cut(sub, "+"); has {
				sub = suffix
			}
			maybeJSON = sub == "json" || sub == "javascript"
		}
	}
	if maybeJSON {
		var js any
		if err := json.Unmarshal([]byte(content), &js); err == nil {
			fields["json"] = js
		}
	}
	if returnContent {
		fields["content"] = content
	}
	if !ok {
		fields["msg"] = fmt.Sprintf("Status code was %d and not %s: %s", status, pyIntList(codes), msg)
		return modules.Outcome{Failed: true, Msg: fields["msg"].(string), Fields: fields, Secrets: secrets}
	}
	return modules.Outcome{Changed: changed, Msg: msg, Fields: fields, Secrets: secrets}
}
