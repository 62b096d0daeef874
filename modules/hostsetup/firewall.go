package hostsetup

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/swarmbook/swarmbook/modules"
)

// firewallModule opens or closes ports in the host firewall. The backend is
// detected on the host (ufw if active, firewalld if running, nftables,
// iptables; Windows Defender Firewall on Windows) or forced with backend=.
type firewallModule struct{}

func (firewallModule) Spec() modules.Spec {
	return modules.Spec{
		NeedsVars: true,
		Params: []modules.Param{
			{Name: "port", Kind: modules.KindStr},
			{Name: "proto", Kind: modules.KindStr, Default: "tcp", Choices: []string{"tcp", "udp", "both", "esp"}, Aliases: []string{"protocol"}},
			{Name: "source", Kind: modules.KindStr, Aliases: []string{"src", "from"}},
			{Name: "state", Kind: modules.KindStr, Default: "present", Choices: []string{"present", "absent"}},
			{Name: "comment", Kind: modules.KindStr},
			{Name: "preset", Kind: modules.KindStr, Choices: []string{"swarm"}},
			{Name: "role", Kind: modules.KindStr, Choices: []string{"manager", "worker"}},
			{Name: "esp", Kind: modules.KindBool, Default: false},
			{Name: "backend", Kind: modules.KindStr, Default: "auto",
				Choices: []string{"auto", "ufw", "firewalld", "nftables", "iptables", "windows"}},
			{Name: "zone", Kind: modules.KindStr},
			{Name: "persist", Kind: modules.KindBool, Default: true},
		},
		RequiredOneOf: [][]string{{"port", "preset", "esp"}},
	}
}

// fwRule is one allow rule: a port (or range "a-b") and protocol, from an
// optional source prefix. Proto "esp" (IP protocol 50) has no port.
type fwRule struct {
	Proto  string
	Port   string
	Source string
}

// key is the rule's stable name, used as the nftables/iptables comment, the
// ufw comment and the Windows DisplayName ("swarmbook 2377/tcp").
func (r fwRule) key() string {
	k := "swarmbook "
	if r.Proto == "esp" {
		k += "esp"
	} else {
		k += r.Port + "/" + r.Proto
	}
	if r.Source != "" {
		k += " from " + r.Source
	}
	return k
}

// parseRuleKey parses a key written by key (ignoring a " - comment" tail).
func parseRuleKey(s string) (fwRule, bool) {
	s, _, _ = strings.Cut(s, " - ")
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), "swarmbook ")
	if !ok {
		return fwRule{}, false
	}
	var r fwRule
	if spec, src, ok := strings.Cut(rest, " from "); ok {
		p, err := normSource(src)
		if err != nil {
			return fwRule{}, false
		}
		rest, r.Source = spec, p
	}
	if rest == "esp" {
		r.Proto = "esp"
		return r, true
	}
	port, proto, ok := strings.Cut(rest, "/")
	if !ok || (proto != "tcp" && proto != "udp") {
		return fwRule{}, false
	}
	np, err := normPort(port)
	if err != nil {
		return fwRule{}, false
	}
	r.Port, r.Proto = np, proto
	return r, true
}

// normPort validates a port or range ("80", "8000-8010", "8000:8010") and
// returns it as "a" or "a-b".
func normPort(p string) (string, error) {
	p = strings.TrimSpace(p)
	a, b, isRange := strings.Cut(strings.ReplaceAll(p, ":", "-"), "-")
	lo, err := strconv.Atoi(a)
	if err != nil || lo < 1 || lo > 65535 {
		return "", fmt.Errorf("invalid port %q: want 1-65535 or a range a-b", p)
	}
	if !isRange {
		return strconv.Itoa(lo), nil
	}
	hi, err := strconv.Atoi(b)
	if err != nil || hi < lo || hi > 65535 {
		return "", fmt.Errorf("invalid port range %q", p)
	}
	return fmt.Sprintf("%d-%d", lo, hi), nil
}

// normSource validates an address or CIDR and returns its canonical prefix
// ("10.0.0.0/8"; a bare address becomes /32 or /128). "any" and the
// all-addresses prefixes become "".
func normSource(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "any", "0.0.0.0/0", "::/0":
		return "", nil
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked().String(), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return netip.PrefixFrom(a, a.BitLen()).String(), nil
	}
	return "", fmt.Errorf("invalid source %q: want an address or CIDR", s)
}

// portRange returns the bounds of a normalised port.
func portRange(p string) (int, int) {
	a, b, ok := strings.Cut(p, "-")
	lo, _ := strconv.Atoi(a)
	if !ok {
		return lo, lo
	}
	hi, _ := strconv.Atoi(b)
	return lo, hi
}

// isManager decides whether the host is a swarm manager: role= wins, else
// membership of the swarm-manager (or swarm-leader) group.
func isManager(role string, vars map[string]any) bool {
	if role != "" {
		return role == "manager"
	}
	groups, _ := vars["group_names"].([]any)
	for _, g := range groups {
		if s, _ := g.(string); s == "swarm-manager" || s == "swarm-leader" || s == "swarm-managers" {
			return true
		}
	}
	if gs, ok := vars["group_names"].([]string); ok {
		for _, s := range gs {
			if s == "swarm-manager" || s == "swarm-leader" || s == "swarm-managers" {
				return true
			}
		}
	}
	return false
}

// wantedRules computes the rules the task names.
func wantedRules(args modules.Args, vars map[string]any) ([]fwRule, error) {
	src, err := normSource(args.Str("source"))
	if err != nil {
		return nil, err
	}
	var rules []fwRule
	if args.Str("preset") == "swarm" {
		if isManager(args.Str("role"), vars) {
			rules = append(rules, fwRule{Proto: "tcp", Port: "2377"})
		}
		rules = append(rules, fwRule{Proto: "tcp", Port: "7946"}, fwRule{Proto: "udp", Port: "7946"},
			fwRule{Proto: "udp", Port: "4789"})
	}
	if args.Has("port") {
		port, err := normPort(args.Str("port"))
		if err != nil {
			return nil, err
		}
		switch proto := args.Str("proto"); proto {
		case "both":
			rules = append(rules, fwRule{Proto: "tcp", Port: port}, fwRule{Proto: "udp", Port: port})
		case "esp":
			return nil, fmt.Errorf("proto esp takes no port")
		default:
			rules = append(rules, fwRule{Proto: proto, Port: port})
		}
	} else if args.Str("proto") == "esp" {
		rules = append(rules, fwRule{Proto: "esp"})
	}
	if args.Bool("esp") {
		rules = append(rules, fwRule{Proto: "esp"})
	}
	seen := map[string]bool{}
	var out []fwRule
	for _, r := range rules {
		r.Source = src
		if !seen[r.key()] {
			seen[r.key()] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// mgmtPort is the TCP port of the connection this run uses to reach the
// host (0 for a local connection), and how it was found.
func mgmtPort(vars map[string]any, sshConnection string) (int, string) {
	conn, _ := vars["ansible_connection"].(string)
	if conn == "local" {
		return 0, ""
	}
	for _, k := range []string{"ansible_port", "ansible_ssh_port"} {
		if v, ok := vars[k]; ok && v != nil {
			if p, err := strconv.Atoi(strings.TrimSpace(modules.PyStr(v))); err == nil && p > 0 {
				return p, k + "=" + strconv.Itoa(p)
			}
		}
	}
	if conn == "winrm" || conn == "psrp" {
		if s, _ := vars["ansible_winrm_scheme"].(string); s == "http" {
			return 5985, "the WinRM default port 5985"
		}
		return 5986, "the WinRM default port 5986"
	}
	// SSH_CONNECTION = "client_ip client_port server_ip server_port"
	if f := strings.Fields(sshConnection); len(f) == 4 {
		if p, err := strconv.Atoi(f[3]); err == nil {
			return p, "SSH_CONNECTION on the host"
		}
	}
	return 22, "the SSH default port 22"
}

// refuseClose returns an error when removing rules would close the port of
// the connection in use.
func refuseClose(rules []fwRule, port int, how string) error {
	if port == 0 {
		return nil
	}
	for _, r := range rules {
		if r.Proto != "tcp" {
			continue
		}
		if lo, hi := portRange(r.Port); port >= lo && port <= hi {
			return fmt.Errorf("refusing to close %s/tcp: it is the port of the connection this run uses (%s); closing it would lock the run out of the host",
				r.Port, how)
		}
	}
	return nil
}

// fwState is the firewall as read from the host, in backend-neutral terms.
type fwState struct {
	Backend string
	// Rules maps each swarmbook rule key present on the host to its full
	// comment/description.
	Rules map[string]string
	// Bad lists keys whose live rule differs from what the key means
	// (Windows: disabled, wrong port, duplicates); they are recreated.
	Bad map[string]bool
	// Persisted is false when the persistent copy (nftables file and
	// include, iptables jump) is missing or stale; Persist holds the
	// current persisted content for comparison.
	PersistOK bool
	Extra     map[string]string // backend-specific details (iptables jump ...)
}

// fwPlan is the decision: rules to add and remove, and the full set after.
type fwPlan struct {
	Add, Del []fwRule
	Final    []fwRule
	Changed  bool
}

// decide computes the plan from the wanted rules, the state and the task's
// state (present/absent).
func decideFirewall(want []fwRule, st fwState, present bool) fwPlan {
	var p fwPlan
	final := map[string]fwRule{}
	for k := range st.Rules {
		if r, ok := parseRuleKey(k); ok {
			final[k] = r
		}
	}
	for _, r := range want {
		k := r.key()
		_, have := st.Rules[k]
		switch {
		case present && (!have || st.Bad[k]):
			if have {
				p.Del = append(p.Del, r)
			}
			p.Add = append(p.Add, r)
			final[k] = r
		case !present && have:
			p.Del = append(p.Del, r)
			delete(final, k)
		}
	}
	for _, r := range final {
		p.Final = append(p.Final, r)
	}
	sortRules(p.Final)
	p.Changed = len(p.Add)+len(p.Del) > 0
	return p
}

func sortRules(rs []fwRule) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].key() < rs[j].key() })
}

func ruleKeys(rs []fwRule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.key()
	}
	return out
}

// cleanComment makes a user comment safe for every backend: one line, no
// quotes, at most 64 characters.
func cleanComment(c string) string {
	c = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\'' || r == '\\' || r == '`' || r == '$' {
			return ' '
		}
		return r
	}, c)
	c = strings.Join(strings.Fields(c), " ")
	if len(c) > 64 {
		c = c[:64]
	}
	return c
}

func (m firewallModule) Run(ctx context.Context, t *modules.Target, args modules.Args) (modules.Outcome, error) {
	args = withDefaults(args, m.Spec())
	want, err := wantedRules(args, t.Vars)
	if err != nil {
		return failed(err.Error())
	}
	if len(want) == 0 {
		return failed("no rule to manage: give port, proto: esp, esp: true or preset: swarm")
	}
	present := args.Str("state") == "present"
	comment := cleanComment(args.Str("comment"))
	if windows(t) {
		return m.runWindows(ctx, t, args, want, present, comment)
	}
	return m.runPOSIX(ctx, t, args, want, present, comment)
}

// fwOutcome builds the common result of both dialects.
func fwOutcome(t *modules.Target, backend string, st fwState, p fwPlan, want []fwRule) modules.Outcome {
	before := make([]string, 0, len(st.Rules))
	for k := range st.Rules {
		before = append(before, k)
	}
	sort.Strings(before)
	out := modules.Outcome{Changed: p.Changed, Fields: map[string]any{
		"backend": backend,
		"rules":   anyStrings(ruleKeys(want)),
		"added":   anyStrings(ruleKeys(p.Add)),
		"removed": anyStrings(ruleKeys(p.Del)),
	}}
	if t.Diff && p.Changed {
		after := ruleKeys(p.Final)
		out.Diffs = []modules.Diff{{
			BeforeHeader: "firewall (" + backend + ")", AfterHeader: "firewall (" + backend + ")",
			Before: joinLines(before), After: joinLines(after),
		}}
	}
	return out
}

func joinLines(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return strings.Join(ss, "\n") + "\n"
}
