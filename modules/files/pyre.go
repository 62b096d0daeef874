package files

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Python's re syntax mostly coincides with Go's RE2 (Ansible compiles
// patterns on bytes, so \d, \w, \s are ASCII in both). pyRegexp translates
// the differences that have an RE2 equivalent and refuses the rest:
//   - \Z becomes \z, {,n} becomes {0,n}
//   - lookarounds (?= (?! (?<= (?<!, backreferences \1 and (?P=name),
//     conditionals (?(...)) and the verbose flag (?x) have no RE2 form and
//     are reported as unsupported.
func pyRegexp(pat string, flags string) (*regexp.Regexp, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case c == '\\' && i+1 < len(pat):
			n := pat[i+1]
			switch {
			case n == 'Z' && !inClass:
				b.WriteString(`\z`)
			case n >= '1' && n <= '9' && !inClass:
				return nil, fmt.Errorf("regular expression %q: backreferences are not supported", pat)
			default:
				b.WriteByte(c)
				b.WriteByte(n)
			}
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// a ']' right after '[' or '[^' is literal
			if i+1 < len(pat) && pat[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(pat) && pat[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
			continue
		case c == '(' && strings.HasPrefix(pat[i:], "(?"):
			rest := pat[i+2:]
			for _, bad := range []string{"=", "!", "<=", "<!", "P=", "(", "#"} {
				if strings.HasPrefix(rest, bad) {
					return nil, fmt.Errorf("regular expression %q: (?%s...) is not supported", pat, bad)
				}
			}
			if j := strings.IndexAny(rest, ":)"); j > 0 && strings.ContainsAny(rest[:j], "xLau") && !strings.HasPrefix(rest, "P<") {
				return nil, fmt.Errorf("regular expression %q: inline flag (?%s) is not supported", pat, rest[:j])
			}
		case c == '{' && strings.HasPrefix(pat[i:], "{,"):
			b.WriteString("{0,")
			i++
			continue
		}
		b.WriteByte(c)
	}
	re, err := regexp.Compile(flags + b.String())
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", pat, err)
	}
	return re, nil
}

// pyExpand expands a Python replacement template (match.expand / re.sub)
// for the submatch indexes m of src: \1..\99, \g<n>, \g<name> and the
// escapes \n \t \r \\ \a \f \v \0; other backslashes stay literal as Python
// keeps unknown escapes of non-letters.
func pyExpand(re *regexp.Regexp, tmpl string, src []byte, m []int) ([]byte, error) {
	var out []byte
	group := func(n int) error {
		if n < 0 || 2*n+1 >= len(m) {
			return fmt.Errorf("invalid group reference %d", n)
		}
		if m[2*n] >= 0 {
			out = append(out, src[m[2*n]:m[2*n+1]]...)
		}
		return nil
	}
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '\\' || i+1 == len(tmpl) {
			out = append(out, c)
			continue
		}
		n := tmpl[i+1]
		i++
		switch {
		case n == 'g':
			end := strings.IndexByte(tmpl[i:], '>')
			if i+1 >= len(tmpl) || tmpl[i+1] != '<' || end < 0 {
				return nil, fmt.Errorf("missing group name in replacement")
			}
			name := tmpl[i+2 : i+end]
			i += end
			if k, err := strconv.Atoi(name); err == nil {
				if err := group(k); err != nil {
					return nil, err
				}
				continue
			}
			k := re.SubexpIndex(name)
			if k < 0 {
				return nil, fmt.Errorf("unknown group name %q", name)
			}
			_ = group(k)
		case n >= '1' && n <= '9':
			k := int(n - '0')
			if i+1 < len(tmpl) && tmpl[i+1] >= '0' && tmpl[i+1] <= '9' {
				k = k*10 + int(tmpl[i+1]-'0')
				i++
			}
			if err := group(k); err != nil {
				return nil, err
			}
		case n == '0':
			out = append(out, 0)
		default:
			if e, ok := map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', '\\': '\\', 'a': 7, 'f': '\f', 'v': '\v', 'b': '\b'}[n]; ok {
				out = append(out, e)
			} else if n >= 'A' && n <= 'Z' || n >= 'a' && n <= 'z' {
				return nil, fmt.Errorf("bad escape \\%c in replacement", n)
			} else {
				out = append(out, '\\', n)
			}
		}
	}
	return out, nil
}
