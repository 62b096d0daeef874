package system

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// waitForModule is ansible.builtin.wait_for; the waiting loop runs on the
// host in sh (TCP probes through bash's /dev/tcp or nc).
type waitForModule struct{}

func (waitForModule) Spec() modules.Spec {
	return modules.Spec{Params: []modules.Param{
		{Name: "host", Kind: modules.KindStr, Default: "127.0.0.1"},
		{Name: "timeout", Kind: modules.KindInt, Default: 300},
		{Name: "connect_timeout", Kind: modules.KindInt, Default: 5},
		{Name: "delay", Kind: modules.KindInt, Default: 0},
		{Name: "port", Kind: modules.KindInt},
		{Name: "active_connection_states", Kind: modules.KindList, Elements: modules.KindStr},
		{Name: "path", Kind: modules.KindPath},
		{Name: "search_regex", Kind: modules.KindStr},
		{Name: "state", Kind: modules.KindStr, Default: "started", Choices: []string{"absent", "drained", "present", "started", "stopped"}},
		{Name: "exclude_hosts", Kind: modules.KindList, Elements: modules.KindStr},
		{Name: "sleep", Kind: modules.KindInt, Default: 1},
		{Name: "msg", Kind: modules.KindStr},
	}, NoCheckMode: true}
}

// waitScript builds the host-side loop. It prints "result=ok|timeout",
// "elapsed=N" and, for a path with a regex, the file after a marker.
func waitScript(args modules.Args, marker string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "h=%s; p=%s; f=%s; re=%s; to=%d; ct=%d; sl=%d\n",
		shquote.POSIX(args.Str("host")), shquote.POSIX(fmt.Sprint(args.Int("port"))), shquote.POSIX(args.Str("path")),
		shquote.POSIX(toERE(args.Str("search_regex"))), args.Int("timeout"), args.Int("connect_timeout"), max(args.Int("sleep"), 1))
	b.WriteString(`start=$(date +%s)
probe() {
 if command -v bash >/dev/null 2>&1; then
  if command -v timeout >/dev/null 2>&1; then timeout "$ct" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$h" "$p" 2>/dev/null
  else bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$h" "$p" 2>/dev/null; fi
 elif command -v nc >/dev/null 2>&1; then nc -z -w "$ct" "$h" "$p" >/dev/null 2>&1
 else hp=$(printf '%04X' "$p"); grep -qi ":$hp [0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null; fi
}
drained() {
 hp=$(printf '%04X' "$p")
 ! grep -qi ":$hp [0-9A-F]*:[0-9A-F]* 01 " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
check() {
`)
	port := args.Has("port") && args.Int("port") != 0
	switch st := args.Str("state"); {
	case port && (st == "started" || st == "present"):
		b.WriteString(" probe\n")
	case port && st == "stopped":
		b.WriteString(" ! probe\n")
	case port && st == "drained":
		b.WriteString(" drained\n")
	case args.Has("path") && st == "absent":
		b.WriteString(" [ ! -e \"$f\" ]\n")
	case args.Has("path") && args.Has("search_regex"):
		b.WriteString(" [ -e \"$f\" ] && grep -Eq -- \"$re\" \"$f\" 2>/dev/null\n")
	case args.Has("path"):
		b.WriteString(" [ -e \"$f\" ]\n")
	default:
		b.WriteString(" false\n")
	}
	b.WriteString("}\n")
	if d := args.Int("delay"); d > 0 {
		fmt.Fprintf(&b, "sleep %d\n", d)
	}
	waitsOnly := !port && !args.Has("path")
	if waitsOnly {
		b.WriteString("sleep \"$to\"; echo result=ok\n")
	} else {
		b.WriteString(`res=timeout
while :; do
 if check; then res=ok; break; fi
 now=$(date +%s); [ $((now - start)) -ge "$to" ] && break
 sleep "$sl"
done
echo "result=$res"
`)
	}
	b.WriteString("echo \"elapsed=$(( $(date +%s) - start ))\"\n")
	if args.Has("path") && args.Has("search_regex") {
		fmt.Fprintf(&b, "[ \"$res\" = ok ] && { printf '%%s\\n' %s; head -c 1048576 \"$f\"; }\n", marker)
	}
	return b.String()
}

func (m waitForModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	args = withDefaults(args, m.Spec())
	state := args.Str("state")
	port := args.Has("port") && args.Int("port") != 0
	fail := func(msg string) (modules.Outcome, error) {
		return modules.Outcome{Failed: true, Msg: msg, Fields: map[string]any{"elapsed": 0}}, nil
	}
	var re *regexp.Regexp
	if args.Has("search_regex") {
		var err error
		if re, err = regexp.Compile("(?m)" + args.Str("search_regex")); err != nil {
			return fail("Invalid regular expression: " + err.Error())
		}
		if port {
			return fail("search_regex on a port is not supported by swarmbook's wait_for")
		}
	}
	switch {
	case port && args.Has("path"):
		return fail("port and path parameter can not both be passed to wait_for")
	case args.Has("path") && state == "stopped":
		return fail("state=stopped should only be used for checking a port in the wait_for module")
	case args.Has("path") && state == "drained":
		return fail("state=drained should only be used for checking a port in the wait_for module")
	case args.Has("exclude_hosts") && state != "drained":
		return fail("exclude_hosts should only be with state=drained")
	}
	marker, err := newMarker()
	if err != nil {
		return modules.Outcome{}, err
	}
	budget := time.Duration(args.Int("timeout")+args.Int("delay")+args.Int("connect_timeout")+30) * time.Second
	cctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	res, err := run(cctx, t, waitScript(args, marker), nil)
	if err != nil {
		return modules.Outcome{}, err
	}
	head, content, hasContent := strings.Cut(string(res.Stdout), marker+"\n")
	st := kv([]byte(head))
	elapsed := atoiOr(st["elapsed"], 0)
	fields := map[string]any{"elapsed": elapsed}
	if st["result"] != "ok" {
		msg := args.Str("msg")
		if msg == "" {
			h, p, path, rx := args.Str("host"), args.Int("port"), args.Str("path"), args.Str("search_regex")
			switch {
			case st["result"] == "":
				msg = "wait_for script failed: " + trimOut(res.Stderr)
			case port && state == "stopped":
				msg = fmt.Sprintf("Timeout when waiting for %s:%d to stop.", h, p)
			case port && state == "drained":
				msg = fmt.Sprintf("Timeout when waiting for %s:%d to drain", h, p)
			case port:
				msg = fmt.Sprintf("Timeout when waiting for %s:%d", h, p)
			case state == "absent":
				msg = fmt.Sprintf("Timeout when waiting for %s to be absent.", path)
			case rx != "":
				msg = fmt.Sprintf("Timeout when waiting for search string %s in %s", rx, path)
			default:
				msg = fmt.Sprintf("Timeout when waiting for file %s", path)
			}
		}
		return modules.Outcome{Failed: true, Msg: msg, Fields: fields}, nil
	}
	groups := []any{}
	groupDict := map[string]any{}
	if re != nil && hasContent {
		if mm := re.FindStringSubmatch(content); mm != nil {
			for i, g := range mm[1:] {
				groups = append(groups, g)
				if n := re.SubexpNames()[i+1]; n != "" {
					groupDict[n] = g
				}
			}
		}
	}
	fields["state"] = state
	fields["port"] = nil
	if port {
		fields["port"] = args.Int("port")
	}
	fields["path"] = nil
	if args.Has("path") {
		fields["path"] = args.Str("path")
	}
	fields["search_regex"] = nil
	if args.Has("search_regex") {
		fields["search_regex"] = args.Str("search_regex")
	}
	fields["match_groups"] = groups
	fields["match_groupdict"] = groupDict
	return modules.Outcome{Fields: fields}, nil
}

// toERE rewrites the Perl/Python class escapes of a regex (\d \s \w and
// their negations) for grep -E, which lacks them.
func toERE(re string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(re); i++ {
		c := re[i]
		if c == '\\' && i+1 < len(re) {
			n := re[i+1]
			rep := map[byte][2]string{
				'd': {"[0-9]", "0-9"}, 'D': {"[^0-9]", ""}, 's': {"[[:space:]]", "[:space:]"},
				'S': {"[^[:space:]]", ""}, 'w': {"[[:alnum:]_]", "[:alnum:]_"}, 'W': {"[^[:alnum:]_]", ""},
			}[n]
			if r := rep[0]; r != "" && (!inClass || rep[1] != "") {
				if inClass {
					b.WriteString(rep[1])
				} else {
					b.WriteString(r)
				}
				i++
				continue
			}
			b.WriteByte(c)
			b.WriteByte(n)
			i++
			continue
		}
		if c == '[' && !inClass {
			inClass = true
		} else if c == ']' && inClass {
			inClass = false
		}
		b.WriteByte(c)
	}
	return b.String()
}
