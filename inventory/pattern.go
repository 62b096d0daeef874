package inventory

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var (
	patternWithSubscript = regexp.MustCompile(`^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$`)
	colonPatterns        = regexp.MustCompile(`(?:[^` + pySpace + `:\[\]]|\[[^\]]*\])+`)
)

// Select returns the hosts a host pattern selects, in inventory order,
// restricted by SetLimit. Patterns are Ansible's: names and globs of hosts
// or groups (all, *, web*, *.example.com), ~regex, unions (a:b, a,b),
// intersections (a:&b) and exclusions (a:!b) applied in that order, and
// subscripts (g[0], g[-1], g[1:], g[0:2]). A pattern that matches nothing
// gives an empty list; invalid regexes and out-of-range subscripts are
// errors. The name localhost selects an implicit localhost when the
// inventory has none.
func (inv *Inventory) Select(pattern string) ([]*Host, error) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if hs, ok := inv.selected[pattern]; ok {
		return slices.Clone(hs), nil
	}
	hosts, err := inv.selectLocked(pattern)
	if err != nil {
		return nil, err
	}
	inv.selected[pattern] = hosts
	return slices.Clone(hosts), nil
}

func (inv *Inventory) selectLocked(pattern string) ([]*Host, error) {
	hosts, err := inv.evaluate(inv.splitHostPattern(pattern))
	if err != nil {
		return nil, err
	}
	if inv.limit != nil {
		subset, err := inv.evaluate(inv.limit)
		if err != nil {
			return nil, fmt.Errorf("limit: %w", err)
		}
		in := make(map[*Host]bool, len(subset))
		for _, h := range subset {
			in[h] = true
		}
		kept := hosts[:0]
		for _, h := range hosts {
			if in[h] {
				kept = append(kept, h)
			}
		}
		hosts = kept
	}
	return hosts, nil
}

// SetLimit restricts every later Select to the hosts pattern selects, as
// --limit does. "@file" reads names (one a line) from file; "" removes
// the limit.
func (inv *Inventory) SetLimit(pattern string) error {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var out []string
	for _, p := range inv.splitHostPattern(pattern) {
		if strings.HasPrefix(p, "@") {
			fi, err := os.Stat(p[1:])
			if err != nil {
				return fmt.Errorf("unable to find limit file %s", p[1:])
			}
			if fi.IsDir() {
				return fmt.Errorf("limit starting with \"@\" must be a file, not a directory: %s", p[1:])
			}
			data, err := os.ReadFile(p[1:])
			if err != nil {
				return fmt.Errorf("limit file: %w", err)
			}
			for _, l := range strings.Split(string(data), "\n") {
				out = append(out, pyStrip(l))
			}
			continue
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		out = nil
	}
	inv.limit = out
	clear(inv.selected)
	return nil
}

// splitHostPattern is Ansible's split_host_pattern: commas separate
// patterns; without commas a single address (IPv6, host[1:3]) stays
// whole, else colons separate.
func (inv *Inventory) splitHostPattern(pattern string) []string {
	var parts []string
	if strings.Contains(pattern, ",") {
		parts = strings.Split(pattern, ",")
	} else if _, _, err := inv.addressPatterns().parseAddress(pattern); err == nil {
		parts = []string{pattern}
	} else {
		parts = colonPatterns.FindAllString(pattern, -1)
	}
	out := parts[:0]
	for _, p := range parts {
		if p = pyStrip(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// evaluate is _evaluate_patterns: unions first, then intersections, then
// exclusions; the result is deduplicated in order.
func (inv *Inventory) evaluate(patterns []string) ([]*Host, error) {
	var regular, inter, excl []string
	for _, p := range patterns {
		switch {
		case p == "":
		case p[0] == '!':
			excl = append(excl, p)
		case p[0] == '&':
			inter = append(inter, p)
		default:
			regular = append(regular, p)
		}
	}
	if len(regular) == 0 {
		regular = []string{"all"}
	}
	var hosts []*Host
	seen := map[*Host]bool{}
	for _, p := range regular {
		if h, ok := inv.hosts[p]; ok {
			if !seen[h] {
				seen[h] = true
				hosts = append(hosts, h)
			}
			continue
		}
		that, err := inv.matchOne(p)
		if err != nil {
			return nil, err
		}
		for _, h := range that {
			if !seen[h] {
				seen[h] = true
				hosts = append(hosts, h)
			}
		}
	}
	for _, list := range [][]string{inter, excl} {
		for _, p := range list {
			that, err := inv.matchOne(p)
			if err != nil {
				return nil, err
			}
			set := make(map[*Host]bool, len(that))
			for _, h := range that {
				set[h] = true
			}
			keep := p[0] == '&'
			kept := hosts[:0]
			for _, h := range hosts {
				if set[h] == keep {
					kept = append(kept, h)
				}
			}
			hosts = kept
		}
	}
	if hosts == nil {
		hosts = []*Host{}
	}
	return hosts, nil
}

// matchOne resolves one pattern, ignoring a leading & or !.
func (inv *Inventory) matchOne(pattern string) ([]*Host, error) {
	if pattern[0] == '&' || pattern[0] == '!' {
		pattern = pattern[1:]
	}
	if pattern == "" {
		return nil, nil
	}
	expr, sub, hasSub := splitSubscript(pattern)
	hosts, err := inv.enumerate(expr)
	if err != nil {
		return nil, err
	}
	if !hasSub || len(hosts) == 0 {
		return hosts, nil
	}
	n := len(hosts)
	start, end := sub[0], sub[1]
	if end == 0 { // a single index (Python treats [x:0] the same way)
		i := start
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("no hosts matched the subscripted pattern '%s'", pattern)
		}
		return hosts[i : i+1], nil
	}
	if end == -1 {
		end = n - 1
	}
	lo, hi := min(start, n), min(end+1, n)
	if hi < lo {
		return []*Host{}, nil
	}
	return hosts[lo:hi], nil
}

// splitSubscript splits "expr[sub]" into expr and (start, end); end is 0
// for a single index and -1 for an open range. Regexes have none.
func splitSubscript(pattern string) (string, [2]int, bool) {
	if pattern[0] == '~' {
		return pattern, [2]int{}, false
	}
	m := patternWithSubscript.FindStringSubmatch(pattern)
	if m == nil {
		return pattern, [2]int{}, false
	}
	if m[2] != "" {
		i, err := strconv.Atoi(m[2])
		if err != nil {
			return pattern, [2]int{}, false
		}
		return m[1], [2]int{i, 0}, true
	}
	start, err := strconv.Atoi(m[3])
	if err != nil {
		return pattern, [2]int{}, false
	}
	end := -1
	if m[5] != "" {
		if end, err = strconv.Atoi(m[5]); err != nil {
			return pattern, [2]int{}, false
		}
	}
	return m[1], [2]int{start, end}, true
}

// enumerate is _enumerate_matches: hosts of every group whose name matches
// (all and ungrouped included), then, when no group matched or the pattern
// is a glob or regex, the hosts whose names match; finally the implicit
// localhost.
func (inv *Inventory) enumerate(pattern string) ([]*Host, error) {
	re, err := compileHostPattern(pattern)
	if err != nil {
		return nil, err
	}
	var out []*Host
	matchedGroup := false
	for _, g := range inv.groupList {
		if re.MatchString(g.name) {
			matchedGroup = true
			out = append(out, g.allHosts(inv.gen)...)
		}
	}
	if !matchedGroup || pattern[0] == '~' || strings.ContainsAny(pattern, ".?*[") {
		for _, h := range inv.hostOrder {
			if re.MatchString(h.Name) {
				out = append(out, h)
			}
		}
	}
	if len(out) == 0 && isLocalhostName(pattern) {
		if h, ok := inv.getHost(pattern); ok {
			out = append(out, h)
		}
	}
	return out, nil
}

// compileHostPattern compiles "~regex" (matched at the start, as Python's
// re.match) or a shell glob (matched whole, as fnmatch).
func compileHostPattern(pattern string) (*regexp.Regexp, error) {
	expr := ""
	if pattern[0] == '~' {
		expr = `^(?:` + pattern[1:] + `)`
	} else {
		expr = `^(?s:` + globToRegexp(pattern) + `)$`
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid host list pattern: %s", pattern)
	}
	return re, nil
}

// globToRegexp is Python's fnmatch.translate (without its \Z).
func globToRegexp(pat string) string {
	var b strings.Builder
	rs := []rune(pat)
	n := len(rs)
	for i := 0; i < n; {
		c := rs[i]
		i++
		switch c {
		case '*':
			for i < n && rs[i] == '*' {
				i++
			}
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := i
			if j < n && rs[j] == '!' {
				j++
			}
			if j < n && rs[j] == ']' {
				j++
			}
			for j < n && rs[j] != ']' {
				j++
			}
			if j >= n {
				b.WriteString(`\[`)
				continue
			}
			stuff := rs[i:j]
			i = j + 1
			switch {
			case len(stuff) == 1 && stuff[0] == '!':
				b.WriteString(".")
				continue
			}
			b.WriteByte('[')
			for k, r := range stuff {
				switch {
				case k == 0 && r == '!':
					b.WriteByte('^')
				case r == '\\' || r == '[' || r == ']' || (k == 0 && r == '^'):
					b.WriteByte('\\')
					b.WriteRune(r)
				default:
					b.WriteRune(r)
				}
			}
			b.WriteByte(']')
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}
