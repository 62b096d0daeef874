package system

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules/shquote"
)

// httpReq is one HTTP request made on the host with curl (or wget).
// Credentials, headers and the URL travel in a curl config file fed
// through stdin, never on a command line.
type httpReq struct {
	URL           string
	Method        string // "" = GET
	Headers       map[string]string
	Body          []byte // nil: no body
	User, Pass    string
	ForceBasic    bool
	Timeout       int
	ValidateCerts bool
	Follow        bool
	IfModified    bool   // send If-Modified-Since from the mtime of the file named by $ims, if set
	Out           string // host path for the body (shell expression allowed, e.g. "$tmp/out")
}

// curlQuote quotes a value for a curl config file.
func curlQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return `"` + r.Replace(s) + `"`
}

// curlConfig renders the request's secret and variable parts.
func (r httpReq) curlConfig() string {
	var b strings.Builder
	fmt.Fprintf(&b, "url = %s\n", curlQuote(r.URL))
	if r.User != "" || r.Pass != "" {
		fmt.Fprintf(&b, "user = %s\n", curlQuote(r.User+":"+r.Pass))
		if !r.ForceBasic {
			b.WriteString("anyauth\n")
		}
	}
	keys := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "header = %s\n", curlQuote(k+": "+r.Headers[k]))
	}
	return b.String()
}

// wgetConfig renders a wgetrc with the request's secret parts.
func (r httpReq) wgetConfig() string {
	var b strings.Builder
	if r.User != "" || r.Pass != "" {
		fmt.Fprintf(&b, "user = %s\npassword = %s\n", r.User, r.Pass)
		if r.ForceBasic {
			b.WriteString("auth_no_challenge = on\n")
		}
	}
	keys := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "header = %s: %s\n", k, r.Headers[k])
	}
	return b.String()
}

// stdin returns what the fetch script reads from stdin: the curl config,
// the wgetrc, then the body; fetchScript reads them back by length.
func (r httpReq) stdin() (string, []int) {
	c, w := r.curlConfig(), r.wgetConfig()
	return c + w + string(r.Body), []int{len(c), len(w), len(r.Body)}
}

// fetchScript returns sh that performs the request; it expects $tmp to be a
// private temporary directory and leaves "http_status", "http_url",
// "http_size", "http_rc", "http_err" in the shell and the response headers
// in "$tmp/hdr". allowWget permits wget when curl is absent.
func (r httpReq) fetchScript(lens []int, allowWget bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "dd bs=1 count=%d of=\"$tmp/cfg\" 2>/dev/null; dd bs=1 count=%d of=\"$tmp/wgetrc\" 2>/dev/null\n", lens[0], lens[1])
	if r.Body != nil {
		b.WriteString("cat >\"$tmp/body\"\n")
	}
	b.WriteString(": >\"$tmp/hdr\"; http_status=-1; http_url=; http_size=0; http_err=\n")
	curl := []string{"curl", "-sS", "-K", `"$tmp/cfg"`, "-D", `"$tmp/hdr"`, "-o", r.Out,
		"-w", `'%{http_code} %{size_download} %{url_effective}'`}
	method := r.Method
	if method == "" {
		method = "GET"
	}
	switch method {
	case "GET":
	case "HEAD":
		curl = append(curl, "-I")
	default:
		curl = append(curl, "-X", method)
	}
	if r.Body != nil {
		curl = append(curl, "--data-binary", `@"$tmp/body"`)
	}
	if r.Timeout > 0 {
		curl = append(curl, "--max-time", strconv.Itoa(r.Timeout))
	}
	if !r.ValidateCerts {
		curl = append(curl, "-k")
	}
	if r.Follow {
		curl = append(curl, "-L", "--max-redirs", "50")
	}
	if r.IfModified {
		b.WriteString("set --; [ -n \"${ims:-}\" ] && set -- -z \"$ims\"\n")
		curl = append(curl, `"$@"`)
	}
	b.WriteString("if command -v curl >/dev/null 2>&1; then\n")
	b.WriteString(" w=$(" + strings.Join(curl, " ") + " 2>\"$tmp/err\"); http_rc=$?\n")
	b.WriteString(" http_status=${w%% *}; w=${w#* }; http_size=${w%% *}; http_url=${w#* }; http_err=$(cat \"$tmp/err\")\n")
	b.WriteString(" [ \"$http_status\" = 000 ] && http_status=-1\n")
	if allowWget {
		wget := []string{"wget", "-S", "-O", r.Out}
		if r.Timeout > 0 {
			wget = append(wget, "--timeout="+strconv.Itoa(r.Timeout))
		}
		if !r.ValidateCerts {
			wget = append(wget, "--no-check-certificate")
		}
		if !r.Follow {
			wget = append(wget, "--max-redirect=0")
		}
		b.WriteString("elif command -v wget >/dev/null 2>&1; then\n")
		b.WriteString(" u=" + shquote.POSIX(r.URL) + "\n")
		b.WriteString(" WGETRC=\"$tmp/wgetrc\" " + strings.Join(wget, " ") + " \"$u\" 2>\"$tmp/err\"; http_rc=$?\n")
		b.WriteString(" sed -n 's/^  //p' \"$tmp/err\" >\"$tmp/hdr\"\n")
		b.WriteString(" http_status=$(awk '/^  HTTP\\//{s=$2} END{print s}' \"$tmp/err\"); [ -z \"$http_status\" ] && http_status=-1\n")
		b.WriteString(" http_url=$u; http_size=$(wc -c <" + r.Out + " 2>/dev/null || echo 0); http_err=$(grep -v '^  ' \"$tmp/err\" | tail -n 3)\n")
	}
	b.WriteString("else http_rc=127; http_err=notool\nfi\n")
	return b.String()
}

// httpHeaders parses the last response block of a curl -D dump into
// Ansible's header keys (lower case, '-' as '_').
func httpHeaders(dump string) (status string, headers map[string]any) {
	headers = map[string]any{}
	blocks := strings.Split(strings.ReplaceAll(dump, "\r\n", "\n"), "\n\n")
	last := ""
	for _, b := range blocks {
		if strings.HasPrefix(strings.TrimSpace(b), "HTTP/") {
			last = strings.TrimSpace(b)
		}
	}
	for i, l := range strings.Split(last, "\n") {
		if i == 0 {
			f := strings.SplitN(l, " ", 3)
			if len(f) == 3 {
				status = f[2]
			}
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), "-", "_")
		v = strings.TrimSpace(v)
		if old, ok := headers[key].(string); ok {
			v = old + ", " + v
		}
		headers[key] = v
	}
	return status, headers
}

// httpMsg builds Ansible's fetch_url message for a response.
func httpMsg(status int, reason string, headers map[string]any, curlErr string) string {
	switch {
	case status <= 0:
		return "Request failed: " + strings.TrimPrefix(strings.TrimSpace(curlErr), "curl: ")
	case status >= 400:
		return fmt.Sprintf("HTTP Error %d: %s", status, reason)
	}
	n := "unknown"
	if cl, ok := headers["content_length"].(string); ok {
		n = cl
	}
	return fmt.Sprintf("OK (%s bytes)", n)
}
