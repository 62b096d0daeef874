package template

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// compileRegex compiles a Python regular expression with RE2 (lookarounds
// and backreferences are not available).
func compileRegex(pattern string, ignorecase, multiline bool) (*regexp.Regexp, error) {
	flags := ""
	if ignorecase {
		flags += "i"
	}
	if multiline {
		flags += "m"
	}
	p := strings.ReplaceAll(pattern, `\Z`, `\z`)
	if flags != "" {
		p = "(?" + flags + ")" + p
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %s: %v", pyRepr(pattern), err)
	}
	return re, nil
}

// expandPyReplacement expands a Python re.sub replacement (\1, \g<1>, \g<name>, \n).
func expandPyReplacement(re *regexp.Regexp, repl string, src string, m []int) (string, error) {
	var b strings.Builder
	group := func(ref string) error {
		idx := -1
		if n, err := strconv.Atoi(ref); err == nil {
			idx = n
		} else {
			idx = re.SubexpIndex(ref)
		}
		if idx < 0 || idx > re.NumSubexp() {
			return fmt.Errorf("invalid group reference %s", ref)
		}
		if m[2*idx] >= 0 {
			b.WriteString(src[m[2*idx]:m[2*idx+1]])
		}
		return nil
	}
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '\\' || i+1 >= len(repl) {
			b.WriteByte(c)
			continue
		}
		n := repl[i+1]
		switch {
		case n >= '0' && n <= '9':
			j := i + 2
			if j < len(repl) && repl[j] >= '0' && repl[j] <= '9' {
				j++
			}
			if err := group(repl[i+1 : j]); err != nil {
				return "", err
			}
			i = j - 1
		case n == 'g':
			end := strings.IndexByte(repl[i:], '>')
			if i+2 >= len(repl) || repl[i+2] != '<' || end < 0 {
				return "", fmt.Errorf("missing group name")
			}
			if err := group(repl[i+3 : i+end]); err != nil {
				return "", err
			}
			i += end
		case n == 'n':
			b.WriteByte('\n')
			i++
		case n == 't':
			b.WriteByte('\t')
			i++
		case n == 'r':
			b.WriteByte('\r')
			i++
		case n == '\\':
			b.WriteByte('\\')
			i++
		default:
			b.WriteByte('\\')
			b.WriteByte(n)
			i++
		}
	}
	return b.String(), nil
}

func fRegexReplace(_ *run, v any, args []any, kw map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	pattern := argStr(args, kw, 0, "pattern", "")
	repl := argStr(args, kw, 1, "replacement", "")
	re, err := compileRegex(pattern, argBool(args, kw, 2, "ignorecase", false), argBool(args, kw, 3, "multiline", false))
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	last := 0
	prevEnd := -1
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		if m[0] == m[1] && m[0] == prevEnd {
			continue // Python skips an empty match adjacent to the previous one
		}
		b.WriteString(s[last:m[0]])
		x, err := expandPyReplacement(re, repl, s, m)
		if err != nil {
			return nil, err
		}
		b.WriteString(x)
		last, prevEnd = m[1], m[1]
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

func fRegexSearch(_ *run, v any, args []any, kw map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("regex_search expects a pattern")
	}
	re, err := compileRegex(pyStr(args[0]), argBool(nil, kw, -1, "ignorecase", false), argBool(nil, kw, -1, "multiline", false))
	if err != nil {
		return nil, err
	}
	var groups []string
	for _, a := range args[1:] {
		ref := pyStr(a)
		switch {
		case strings.HasPrefix(ref, `\g<`) && strings.HasSuffix(ref, ">"):
			groups = append(groups, ref[3:len(ref)-1])
		case strings.HasPrefix(ref, `\`):
			groups = append(groups, strings.TrimLeft(ref, `\`))
		default:
			return nil, fmt.Errorf("Unknown argument")
		}
	}
	m := re.FindStringSubmatchIndex(s)
	if m == nil {
		return nil, nil
	}
	if len(groups) == 0 {
		return s[m[0]:m[1]], nil
	}
	out := []any{}
	for _, g := range groups {
		idx, err := strconv.Atoi(g)
		if err != nil {
			idx = re.SubexpIndex(g)
		}
		if idx < 0 || idx > re.NumSubexp() {
			return nil, fmt.Errorf("no such group")
		}
		if m[2*idx] < 0 {
			out = append(out, nil)
		} else {
			out = append(out, s[m[2*idx]:m[2*idx+1]])
		}
	}
	return out, nil
}

func fRegexFindall(_ *run, v any, args []any, kw map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	re, err := compileRegex(argStr(args, kw, 0, "regex", ""), argBool(args, kw, 2, "ignorecase", false), argBool(args, kw, 1, "multiline", false))
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		switch re.NumSubexp() {
		case 0:
			out = append(out, m[0])
		case 1:
			out = append(out, m[1])
		default:
			out = append(out, strList(m[1:]))
		}
	}
	return out, nil
}

func fRegexEscape(_ *run, v any, args []any, kw map[string]any) (any, error) {
	s, err := toText(v)
	if err != nil {
		return nil, err
	}
	switch argStr(args, kw, 0, "re_type", "python") {
	case "python":
		var b strings.Builder
		for _, r := range s {
			if strings.ContainsRune("()[]{}?*+-|^$\\.&~# \t\n\r\v\f", r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		return b.String(), nil
	case "posix_basic":
		var b strings.Builder
		for _, r := range s {
			if strings.ContainsRune(`.[]\*^$`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		return b.String(), nil
	}
	return nil, fmt.Errorf("Invalid regex type")
}
