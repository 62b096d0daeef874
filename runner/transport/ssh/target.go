package ssh

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/swarmbook/swarmbook/runner/transport"
)

// target is one host's fully resolved connection settings.
type target struct {
	name           string // inventory name, for messages
	alias          string // the name looked up in the ssh config
	host           string // HostName
	port           int
	user           string
	password       string
	identities     []string // private key files, expanded
	identitiesOnly bool
	knownHosts     []string
	strict         string // yes, no, accept-new
	timeout        time.Duration
	alive          time.Duration
	jumps          []*target // outermost first
}

func (t *target) addr() string { return net.JoinHostPort(t.host, strconv.Itoa(t.port)) }

// key identifies a connection: user, address and the jump chain.
func (t *target) key() string {
	k := t.user + "@" + t.addr()
	for i := len(t.jumps) - 1; i >= 0; i-- {
		k += " via " + t.jumps[i].user + "@" + t.jumps[i].addr()
	}
	return k
}

// resolver turns Endpoints into targets.
type resolver struct {
	opts   *Options
	config *configFiles
	inJump bool // resolving a jump host: its own ProxyJump to itself is ignored
}

func (r *resolver) resolve(ep transport.Endpoint) (*target, error) {
	v := ep.Vars
	var a sshArgs
	for _, line := range []string{r.opts.SSHArgs, str(v, "ansible_ssh_common_args"), str(v, "ansible_ssh_extra_args")} {
		if err := parseArgs(&a, line); err != nil {
			return nil, err
		}
	}
	alias := str(v, "ansible_host", "ansible_ssh_host")
	if alias == "" {
		alias = ep.Name
	}
	cfgFile := a.configFile
	if cfgFile == "" {
		cfgFile = r.opts.SSHConfigFile
	}
	cfg, err := r.config.lookup(cfgFile, a.configFile != "" || r.opts.SSHConfigFile != "")
	if err != nil {
		return nil, err
	}
	t := &target{name: ep.Name, alias: alias}
	get := func(key string) string {
		if o, ok := a.options[strings.ToLower(key)]; ok {
			return o
		}
		return cfg.get(alias, key)
	}

	t.host = firstOf(get("HostName"), alias)
	t.host = strings.ReplaceAll(t.host, "%h", alias)

	portStr := firstOf(str(v, "ansible_port", "ansible_ssh_port"), itoa(a.port), a.options["port"], itoa(r.opts.RemotePort), cfg.get(alias, "Port"), "22")
	if t.port, err = strconv.Atoi(portStr); err != nil || t.port <= 0 || t.port > 65535 {
		return nil, fmt.Errorf("ssh: %s: port %q is not valid", ep.Name, portStr)
	}
	t.user = firstOf(str(v, "ansible_user", "ansible_ssh_user"), r.opts.RemoteUser, a.user, get("User"), r.localUser())
	t.password = firstOf(str(v, "ansible_password", "ansible_ssh_pass", "ansible_ssh_password"), r.opts.Password)

	var ids []string
	ids = append(ids, str(v, "ansible_ssh_private_key_file", "ansible_private_key_file"), r.opts.PrivateKeyFile)
	ids = append(ids, a.identities...)
	ids = append(ids, cfg.getAll(alias, "IdentityFile")...)
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" {
			t.identities = append(t.identities, r.expand(id, t))
		}
	}
	t.identitiesOnly = strings.EqualFold(get("IdentitiesOnly"), "yes")

	if f := str(v, "ansible_ssh_known_hosts_file"); f != "" {
		t.knownHosts = []string{r.expand(f, t)}
	} else if f := get("UserKnownHostsFile"); f != "" {
		for _, p := range strings.Fields(f) {
			t.knownHosts = append(t.knownHosts, r.expand(p, t))
		}
	} else {
		t.knownHosts = []string{r.expand("~/.ssh/known_hosts", t), r.expand("~/.ssh/known_hosts2", t)}
	}

	t.strict = strictness(get("StrictHostKeyChecking"))
	if !r.hostKeyChecking(v) {
		t.strict = "no"
	}

	if s := str(v, "ansible_ssh_timeout", "ansible_timeout"); s != "" {
		t.timeout, err = seconds(s)
	} else if s := a.options["connecttimeout"]; s != "" {
		t.timeout, err = seconds(s)
	} else if r.opts.Timeout > 0 {
		t.timeout = r.opts.Timeout
	} else if s := cfg.get(alias, "ConnectTimeout"); s != "" {
		t.timeout, err = seconds(s)
	} else {
		t.timeout = 10 * time.Second
	}
	if err != nil {
		return nil, fmt.Errorf("ssh: %s: connect timeout: %w", ep.Name, err)
	}
	t.alive = 15 * time.Second
	if s := get("ServerAliveInterval"); s != "" {
		if t.alive, err = seconds(s); err != nil {
			return nil, fmt.Errorf("ssh: %s: ServerAliveInterval: %w", ep.Name, err)
		}
	}

	// Command-line options come first, then the config file; ProxyJump and
	// ProxyCommand exclude each other, the first one found wins.
	jump := firstOf(a.jump, a.options["proxyjump"])
	pc := a.options["proxycommand"]
	if jump == "" && pc == "" {
		jump, pc = cfg.get(alias, "ProxyJump"), ""
		if jump == "" {
			pc = cfg.get(alias, "ProxyCommand")
		}
	}
	if jump == "" && pc != "" && !strings.EqualFold(pc, "none") {
		if jump, err = proxyCommandJump(pc); err != nil {
			return nil, fmt.Errorf("ssh: %s: %w", ep.Name, err)
		}
	}
	if jump != "" && !strings.EqualFold(jump, "none") {
		for _, hop := range strings.Split(jump, ",") {
			if r.inJump && jumpAlias(hop) == alias {
				continue // `Host *` ProxyJump applied to the jump host itself
			}
			jt, err := r.resolveJump(strings.TrimSpace(hop), cfg)
			if err != nil {
				return nil, fmt.Errorf("ssh: %s: jump host %q: %w", ep.Name, hop, err)
			}
			t.jumps = append(t.jumps, jt)
		}
	}
	return t, nil
}

// resolveJump resolves one ProxyJump hop ([user@]host[:port]) through the
// same ssh config, as OpenSSH does.
func (r *resolver) resolveJump(hop string, cfg *configSet) (*target, error) {
	user, hostport, hasUser := strings.Cut(hop, "@")
	if !hasUser {
		hostport, user = user, ""
	}
	host, port := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	}
	ep := transport.Endpoint{Name: host, Vars: map[string]any{}}
	if user != "" {
		ep.Vars["ansible_user"] = user
	}
	if port != "" {
		ep.Vars["ansible_port"] = port
	}
	sub := &resolver{opts: &Options{
		SSHConfigFile: cfg.path, Timeout: r.opts.Timeout, HostKeyChecking: r.opts.HostKeyChecking,
		Home: r.opts.Home, LocalUser: r.opts.LocalUser, Getenv: r.opts.Getenv,
	}, config: r.config, inJump: true}
	if r.inJump {
		return nil, fmt.Errorf("nested ProxyJump in a jump host is not supported; list the hops in one ProxyJump")
	}
	t, err := sub.resolve(ep)
	if err != nil {
		return nil, err
	}
	if len(t.jumps) > 0 {
		return nil, fmt.Errorf("nested ProxyJump in a jump host is not supported; list the hops in one ProxyJump")
	}
	return t, nil
}

// proxyCommandJump understands the common `ssh -W %h:%p [opts] [user@]host`
// ProxyCommand and turns it into a jump.
func proxyCommandJump(pc string) (string, error) {
	words, err := splitWords(pc)
	if err != nil || len(words) < 2 || filepath.Base(words[0]) != "ssh" {
		return "", fmt.Errorf("ProxyCommand %q is not supported; use ProxyJump", pc)
	}
	var host, user, port string
	for i := 1; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "-W" || w == "-o" || w == "-i" || w == "-F":
			i++
		case w == "-p" && i+1 < len(words):
			i++
			port = words[i]
		case w == "-l" && i+1 < len(words):
			i++
			user = words[i]
		case strings.HasPrefix(w, "-"):
		default:
			host = w
		}
	}
	if host == "" || !strings.Contains(pc, "-W") {
		return "", fmt.Errorf("ProxyCommand %q is not supported; use ProxyJump", pc)
	}
	if user != "" && !strings.Contains(host, "@") {
		host = user + "@" + host
	}
	if port != "" {
		host += ":" + port
	}
	return host, nil
}

func (r *resolver) hostKeyChecking(v map[string]any) bool {
	if s := str(v, "ansible_host_key_checking", "ansible_ssh_host_key_checking"); s != "" {
		return truthy(s)
	}
	if r.opts.HostKeyChecking != nil {
		return *r.opts.HostKeyChecking
	}
	if s, ok := r.getenv("ANSIBLE_HOST_KEY_CHECKING"); ok {
		return truthy(s)
	}
	return true
}

func strictness(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "no", "off", "false":
		return "no"
	case "accept-new":
		return "accept-new"
	}
	return "yes" // yes, ask (no one to ask) and unset
}

// expand handles ~ and the %d %u %h %r %p %% tokens of OpenSSH paths.
func (r *resolver) expand(p string, t *target) string {
	home := r.home()
	if p == "~" || strings.HasPrefix(p, "~/") {
		p = home + p[1:]
	}
	if strings.Contains(p, "%") {
		p = strings.NewReplacer("%%", "%", "%d", home, "%u", r.localUser(), "%h", t.host,
			"%r", t.user, "%p", strconv.Itoa(t.port), "%n", t.alias).Replace(p)
	}
	return p
}

func str(v map[string]any, keys ...string) string {
	for _, k := range keys {
		if x, ok := v[k]; ok && x != nil {
			s := strings.TrimSpace(fmt.Sprint(x))
			if s != "" {
				return s
			}
		}
	}
	return ""
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "yes", "y", "true", "t", "on":
		return true
	}
	return false
}

func seconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q is not a number of seconds", s)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// jumpAlias is the host part of a [user@]host[:port] hop.
func jumpAlias(hop string) string {
	hop = strings.TrimSpace(hop)
	if _, h, ok := strings.Cut(hop, "@"); ok {
		hop = h
	}
	if h, _, err := net.SplitHostPort(hop); err == nil {
		return h
	}
	return hop
}
