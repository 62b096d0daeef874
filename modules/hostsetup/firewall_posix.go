package hostsetup

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
	"github.com/swarmbook/swarmbook/modules/shquote"
)

// Paths of the persistent firewall configuration on Linux hosts.
const (
	nftPersistFile = "/etc/nftables.d/swarmbook.nft"
	nftConf        = "/etc/nftables.conf"
	iptRulesDir    = "/etc/iptables"
	iptChain       = "SWARMBOOK"
)

// fwReadPOSIX is the read script: it detects the backend (unless forced)
// and prints that backend's swarmbook rules in a machine format.
func fwReadPOSIX(backend, zone string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "be=%s\n", shquote.POSIX(backend))
	s.WriteString(`if [ "$be" = auto ]; then
  if command -v ufw >/dev/null 2>&1 && LC_ALL=C ufw status 2>/dev/null | head -n 1 | grep -q 'Status: active'; then be=ufw
  elif command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then be=firewalld
  elif command -v nft >/dev/null 2>&1; then be=nftables
  elif command -v iptables >/dev/null 2>&1; then be=iptables
  else be=none
  fi
fi
echo "backend=$be"
echo "ssh_connection=$SSH_CONNECTION"
case "$be" in
ufw)
  command -v ufw >/dev/null 2>&1 || { echo "missing=ufw"; exit 0; }
  for f in /etc/ufw/user.rules /etc/ufw/user6.rules; do
    [ -r "$f" ] && sed -n 's/^### tuple ### /tuple=/p' "$f"
  done ;;
firewalld)
  command -v firewall-cmd >/dev/null 2>&1 || { echo "missing=firewall-cmd"; exit 0; }
`)
	if zone != "" {
		fmt.Fprintf(&s, "  z=%s\n", shquote.POSIX(zone))
	} else {
		s.WriteString("  z=$(firewall-cmd --get-default-zone)\n")
	}
	s.WriteString(`  echo "zone=$z"
  echo "ports=$(firewall-cmd --permanent --zone="$z" --list-ports)"
  echo "protocols=$(firewall-cmd --permanent --zone="$z" --list-protocols)"
  firewall-cmd --permanent --zone="$z" --list-rich-rules | sed 's/^/rich=/' ;;
nftables)
  command -v nft >/dev/null 2>&1 || { echo "missing=nft"; exit 0; }
  echo "nftjson=$(nft -j list table inet swarmbook 2>/dev/null | base64 | tr -d '\n')"
`)
	fmt.Fprintf(&s, "  f=%s; c=%s\n", shquote.POSIX(nftPersistFile), shquote.POSIX(nftConf))
	s.WriteString(`  [ -f "$f" ] && echo "persist=$(base64 < "$f" | tr -d '\n')"
  if [ ! -f "$c" ]; then echo "include=noconf"
  elif grep -Eq '^[[:space:]]*include[[:space:]]+"/etc/nftables\.d/(\*|\*\.nft|swarmbook\.nft)"' "$c"; then echo "include=yes"
  else echo "include=no"; fi ;;
iptables)
  command -v iptables >/dev/null 2>&1 || { echo "missing=iptables"; exit 0; }
  iptables -w -S SWARMBOOK 2>/dev/null | sed 's/^/ipt=/'
  iptables -w -C INPUT -j SWARMBOOK 2>/dev/null && echo "jump=yes"
`)
	fmt.Fprintf(&s, "  if [ -d %s ]; then echo persistdir=yes; [ -f %s/rules.v4 ] && grep -- '-A SWARMBOOK ' %s/rules.v4 | sed 's/^/saved=/'; fi ;;\nesac\nexit 0\n",
		iptRulesDir, iptRulesDir, iptRulesDir)
	return s.String()
}

var (
	iptCommentRE = regexp.MustCompile(`--comment (?:"([^"]*)"|(\S+))`)
	richSourceRE = regexp.MustCompile(`source address="([^"]+)"`)
	richPortRE   = regexp.MustCompile(`port port="([^"]+)" protocol="(tcp|udp)"`)
	richESPRE    = regexp.MustCompile(`protocol value="esp"`)
)

// parseFwPOSIX turns the read script's answer into a fwState; desiredPersist
// is the persistent nftables file the final rule set would produce.
func parseFwPOSIX(f facts) (fwState, error) {
	st := fwState{Backend: f.get("backend"), Rules: map[string]string{}, Bad: map[string]bool{},
		PersistOK: true, Extra: map[string]string{}}
	if m := f.get("missing"); m != "" {
		return st, fmt.Errorf("firewall backend %s requested but %s is not installed", st.Backend, m)
	}
	switch st.Backend {
	case "none":
		return st, fmt.Errorf("no firewall backend found on the host (looked for ufw, firewalld, nft, iptables)")
	case "ufw":
		for _, tu := range f["tuple"] {
			if r, c, ok := parseUfwTuple(tu); ok {
				st.Rules[r.key()] = c
			}
		}
	case "firewalld":
		st.Extra["zone"] = f.get("zone")
		for _, p := range strings.Fields(f.get("ports")) {
			port, proto, _ := strings.Cut(p, "/")
			if r, ok := parseRuleKey("swarmbook " + port + "/" + proto); ok {
				st.Rules[r.key()] = r.key()
			}
		}
		for _, p := range strings.Fields(f.get("protocols")) {
			if p == "esp" {
				st.Rules["swarmbook esp"] = "swarmbook esp"
			}
		}
		for _, rr := range f["rich"] {
			if r, ok := parseRichRule(rr); ok {
				st.Rules[r.key()] = r.key()
			}
		}
	case "nftables":
		js, _ := f.decoded("nftjson")
		comments, err := nftComments(js)
		if err != nil {
			return st, err
		}
		for _, c := range comments {
			if r, ok := parseRuleKey(c); ok {
				st.Rules[r.key()] = c
			}
		}
		persisted, ok := f.decoded("persist")
		if !ok {
			persisted = "\x00missing"
		}
		st.Extra["persisted"] = persisted
		st.Extra["include"] = f.get("include")
	case "iptables":
		for _, l := range f["ipt"] {
			m := iptCommentRE.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			c := m[1] + m[2]
			if r, ok := parseRuleKey(c); ok {
				st.Rules[r.key()] = c
			}
		}
		st.Extra["jump"] = f.get("jump")
		st.Extra["persistdir"] = f.get("persistdir")
		st.Extra["saved"] = strings.Join(f["saved"], "\n")
	default:
		return st, fmt.Errorf("unknown firewall backend %q", st.Backend)
	}
	return st, nil
}

// parseUfwTuple parses a "### tuple ###" line of ufw's user rules:
// action proto dport dst sport src direction [comment=hex].
func parseUfwTuple(s string) (fwRule, string, bool) {
	fl := strings.Fields(s)
	if len(fl) < 7 || fl[0] != "allow" || fl[6] != "in" {
		return fwRule{}, "", false
	}
	comment := ""
	for _, x := range fl[7:] {
		if h, ok := strings.CutPrefix(x, "comment="); ok {
			if b, err := hex.DecodeString(h); err == nil {
				comment = string(b)
			}
		}
	}
	src, err := normSource(fl[5])
	if err != nil {
		return fwRule{}, "", false
	}
	r := fwRule{Proto: fl[1], Source: src}
	switch fl[1] {
	case "esp":
	case "tcp", "udp":
		p, err := normPort(fl[2])
		if err != nil {
			return fwRule{}, "", false
		}
		r.Port = p
	default:
		return fwRule{}, "", false
	}
	if comment == "" {
		comment = r.key()
	}
	return r, comment, true
}

// parseRichRule parses a firewalld rich rule written by richRule.
func parseRichRule(s string) (fwRule, bool) {
	if !strings.HasSuffix(strings.TrimSpace(s), " accept") {
		return fwRule{}, false
	}
	m := richSourceRE.FindStringSubmatch(s)
	if m == nil {
		return fwRule{}, false
	}
	src, err := normSource(m[1])
	if err != nil || src == "" {
		return fwRule{}, false
	}
	if richESPRE.MatchString(s) {
		return fwRule{Proto: "esp", Source: src}, true
	}
	pm := richPortRE.FindStringSubmatch(s)
	if pm == nil {
		return fwRule{}, false
	}
	p, err := normPort(pm[1])
	if err != nil {
		return fwRule{}, false
	}
	return fwRule{Proto: pm[2], Port: p, Source: src}, true
}

// nftComments lists the comments of the rules in `nft -j list table` output.
func nftComments(js string) ([]string, error) {
	if strings.TrimSpace(js) == "" {
		return nil, nil
	}
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		return nil, fmt.Errorf("parse nft -j output: %w", err)
	}
	var out []string
	for _, obj := range doc.Nftables {
		raw, ok := obj["rule"]
		if !ok {
			continue
		}
		var r struct {
			Comment string `json:"comment"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("parse nft rule: %w", err)
		}
		out = append(out, r.Comment)
	}
	return out, nil
}

// fullComment is the comment a rule carries: its key, then the user's.
func fullComment(r fwRule, comment string) string {
	if comment == "" {
		return r.key()
	}
	return r.key() + " - " + comment
}

func isV6(prefix string) bool { return strings.Contains(prefix, ":") }

// nftScript is the complete swarmbook table for the rule set, loaded
// atomically with nft -f (and persisted as it is). comments gives each
// rule's comment by key.
func nftScript(final []fwRule, comments map[string]string) string {
	var s strings.Builder
	s.WriteString("# managed by swarmbook: the table is replaced as a whole\n")
	s.WriteString("table inet swarmbook\ndelete table inet swarmbook\n")
	if len(final) == 0 {
		return s.String()
	}
	s.WriteString("table inet swarmbook {\n\tchain input {\n\t\ttype filter hook input priority filter - 1; policy accept;\n")
	for _, r := range final {
		s.WriteString("\t\t")
		if r.Source != "" {
			if isV6(r.Source) {
				s.WriteString("ip6 saddr " + r.Source + " ")
			} else {
				s.WriteString("ip saddr " + r.Source + " ")
			}
		}
		if r.Proto == "esp" {
			s.WriteString("meta l4proto esp")
		} else {
			s.WriteString(r.Proto + " dport " + r.Port)
		}
		c := comments[r.key()]
		if c == "" {
			c = r.key()
		}
		fmt.Fprintf(&s, " accept comment \"%s\"\n", c)
	}
	s.WriteString("\t}\n}\n")
	return s.String()
}

// iptSpec is the iptables rule specification (after the chain name).
func iptSpec(r fwRule, comment string) string {
	var s strings.Builder
	if r.Source != "" {
		s.WriteString("-s " + r.Source + " ")
	}
	if r.Proto == "esp" {
		s.WriteString("-p esp")
	} else {
		fmt.Fprintf(&s, "-p %s -m %s --dport %s", r.Proto, r.Proto, strings.ReplaceAll(r.Port, "-", ":"))
	}
	fmt.Fprintf(&s, " -m comment --comment %s -j ACCEPT", shquote.POSIX(comment))
	return s.String()
}

// ufwArgs are the ufw arguments after allow/delete allow.
func ufwArgs(r fwRule) string {
	src := "any"
	if r.Source != "" {
		src = r.Source
	}
	if r.Proto == "esp" {
		return "proto esp from " + src + " to any"
	}
	return fmt.Sprintf("proto %s from %s to any port %s", r.Proto, src, strings.ReplaceAll(r.Port, "-", ":"))
}

// richRule is the firewalld rich rule for a rule with a source.
func richRule(r fwRule) string {
	fam := "ipv4"
	if isV6(r.Source) {
		fam = "ipv6"
	}
	if r.Proto == "esp" {
		return fmt.Sprintf(`rule family="%s" source address="%s" protocol value="esp" accept`, fam, r.Source)
	}
	return fmt.Sprintf(`rule family="%s" source address="%s" port port="%s" protocol="%s" accept`, fam, r.Source, r.Port, r.Proto)
}

// firewalldArg is the firewall-cmd option adding (op "add") or removing
// (op "remove") a rule.
func firewalldArg(op string, r fwRule) string {
	switch {
	case r.Source != "":
		return shquote.POSIX("--" + op + "-rich-rule=" + richRule(r))
	case r.Proto == "esp":
		return "--" + op + "-protocol=esp"
	}
	return "--" + op + "-port=" + r.Port + "/" + r.Proto
}

// persistState updates plan.Changed for the persistent copy, returning
// whether it must be (re)written.
func persistNeeded(st fwState, p fwPlan, comments map[string]string) bool {
	switch st.Backend {
	case "nftables":
		return st.Extra["persisted"] != nftScript(p.Final, comments) || st.Extra["include"] == "no"
	case "iptables":
		if st.Extra["persistdir"] != "yes" {
			return false
		}
		saved := splitNonEmpty(st.Extra["saved"])
		if len(saved) != len(p.Final) {
			return true
		}
		for _, r := range p.Final {
			if !strings.Contains(st.Extra["saved"], r.key()) {
				return true
			}
		}
	}
	return false
}

// fwApplyPOSIX renders the apply script for the plan.
func fwApplyPOSIX(st fwState, p fwPlan, comments map[string]string, persist bool) string {
	var s strings.Builder
	s.WriteString("set -e\n")
	switch st.Backend {
	case "ufw":
		for _, r := range p.Del {
			fmt.Fprintf(&s, "ufw delete allow %s >/dev/null\n", ufwArgs(r))
		}
		for _, r := range p.Add {
			fmt.Fprintf(&s, "ufw allow %s comment %s >/dev/null\n", ufwArgs(r), shquote.POSIX(comments[r.key()]))
		}
	case "firewalld":
		z := shquote.POSIX("--zone=" + st.Extra["zone"])
		for _, r := range p.Del {
			fmt.Fprintf(&s, "firewall-cmd --permanent %s %s >/dev/null\n", z, firewalldArg("remove", r))
		}
		for _, r := range p.Add {
			fmt.Fprintf(&s, "firewall-cmd --permanent %s %s >/dev/null\n", z, firewalldArg("add", r))
		}
		s.WriteString("firewall-cmd --reload >/dev/null\n")
	case "nftables":
		script := nftScript(p.Final, comments)
		if p.Changed {
			fmt.Fprintf(&s, "printf '%%s' '%s' | base64 -d | nft -f -\n", b64(script))
		}
		if persist {
			fmt.Fprintf(&s, "mkdir -p %s\n", shquote.POSIX(strings.TrimSuffix(nftPersistFile, "/swarmbook.nft")))
			s.WriteString(posixWrite(shquote.POSIX(nftPersistFile+".tmp"), script) + "\n")
			fmt.Fprintf(&s, "mv -f %s %s\n", shquote.POSIX(nftPersistFile+".tmp"), shquote.POSIX(nftPersistFile))
			if st.Extra["include"] == "no" {
				fmt.Fprintf(&s, "printf '%%s\\n' %s >> %s\n",
					shquote.POSIX(`include "`+nftPersistFile+`"`), shquote.POSIX(nftConf))
			}
		}
	case "iptables":
		fmt.Fprintf(&s, "iptables -w -N %s 2>/dev/null || true\n", iptChain)
		fmt.Fprintf(&s, "iptables -w -C INPUT -j %s 2>/dev/null || iptables -w -I INPUT 1 -j %s\n", iptChain, iptChain)
		for _, r := range p.Del {
			fmt.Fprintf(&s, "iptables -w -D %s %s\n", iptChain, iptSpec(r, st.Rules[r.key()]))
		}
		for _, r := range p.Add {
			fmt.Fprintf(&s, "iptables -w -A %s %s\n", iptChain, iptSpec(r, comments[r.key()]))
		}
		if persist && st.Extra["persistdir"] == "yes" {
			fmt.Fprintf(&s, "iptables-save > %s/rules.v4.tmp && mv -f %s/rules.v4.tmp %s/rules.v4\n", iptRulesDir, iptRulesDir, iptRulesDir)
		}
	}
	return s.String()
}

func (firewallModule) runPOSIX(ctx context.Context, t *modules.Target, args modules.Args, want []fwRule, present bool, comment string) (modules.Outcome, error) {
	res, err := run(ctx, t, fwReadPOSIX(args.Str("backend"), args.Str("zone")))
	if err != nil {
		return modules.Outcome{}, err
	}
	if res.ExitCode != 0 {
		return scriptFailure(modules.Outcome{}, res, "reading the firewall state"), nil
	}
	f := parseFacts(res.Stdout)
	st, err := parseFwPOSIX(f)
	if err != nil {
		return failed(err.Error())
	}
	if !present {
		port, how := mgmtPort(t.Vars, f.get("ssh_connection"))
		var closing []fwRule
		for _, r := range want {
			if _, ok := st.Rules[r.key()]; ok {
				closing = append(closing, r)
			}
		}
		if err := refuseClose(closing, port, how); err != nil {
			return failed(err.Error())
		}
	}
	if st.Backend == "iptables" {
		for _, r := range want {
			if isV6(r.Source) {
				return failed("the iptables backend manages IPv4 only; use nftables for an IPv6 source")
			}
		}
	}
	p := decideFirewall(want, st, present)
	comments := map[string]string{}
	for k, c := range st.Rules {
		comments[k] = c
	}
	for _, r := range p.Add {
		comments[r.key()] = fullComment(r, comment)
	}
	persist := args.Bool("persist") && persistNeeded(st, p, comments)
	if st.Backend == "iptables" && st.Extra["jump"] != "yes" && len(p.Final) > 0 {
		p.Changed = true
	}
	if persist {
		p.Changed = true
	}
	out := fwOutcome(t, st.Backend, st, p, want)
	if !p.Changed || t.Check {
		return out, nil
	}
	ares, err := run(ctx, t, fwApplyPOSIX(st, p, comments, persist))
	if err != nil {
		return modules.Outcome{}, err
	}
	if ares.ExitCode != 0 {
		return scriptFailure(out, ares, "changing the firewall ("+st.Backend+")"), nil
	}
	return out, nil
}
