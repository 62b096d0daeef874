package inventory

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// addressPatterns are Ansible's parsing/utils/addresses.py expressions,
// translated to RE2. Python's Unicode \w is [\p{L}\p{N}_]; the label's
// "(?<![_-])" look-behind becomes "the last element is not _ or -".
type addressPatterns struct {
	bracketedHostPort, hostPort, ipv4, ipv6, hostname *regexp.Regexp
}

func newAddressPatterns() *addressPatterns {
	const (
		numericRange  = `\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`
		hexRange      = `\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`
		alnumRange    = `\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`
		ipv6Component = `(?:[0-9a-f]{1,4}|` + hexRange + `)`
		ipv4Component = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|` + numericRange + `)`
		word          = `[\p{L}\p{N}_]`
		wordNoUnder   = `[\p{L}\p{N}]`
		elem          = `(?:` + word + `|` + alnumRange + `)`
		mid           = `(?:[\p{L}\p{N}_-]|` + alnumRange + `)`
		last          = `(?:` + wordNoUnder + `|` + alnumRange + `)`
		label         = `(?:` + last + `|` + elem + mid + `*` + last + `)`
	)
	c := ipv6Component
	// Python's pattern is "^alt1|alt2|...|altN$": only the last alternative
	// is anchored at the end (re.match anchors every one at the start).
	ipv6Alts := []string{
		`(?:` + c + `:){7}` + c,
		`(?:` + c + `:){1,6}:`,
		`(?:` + c + `:)(?::` + c + `){1,6}`,
		`(?:` + c + `:){2}(?::` + c + `){1,5}`,
		`(?:` + c + `:){3}(?::` + c + `){1,4}`,
		`(?:` + c + `:){4}(?::` + c + `){1,3}`,
		`(?:` + c + `:){5}(?::` + c + `){1,2}`,
		`(?:` + c + `:){6}(?::` + c + `)`,
		`:(?::` + c + `){1,6}`,
		c + `?::`,
		`(?:0:){6}(?:` + c + `\.){3}` + c,
		`::(?:ffff:)?(?:` + c + `\.){3}` + c,
		`(?:0:){5}ffff:(?:` + c + `\.){3}` + c + `$`,
	}
	return &addressPatterns{
		bracketedHostPort: regexp.MustCompile(`^\[(.+)\]:([0-9]+)$`),
		hostPort:          regexp.MustCompile(`^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$`),
		ipv4:              regexp.MustCompile(`(?i)^(?:` + ipv4Component + `\.){3}` + ipv4Component + `$`),
		ipv6:              regexp.MustCompile(`(?i)^(?:` + strings.Join(ipv6Alts, "|") + `)`),
		hostname:          regexp.MustCompile(`(?i)^` + label + `(?:\.` + label + `)*$`),
	}
}

// parseAddress is Ansible's parse_address(address, allow_ranges=True): it
// splits an optional :port off and checks that the rest is an IPv4 or IPv6
// address or a host name, any of which may hold [x:y] ranges.
func (p *addressPatterns) parseAddress(address string) (host string, port int, err error) {
	port = -1
	for _, re := range []*regexp.Regexp{p.bracketedHostPort, p.hostPort} {
		if m := re.FindStringSubmatch(address); m != nil {
			address = m[1]
			n, perr := strconv.Atoi(m[2])
			if perr != nil {
				return "", -1, fmt.Errorf("invalid port in %q", address)
			}
			port = n
		}
	}
	if p.ipv4.MatchString(address) || p.ipv6.MatchString(address) || p.hostname.MatchString(address) {
		return address, port, nil
	}
	return "", -1, fmt.Errorf("not a valid network hostname: %s", address)
}

// expandHostPattern is BaseInventoryPlugin._expand_hostpattern: the host
// names a pattern stands for and the port that applies to all of them
// (-1 when none).
func (p *addressPatterns) expandHostPattern(pattern string) ([]string, int, error) {
	name, port, err := p.parseAddress(pattern)
	if err != nil {
		name, port = pattern, -1
	}
	if !strings.Contains(name, "[") {
		return []string{name}, port, nil
	}
	names, err := expandHostnameRange(name, 0)
	return names, port, err
}

// maxRangeHosts bounds what one host range may expand to.
const maxRangeHosts = 100000

var errRangeTooLarge = errors.New("host range expands to too many hosts")

const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// expandHostnameRange is Ansible's expand_hostname_range: the first
// [beg:end(:step)] is expanded, then the results again until no "[" is left.
func expandHostnameRange(line string, count int) ([]string, error) {
	if line == "" {
		return nil, nil
	}
	s := strings.Replace(strings.Replace(line, "[", "|", 1), "]", "|", 1)
	parts := strings.Split(s, "|")
	if len(parts) != 3 {
		return nil, fmt.Errorf("invalid host range in %q", line)
	}
	head, nrange, tail := parts[0], parts[1], parts[2]
	bounds := strings.Split(nrange, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return nil, errors.New("host range must be begin:end or begin:end:step")
	}
	beg, end, stepS := bounds[0], bounds[1], "1"
	if len(bounds) == 3 {
		stepS = bounds[2]
	}
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return nil, errors.New("host range must specify end value")
	}
	width := 0
	if beg[0] == '0' && len(beg) > 1 {
		width = len(beg)
		if width != len(end) {
			return nil, errors.New("host range must specify equal-length begin and end formats")
		}
	}
	step, stepErr := pyInt(stepS)
	var seq []string
	iBeg, iEnd := strings.Index(asciiLetters, beg), strings.Index(asciiLetters, end)
	if iBeg >= 0 && iEnd >= 0 && stepErr == nil && step != 0 {
		if iBeg > iEnd {
			return nil, errors.New("host range must have begin <= end")
		}
		if step > 0 {
			for i := iBeg; i <= iEnd && i < len(asciiLetters); i += step {
				seq = append(seq, asciiLetters[i:i+1])
			}
		} // a negative step over an ascending slice is empty
	} else {
		b, err1 := pyInt(beg)
		e, err2 := pyInt(end)
		if err := errors.Join(err1, err2, stepErr); err != nil {
			return nil, fmt.Errorf("invalid host range %q: %w", "["+nrange+"]", err)
		}
		if step == 0 {
			return nil, errors.New("host range step must not be zero")
		}
		n := 0
		if step > 0 && e+1 > b {
			n = (e - b + step) / step
		} else if step < 0 && e+1 < b {
			n = (b - e - 1 - step - 1) / -step
		}
		if n+count > maxRangeHosts {
			return nil, errRangeTooLarge
		}
		for i := 0; i < n; i++ {
			v := strconv.Itoa(b + i*step)
			if width > 0 {
				v = zfill(v, width)
			}
			seq = append(seq, v)
		}
	}
	var out []string
	for _, r := range seq {
		name := head + r + tail
		if strings.Contains(name, "[") {
			more, err := expandHostnameRange(name, count+len(out))
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		} else {
			out = append(out, name)
		}
		if count+len(out) > maxRangeHosts {
			return nil, errRangeTooLarge
		}
	}
	return out, nil
}

// zfill is Python's str.zfill.
func zfill(s string, width int) string {
	if len(s) >= width {
		return s
	}
	sign := ""
	if s != "" && (s[0] == '-' || s[0] == '+') {
		sign, s = s[:1], s[1:]
	}
	return sign + strings.Repeat("0", width-len(sign)-len(s)) + s
}

// pyInt is Python's int(str) for the forms a range bound can take.
func pyInt(s string) (int, error) {
	t := strings.TrimSpace(s)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" || t[0] < '0' || t[0] > '9' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return 0, fmt.Errorf("invalid literal for int(): %q", s)
	}
	n, err := strconv.Atoi(strings.ReplaceAll(t, "_", ""))
	if err != nil || n > 1<<40 {
		return 0, fmt.Errorf("invalid literal for int(): %q", s)
	}
	if neg {
		n = -n
	}
	return n, nil
}
